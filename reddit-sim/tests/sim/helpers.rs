use std::path::PathBuf;
use std::time::Duration;

use reddit_sim::{BanRequest, NewSubreddit, SimConfig, SimServer, Simulator, UserMessage};
use serde_json::Value;

pub const SUB: &str = "AppealTest";
pub const USER: &str = "Appellant_1";

pub fn cfg() -> SimConfig {
    SimConfig {
        seed: 42,
        token_ttl_secs: 3600,
        rate_budget: 100,
        rate_window_secs: 60,
        ..Default::default()
    }
}

pub struct TestSim {
    pub server: SimServer,
    pub http: reqwest::Client,
    pub base: String,
}

pub fn client(timeout: Option<Duration>) -> reqwest::Client {
    // reqwest is built without a bundled crypto provider; plain HTTP still needs one set.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder();
    if let Some(t) = timeout {
        b = b.timeout(t);
    }
    b.build().unwrap()
}

pub async fn spawn(cfg: SimConfig) -> TestSim {
    let server = SimServer::start(cfg).await.unwrap();
    let base = server.base_url();
    TestSim {
        server,
        http: client(None),
        base,
    }
}

impl TestSim {
    pub fn sim(&self) -> &Simulator {
        self.server.state()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn token_response(
        &self,
        id: &str,
        secret: &str,
        user: &str,
        pass: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/access_token"))
            .basic_auth(id, Some(secret))
            .form(&[
                ("grant_type", "password"),
                ("username", user),
                ("password", pass),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self) -> String {
        let bot = self.sim().config().bot;
        let resp = self
            .token_response(
                &bot.client_id,
                &bot.client_secret,
                &bot.username,
                &bot.password,
            )
            .await;
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, token: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let resp = self.http.get(self.url(path)).send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    /// A subreddit with two human moderators and a banned user who has answered the ban
    /// message. Returns the ban conversation id.
    pub fn world(&self) -> String {
        let sim = self.sim();
        sim.add_subreddit(NewSubreddit {
            name: SUB.into(),
            moderators: vec!["alice_mod".into(), "bob_mod".into()],
            bot_is_mod: true,
        })
        .unwrap();
        let ban = sim
            .ban(BanRequest {
                subreddit: SUB.into(),
                user: USER.into(),
                note: "spam".into(),
                reason: Some("Rule 2: no spam".into()),
                duration_days: None,
                send_message: true,
                moderator: None,
            })
            .unwrap();
        let id = ban.conversation_id.unwrap();
        sim.user_message(UserMessage {
            subreddit: SUB.into(),
            user: USER.into(),
            body: "Please unban me".into(),
            subject: None,
            conversation_id: Some(id.clone()),
        })
        .unwrap();
        id
    }
}

pub fn fixtures_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/reddit"));
    assert!(dir.is_dir(), "fixtures not found at {}", dir.display());
    dir
}

/// The recorded body (`json`) of a fixture file.
pub fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join(format!("{name}.json"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["json"].clone()
}

/// Maps keyed by ids rather than by field names.
const KEYED: &[&str] = &[
    "conversations",
    "messages",
    "modActions",
    "recentComments",
    "recentPosts",
    "recentConvos",
];

/// `actual` has at least every key of `expected`, recursively. Maps keyed by id: every
/// actual entry has the shape of the fixture's first entry. Arrays: element shapes. Nulls
/// in either side match anything; other scalars must have the same JSON type.
pub fn assert_shape(expected: &Value, actual: &Value) {
    shape(expected, actual, "$", false);
}

fn shape(expected: &Value, actual: &Value, path: &str, keyed: bool) {
    match (expected, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(e), Value::Object(a)) => {
            if keyed {
                if let Some(first) = e.values().next() {
                    assert!(
                        !a.is_empty(),
                        "{path}: fixture has entries, response has none"
                    );
                    for (id, entry) in a {
                        shape(first, entry, &format!("{path}[{id}]"), false);
                    }
                }
                return;
            }
            for (k, ev) in e {
                let av = a.get(k).unwrap_or_else(|| {
                    panic!(
                        "{path}: missing key {k:?}; have {:?}",
                        a.keys().collect::<Vec<_>>()
                    )
                });
                let keyed = KEYED.contains(&k.as_str())
                    && ev.as_object().is_some_and(|o| !o.contains_key("id"));
                shape(ev, av, &format!("{path}.{k}"), keyed);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(ef), false) = (e.first(), a.is_empty()) {
                for (i, av) in a.iter().enumerate() {
                    shape(ef, av, &format!("{path}[{i}]"), false);
                }
            }
        }
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => {}
        _ => panic!("{path}: expected {expected}, got {actual}"),
    }
}

/// Polls `cond` until it holds or `secs` pass.
pub async fn eventually(secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in {secs}s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A fixture file as recorded (request, status, headers, json), with the recorder's
/// placeholders replaced by valid names so that our client's name checks run.
pub fn recording(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join(format!("{name}.json"))).unwrap();
    let text = text
        .replace("<USERNAME>", "scrubbed_user")
        .replace("<TEST_SUBREDDIT>", "scrubbed_sub");
    serde_json::from_str(&text).unwrap()
}

/// The recorded request's method, path and query (host dropped, `replace` applied) and
/// form body.
pub fn recorded_request(rec: &Value, replace: &[(&str, &str)]) -> (String, String, Option<String>) {
    let uri = rec["request"]["uri"].as_str().unwrap();
    let start = uri.find("://").map_or(0, |i| i + 3);
    let mut path = uri[start..][uri[start..].find('/').unwrap()..].to_owned();
    let mut body = rec["request"]["body"].as_str().map(str::to_owned);
    for (from, to) in replace {
        path = path.replace(from, to);
        body = body.map(|b| b.replace(from, to));
    }
    let method = rec["request"]["method"].as_str().unwrap().to_owned();
    (method, path, body)
}

impl TestSim {
    /// Sends the recorded request (with `replace` applied) as `token`'s account.
    pub async fn replay(
        &self,
        token: &str,
        rec: &Value,
        replace: &[(&str, &str)],
    ) -> reqwest::Response {
        let (method, path, body) = recorded_request(rec, replace);
        let mut req = match method.as_str() {
            "GET" => self.http.get(self.url(&path)),
            _ => self.http.post(self.url(&path)),
        }
        .bearer_auth(token);
        if let Some(body) = body {
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        req.send().await.unwrap()
    }

    /// Logs `user` in to the web app the way scripts do (`sim_user=`), and exchanges the
    /// code: returns the token answer.
    pub async fn web_login(&self, user: &str, scope: &str, duration: &str) -> Value {
        let app = self.sim().config().web_app;
        let code = self.authorize_code(user, scope, duration).await;
        let resp = self
            .http
            .post(self.url("/api/v1/access_token"))
            .basic_auth(&app.client_id, Some(&app.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", app.redirect_uri.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// The `code` of a `sim_user` authorization (state `s1`).
    pub async fn authorize_code(&self, user: &str, scope: &str, duration: &str) -> String {
        let app = self.sim().config().web_app;
        let resp = no_redirects()
            .get(self.url("/api/v1/authorize"))
            .query(&[
                ("client_id", app.client_id.as_str()),
                ("response_type", "code"),
                ("state", "s1"),
                ("redirect_uri", app.redirect_uri.as_str()),
                ("duration", duration),
                ("scope", scope),
                ("sim_user", user),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 302, "{:?}", resp.text().await);
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        query_param(&location, "code").unwrap()
    }

    pub async fn user_token(&self, user: &str, scope: &str) -> String {
        let v = self.web_login(user, scope, "temporary").await;
        v["access_token"].as_str().unwrap().to_owned()
    }
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The decoded value of `name` in a URL's query.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

// ---- contract checks: keys and types as recorded ----------------------------------------

/// The keys Reddit was recorded sending, per kind of object, over some fixtures.
pub struct Recorded(std::collections::BTreeMap<String, std::collections::BTreeSet<String>>);

/// Whether `v` (under `key`) is a map keyed by ids rather than an object with fields.
fn is_keyed(key: &str, v: &Value) -> bool {
    KEYED.contains(&key) && v.as_object().is_some_and(|o| !o.contains_key("id"))
}

/// The kind of object found under `key` in an object of kind `parent`: every conversation
/// is a "conversation" wherever it sits, every author an "author", and so on.
fn kind_of(parent: &str, key: &str, in_keyed_map: bool) -> String {
    if in_keyed_map {
        return match key {
            "conversations" => "conversation".to_owned(),
            "modActions" => "modAction".to_owned(),
            other => format!("{other}[]"),
        };
    }
    match key {
        "conversation" | "conversations" => "conversation".to_owned(),
        "author" if parent == "modAction" => "modAction.author".to_owned(),
        "author" | "participant" | "authors" => "author".to_owned(),
        _ => format!("{parent}.{key}"),
    }
}

impl Recorded {
    pub fn from(fixtures: &[&str]) -> Self {
        let mut r = Self(Default::default());
        for f in fixtures {
            r.walk(&fixture(f), "root");
        }
        r
    }

    fn walk(&mut self, v: &Value, kind: &str) {
        match v {
            Value::Object(o) => {
                let keys = self.0.entry(kind.to_owned()).or_default();
                keys.extend(o.keys().cloned());
                for (k, child) in o {
                    if is_keyed(k, child) {
                        let entry_kind = kind_of(kind, k, true);
                        for entry in child.as_object().unwrap().values() {
                            self.walk(entry, &entry_kind);
                        }
                    } else {
                        self.walk(child, &kind_of(kind, k, false));
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| self.walk(i, kind)),
            _ => {}
        }
    }

    /// `actual` has every key of `recorded` (recursively), scalars of the same JSON type
    /// (a null on either side matches anything), and no key Reddit was never recorded
    /// sending in that kind of object.
    pub fn assert_matches(&self, recorded: &Value, actual: &Value) {
        self.check(recorded, actual, "root", "$");
    }

    fn check(&self, rec: &Value, act: &Value, kind: &str, path: &str) {
        match (rec, act) {
            (Value::Null, _) | (_, Value::Null) => {}
            (Value::Object(r), Value::Object(a)) => {
                for (k, rv) in r {
                    let av = a.get(k).unwrap_or_else(|| {
                        panic!(
                            "{path}: missing key {k:?}; have {:?}",
                            a.keys().collect::<Vec<_>>()
                        )
                    });
                    let sub = format!("{path}.{k}");
                    if is_keyed(k, rv) {
                        self.check_keyed(k, rv, av, kind, &sub);
                    } else {
                        self.check(rv, av, &kind_of(kind, k, false), &sub);
                    }
                }
                let known = self.0.get(kind).cloned().unwrap_or_default();
                for k in a.keys().filter(|k| !r.contains_key(*k)) {
                    assert!(
                        known.contains(k),
                        "{path}: sends {k:?}, which Reddit was never recorded sending in a {kind}"
                    );
                }
            }
            (Value::Array(r), Value::Array(a)) => {
                if let Some(first) = r.first() {
                    for (i, av) in a.iter().enumerate() {
                        self.check(first, av, kind, &format!("{path}[{i}]"));
                    }
                }
            }
            (Value::Bool(_), Value::Bool(_))
            | (Value::Number(_), Value::Number(_))
            | (Value::String(_), Value::String(_)) => {}
            _ => panic!("{path}: recorded {rec}, got {act}"),
        }
    }

    fn check_keyed(&self, key: &str, rec: &Value, act: &Value, kind: &str, path: &str) {
        let entry_kind = kind_of(kind, key, true);
        let (Some(r), Some(a)) = (rec.as_object(), act.as_object()) else {
            panic!("{path}: recorded {rec}, got {act}");
        };
        if let Some(first) = r.values().next() {
            assert!(!a.is_empty(), "{path}: recorded entries, got none");
            for (id, entry) in a {
                self.check(first, entry, &entry_kind, &format!("{path}[{id}]"));
            }
        }
    }
}
