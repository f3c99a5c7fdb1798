//! Headless Chromium on the analysis plan and the public debrief: `head_mod` freezes a plan
//! for r/pics (readout fixture: six treatment appeals still open, a split alarm raised) on
//! its results page, which then shows the alarm, the verdict with the open appeals, the
//! plan with its fingerprint and progress, and the debrief's Markdown; then the public
//! page. At phone (390×844) and desktop (1280×900) widths, nothing wider than the window,
//! and axe-core's WCAG 2.1 A/AA rules in the light and dark schemes find nothing.
//! Screenshots go to `target/artifacts/plan-screenshots/`.
//!
//! Needs `chromium`, `chromium-driver` and axe-core (`./run.sh test` installs it).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::{Path, PathBuf};

use appealmod_shared::domain::RedditUsername;
use appealmod_shared::storage::SplitAlarm;
use appealmod_testkit::readout_fixture;
use helpers::TestApp;
use reddit_sim::{SimConfig, SimServer};
use serde_json::json;
use webdriver::{Driver, Session, browser_binaries};

async fn console_app(sim: &SimServer) -> TestApp {
    let subs = [("pics", "head_mod"), ("news", "other_mod")];
    helpers::spawn_console(sim, &subs, Vec::<RedditUsername>::new(), |_| {}).await
}

/// axe-core's script: `APPEALMOD_AXE_JS`, else where `./run.sh test` puts it.
fn axe_source() -> String {
    let path = std::env::var_os("APPEALMOD_AXE_JS").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target/axe/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core not found at {} ({e}): ./run.sh test installs it",
            path.display()
        )
    })
}

/// The WCAG 2.1 A and AA rules of axe on the page shown: what fails.
async fn axe_violations(session: &Session<'_>, axe: &str) -> Vec<String> {
    session.post("/timeouts", json!({"script": 30_000})).await;
    session.script(&format!("{axe}\nreturn true;")).await;
    let run = "const done = arguments[arguments.length - 1]; \
         axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}) \
           .then(r => done(r.passes.length < 5 ? ['axe checked almost nothing'] : \
             r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))) \
           .catch(e => done(['axe failed: ' + e]));";
    let v = session
        .post("/execute/async", json!({"script": run, "args": []}))
        .await;
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn scheme(session: &Session<'_>, dark: bool) {
    let value = if dark { "dark" } else { "light" };
    session
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
        )
        .await;
}

/// Nothing on the page sticks out of a window `width` wide (tables scroll in their box).
async fn fits(session: &Session<'_>, width: u32, what: &str) {
    let v = session
        .script(&format!(
            "return [...document.body.querySelectorAll('*')]
               .filter(e => e.getBoundingClientRect().right > {width} + 0.5
                 && ![...e.children].some(c => c.getBoundingClientRect().right > {width} + 0.5)
                 && !e.closest('.table-wrap'))
               .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))
               .slice(0, 10);"
        ))
        .await;
    assert!(
        v.as_array().is_some_and(|w| w.is_empty()),
        "{what}: wider than the window: {v}"
    );
}

/// Axe in both schemes on the page shown; the failures, named by page and scheme.
async fn axe_both(session: &Session<'_>, axe: &str, what: &str) -> Vec<String> {
    let mut found = Vec::new();
    for dark in [false, true] {
        scheme(session, dark).await;
        for v in axe_violations(session, axe).await {
            found.push(format!(
                "{what} ({}): {v}",
                if dark { "dark" } else { "light" }
            ));
        }
    }
    scheme(session, false).await;
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_debrief_at_phone_and_desktop_widths() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let axe = axe_source();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/plan-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = console_app(&sim).await;
    let f = readout_fixture::load(&app.db.store, chrono::Utc::now())
        .await
        .expect("fixture");
    let alarm = SplitAlarm {
        subreddit: f.first.clone(),
        period_from: Some(f.change_at()),
        fraction: 0.8,
        appellants: 40,
        treatment: 20,
        p_value: 0.000_02,
        raised_at: chrono::Utc::now(),
    };
    assert!(app.db.store.raise_split_alarm(&alarm).await.expect("alarm"));
    let driver = Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;

    // Log in on the simulator's consent page and land on the results.
    session.goto(&app.url("/dashboard/r/pics/results")).await;
    session.wait_for("Allow the app to connect").await;
    session.select("select[name=user]", "head_mod").await;
    session.click("button[value=Allow]").await;
    session.wait_for("No plan yet").await;
    // Freeze the plan the form offers (15 points, 80 %): the page says what it needs first.
    session.wait_for("the comparison needs 166 appeals").await;
    session.click("button[value=freeze]").await;
    session.wait_for("Version 1, frozen").await;

    let mut violations = Vec::new();
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        session.goto(&app.url("/dashboard/r/pics/results")).await;
        session.wait_for("0 of 166 appeals").await;
        session
            .wait_for("Still open and not yet counted: 6 treatment")
            .await;
        session.wait_for("The random split of r/pics is off.").await;
        fits(&session, width, name).await;
        session
            .screenshot(&shots, &format!("results-with-plan-{name}"))
            .await;
        session
            .goto(&app.url("/dashboard/r/pics/results#plan"))
            .await;
        session.wait_for("Fingerprint (SHA-256").await;
        session
            .screenshot(&shots, &format!("plan-section-{name}"))
            .await;
        session
            .script("document.querySelector('.plan-form').scrollIntoView(); return true;")
            .await;
        session
            .screenshot(&shots, &format!("plan-form-{name}"))
            .await;
        session
            .script("document.getElementById('debrief').scrollIntoView(); return true;")
            .await;
        session
            .screenshot(&shots, &format!("debrief-markdown-{name}"))
            .await;
        if name == "desktop" {
            violations.extend(axe_both(&session, &axe, "results page").await);
        }
    }

    // The public page, once the moderators turn it on: no login needed (a fresh profile).
    let store = &app.db.store;
    let mut s = store
        .subreddit(&f.first)
        .await
        .expect("read")
        .expect("pics");
    s.public_debrief = Some(true);
    store
        .update_settings(&s, "head_mod", chrono::Utc::now())
        .await
        .expect("on");
    session.quit().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let session = driver.session(&chromium, profile.path()).await;
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        session.goto(&app.url("/r/pics/results")).await;
        session
            .wait_for("The ban-appeal experiment in r/pics")
            .await;
        session.wait_for("Fingerprint (SHA-256").await;
        fits(&session, width, name).await;
        session
            .screenshot(&shots, &format!("public-debrief-{name}"))
            .await;
        if name == "desktop" {
            violations.extend(axe_both(&session, &axe, "public debrief").await);
        }
    }
    session.quit().await;
    assert!(violations.is_empty(), "{violations:#?}");
}
