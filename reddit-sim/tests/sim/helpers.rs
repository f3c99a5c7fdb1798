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
