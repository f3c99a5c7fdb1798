//! Headless Chromium drives the real site over WebDriver: landing page, the moderator
//! console (log in through the Reddit simulator's consent page, sign up, settings with an
//! error round, the appeal list), and an appeal form from link to thank-you, at phone and
//! desktop widths. Screenshots go to `target/artifacts/screenshots/` for people to look at.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages; the test script installs them).
//! Without them the test fails, unless `APPEALMOD_TEST_ALLOW_NO_BROWSER=1`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use appealmod_shared::storage::Backend;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use appealmod_shared::config::{ConsoleLogin, Secret};
use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use helpers::{TestApp, spawn_with};
use reddit_sim::{NewSubreddit, SimConfig, SimServer, WebApp};

/// The site with its console, logging in against a simulator where `head_mod` moderates
/// r/phone_sub and r/desktop_sub.
async fn console_app(sim: &SimServer) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let redirect = format!("http://127.0.0.1:{port}/auth/reddit/callback");
    sim.state().set_web_app(WebApp {
        redirect_uri: redirect.clone(),
        ..WebApp::default()
    });
    for name in ["phone_sub", "desktop_sub"] {
        sim.state()
            .add_subreddit(NewSubreddit {
                name: name.into(),
                moderators: vec!["head_mod".into()],
                bot_is_mod: false,
            })
            .expect("sub");
    }
    let web = WebApp::default();
    let base = sim.base_url();
    spawn_with(Backend::Sqlite, |a| {
        a.bind = format!("127.0.0.1:{port}");
        a.public_base_url = format!("http://127.0.0.1:{port}");
        a.console = Some(ConsoleLogin {
            client_id: web.client_id.clone(),
            client_secret: Secret::new(web.client_secret.clone()),
            redirect_uri: redirect,
            auth_base_url: base.clone(),
            api_base_url: base,
            session_key: Secret::new("browser-session-key-browser-session-key-01"),
            session_hours: 12,
            operators: Vec::new(),
        });
    })
    .await
}

/// A few appellants so that the list has something to show.
async fn appellants(app: &TestApp, sub: &str) {
    let name = SubredditName::parse(sub).expect("sub");
    for (i, group) in [Group::Treatment, Group::Control, Group::Treatment]
        .into_iter()
        .enumerate()
    {
        app.db
            .store
            .record_contact(
                &name,
                &RedditUsername::parse(&format!("{sub}_user{i}")).expect("user"),
                &ConversationId::parse(&format!("{}x{i}", &sub[..1])).expect("conversation"),
                || group,
                chrono::Utc::now(),
            )
            .await
            .expect("contact");
    }
}

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver, stopped when dropped (only the process this test started).
struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Driver {
    async fn start(binary: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
            {
                let v: Value = r.json().await.unwrap_or_default();
                if v["value"]["ready"] == json!(true) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("webdriver request");
        let status = resp.status();
        let v: Value = resp.json().await.expect("webdriver json");
        assert!(status.is_success(), "webdriver {path}: {status} {v}");
        v["value"].clone()
    }

    async fn session(&self, chromium: &Path, profile: &Path) -> Session<'_> {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
            "--window-size=1280,900",
        ];
        let v = self
            .call(
                reqwest::Method::POST,
                "/session",
                Some(json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {"binary": chromium, "args": args}
                }}})),
            )
            .await;
        let id = v["sessionId"].as_str().expect("session id").to_owned();
        Session { driver: self, id }
    }
}

impl Session<'_> {
    async fn post(&self, path: &str, body: Value) -> Value {
        self.driver
            .call(
                reqwest::Method::POST,
                &format!("/session/{}{path}", self.id),
                Some(body),
            )
            .await
    }
    async fn get(&self, path: &str) -> Value {
        self.driver
            .call(
                reqwest::Method::GET,
                &format!("/session/{}{path}", self.id),
                None,
            )
            .await
    }
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({"cmd": cmd, "params": params}))
            .await
    }
    async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await;
    }
    async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }
    async fn source(&self) -> String {
        self.get("/source")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    async fn element(&self, css: &str) -> String {
        let v = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }
    async fn type_into(&self, css: &str, text: &str) {
        let el = self.element(css).await;
        self.post(&format!("/element/{el}/clear"), json!({})).await;
        self.post(&format!("/element/{el}/value"), json!({ "text": text }))
            .await;
    }
    async fn select(&self, css: &str, value: &str) {
        // Typing into a select chooses the option with that text, as a person would.
        let el = self.element(css).await;
        self.post(&format!("/element/{el}/value"), json!({ "text": value }))
            .await;
    }
    async fn click(&self, css: &str) {
        let el = self.element(css).await;
        self.post(&format!("/element/{el}/click"), json!({})).await;
    }
    /// Waits until the page contains `text` (navigation after a click may still run).
    async fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.source().await;
            if s.contains(text) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {text:?}:\n{s}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    /// The visible viewport, and the whole page (CDP), as PNG files.
    async fn screenshot(&self, dir: &Path, name: &str) {
        let v = self.get("/screenshot").await;
        let png = STANDARD.decode(v.as_str().expect("base64")).expect("png");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let (w, h) = (
            size["width"].as_f64().unwrap_or(1280.0),
            size["height"].as_f64().unwrap_or(900.0),
        );
        let full = self
            .cdp(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true,
                       "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}),
            )
            .await;
        if let Some(data) = full["data"].as_str() {
            let png = STANDARD.decode(data).expect("png");
            std::fs::write(dir.join(format!("{name}-full.png")), png).expect("write");
        }
    }
    async fn quit(self) {
        let _ = self
            .driver
            .http
            .delete(format!("{}/session/{}", self.driver.base, self.id))
            .send()
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walkthrough_at_phone_and_desktop_widths() {
    let chromium = find_binary(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_binary("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        if std::env::var("APPEALMOD_TEST_ALLOW_NO_BROWSER").as_deref() == Ok("1") {
            eprintln!(
                "\n==================== SKIPPED: browser test ====================\n\
                 chromium / chromedriver not found and APPEALMOD_TEST_ALLOW_NO_BROWSER=1.\n\
                 ===============================================================\n"
            );
            return;
        }
        panic!(
            "chromium and chromedriver are required for the browser test. Run the project's \
             test script (it installs them), or `apt-get install -y chromium chromium-driver`. \
             Set APPEALMOD_TEST_ALLOW_NO_BROWSER=1 to skip explicitly."
        );
    };

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");

    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = console_app(&sim).await;
    let driver = Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;

    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        let sub = format!("{name}_sub");

        session.goto(&app.url("/")).await;
        session.wait_for("Why a little friction helps").await;
        session.screenshot(&shots, &format!("landing-{name}")).await;

        // Log in: the site sends the browser to the simulator's consent page.
        session.goto(&app.url("/signup")).await;
        if name == "phone" {
            session.wait_for("Allow the app to connect").await;
            session.screenshot(&shots, "reddit-consent-phone").await;
            session.select("select[name=user]", "head_mod").await;
            session.click("button[value=Allow]").await;
        }
        session
            .wait_for("Choose one of the subreddits you moderate")
            .await;
        session
            .screenshot(&shots, &format!("console-signup-{name}"))
            .await;
        session.click(&format!("input[value='{sub}']")).await;
        session
            .click("button[type=submit].button:not(.button-quiet)")
            .await;
        session.wait_for("Waiting for the bot").await;
        appellants(&app, &sub).await;
        session.goto(&app.url(&format!("/dashboard/r/{sub}"))).await;
        session.wait_for("Recorded only").await;
        session
            .screenshot(&shots, &format!("console-appeals-{name}"))
            .await;

        // Settings: an error round, then fixed.
        session
            .goto(&app.url(&format!("/dashboard/r/{sub}/settings")))
            .await;
        session.wait_for("Form questions").await;
        session
            .type_into("#initial", "Please fill in the form.")
            .await;
        session.type_into("#max_reminders", "12").await;
        session.click("button[value=save]").await;
        let page = session
            .wait_for("Please check the highlighted fields")
            .await;
        assert!(
            page.contains("must contain {link}"),
            "the summary names the problem"
        );
        session
            .screenshot(&shots, &format!("console-settings-errors-{name}"))
            .await;
        session
            .type_into(
                "#initial",
                "Hi u/{username}, please **fill in** this form: {link}",
            )
            .await;
        session.type_into("#max_reminders", "2").await;
        session.click("button[value=save]").await;
        session.wait_for("Saved (").await;
        session
            .screenshot(&shots, &format!("console-settings-saved-{name}"))
            .await;
        let stored = app
            .db
            .store
            .subreddit(&SubredditName::parse(&sub).expect("sub"))
            .await
            .expect("get")
            .expect("row");
        assert_eq!(stored.max_reminders, Some(2));

        // The appeal form, from link to thank-you.
        let (id, path) = app
            .create_appeal(
                &format!("user_{name}"),
                "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.",
            )
            .await;
        session.goto(&app.url(&path)).await;
        session
            .wait_for("Your appeal to the moderators of r/pics")
            .await;
        session
            .screenshot(&shots, &format!("appeal-form-{name}"))
            .await;
        session.type_into("#q0", "I insulted another user.").await;
        session.click("#q1-2").await;
        session.click("button[type=submit]").await;
        session.wait_for("answers need your attention").await;
        session
            .screenshot(&shots, &format!("appeal-errors-{name}"))
            .await;
        session.type_into("#q2", "Be civil to other users.").await;
        session
            .type_into("#q3", "I lost my temper in a heated thread.")
            .await;
        session.click("#q4-0").await;
        session.click("#q5-0").await;
        session
            .type_into("#q6", "Step away before I reply when I am angry.")
            .await;
        session.click("#q7-0").await;
        session.click("#q7-3").await;
        session.click("button[type=submit]").await;
        session.wait_for("your appeal was received").await;
        session
            .screenshot(&shots, &format!("appeal-done-{name}"))
            .await;

        let stored = app
            .db
            .store
            .form_answers(id)
            .await
            .expect("answers")
            .expect("stored through the browser");
        assert_eq!(stored.answers.len(), 8);
    }
    assert_eq!(app.db.store.signups().await.expect("signups").len(), 2);
    drop(sim);
    session.quit().await;
}

impl Session<'_> {
    /// Runs `js` in the page and returns its value.
    async fn script(&self, js: &str) -> Value {
        self.post("/execute/sync", json!({"script": js, "args": []}))
            .await
    }

    async fn active_id(&self) -> String {
        self.script("return document.activeElement.id || document.activeElement.tagName")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Whether the whole question around field `id` (its label or legend down to its last
/// option) is inside the viewport.
const QUESTION_IN_VIEW: &str = "const f = document.getElementById(arguments[0]).closest('.field'); \
     const r = f.getBoundingClientRect(); \
     return [Math.round(r.top), Math.round(r.bottom), window.innerHeight];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appeal_pages_status_errors_and_dead_links_at_phone_and_desktop_widths() {
    let chromium = find_binary(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_binary("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            std::env::var("APPEALMOD_TEST_ALLOW_NO_BROWSER").as_deref() == Ok("1"),
            "chromium and chromedriver are required (apt-get install -y chromium chromium-driver)"
        );
        eprintln!("SKIPPED: browser test of the appeal pages (no chromium)");
        return;
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        let until = chrono::Utc::now() + chrono::Duration::days(7);
        let (id, path) = app
            .create_appeal_with(
                &format!("status_{name}"),
                "PRIVATE: known troll",
                "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.",
                until,
            )
            .await;
        session.goto(&app.url(&path)).await;
        session
            .wait_for("The reason given in your ban message")
            .await;

        // A failed submit: focus on the summary, then a link brings its whole question in.
        session.click("button[type=submit]").await;
        session.wait_for("answers need your attention").await;
        assert_eq!(session.active_id().await, "error-summary", "{name}");
        session
            .screenshot(&shots, &format!("appeal-errors-focus-{name}"))
            .await;
        // The last link first, then back up the page: each question lands whole.
        for target in ["q6", "q0", "q3", "q1-0"] {
            session.click(&format!("a[href='#{target}']")).await;
            assert_eq!(
                session.active_id().await,
                target,
                "{name}: the field gets focus"
            );
            let v = session
                .post(
                    "/execute/sync",
                    json!({"script": QUESTION_IN_VIEW, "args": [target]}),
                )
                .await;
            let (top, bottom, inner) = (v[0].as_i64(), v[1].as_i64(), v[2].as_i64());
            assert!(
                top >= Some(0) && bottom <= inner,
                "{name}: question {target} not fully in view: {v}"
            );
            session.script("window.scrollTo(0, 0)").await;
        }
        session.click("a[href='#q1-0']").await;
        session
            .screenshot(&shots, &format!("appeal-error-linked-{name}"))
            .await;

        // Submitted, then passed to the moderators: the status page.
        session.type_into("#q0", "I insulted another user.").await;
        for css in ["#q1-2", "#q4-0", "#q5-0", "#q7-0"] {
            session.click(css).await;
        }
        session.type_into("#q2", "Be civil to other users.").await;
        session.type_into("#q3", "I lost my temper.").await;
        session.type_into("#q6", "Step away first.").await;
        session.click("button[type=submit]").await;
        session
            .wait_for("Thank you, your appeal was received")
            .await;
        session
            .screenshot(&shots, &format!("appeal-received-{name}"))
            .await;
        let mut tx = app.db.store.begin().await.expect("tx");
        tx.set_appeal_status(
            id,
            appealmod_shared::domain::AppealStatus::Completed,
            chrono::Utc::now(),
        )
        .await
        .expect("complete");
        tx.commit().await.expect("commit");
        session.goto(&app.url(&path)).await;
        let page = session.wait_for("Your appeal is with the moderators").await;
        assert!(!page.contains("PRIVATE"), "{name}");
        session
            .screenshot(&shots, &format!("appeal-status-{name}"))
            .await;
        let mut tx = app.db.store.begin().await.expect("tx");
        tx.set_appeal_outcome(
            id,
            appealmod_shared::domain::Outcome::Granted,
            chrono::Utc::now(),
        )
        .await
        .expect("grant");
        tx.commit().await.expect("commit");
        session.goto(&app.url(&path)).await;
        session.wait_for("You are no longer banned").await;
        session
            .screenshot(&shots, &format!("appeal-lifted-{name}"))
            .await;

        // An expired link, and a replaced one.
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        let (old_id, expired) = app
            .create_appeal_with(&format!("late_{name}"), "n", "r", past)
            .await;
        session.goto(&app.url(&expired)).await;
        session.wait_for("This link has expired").await;
        session
            .screenshot(&shots, &format!("appeal-expired-{name}"))
            .await;
        let fresh = app.signer.sign(old_id, until);
        let mut tx = app.db.store.begin().await.expect("tx");
        tx.renew_appeal_link(old_id, &fresh.hash(), until)
            .await
            .expect("renew");
        tx.commit().await.expect("commit");
        session.goto(&app.url(&expired)).await;
        session.wait_for("This link was replaced").await;
        session
            .screenshot(&shots, &format!("appeal-replaced-{name}"))
            .await;
    }
    session.quit().await;
}
