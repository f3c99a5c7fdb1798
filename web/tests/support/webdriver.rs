//! A minimal WebDriver client over chromedriver's HTTP API, shared by the browser tests:
//! start chromedriver, open a headless Chromium session, navigate, type, click, wait for
//! text, run a script, and save screenshots (viewport and full page) for people to look at.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Chromium and chromedriver, found on `PATH` (or `CHROMIUM` / `CHROMEDRIVER`). Without
/// them a browser test fails, unless `APPEALMOD_TEST_ALLOW_NO_BROWSER=1` asks to skip it
/// (then `None`, announced loudly).
pub fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium = find_binary(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_binary("CHROMEDRIVER", &["chromedriver"]);
    if let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) {
        return Some((chromium, chromedriver));
    }
    if std::env::var("APPEALMOD_TEST_ALLOW_NO_BROWSER").as_deref() == Ok("1") {
        eprintln!(
            "\n==================== SKIPPED: browser test ====================\n\
             chromium / chromedriver not found and APPEALMOD_TEST_ALLOW_NO_BROWSER=1.\n\
             ===============================================================\n"
        );
        return None;
    }
    panic!(
        "chromium and chromedriver are required for the browser test. Run the project's \
         test script (it installs them), or `apt-get install -y chromium chromium-driver`. \
         Set APPEALMOD_TEST_ALLOW_NO_BROWSER=1 to skip explicitly."
    );
}

pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver, stopped when dropped (only the process this test started).
pub struct Driver {
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

pub struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Driver {
    pub async fn start(binary: &Path) -> Self {
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

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
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

    pub async fn session(&self, chromium: &Path, profile: &Path) -> Session<'_> {
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
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.driver
            .call(
                reqwest::Method::POST,
                &format!("/session/{}{path}", self.id),
                Some(body),
            )
            .await
    }
    pub async fn get(&self, path: &str) -> Value {
        self.driver
            .call(
                reqwest::Method::GET,
                &format!("/session/{}{path}", self.id),
                None,
            )
            .await
    }
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({"cmd": cmd, "params": params}))
            .await
    }
    pub async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await;
    }
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }
    pub async fn source(&self) -> String {
        self.get("/source")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    pub async fn element(&self, css: &str) -> String {
        let v = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.element(css).await;
        self.post(&format!("/element/{el}/clear"), json!({})).await;
        self.post(&format!("/element/{el}/value"), json!({ "text": text }))
            .await;
    }
    pub async fn select(&self, css: &str, value: &str) {
        // Typing into a select chooses the option with that text, as a person would.
        let el = self.element(css).await;
        self.post(&format!("/element/{el}/value"), json!({ "text": value }))
            .await;
    }
    pub async fn click(&self, css: &str) {
        let el = self.element(css).await;
        self.post(&format!("/element/{el}/click"), json!({})).await;
    }
    /// Waits until the page contains `text` (navigation after a click may still run).
    pub async fn wait_for(&self, text: &str) -> String {
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
    pub async fn screenshot(&self, dir: &Path, name: &str) {
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
    pub async fn quit(self) {
        let _ = self
            .driver
            .http
            .delete(format!("{}/session/{}", self.driver.base, self.id))
            .send()
            .await;
    }
}

impl Session<'_> {
    /// Runs `js` in the page and returns its value.
    pub async fn script(&self, js: &str) -> Value {
        self.post("/execute/sync", json!({"script": js, "args": []}))
            .await
    }

    pub async fn active_id(&self) -> String {
        self.script("return document.activeElement.id || document.activeElement.tagName")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}
