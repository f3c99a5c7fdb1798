//! The attention queue over HTTP, on both backends, over the readout fixture
//! (`appealmod_testkit::readout_fixture`: its table lists every appeal): the dashboard's
//! count of appeals awaiting a decision and the oldest one's wait; the appeal list's sort,
//! search and filters, and its 400 for values it does not take.
//!
//! `head_mod` moderates r/pics, `other_mod` r/news. In the fixture r/pics has 21 lines: one
//! appeal awaiting a decision (a12, completed on day 18 at 11:18, no outcome), 7 control
//! appellants (a8 and a19 unbanned, a9 and a10 no longer followed, a7, a18 and a20
//! pending), and 8 toxic lines (messages of a2, a8, a10, a11, a16, a18; answers of a5, a15).
//! r/news has nothing awaiting a decision.

use appealmod_core::toxicity::AssessedForm;
use appealmod_shared::domain::*;
use appealmod_shared::storage::{Backend, NewAppeal, Store};
use appealmod_testkit::readout_fixture::{self, ReadoutFixture};
use chrono::{DateTime, Duration, Utc};

use crate::console::{Console, console, console_again};
use crate::on_both_backends;

on_both_backends!(
    the_dashboard_counts_what_awaits_a_decision_and_since_when,
    the_list_sorts_by_waiting_time_or_newest,
    the_list_searches_and_filters,
    values_the_list_does_not_take_are_400,
);

/// The console with the fixture loaded, `head_mod` logged in.
pub(crate) async fn loaded(backend: Backend) -> (Console, ReadoutFixture) {
    let c = console(backend).await;
    let f = readout_fixture::load(&c.app.db.store, Utc::now())
        .await
        .expect("fixture");
    c.login("head_mod", "/dashboard").await;
    (c, f)
}

/// An answer set opened at `opened` and sent `secs` later.
pub(crate) fn answers(opened: DateTime<Utc>, secs: i64) -> FormAnswers {
    let text = |id: &str, label: &str, t: &str| Answer {
        question_id: id.to_owned(),
        label: label.to_owned(),
        value: AnswerValue::Text(t.to_owned()),
    };
    FormAnswers {
        answers: vec![
            text(
                "ban_reason",
                "Why were you banned?",
                "I argued in a thread.",
            ),
            text("steps", "What will you do?", "Read the rules first."),
        ],
        opened_at: Some(opened),
        submitted_at: opened + Duration::seconds(secs),
    }
}

/// A treatment appeal of u/`user` in `sub` begun at `start`, its form filled in `secs`
/// seconds an hour later and its answers in modmail at `completed`.
pub(crate) async fn completed_appeal(
    store: &Store,
    sub: &str,
    user: &str,
    start: DateTime<Utc>,
    secs: i64,
    completed: DateTime<Utc>,
) -> AppealId {
    let sub = SubredditName::parse(sub).expect("sub");
    let conv = ConversationId::parse(&format!("x{user}").replace('_', "")).expect("conv");
    let name = RedditUsername::parse(user).expect("user");
    let contact = store
        .record_contact(&sub, &name, &conv, || Group::Treatment, start)
        .await
        .expect("contact");
    let mut tx = store.begin().await.expect("tx");
    let new = NewAppeal {
        appellant_id: contact.appellant.id,
        conversation_id: conv,
        token_expires_at: start + Duration::days(30),
        ban_note: "rule 3".to_owned(),
        ban_reason: "Rule 3: be civil".to_owned(),
        ban_date: Some(start - Duration::days(1)),
        ban_permanent: false,
    };
    let id = tx.create_appeal(&new, start).await.expect("appeal");
    tx.commit().await.expect("commit");
    let opened = start + Duration::hours(1);
    store.mark_appeal_opened(id, opened).await.expect("opened");
    store
        .submit_form(id, &AssessedForm::of(answers(opened, secs)))
        .await
        .expect("form");
    let mut tx = store.begin().await.expect("tx");
    tx.set_appeal_status(id, AppealStatus::Completed, completed)
        .await
        .expect("completed");
    tx.commit().await.expect("commit");
    id
}

/// The users of the list's lines, in order.
pub(crate) fn users(html: &str) -> Vec<String> {
    html.split("class=\"case-link\" href=\"")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split_once(">u/")?.1;
            Some(name.split_once('<')?.0.to_owned())
        })
        .collect()
}

async fn the_dashboard_counts_what_awaits_a_decision_and_since_when(backend: Backend) {
    let (c, f) = loaded(backend).await;
    // a12's answers reached modmail on day 18 at 11:18 (10:00, opened at 11:00, 8 minutes
    // to fill, the note 10 minutes later).
    let a12 = f.day(18) + Duration::minutes(78);
    let days = (Utc::now() - a12).num_days();
    let (status, body) = c.page("/dashboard").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<strong>1</strong> awaiting a decision</a> · the oldest waiting for"),
        "{body}"
    );
    assert!(body.contains(&format!(">{days} days</time>")), "{body}");
    assert!(body.contains("href=\"/dashboard/r/pics?status=completed\""));
    // Two more, one an hour old: the count moves, the oldest stays a12.
    let store = &c.app.db.store;
    let now = Utc::now();
    completed_appeal(
        store,
        "pics",
        "late_one",
        now - Duration::hours(5),
        300,
        now - Duration::hours(3),
    )
    .await;
    completed_appeal(
        store,
        "pics",
        "late_two",
        now - Duration::hours(2),
        300,
        now - Duration::hours(1),
    )
    .await;
    let (_, body) = c.page("/dashboard").await;
    assert!(
        body.contains("<strong>3</strong> awaiting a decision"),
        "{body}"
    );
    assert!(body.contains(&format!(">{days} days</time>")), "{body}");
    // A decision takes a12 out of the queue: the oldest is now 3 hours old.
    let a12_id = appeal_of(store, "pics", "a12").await;
    let mut tx = store.begin().await.expect("tx");
    tx.set_appeal_outcome(a12_id, Outcome::Denied, now)
        .await
        .expect("decided");
    tx.commit().await.expect("commit");
    let (_, body) = c.page("/dashboard").await;
    assert!(
        body.contains("<strong>2</strong> awaiting a decision"),
        "{body}"
    );
    assert!(body.contains(">3 h</time>"), "{body}");
    // r/news has none; its moderator sees only r/news, the operator both.
    let n = console_again(&c).await;
    n.login("other_mod", "/dashboard").await;
    let (_, body) = n.page("/dashboard").await;
    assert!(body.contains("No appeal awaiting a decision."), "{body}");
    assert!(!body.contains("awaiting a decision</a>"), "{body}");
    let o = console_again(&c).await;
    o.login("the_operator", "/dashboard").await;
    let (_, body) = o.page("/dashboard").await;
    assert!(
        body.contains("<strong>2</strong> awaiting a decision"),
        "{body}"
    );
    assert!(body.contains("No appeal awaiting a decision."), "{body}");
}

/// The latest appeal of u/`user` in `sub`.
pub(crate) async fn appeal_of(store: &Store, sub: &str, user: &str) -> AppealId {
    let a = store
        .appellant(
            &SubredditName::parse(sub).expect("sub"),
            &RedditUsername::parse(user).expect("user"),
        )
        .await
        .expect("read")
        .expect("appellant");
    store
        .appeals_of(a.id)
        .await
        .expect("appeals")
        .last()
        .expect("an appeal")
        .id
}

async fn the_list_sorts_by_waiting_time_or_newest(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let now = Utc::now();
    completed_appeal(
        store,
        "pics",
        "late_one",
        now - Duration::hours(5),
        300,
        now - Duration::hours(3),
    )
    .await;
    let (status, body) = c.page("/dashboard/r/pics").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Appeals <span class=\"count\">(22)</span>"),
        "{body}"
    );
    // Waiting longest (the default): a12 (day 18), late_one (3 h); then newest first.
    let listed = users(&body);
    assert_eq!(listed.len(), 22, "{listed:?}");
    assert_eq!(
        &listed[..5],
        ["a12", "late_one", "a20", "a19", "a18"],
        "{listed:?}"
    );
    assert!(body.contains("title=\"Waiting since "), "{body}");
    assert!(body.contains(">3 h</time>"), "{body}");
    // Every line links to its page: appeals by id, appellants without one by theirs.
    let late = appeal_of(store, "pics", "late_one").await;
    assert!(body.contains(&format!(
        "href=\"/dashboard/r/pics/appeals/{}\">u/late_one",
        late.0
    )));
    assert!(
        body.contains("href=\"/dashboard/r/pics/appellants/"),
        "control lines"
    );
    assert_eq!(body.matches("class=\"case-link\"").count(), 22);
    // Relative times with the exact time: "3 h ago" written, 2 Dec 2026, 01:47 UTC.
    assert!(body.contains("<time datetime=\""), "{body}");
    assert!(
        body.contains(" UTC\" tabindex=\"0\">3 h ago</time>"),
        "{body}"
    );
    // Newest first.
    let (_, body) = c.page("/dashboard/r/pics?sort=newest").await;
    let listed = users(&body);
    assert_eq!(&listed[..3], ["late_one", "a20", "a19"], "{listed:?}");
    assert!(
        body.contains("<option value=\"newest\" selected>"),
        "{body}"
    );
}

async fn the_list_searches_and_filters(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let count = |body: &str| users(body).len();
    let page = |q: &'static str| {
        let c = &c;
        async move {
            let (status, body) = c.page(&format!("/dashboard/r/pics?{q}")).await;
            assert_eq!(status, 200, "{q}: {body}");
            body
        }
    };
    // "a2" is in a2 and a20; case and a u/ in front do not matter.
    let body = page("user=u%2FA2").await;
    assert_eq!(users(&body), ["a20", "a2"], "{body}");
    assert!(body.contains("value=\"a2\""), "the search stays in its box");
    assert_eq!(count(&page("user=zzz").await), 0);
    assert!(
        page("user=zzz")
            .await
            .contains("No appeals match this filter yet.")
    );
    // By status: the one awaiting a decision; the control appellants' outcomes.
    assert_eq!(users(&page("status=completed").await), ["a12"]);
    assert_eq!(count(&page("group=control").await), 7);
    let granted = page("group=control&status=granted").await;
    assert_eq!(users(&granted), ["a19", "a8"]);
    assert!(granted.contains("badge-case-granted\">Granted</span>"));
    assert_eq!(
        users(&page("group=control&status=denied").await),
        ["a10", "a9"]
    );
    assert_eq!(
        users(&page("group=control&status=recorded&sort=newest").await),
        ["a20", "a18", "a7"]
    );
    // Toxic: 8 lines, each with its badge; the rest clean.
    let toxic = page("toxic=yes&sort=newest").await;
    assert_eq!(
        users(&toxic),
        ["a18", "a16", "a15", "a11", "a10", "a8", "a5", "a2"],
        "{toxic}"
    );
    assert_eq!(toxic.matches("badge-toxic\">Toxic</span>").count(), 8);
    assert_eq!(count(&page("toxic=no").await), 21 - 8);
    // Everything at once, and the form's empty values.
    assert_eq!(
        users(&page("user=a1&toxic=yes&group=treatment&status=granted").await),
        ["a11"]
    );
    assert_eq!(
        count(&page("user=&status=&group=&toxic=&sort=waiting").await),
        21
    );
    // Pages are bounded: past the end is the last page.
    let body = page("page=7").await;
    assert!(body.contains("Page 1 of 1"), "{body}");
    assert_eq!(count(&body), 21);
}

async fn values_the_list_does_not_take_are_400(backend: Backend) {
    let (c, _) = loaded(backend).await;
    for (q, says) in [
        (
            "status=nonsense",
            "“nonsense” is not a status of this list. Use one of: contacted,",
        ),
        (
            "group=both",
            "“both” is not a group of this list. Use one of: treatment, control.",
        ),
        ("toxic=maybe", "Use one of: yes, no."),
        ("sort=oldest", "Use one of: waiting, newest."),
        ("user=a%25", "No username contains “a%”"),
        (
            "page=0",
            "“0” is not a page: use a whole number from 1 to 10000.",
        ),
        ("page=10001", "from 1 to 10000"),
        ("page=2&page=3", "“page” is given more than once."),
        ("stauts=completed", "This list does not take “stauts”."),
    ] {
        let (status, body) = c.page(&format!("/dashboard/r/pics?{q}")).await;
        assert_eq!(status, 400, "{q}");
        assert!(body.contains(says), "{q}: {body}");
        assert!(
            body.contains("href=\"/dashboard/r/pics\">Show all appeals of r/pics</a>"),
            "{q}"
        );
    }
    // Someone else learns nothing from a bad address either: the console's 404 first.
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    let (status, _) = o.page("/dashboard/r/pics?status=nonsense").await;
    assert_eq!(status, 404);
}
