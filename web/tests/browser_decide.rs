//! Headless Chromium on the decision desk, at phone (390×844) and desktop (1280×900) sizes:
//! a moderator logs in through the Reddit simulator's consent page, sees the dashboard's
//! counts and the appeal list, opens a completed appeal (its decision form: every button
//! reachable without scrolling sideways), grants it (the notice and "Granted by u/…"), and
//! the appellant's status page then says the ban is lifted. Screenshots go to
//! `target/artifacts/decision-screenshots/`.
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
use chrono::{DateTime, Duration, Utc};
use helpers::TestApp;
use reddit_sim::{SimConfig, SimServer};
use webdriver::{Session, browser_binaries};

const SIZES: [(&str, u32, u32, bool); 2] =
    [("phone", 390, 844, true), ("desktop", 1280, 900, false)];

/// A completed appeal of u/`user` in r/pics (its form answered an hour after the link,
/// passed on to the moderators); returns its id and the appellant's personal link.
async fn completed(app: &TestApp, user: &str) -> (AppealId, String) {
    let (id, link) = app
        .create_appeal_with(
            user,
            "Spam in three threads; see modlog",
            "Rule 3: no spam",
            Utc::now() + Duration::days(7),
        )
        .await;
    let store = &app.db.store;
    let opened = Utc::now() - Duration::hours(3);
    store.mark_appeal_opened(id, opened).await.expect("opened");
    store
        .submit_form(id, &AssessedForm::of(answers(opened)))
        .await
        .expect("form");
    let mut tx = store.begin().await.expect("tx");
    tx.set_appeal_status(id, AppealStatus::Completed, opened + Duration::minutes(5))
        .await
        .expect("completed");
    tx.commit().await.expect("commit");
    (id, link)
}

/// A control appellant of r/pics (recorded, never written to); returns their page.
async fn control(app: &TestApp, user: &str) -> String {
    let store = &app.db.store;
    let contact = store
        .record_contact(
            &SubredditName::parse("pics").expect("sub"),
            &RedditUsername::parse(user).expect("user"),
            &ConversationId::parse(&user.replace('_', "")).expect("id"),
            || Group::Control,
            Utc::now() - Duration::hours(1),
        )
        .await
        .expect("control appellant");
    format!("/dashboard/r/pics/appellants/{}", contact.appellant.id.0)
}

/// Answers to whatever the default form asks (the questions may change).
fn answers(opened: DateTime<Utc>) -> FormAnswers {
    let answers = FormQuestions::default()
        .0
        .into_iter()
        .map(|q| {
            let value = match &q.kind {
                QuestionKind::Text { .. } => AnswerValue::Text(
                    "I posted the same link in many threads; I will not do it again.".to_owned(),
                ),
                QuestionKind::Choice { options, .. } => AnswerValue::Choice {
                    option: options.first().cloned().unwrap_or_default(),
                    text: None,
                },
                QuestionKind::YesNo => AnswerValue::YesNo(true),
                QuestionKind::MultiChoice { options } => {
                    AnswerValue::MultiChoice(options.iter().take(1).cloned().collect())
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
        submitted_at: opened + Duration::seconds(150),
    }
}

/// Logs in as `user` on the simulator's consent page and lands on `path`.
async fn login(session: &Session<'_>, app: &TestApp, user: &str, path: &str) {
    session.goto(&app.url(path)).await;
    session.wait_for("Allow the app to connect").await;
    session.select("select[name=user]", user).await;
    session.click("button[value=Allow]").await;
}

/// Nothing on the page is wider than the window, and every control of the decision forms
/// lies inside it (reachable without scrolling sideways).
async fn fits(session: &Session<'_>, width: u32, what: &str) {
    let v = session
        .script(&format!(
            "const right = e => e.getBoundingClientRect().right > {width} + 0.5;
             const out = e => right(e) || e.getBoundingClientRect().left < -0.5;
             return {{
               page: document.documentElement.scrollWidth,
               controls: [...document.querySelectorAll('.decision button, .decision select, .decision input:not([type=hidden]), .decision textarea')]
                 .filter(out).map(e => e.tagName + ' ' + (e.value || e.textContent).trim().slice(0, 40)),
               wide: [...document.body.querySelectorAll('*')]
                 .filter(e => right(e) && ![...e.children].some(right) && !e.closest('.table-wrap'))
                 .map(e => e.tagName + '.' + e.className).slice(0, 10)
             }};"
        ))
        .await;
    assert!(
        v["page"].as_f64() <= Some(f64::from(width))
            && v["controls"].as_array().is_some_and(Vec::is_empty)
            && v["wide"].as_array().is_some_and(Vec::is_empty),
        "{what}: wider than the window: {v}"
    );
}

/// How many of the decision form's buttons show, and whether each is at least 44 px high
/// (a finger's target).
async fn buttons(session: &Session<'_>) -> (u64, bool) {
    let v = session
        .script(
            "const b = [...document.querySelectorAll('.decision button')];
             return [b.length, b.every(x => x.getBoundingClientRect().height >= 44)];",
        )
        .await;
    (v[0].as_u64().unwrap_or(0), v[1].as_bool().unwrap_or(false))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_desk_at_phone_and_desktop_sizes() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let shots =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/decision-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = helpers::spawn_console(&sim, &[("pics", "head_mod")], Vec::new(), |_| {}).await;
    completed(&app, "still_waiting").await;
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    login(&session, &app, "head_mod", "/dashboard").await;
    session.wait_for("awaiting a decision").await;
    for (size, width, height, mobile) in SIZES {
        let (id, link) = completed(&app, &format!("grant_{size}")).await;
        session.viewport(width, height, mobile).await;
        session.goto(&app.url("/dashboard")).await;
        session.wait_for("awaiting a decision").await;
        fits(&session, width, &format!("dashboard {size}")).await;
        session
            .screenshot(&shots, &format!("dashboard-{size}"))
            .await;
        session.goto(&app.url("/dashboard/r/pics")).await;
        session.wait_for(&format!("u/grant_{size}")).await;
        fits(&session, width, &format!("list {size}")).await;
        session.screenshot(&shots, &format!("queue-{size}")).await;

        let page = format!("/dashboard/r/pics/appeals/{}", id.0);
        session.goto(&app.url(&page)).await;
        session.wait_for("Grant: lift the ban").await;
        session.screenshot(&shots, &format!("appeal-{size}")).await;
        fits(&session, width, &format!("appeal {size}")).await;
        let (count, tall) = buttons(&session).await;
        assert!(count >= 5, "{size}: the decision buttons: {count}");
        assert!(
            !mobile || tall,
            "{size}: a decision button under 44 px high"
        );

        session.click("button[value=grant]").await;
        let body = session.wait_for("Decision recorded").await;
        assert!(body.contains("Granted by u/head_mod"), "{size}: {body}");
        assert!(!body.contains("Grant: lift the ban"), "{size}: no controls");
        fits(&session, width, &format!("granted {size}")).await;
        session.screenshot(&shots, &format!("granted-{size}")).await;

        session.goto(&app.url(&link)).await;
        let body = session.wait_for("You are no longer banned").await;
        assert!(body.contains("Ban lifted"), "{size}: {body}");
        fits(&session, width, &format!("status {size}")).await;
        session.screenshot(&shots, &format!("status-{size}")).await;

        // A control appellant: decided from their page, which records their appeal.
        let page = control(&app, &format!("ctrl_{size}")).await;
        session.goto(&app.url(&page)).await;
        session.wait_for("is in the control group").await;
        fits(&session, width, &format!("control {size}")).await;
        session.screenshot(&shots, &format!("control-{size}")).await;
        session.click("button[value=deny]").await;
        let body = session.wait_for("Decision recorded").await;
        assert!(body.contains("Denied by u/head_mod"), "{size}: {body}");
        session
            .screenshot(&shots, &format!("control-denied-{size}"))
            .await;
    }
    session.quit().await;
}
