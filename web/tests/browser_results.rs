//! Headless Chromium on the results page: a moderator logs in through the Reddit
//! simulator's consent page and opens r/pics's results over the readout fixture, at phone
//! (390×844) and desktop (1280×900) widths; the operator opens the overview. The charts must
//! render under the site's CSP (inline SVG, no style attribute), and nothing may be wider
//! than a phone's screen; r/pics carries a split alarm, whose banner must fit too.
//! Screenshots go to `target/artifacts/readout-screenshots/`.
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

use appealmod_shared::domain::RedditUsername;
use appealmod_shared::storage::SplitAlarm;
use appealmod_testkit::readout_fixture;
use helpers::TestApp;
use reddit_sim::{SimConfig, SimServer};
use webdriver::{Driver, Session, browser_binaries};

/// The site with its console against `sim`, where `head_mod` moderates r/pics and
/// `the_operator` is an operator.
async fn console_app(sim: &SimServer) -> TestApp {
    sim.state().add_user("the_operator").expect("user");
    let operators = vec![RedditUsername::parse("the_operator").expect("user")];
    let subs = [("pics", "head_mod"), ("news", "other_mod")];
    helpers::spawn_console(sim, &subs, operators, |_| {}).await
}

/// Logs in as `user` on the simulator's consent page and lands on `path`.
async fn login(session: &Session<'_>, app: &TestApp, user: &str, path: &str) {
    session.goto(&app.url(path)).await;
    session.wait_for("Allow the app to connect").await;
    session.select("select[name=user]", user).await;
    session.click("button[value=Allow]").await;
}

/// What the browser made of the page: charts drawn with a size, and nothing wider than the
/// window (a table too wide scrolls inside its own box).
async fn check_layout(session: &Session<'_>, charts: u64, width: u32, what: &str) {
    let v = session
        .script(&format!(
            "const all = [...document.querySelectorAll('svg.chart-svg')];
             // Each chart is drawn twice (wide and narrow); the stylesheet shows one.
             const svgs = all.filter(s => s.getBoundingClientRect().width > 0);
             return {{
               charts: svgs.length,
               drawn: svgs.filter(s => {{ const r = s.getBoundingClientRect();
                 return r.width > 200 && r.height > 80 && s.querySelectorAll('rect, circle, polygon, polyline').length > 3; }}).length,
               styled: all.filter(s => s.querySelector('[style]')).length,
               hidden: all.length - svgs.length,
               page: document.documentElement.scrollWidth,
               // The innermost elements that stick out (a mobile viewport widens to fit them).
               wide: [...document.body.querySelectorAll('*')]
                 .filter(e => e.getBoundingClientRect().right > {width} + 0.5
                   && ![...e.children].some(c => c.getBoundingClientRect().right > {width} + 0.5)
                   && !e.closest('.table-wrap'))
                 .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))
                 .slice(0, 10)
             }};"
        ))
        .await;
    assert_eq!(v["charts"], charts, "{what}: {v}");
    assert_eq!(v["drawn"], charts, "{what}: every chart rendered: {v}");
    assert_eq!(
        v["hidden"], charts,
        "{what}: the other drawing of each is hidden: {v}"
    );
    assert_eq!(v["styled"], 0, "{what}: {v}");
    assert!(
        v["page"].as_f64() <= Some(f64::from(width))
            && v["wide"].as_array().is_some_and(|w| w.is_empty()),
        "{what}: the page is wider than the window: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_page_at_phone_and_desktop_widths() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let shots =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/readout-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = console_app(&sim).await;
    let f = readout_fixture::load(&app.db.store, chrono::Utc::now())
        .await
        .expect("fixture");
    // A split alarm on r/pics, so that its banner is laid out and in the screenshots too.
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

    login(&session, &app, "head_mod", "/dashboard/r/pics").await;
    session.wait_for("Recorded only").await;
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        // From the appeal list's tab, as a moderator finds it.
        session.goto(&app.url("/dashboard/r/pics")).await;
        session.wait_for("Recorded only").await;
        session
            .click("a.tab[href='/dashboard/r/pics/results']")
            .await;
        session.wait_for("Is the split random?").await;
        // Funnel, weeks and form times: no appeal of the fixture is old enough (44 days) for
        // the decision times yet.
        check_layout(&session, 3, width, name).await;
        session
            .screenshot(&shots, &format!("results-pics-{name}"))
            .await;
        session
            .goto(&app.url("/dashboard/r/pics/results?period=since-change"))
            .await;
        session
            .wait_for("changed the treatment fraction from")
            .await;
        check_layout(&session, 3, width, name).await;
        session
            .screenshot(&shots, &format!("results-pics-since-change-{name}"))
            .await;
    }
    session.quit().await;

    // The operator's overview, in a fresh browser profile.
    let profile = tempfile::tempdir().expect("profile dir");
    let session = driver.session(&chromium, profile.path()).await;
    login(&session, &app, "the_operator", "/dashboard/results").await;
    session.wait_for("Results of every subreddit").await;
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        session.goto(&app.url("/dashboard/results")).await;
        session.wait_for("r/news").await;
        check_layout(&session, 3, width, name).await;
        session
            .screenshot(&shots, &format!("results-all-{name}"))
            .await;
    }
    session.quit().await;
}
