//! Headless Chromium on the attention queue: a moderator logs in through the Reddit
//! simulator's consent page and opens the dashboard, r/pics's appeal list and two appeal
//! pages over the readout fixture, at phone (390×844) and desktop (1280×900) widths. On a
//! desktop each appeal is one line; on a phone nothing is wider than the screen. Screenshots
//! go to `target/artifacts/queue-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver`; without them the test fails, unless
//! `APPEALMOD_TEST_ALLOW_NO_BROWSER=1`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::Path;

use appealmod_core::toxicity::AssessedForm;
use appealmod_shared::domain::*;
use appealmod_shared::storage::{NewAppeal, Store};
use appealmod_testkit::readout_fixture;
use chrono::{DateTime, Duration, Utc};
use helpers::TestApp;
use reddit_sim::{SimConfig, SimServer};
use webdriver::{Session, browser_binaries};

/// A treatment appeal begun `hours` ago whose form took `secs` seconds, its answers in
/// modmail since an hour later.
async fn waiting_appeal(store: &Store, user: &str, hours: i64, secs: i64) -> AppealId {
    let sub = SubredditName::parse("pics").expect("sub");
    let conv = ConversationId::parse(&format!("w{}", user.replace('_', ""))).expect("conv");
    let start = Utc::now() - Duration::hours(hours);
    let contact = store
        .record_contact(
            &sub,
            &RedditUsername::parse(user).expect("user"),
            &conv,
            || Group::Treatment,
            start,
        )
        .await
        .expect("contact");
    let mut tx = store.begin().await.expect("tx");
    let new = NewAppeal {
        appellant_id: contact.appellant.id,
        conversation_id: conv,
        token_expires_at: start + Duration::days(30),
        ban_note: "Harassed u/someone in three threads; see modlog".to_owned(),
        ban_reason: "Rule 1: be civil to other users".to_owned(),
        ban_date: Some(start - Duration::days(2)),
        ban_permanent: true,
    };
    let id = tx.create_appeal(&new, start).await.expect("appeal");
    tx.commit().await.expect("commit");
    let opened = start + Duration::minutes(10);
    store.mark_appeal_opened(id, opened).await.expect("opened");
    store
        .submit_form(id, &AssessedForm::of(answers(opened, secs)))
        .await
        .expect("form");
    let mut tx = store.begin().await.expect("tx");
    tx.set_appeal_status(id, AppealStatus::Completed, opened + Duration::hours(1))
        .await
        .expect("completed");
    tx.commit().await.expect("commit");
    id
}

/// The default form, answered: free text in turn short, long and multi-line (quoted), the
/// choices' second option, yes.
fn answers(opened: DateTime<Utc>, secs: i64) -> FormAnswers {
    let texts = [
        "I was rude to another user in a heated thread about the rules.",
        "I replied to the same person three times in one evening and called them names.\n\
         I was angry about a removed post and took it out on them. That was not fair to \
         them, and it is exactly what the rule is about.",
        "Step away before replying, and report instead of arguing.",
    ];
    let mut next_text = texts.iter().cycle();
    let answers = FormQuestions::default()
        .0
        .into_iter()
        .map(|q| {
            let value = match &q.kind {
                QuestionKind::Text { .. } => {
                    AnswerValue::Text((*next_text.next().unwrap_or(&"")).to_owned())
                }
                QuestionKind::Choice { options, .. } => AnswerValue::Choice {
                    option: options.get(1).cloned().unwrap_or_default(),
                    text: None,
                },
                QuestionKind::YesNo => AnswerValue::YesNo(true),
                QuestionKind::MultiChoice { options } => {
                    AnswerValue::MultiChoice(options.iter().skip(1).take(1).cloned().collect())
                }
            };
            Answer {
                question_id: q.id,
                label: q.label,
                value,
            }
        })
        .collect();
    FormAnswers {
        answers,
        opened_at: Some(opened),
        submitted_at: opened + Duration::seconds(secs),
    }
}

/// u/`user`'s first appeal in r/pics.
async fn appeal_of(store: &Store, user: &str) -> AppealId {
    let a = store
        .appellant(
            &SubredditName::parse("pics").expect("sub"),
            &RedditUsername::parse(user).expect("user"),
        )
        .await
        .expect("read")
        .expect("appellant");
    store.appeals_of(a.id).await.expect("appeals")[0].id
}

/// Logs in as `user` on the simulator's consent page and lands on `path`.
async fn login(session: &Session<'_>, app: &TestApp, user: &str, path: &str) {
    session.goto(&app.url(path)).await;
    session.wait_for("Allow the app to connect").await;
    session.select("select[name=user]", user).await;
    session.click("button[value=Allow]").await;
}

/// Nothing wider than the window (a table may scroll inside its own box); on a desktop,
/// every line of the appeal list one line high.
async fn check_layout(session: &Session<'_>, width: u32, one_line: bool, what: &str) {
    let v = session
        .script(&format!(
            "const rows = [...document.querySelectorAll('table.appeal-list tbody tr')];
             const line = parseFloat(getComputedStyle(document.body).lineHeight);
             return {{
               page: document.documentElement.scrollWidth,
               rows: rows.length,
               tallest: Math.max(0, ...rows.map(r => r.getBoundingClientRect().height)),
               line: line,
               table: (document.querySelector('table.appeal-list') || {{ scrollWidth: 0 }}).scrollWidth,
               wide: [...document.body.querySelectorAll('*')]
                 .filter(e => e.getBoundingClientRect().right > {width} + 0.5
                   && ![...e.children].some(c => c.getBoundingClientRect().right > {width} + 0.5)
                   && !e.closest('.table-wrap'))
                 .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))
                 .slice(0, 10)
             }};"
        ))
        .await;
    assert!(
        v["page"].as_f64() <= Some(f64::from(width))
            && v["wide"].as_array().is_some_and(|w| w.is_empty()),
        "{what}: the page is wider than the window: {v}"
    );
    if one_line {
        let (tallest, line) = (v["tallest"].as_f64(), v["line"].as_f64());
        assert!(
            tallest.zip(line).is_some_and(|(t, l)| t < 2.0 * l + 12.0),
            "{what}: a line of the list wraps: {v}"
        );
        assert!(
            v["table"].as_f64() <= Some(f64::from(width)),
            "{what}: the list scrolls sideways: {v}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_list_and_appeal_pages_at_phone_and_desktop_widths() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/queue-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let subs = [("pics", "head_mod"), ("news", "other_mod")];
    let app = helpers::spawn_console(&sim, &subs, Vec::new(), |_| {}).await;
    let store = &app.db.store;
    readout_fixture::load(store, Utc::now())
        .await
        .expect("fixture");
    let waiting = waiting_appeal(store, "long_answer_user", 30, 14).await;
    waiting_appeal(store, "second_waiting", 5, 400).await;
    let (a12, a15) = (appeal_of(store, "a12").await, appeal_of(store, "a15").await);
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    login(&session, &app, "head_mod", "/dashboard").await;
    session.wait_for("awaiting a decision").await;
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        session.goto(&app.url("/dashboard")).await;
        session.wait_for("awaiting a decision").await;
        check_layout(&session, width, false, name).await;
        session
            .screenshot(&shots, &format!("dashboard-{name}"))
            .await;
        session.click("p.queue-waiting a").await;
        session.wait_for("Waiting since").await;
        session.goto(&app.url("/dashboard/r/pics")).await;
        session.wait_for("Recorded only").await;
        check_layout(&session, width, !mobile, name).await;
        session.screenshot(&shots, &format!("queue-{name}")).await;
        session
            .goto(&app.url("/dashboard/r/pics?toxic=yes&sort=newest"))
            .await;
        session.wait_for("badge-toxic").await;
        check_layout(&session, width, !mobile, name).await;
        session
            .screenshot(&shots, &format!("queue-toxic-{name}"))
            .await;
        // From the list, as a moderator gets there: the longest-waiting line first.
        session.goto(&app.url("/dashboard/r/pics")).await;
        session.wait_for("Recorded only").await;
        session.click("a.case-link").await;
        session.wait_for("Waiting for a decision for").await;
        let here = session.script("return location.pathname").await;
        assert_eq!(here, format!("/dashboard/r/pics/appeals/{}", a12.0));
        session
            .goto(&app.url(&format!("/dashboard/r/pics/appeals/{}", waiting.0)))
            .await;
        session.wait_for("Filled fast").await;
        check_layout(&session, width, false, name).await;
        session
            .screenshot(&shots, &format!("appeal-waiting-{name}"))
            .await;
        session
            .goto(&app.url(&format!("/dashboard/r/pics/appeals/{}", a15.0)))
            .await;
        session.wait_for("The answer to").await;
        check_layout(&session, width, false, name).await;
        session
            .screenshot(&shots, &format!("appeal-toxic-{name}"))
            .await;
    }
    session.quit().await;
}
