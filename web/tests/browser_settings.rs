//! The console's settings page in headless Chromium, at a phone's size (390×844) and a
//! desktop's (1280×900), in the light and the dark colour scheme: its height (printed),
//! nothing wider than the window, the Save button in view wherever one scrolls, axe-core's
//! WCAG 2.1 A/AA rules and `page-has-heading-one`, the "not saved yet" notice once a field
//! is edited (the page's one script), a preview that comes back to its section, a question
//! moved up by its button, and the form as appellants see it. Screenshots go to
//! `target/artifacts/settings-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver`, like `browser.rs`, and axe-core like
//! `browser_appeal.rs`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

#[path = "support/axe.rs"]
mod axe;

use std::path::{Path, PathBuf};

use reddit_sim::{SimConfig, SimServer};
use serde_json::Value;
use webdriver::{Session, browser_binaries};

const SIZES: [(&str, u32, u32, bool); 2] =
    [("phone", 390, 844, true), ("desktop", 1280, 900, false)];
const SETTINGS: &str = "/dashboard/r/pics/settings";

fn shots() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/settings-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// Logs in as `user` on the simulator's consent page and lands on `path`.
async fn login(session: &Session<'_>, app: &helpers::TestApp, user: &str, path: &str) {
    session.goto(&app.url(path)).await;
    session.wait_for("Allow the app to connect").await;
    session.select("select[name=user]", user).await;
    session.click("button[value=Allow]").await;
}

/// The page's height, its widest point, and whether the Save button is inside the window
/// where the form starts, in its middle and at its end.
async fn layout(session: &Session<'_>) -> Value {
    session
        .script(
            "const save = document.querySelector('button[value=save]');
             const seen = () => { const r = save.getBoundingClientRect();
               return r.top >= 0 && r.bottom <= window.innerHeight; };
             const form = document.querySelector('form.settings').getBoundingClientRect();
             const top = form.top + window.scrollY, end = form.bottom + window.scrollY;
             const at = [];
             for (const y of [top, (top + end) / 2, end - window.innerHeight]) {
               window.scrollTo(0, y); at.push(seen());
             }
             window.scrollTo(0, 0);
             return { height: document.documentElement.scrollHeight,
                      width: document.documentElement.scrollWidth,
                      save: at, h1: document.querySelectorAll('h1').length,
                      parts: [...document.querySelectorAll('.settings-section, .toc, .status-card, #changes')]
                        .map(e => (e.id || e.className) + ' ' + Math.round(e.getBoundingClientRect().height)) };",
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_page_at_phone_and_desktop_sizes_in_both_schemes() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let Some(axe_js) = axe::axe_source() else {
        return;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = helpers::spawn_console(&sim, &[("pics", "head_mod")], Vec::new(), |_| {}).await;
    app.db
        .store
        .ensure_subreddit(&helpers::sub("pics"), chrono::Utc::now())
        .await
        .expect("signed up");
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    login(&session, &app, "head_mod", SETTINGS).await;
    session.wait_for("Save settings").await;
    let mut found = Vec::new();
    for dark in [false, true] {
        axe::scheme(&session, dark).await;
        let theme = if dark { "dark" } else { "light" };
        for (size, width, height, mobile) in SIZES {
            session.viewport(width, height, mobile).await;
            session.goto(&app.url(SETTINGS)).await;
            session.wait_for("Save settings").await;
            let l = layout(&session).await;
            println!("settings page, {size} {width}x{height} {theme}: {l}");
            session
                .screenshot(&shots(), &format!("settings-{size}-{theme}"))
                .await;
            for part in ["decision-messages", "questions"] {
                session
                    .script(&format!(
                        "document.getElementById('{part}').scrollIntoView(); return 0;"
                    ))
                    .await;
                session
                    .screenshot(&shots(), &format!("settings-{size}-{theme}-{part}"))
                    .await;
            }
            assert!(
                l["width"].as_u64() <= Some(u64::from(width)),
                "{size}: wider than the window: {l}"
            );
            assert_eq!(l["h1"], 1, "{size}: one h1");
            assert_eq!(
                l["save"],
                serde_json::json!([true, true, true]),
                "{size} {theme}: the Save button stays in view"
            );
            for v in axe::axe_violations(&session, &axe_js).await {
                found.push(format!("{theme} {size}: {v}"));
            }
            let heading = "{type: 'rule', values: ['page-has-heading-one']}";
            for v in axe::axe_run(&session, &axe_js, heading, 0).await {
                found.push(format!("{theme} {size}: {v}"));
            }
            session
                .goto(&app.url("/dashboard/r/pics/settings/preview"))
                .await;
            session.wait_for("Nothing can be sent from here").await;
            session
                .screenshot(&shots(), &format!("form-preview-{size}-{theme}"))
                .await;
            for v in axe::axe_violations(&session, &axe_js).await {
                found.push(format!("{theme} {size} form preview: {v}"));
            }
        }
    }
    assert!(found.is_empty(), "axe: {found:#?}");
    working_in_the_page(&session, &app).await;
    session.quit().await;
}

/// Waits until `condition` (JavaScript) holds on the page, e.g. after a click navigated.
async fn wait_until(session: &Session<'_>, condition: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while session.script(&format!("return !!({condition});")).await != Value::Bool(true) {
        assert!(std::time::Instant::now() < deadline, "never: {condition}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Clicks `css` once it is in the middle of the window (WebDriver would scroll it just
/// into view, where the bar with the Save button covers it, as it covers the page's end).
async fn click(session: &Session<'_>, css: &str) {
    session
        .script(&format!(
            "document.querySelector(\"{css}\").scrollIntoView({{block: 'center'}}); return 0;"
        ))
        .await;
    session.click(css).await;
}

/// At the desktop size in the light scheme: the notice once a field is edited (the script),
/// a preview that comes back to its section, and a question moved down by its button.
async fn working_in_the_page(session: &Session<'_>, app: &helpers::TestApp) {
    axe::scheme(session, false).await;
    session.viewport(1280, 900, false).await;
    session.goto(&app.url(SETTINGS)).await;
    session.wait_for("Save settings").await;
    let notice = "return document.getElementById('unsaved-notice').textContent";
    assert_eq!(session.script(notice).await, "", "nothing edited yet");
    session
        .type_into("#reminder", "Still time to appeal: {link}")
        .await;
    let shown = session.script(notice).await;
    assert!(
        shown
            .as_str()
            .is_some_and(|t| t.starts_with("You have changes")),
        "the notice after an edit: {shown}"
    );
    session.screenshot(&shots(), "settings-edited").await;

    click(session, "button[formaction$='#decision-messages']").await;
    wait_until(
        session,
        "location.hash === '#decision-messages' && document.readyState === 'complete'",
    )
    .await;
    let top = session
        .script("return document.getElementById('decision-messages').getBoundingClientRect().top")
        .await;
    assert!(
        top.as_f64().is_some_and(|t| t.abs() < 40.0),
        "the preview comes back to its section: {top}"
    );
    assert!(
        session.source().await.contains("Still time to appeal"),
        "the edit is kept"
    );
    session.screenshot(&shots(), "settings-previewed").await;

    let first = "return document.querySelector('.question-text').textContent";
    let before = session.script(first).await;
    click(session, "button[value='down:0']").await;
    wait_until(
        session,
        "location.hash === '#question-1' && document.readyState === 'complete'",
    )
    .await;
    let after = session.script(first).await;
    assert_ne!(before, after, "the first question moved down");
    let moved = session
        .script("return document.querySelectorAll('.question-text')[1].textContent")
        .await;
    assert_eq!(moved, before);
    session.screenshot(&shots(), "settings-moved").await;
}
