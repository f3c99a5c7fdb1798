//! Spawns the site on a random port against a fresh database, and drives it over real HTTP.

use appealmod_shared::config::{ConsoleLogin, Secret};
use appealmod_shared::domain::AppealId;
use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::storage::{Backend, NewAppeal, Store};
use appealmod_shared::token::{FormToken, LinkSigner};
use appealmod_testkit::TestDb;
use appealmod_web::form::BODY_TIMEOUT;
use appealmod_web::startup::{AppSettings, Application};
use chrono::{DateTime, Duration, Utc};

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const BOT: &str = "appealmod_bot";

pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub client: reqwest::Client,
    pub signer: LinkSigner,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut AppSettings)) -> TestApp {
    let db = TestDb::new(backend).await;
    let store = db.store.clone();
    spawn_on(db, store, tweak).await
}

/// The site on `db`'s database through `store`: another pool than the test's own (e.g. one
/// that reaches the database through a proxy the test can cut).
pub async fn spawn_on(db: TestDb, store: Store, tweak: impl FnOnce(&mut AppSettings)) -> TestApp {
    serve(db, store, None, tweak).await
}

/// The site on a fresh `backend` database, serving on `listener`: for a caller that must
/// know the site's port before its settings (the login's redirect) and binds port 0 itself.
pub async fn spawn_listening(
    backend: Backend,
    listener: std::net::TcpListener,
    tweak: impl FnOnce(&mut AppSettings),
) -> TestApp {
    let db = TestDb::new(backend).await;
    let store = db.store.clone();
    serve(db, store, Some(listener), tweak).await
}

/// Builds the site (on `listener`, else on the settings' `bind`) and serves it.
async fn serve(
    db: TestDb,
    store: Store,
    listener: Option<std::net::TcpListener>,
    tweak: impl FnOnce(&mut AppSettings),
) -> TestApp {
    // reqwest is built without a default TLS provider; even plain http clients need one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut settings = AppSettings {
        bind: "127.0.0.1:0".into(),
        public_base_url: "http://127.0.0.1".into(),
        link_secret: Secret::new(SECRET),
        post_rate_per_minute: 10_000,
        bot_username: Some(BOT.into()),
        extra_bot_accounts: Vec::new(),
        workers: Some(2),
        trusted_proxies: Vec::new(),
        body_timeout: BODY_TIMEOUT,
        console: None,
        login: Default::default(),
        user_agent: "test:appealmod-web:v0 (by /u/tester)".to_owned(),
        defaults: appealmod_shared::config::Config::default().settings_defaults(),
        metrics: Default::default(),
        rng_seed: None,
        live: Default::default(),
        clock: Default::default(),
        modmail: Default::default(),
        user_mail: appealmod_shared::config::ModmailLinks::user_default(),
    };
    tweak(&mut settings);
    let app = match listener {
        Some(l) => Application::build_on(l, settings, store).await,
        None => Application::build(settings, store).await,
    }
    .expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        db,
        client,
        signer: LinkSigner::new(&Secret::new(SECRET)),
    }
}

pub fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).expect("subreddit")
}

/// The value of the hidden CSRF field in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// A complete, valid answer set for the default questions.
pub fn complete_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("q_appeal_reason", "I regret what I did"),
        ("q_rule", "Be civil to others."),
        ("q_actions_wrong", "yes"),
        ("q_pledge", "yes"),
        ("q_steps", "I will step away before replying."),
        (
            "q_examples",
            "I think you're wrong, and here is a source that says otherwise.",
        ),
        ("q_examples", "Can a mod explain why my post was removed?"),
    ]
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .client
            .post(self.url(path))
            .form(pairs)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// Posts `pairs` plus a fresh CSRF token taken from the form page at `path`.
    pub async fn submit(&self, path: &str, pairs: &[(&str, &str)]) -> (u16, String) {
        let (_, page) = self.get_text(path).await;
        let csrf = csrf_of(&page);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_form(path, &all).await
    }

    /// An appeal by u/`user` in r/pics with a link valid for a week; returns its path.
    pub async fn create_appeal(&self, user: &str, ban_note: &str) -> (AppealId, String) {
        self.create_appeal_expiring(user, ban_note, Utc::now() + Duration::days(7))
            .await
    }

    pub async fn create_appeal_expiring(
        &self,
        user: &str,
        ban_note: &str,
        expires_at: DateTime<Utc>,
    ) -> (AppealId, String) {
        self.create_appeal_with(user, ban_note, "Rule 1: be civil", expires_at)
            .await
    }

    /// An appeal with the private ban-list note `ban_note` and the reason the ban message
    /// quoted, `ban_reason`; returns its id and path.
    pub async fn create_appeal_with(
        &self,
        user: &str,
        ban_note: &str,
        ban_reason: &str,
        expires_at: DateTime<Utc>,
    ) -> (AppealId, String) {
        let store = &self.db.store;
        let now = Utc::now();
        let conversation =
            ConversationId::parse(&format!("c{}", user.replace('_', ""))).expect("conversation id");
        store
            .ensure_subreddit(&sub("pics"), now)
            .await
            .expect("sub");
        let contact = store
            .record_contact(
                &sub("pics"),
                &RedditUsername::parse(user).expect("user"),
                &conversation,
                || Group::Treatment,
                now,
            )
            .await
            .expect("contact");
        let mut tx = store.begin().await.expect("tx");
        let id = tx
            .create_appeal(
                &NewAppeal {
                    appellant_id: contact.appellant.id,
                    conversation_id: conversation,
                    token_expires_at: expires_at,
                    ban_note: ban_note.into(),
                    ban_reason: ban_reason.into(),
                    ban_date: Some(now - Duration::days(1)),
                    ban_permanent: true,
                },
                now,
            )
            .await
            .expect("appeal");
        let token: FormToken = self.signer.sign(id, expires_at);
        tx.set_appeal_token_hash(id, &token.hash())
            .await
            .expect("hash");
        tx.commit().await.expect("commit");
        (id, format!("/appeal/{}", token.expose()))
    }
}

/// The site with its console on SQLite, logging in through `sim`'s web app: each
/// `(subreddit, moderator)` is created there; `operators` may see every subreddit;
/// `tweak` adjusts the rest (e.g. the live view's poll). Used by the browser tests.
#[allow(dead_code)]
pub async fn spawn_console(
    sim: &reddit_sim::SimServer,
    subs: &[(&str, &str)],
    operators: Vec<RedditUsername>,
    tweak: impl FnOnce(&mut AppSettings),
) -> TestApp {
    spawn_console_on(Backend::Sqlite, sim, subs, operators, tweak).await
}

/// [`spawn_console`] on `backend`.
pub async fn spawn_console_on(
    backend: Backend,
    sim: &reddit_sim::SimServer,
    subs: &[(&str, &str)],
    operators: Vec<RedditUsername>,
    tweak: impl FnOnce(&mut AppSettings),
) -> TestApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let redirect = format!("http://127.0.0.1:{port}/auth/reddit/callback");
    sim.state().set_web_app(reddit_sim::WebApp {
        redirect_uri: redirect.clone(),
        ..reddit_sim::WebApp::default()
    });
    for (name, moderator) in subs {
        sim.state()
            .add_subreddit(reddit_sim::NewSubreddit {
                name: (*name).into(),
                moderators: vec![(*moderator).into()],
                bot_is_mod: false,
            })
            .expect("sub");
    }
    let web = reddit_sim::WebApp::default();
    let base = sim.base_url();
    spawn_listening(backend, listener, |a| {
        a.public_base_url = format!("http://127.0.0.1:{port}");
        a.console = Some(ConsoleLogin {
            client_id: web.client_id.clone(),
            client_secret: Secret::new(web.client_secret.clone()),
            redirect_uri: redirect,
            auth_base_url: base.clone(),
            api_base_url: base,
            session_key: Secret::new("browser-session-key-browser-session-key-01"),
            session_hours: 12,
            operators,
        });
        tweak(a);
    })
    .await
}
