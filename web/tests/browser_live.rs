//! The live view in headless Chromium: a moderator logs in through the simulator's consent
//! page, opens the live view, and a new appeal and its link written to the database (as the
//! runners, other processes, write them) appear without a reload — which takes the page's
//! own script running under its CSP and the Server-Sent Events reaching it. Screenshots at
//! phone and desktop widths go to `target/artifacts/live-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver`, like `browser.rs`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::Path;
use std::time::{Duration, Instant};

use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::storage::{EffectKind, NewAppeal, NewEffect, Store};
use chrono::Utc;
use helpers::TestApp;
use reddit_sim::{SimConfig, SimServer};
use webdriver::{Session, browser_binaries};

const SUBS: [&str; 2] = ["live_pics", "live_news"];

/// The site with its console, against a simulator where `head_mod` moderates both
/// subreddits, its streams polling quickly.
async fn live_app(sim: &SimServer) -> TestApp {
    let subs = SUBS.map(|s| (s, "head_mod"));
    helpers::spawn_console(sim, &subs, Vec::new(), |a| {
        a.live.poll = Duration::from_millis(200);
    })
    .await
}

fn name(s: &str) -> SubredditName {
    SubredditName::parse(s).expect("sub")
}

/// A new appellant in `sub`, as the recent runner records one; with an appeal when
/// `treatment`.
async fn appellant(store: &Store, sub: &str, user: &str, conv: &str, treatment: bool) {
    let conv = ConversationId::parse(conv).expect("id");
    let group = if treatment {
        Group::Treatment
    } else {
        Group::Control
    };
    let now = Utc::now();
    let contact = store
        .record_contact(
            &name(sub),
            &RedditUsername::parse(user).expect("user"),
            &conv,
            || group,
            now,
        )
        .await
        .expect("contact");
    if treatment {
        let mut tx = store.begin().await.expect("tx");
        let id = tx
            .create_appeal(
                &NewAppeal {
                    appellant_id: contact.appellant.id,
                    conversation_id: conv.clone(),
                    token_expires_at: now + chrono::Duration::days(7),
                    ban_note: String::new(),
                    ban_reason: "Rule 1".into(),
                    ban_date: None,
                    ban_permanent: true,
                },
                now,
            )
            .await
            .expect("appeal");
        tx.commit().await.expect("commit");
        link_sent(store, id, &conv).await;
    }
}

/// The bot's first message, with the link, done on Reddit (as the sender leaves it).
async fn link_sent(store: &Store, id: appealmod_shared::domain::AppealId, conv: &ConversationId) {
    let marker = format!("appeal-{}-start-reply", id.0);
    let mut tx = store.begin().await.expect("tx");
    tx.enqueue_effect(
        &NewEffect {
            appeal_id: Some(id),
            conversation_id: conv.clone(),
            kind: EffectKind::Reply,
            body: Some("…".into()),
            marker: marker.clone(),
            step: Some(appealmod_shared::storage::StepKind::Start),
            completes_appeal: false,
        },
        Utc::now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let entry = store
        .effects_of(conv)
        .await
        .expect("effects")
        .into_iter()
        .find(|e| e.marker == marker)
        .expect("entry");
    let now = Utc::now();
    assert!(
        store
            .claim_effect(entry.id, now, chrono::Duration::minutes(5))
            .await
            .expect("claim")
            .is_some()
    );
    store.complete_effect(entry.id, now).await.expect("done");
}

/// The text of the figure `key` as the browser shows it now.
async fn shown(session: &Session<'_>, key: &str) -> String {
    let js = format!("return document.querySelector('[data-live=\"{key}\"]').textContent;");
    session
        .script(&js)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until the figure `key` reads `want`, without reloading the page.
async fn wait_for_figure(session: &Session<'_>, key: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = shown(session, key).await;
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{key} stayed {now:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_appeals_appear_on_the_live_view_without_a_reload() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/live-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");

    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = live_app(&sim).await;
    let store = &app.db.store;
    for s in SUBS {
        store
            .ensure_subreddit(&name(s), Utc::now())
            .await
            .expect("sub");
    }
    for (i, user) in ["early_bird", "second_writer", "quiet_one"]
        .iter()
        .enumerate()
    {
        appellant(store, SUBS[i % 2], user, &format!("cold{i}"), i != 2).await;
    }

    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    session.viewport(1280, 900, false).await;
    // The live view needs a login: through the simulator's consent page and back.
    session.goto(&app.url("/dashboard/live")).await;
    session.wait_for("Allow the app to connect").await;
    session.select("select[name=user]", "head_mod").await;
    session.click("button[value=Allow]").await;
    session.wait_for("Your subreddits, live").await;
    // The script connected (only it changes this line).
    session
        .wait_for("Live: numbers update as things happen.")
        .await;
    assert_eq!(shown(&session, "totals.appeals").await, "3");

    let mut appeals = 3;
    for (label, width, height, mobile) in [("desktop", 1280, 900, false), ("phone", 390, 844, true)]
    {
        session.viewport(width, height, mobile).await;
        let user = format!("Newcomer_{label}");
        let before = session.script("return performance.timeOrigin;").await;
        let conv = format!("cnew{label}");
        appellant(store, SUBS[0], &user, &conv, true).await;
        appeals += 1;
        session.wait_for(&format!("u/{user}")).await;
        wait_for_figure(&session, "totals.appeals", &appeals.to_string()).await;
        wait_for_figure(&session, "last30.appeals", &appeals.to_string()).await;
        let after = session.script("return performance.timeOrigin;").await;
        assert_eq!(before, after, "the same page, never reloaded");
        let link = session
            .script(&format!(
                "return document.querySelector('#live-activity a[href$=\"/{conv}\"]').href;"
            ))
            .await;
        let want = format!("https://mod.reddit.com/mail/all/{conv}");
        assert_eq!(link.as_str(), Some(want.as_str()));
        // Let the highlight fade before the picture.
        tokio::time::sleep(Duration::from_millis(1600)).await;
        session.screenshot(&shots, &format!("live-{label}")).await;
    }

    // One subreddit: the other's appellants are not counted.
    session
        .goto(&app.url(&format!("/dashboard/live?r={}", SUBS[1])))
        .await;
    session
        .wait_for("Live: numbers update as things happen.")
        .await;
    assert_eq!(shown(&session, "totals.appeals").await, "1");
    session.screenshot(&shots, "live-one-subreddit-phone").await;

    drop(sim);
    session.quit().await;
}
