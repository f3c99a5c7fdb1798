//! The pages an appellant sees, in headless Chromium at a phone's size (390×844) and a
//! desktop's (1280×900), in the light and the dark colour scheme: the default form (its
//! height measured: it must fit in two phone screens), the error summary after an empty
//! submit (at most a third of a phone screen), the "Other" box, the expired page and the
//! status page, and axe-core's WCAG 2.1 A/AA rules on each appellant page in both schemes
//! (axe from `target/axe/`, which `./run.sh test` installs with npm, or `APPEALMOD_AXE_JS`);
//! and the form, its errors and the status page in each other shipped language.
//! Screenshots go to `target/artifacts/appellant-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver`, like `browser.rs`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

#[path = "support/axe.rs"]
#[allow(dead_code)]
mod axe;

use std::path::{Path, PathBuf};

use appealmod_core::i18n;
use appealmod_shared::domain::{AppealId, AppealStatus, Language};
use appealmod_shared::storage::{Backend, SubredditSettings};
use axe::{axe_source, axe_violations, scheme};
use chrono::{Duration, Utc};
use helpers::TestApp;
use serde_json::json;
use webdriver::{Session, browser_binaries};

const PHONE: (u32, u32) = (390, 844);
const SIZES: [(&str, u32, u32, bool); 2] =
    [("phone", 390, 844, true), ("desktop", 1280, 900, false)];
const REASON: &str =
    "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.";

fn shots() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/appellant-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// The page's whole height in CSS pixels.
async fn page_height(session: &Session<'_>) -> i64 {
    session
        .script("return document.documentElement.scrollHeight")
        .await
        .as_i64()
        .expect("height")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_form_fits_in_two_phone_screens() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    session.viewport(PHONE.0, PHONE.1, true).await;
    scheme(&session, false).await;
    let (_, path) = app
        .create_appeal_with(
            "tall_form",
            "private note",
            "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.",
            chrono::Utc::now() + chrono::Duration::days(7),
        )
        .await;
    session.goto(&app.url(&path)).await;
    session.wait_for("Submit my appeal").await;
    let height = page_height(&session).await;
    session.screenshot(&shots(), "form-phone-light").await;
    eprintln!("default form on a 390×844 phone: {height} px");
    assert!(
        height <= 2 * i64::from(PHONE.1),
        "the default form is {height} px tall on a phone"
    );
    session.quit().await;
}

/// The smallest height and width of what one taps on the form: each option's row, the
/// submit button.
const TARGETS: &str = "const els = [...document.querySelectorAll('.appeal-form .option, .appeal-form button')]; \
     const r = els.map(e => e.getBoundingClientRect()); \
     return [els.length, Math.min(...r.map(b => b.height)), Math.min(...r.map(b => b.width))];";

/// Whether the element `arguments[0]` is rendered (not `display: none` anywhere up).
const SHOWN: &str =
    "const e = document.querySelector(arguments[0]); return !!(e && e.getClientRects().length);";

async fn shown(session: &Session<'_>, css: &str) -> bool {
    session
        .post("/execute/sync", json!({"script": SHOWN, "args": [css]}))
        .await
        .as_bool()
        .unwrap_or(false)
}

async fn appeal(app: &TestApp, user: &str, valid_for: Duration) -> (AppealId, String) {
    app.create_appeal_with(user, "private note", REASON, Utc::now() + valid_for)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appellant_pages_at_phone_and_desktop_sizes_in_light_and_dark() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    let dir = shots();
    for dark in [false, true] {
        scheme(&session, dark).await;
        let theme = if dark { "dark" } else { "light" };
        for (size, width, height, mobile) in SIZES {
            session.viewport(width, height, mobile).await;
            let tag = format!("{size}-{theme}");
            let who = format!("{}{}", &size[..1], &theme[..1]);
            let (id, path) = appeal(&app, &format!("u_{who}"), Duration::days(7)).await;
            session.goto(&app.url(&path)).await;
            session.wait_for("Submit my appeal").await;
            session.screenshot(&dir, &format!("form-{tag}")).await;
            form_is_usable(&session, &tag).await;
            errors_are_compact(&session, &dir, &tag, height).await;
            fill_and_send(&session).await;
            session
                .wait_for("Thank you, your appeal was received")
                .await;
            passed_on(&app, id).await;
            session.goto(&app.url(&path)).await;
            session.wait_for("Your appeal is with the moderators").await;
            session.screenshot(&dir, &format!("status-{tag}")).await;
            let (_, expired) = appeal(&app, &format!("late_{who}"), -Duration::minutes(1)).await;
            session.goto(&app.url(&expired)).await;
            session.wait_for("This link has expired").await;
            session.screenshot(&dir, &format!("expired-{tag}")).await;
        }
    }
    session.quit().await;
}

/// Touch targets of at least 44 px, and the "Other" box only while "Other" is chosen.
async fn form_is_usable(session: &Session<'_>, tag: &str) {
    let t = session.script(TARGETS).await;
    assert!(t[0].as_u64() > Some(10), "{tag}: {t}");
    assert!(
        t[1].as_f64() >= Some(44.0) && t[2].as_f64() >= Some(44.0),
        "{tag}: targets {t}"
    );
    assert!(
        !shown(session, "#q0_other").await,
        "{tag}: Other's box before Other"
    );
    session.click("label[for=q0-4]").await;
    assert!(
        shown(session, "#q0_other").await,
        "{tag}: Other's box once chosen"
    );
    session.click("label[for=q0-1]").await;
    assert!(!shown(session, "#q0_other").await, "{tag}: hidden again");
    session
        .script("document.querySelector('#q0-1').checked = false")
        .await;
}

/// An empty submit: a summary within a third of the screen, the messages beside the
/// questions, and the "Other" box neither shown nor in error; then "Other" without text.
async fn errors_are_compact(session: &Session<'_>, dir: &Path, tag: &str, screen: u32) {
    session.click("button[type=submit]").await;
    session.wait_for("answers need your attention").await;
    assert_eq!(session.active_id().await, "error-summary", "{tag}");
    let h = session
        .script("return document.getElementById('error-summary').getBoundingClientRect().height")
        .await;
    assert!(
        h.as_f64() <= Some(f64::from(screen) / 3.0),
        "{tag}: summary {h} px"
    );
    session.screenshot(dir, &format!("errors-{tag}")).await;
    assert!(!shown(session, "#q0_other").await, "{tag}");
    let in_error = session
        .script("return document.querySelectorAll('.other.has-error').length")
        .await;
    assert_eq!(
        in_error,
        json!(0),
        "{tag}: Other's box in error though not chosen"
    );
    session.click("label[for=q0-4]").await;
    session.click("button[type=submit]").await;
    session.wait_for("Please explain your choice").await;
    assert!(shown(session, ".other.has-error #q0_other").await, "{tag}");
    session.screenshot(dir, &format!("other-error-{tag}")).await;
}

async fn fill_and_send(session: &Session<'_>) {
    session.click("label[for=q0-4]").await;
    session
        .type_into("#q0_other", "It was a joke between friends.")
        .await;
    session.type_into("#q1", "Be civil to other users.").await;
    for css in ["q2-0", "q3-0", "q5-3"] {
        session.click(&format!("label[for={css}]")).await;
    }
    session.type_into("#q4", "Step away before I reply.").await;
    session.click("button[type=submit]").await;
}

async fn passed_on(app: &TestApp, id: AppealId) {
    let mut tx = app.db.store.begin().await.expect("tx");
    tx.set_appeal_status(id, AppealStatus::Completed, Utc::now())
        .await
        .expect("complete");
    tx.commit().await.expect("commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_on_the_appellant_pages_in_either_scheme() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    session.post("/timeouts", json!({"script": 30_000})).await;
    let mut found = Vec::new();
    for dark in [false, true] {
        scheme(&session, dark).await;
        let theme = if dark { "dark" } else { "light" };
        let (id, form) = appeal(&app, &format!("axe_{theme}"), Duration::days(7)).await;
        let (_, expired) = appeal(&app, &format!("axe_late_{theme}"), -Duration::minutes(1)).await;
        let pages = [
            ("landing", "/".to_owned(), "AppealMod"),
            ("form", form.clone(), "Submit my appeal"),
            ("expired", expired, "This link has expired"),
            (
                "invalid",
                "/appeal/not-a-link".to_owned(),
                "This link is not valid",
            ),
        ];
        for (name, path, text) in pages {
            session.goto(&app.url(&path)).await;
            session.wait_for(text).await;
            for v in axe_violations(&session, &axe).await {
                found.push(format!("{theme} {name}: {v}"));
            }
        }
        session.goto(&app.url(&form)).await;
        session.click("button[type=submit]").await;
        session.wait_for("answers need your attention").await;
        for v in axe_violations(&session, &axe).await {
            found.push(format!("{theme} errors: {v}"));
        }
        fill_and_send(&session).await;
        session
            .wait_for("Thank you, your appeal was received")
            .await;
        passed_on(&app, id).await;
        session.goto(&app.url(&form)).await;
        session.wait_for("Your appeal is with the moderators").await;
        for v in axe_violations(&session, &axe).await {
            found.push(format!("{theme} status: {v}"));
        }
    }
    session.quit().await;
    assert!(found.is_empty(), "axe: {found:#?}");
}

/// Each other shipped language at a phone's size: the form (still within two screens, its
/// height printed), its error summary and the status page read in that language, with
/// `<html lang>` saying so and axe finding nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_appellant_pages_in_each_language_at_a_phones_size() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let axe = axe_source();
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    session.post("/timeouts", json!({"script": 30_000})).await;
    session.viewport(PHONE.0, PHONE.1, true).await;
    scheme(&session, false).await;
    let dir = shots();
    let mut found = Vec::new();
    let mut heights = Vec::new();
    for lang in &Language::ALL[1..] {
        let lang = *lang;
        let code = lang.code();
        let t = |id: &str| i18n::text(lang, id);
        // Created first: the subreddit exists once an appeal does.
        let (id, path) = appeal(
            &app,
            &format!("lang_{}", code.replace('-', "").to_lowercase()),
            Duration::days(7),
        )
        .await;
        let mut settings = app
            .db
            .store
            .subreddit(&helpers::sub("pics"))
            .await
            .expect("read")
            .unwrap_or_else(|| SubredditSettings::new(helpers::sub("pics")));
        settings.language = Some(lang);
        app.db
            .store
            .save_subreddit(&settings, Utc::now())
            .await
            .expect("save");
        session.goto(&app.url(&path)).await;
        session.wait_for(&t("form-submit")).await;
        let html_lang = session.script("return document.documentElement.lang").await;
        assert_eq!(html_lang, json!(code));
        let height = page_height(&session).await;
        eprintln!("default form in {code} on a 390×844 phone: {height} px");
        session
            .screenshot(&dir, &format!("form-{code}-phone"))
            .await;
        heights.push((code, height));
        if let Some(axe) = &axe {
            for v in axe_violations(&session, axe).await {
                found.push(format!("{code} form: {v}"));
            }
        }
        session.click("button[type=submit]").await;
        session.wait_for(&t("form-error-answer")).await;
        assert_eq!(session.active_id().await, "error-summary", "{code}");
        session
            .screenshot(&dir, &format!("errors-{code}-phone"))
            .await;
        fill_and_send(&session).await;
        session.wait_for(&t("status-thanks")).await;
        passed_on(&app, id).await;
        session.goto(&app.url(&path)).await;
        session.wait_for(&t("status-with-moderators")).await;
        let wide = session
            .script("return document.documentElement.scrollWidth")
            .await;
        assert_eq!(
            wide,
            json!(PHONE.0),
            "{code}: the status page is wider than the phone"
        );
        session
            .screenshot(&dir, &format!("status-{code}-phone"))
            .await;
        if let Some(axe) = &axe {
            for v in axe_violations(&session, axe).await {
                found.push(format!("{code} status: {v}"));
            }
        }
    }
    session.quit().await;
    assert!(found.is_empty(), "axe: {found:#?}");
    for (code, height) in heights {
        assert!(
            height <= 2 * i64::from(PHONE.1),
            "{code}: the default form is {height} px tall on a phone"
        );
    }
}
