//! The split alarm through the started runner's check, on both backends: raised once when a
//! period's split is off (one row, one message to the alerts channel, however many passes
//! see it), cleared once when the split is back in line.

use std::sync::{Arc, Mutex};

use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::storage::Backend;
use appealmod_testkit::TestDb;
use appealmod_testkit::world::{World, WorldOptions};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

appealmod_testkit::on_both_backends!(the_alarm_is_raised_once_and_cleared_once);

/// The events routed to the alerts channel (`slack = "alerts"`): level and message.
#[derive(Clone, Default)]
struct Alerts(Arc<Mutex<Vec<(Level, String)>>>);

#[derive(Default)]
struct Fields {
    slack: Option<String>,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "slack" {
            self.slack = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Alerts {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        if f.slack.as_deref() == Some("alerts")
            && let Ok(mut v) = self.0.lock()
        {
            v.push((*event.metadata().level(), f.message));
        }
    }
}

impl Alerts {
    fn take(&self) -> Vec<(Level, String)> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Appellants of r/pics drawn into `group`, from `from` on (names `{prefix}{i}`).
async fn drawn(w: &World, prefix: &str, n: usize, group: Group) {
    let sub = SubredditName::parse("pics").expect("sub");
    for i in 0..n {
        let user = RedditUsername::parse(&format!("{prefix}{i}")).expect("user");
        let conv = ConversationId::parse(&format!("{prefix}c{i}")).expect("conversation");
        w.store
            .record_contact(&sub, &user, &conv, || group, w.clock.now())
            .await
            .expect("contact");
    }
}

async fn the_alarm_is_raised_once_and_cleared_once(backend: Backend) {
    let alerts = Alerts::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(alerts.clone()));
    let db = TestDb::new(backend).await;
    let w = World::start(
        db.store.clone(),
        &db.url,
        WorldOptions {
            treatment_fraction: 0.5,
            ..WorldOptions::default()
        },
    )
    .await
    .expect("world");
    let pics = SubredditName::parse("pics").expect("sub");

    // 10 of 10 in the treatment group at ½: p = 2 · 0.5¹⁰ = 0.00195 — unusual, not an alarm.
    drawn(&w, "t", 10, Group::Treatment).await;
    let r = w.ctx.check_splits(None).await.expect("check");
    assert_eq!((r.raised, r.cleared), (0, 0));
    assert!(alerts.take().is_empty());

    // 14 of 14: p = 2 · 0.5¹⁴ = 0.000122 < 0.001. Raised, and told once.
    drawn(&w, "u", 4, Group::Treatment).await;
    let r = w.ctx.check_splits(None).await.expect("check");
    assert_eq!((r.raised, r.cleared), (1, 0));
    let told = alerts.take();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, Level::WARN);
    assert!(
        told[0].1.contains(
            "14 of 14 appellants were put in the treatment group where 50 % was configured"
        ),
        "{told:?}"
    );
    let alarm = w
        .store
        .split_alarm(&pics)
        .await
        .expect("read")
        .expect("raised");
    assert_eq!(
        (alarm.appellants, alarm.treatment, alarm.fraction),
        (14, 14, 0.5)
    );
    assert!((alarm.p_value - 2.0 * 0.5f64.powi(14)).abs() < 1e-12);
    assert_eq!(alarm.period_from, None, "the subreddit's first period");
    // Every later pass sees it too, and says nothing.
    for _ in 0..3 {
        w.started.run_once().await.expect("pass");
    }
    assert!(alerts.take().is_empty());
    assert!(w.store.split_alarm(&pics).await.expect("read").is_some());

    // 14 control appellants: 14 of 28, p = 1. Cleared, and told once, by the runner's
    // pass, which checks only what changed since its previous check.
    drawn(&w, "c", 14, Group::Control).await;
    let r = w.started.run_once().await.expect("pass").splits;
    assert_eq!((r.raised, r.cleared), (0, 1));
    let told = alerts.take();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, Level::INFO);
    assert!(told[0].1.contains("back in line"), "{told:?}");
    assert_eq!(w.store.split_alarm(&pics).await.expect("read"), None);
    w.started.run_once().await.expect("pass");
    assert!(alerts.take().is_empty());

    // Which subreddits a check reads: with nothing drawn or changed since, and no alarm,
    // none; a first check reads every subreddit that has drawn anyone.
    let later = w.clock.now() + chrono::Duration::minutes(1);
    let none = w
        .store
        .split_check_candidates(Some(later), None, 10)
        .await
        .expect("candidates");
    assert!(none.is_empty(), "{none:?}");
    let all = w
        .store
        .split_check_candidates(None, None, 10)
        .await
        .expect("candidates");
    assert_eq!(all, vec![pics.clone()]);
    let after = w
        .store
        .split_check_candidates(None, Some(&pics), 10)
        .await
        .expect("candidates");
    assert!(after.is_empty(), "the page after r/pics: {after:?}");
}
