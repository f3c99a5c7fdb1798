//! Load benchmark for the appeal form (not a test): starts the site in-process on SQLite
//! and on PostgreSQL, then hammers it from N keep-alive connections on loopback and prints
//! requests/s, p50 and p99 per scenario.
//!
//! ```text
//! cargo run --release -p appealmod-web --example load
//! LOAD_SECS=5 LOAD_CONNECTIONS=64 LOAD_BACKENDS=sqlite cargo run --release -p appealmod-web --example load
//! ```
//!
//! Scenarios: GET `/appeal/{token}` (one appeal, already opened: the steady state of a
//! reloaded form); POST that fails validation (reads the appeal and re-renders the form);
//! POST that submits (a fresh appeal per request, each accepted once).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use appealmod_shared::config::Secret;
use appealmod_shared::domain::AppealId;
use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::storage::{Backend, NewAppeal, Store};
use appealmod_shared::token::LinkSigner;
use appealmod_testkit::TestDb;
use appealmod_web::csrf::CsrfKey;
use appealmod_web::form::BODY_TIMEOUT;
use appealmod_web::startup::{AppSettings, Application};
use chrono::Utc;

const SECRET: &str = "load-secret-load-secret-load-secret-0123";

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let secs: u64 = env_or("LOAD_SECS", 10);
    let conns: usize = env_or("LOAD_CONNECTIONS", 32);
    let pool: u32 = env_or("LOAD_POOL", 8);
    let backends = std::env::var("LOAD_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!(
        "appealmod-web load: {conns} connections, {secs} s per scenario, DB pool {pool}, {} CPU(s)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for name in backends.split(',') {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("unknown backend {other}"),
        };
        run_backend(backend, name.trim(), secs, conns, pool).await?;
    }
    Ok(())
}

async fn run_backend(
    backend: Backend,
    name: &str,
    secs: u64,
    conns: usize,
    pool: u32,
) -> anyhow::Result<()> {
    let db = TestDb::new(backend).await;
    // The site gets its own pool, sized like a production config would be.
    let store = Store::open(&db.url, pool).await?;
    let settings = AppSettings {
        bind: "127.0.0.1:0".into(),
        public_base_url: "http://127.0.0.1".into(),
        link_secret: Secret::new(SECRET),
        post_rate_per_minute: u32::MAX,
        bot_username: Some("appealmod_bot".into()),
        extra_bot_accounts: Vec::new(),
        workers: None,
        trusted_proxies: Vec::new(),
        body_timeout: BODY_TIMEOUT,
        console: None,
        login: Default::default(),
        user_agent: "appealmod-load".to_owned(),
        defaults: appealmod_shared::config::Config::default().settings_defaults(),
        metrics: Default::default(),
        rng_seed: None,
        live: Default::default(),
        clock: Default::default(),
        modmail: Default::default(),
        user_mail: appealmod_shared::config::ModmailLinks::user_default(),
    };
    let app = Application::build(settings, store.clone()).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = tokio::spawn(app.run_until_stopped());
    let signer = LinkSigner::new(&Secret::new(SECRET));
    let csrf = CsrfKey::new(&Secret::new(SECRET));

    let (id, path) = create_appeal(&store, &signer, 0).await?;
    let url = Arc::new(format!("{base}{path}"));
    // Warm up: the first GET marks the form opened; later ones only read.
    reqwest::get(url.as_str()).await?.error_for_status()?;

    let get = {
        let url = url.clone();
        load(conns, secs, move |client, _| {
            let url = url.clone();
            async move {
                client
                    .get(url.as_str())
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
        })
        .await
    };
    report(name, "GET  /appeal/{token}", &get, 200);

    let token = csrf.issue(&format!("appeal:{}", id.0), Utc::now());
    let invalid = {
        let url = url.clone();
        let body = Arc::new(format!("csrf={token}&q_rule=too+short+an+appeal"));
        load(conns, secs, move |client, _| {
            let (url, body) = (url.clone(), body.clone());
            async move {
                client
                    .post(url.as_str())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body.as_str().to_owned())
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
        })
        .await
    };
    report(name, "POST /appeal/{token} (invalid)", &invalid, 400);

    // Enough fresh appeals for the submit scenario, created up front.
    let n: usize = env_or("LOAD_APPEALS", 3000);
    let mut targets = Vec::with_capacity(n);
    for i in 1..=n {
        let (id, path) = create_appeal(&store, &signer, i).await?;
        let token = csrf.issue(&format!("appeal:{}", id.0), Utc::now());
        targets.push((format!("{base}{path}"), complete_body(&token)));
    }
    let targets = Arc::new(targets);
    let next = Arc::new(AtomicUsize::new(0));
    let submit = load(conns, secs, move |client, _| {
        let (targets, next) = (targets.clone(), next.clone());
        async move {
            let Some((url, body)) = targets.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return Ok(0); // out of appeals: stop counting
            };
            client
                .post(url.as_str())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    })
    .await;
    report(name, "POST /appeal/{token} (submit)", &submit, 200);

    server.abort();
    store.close().await;
    Ok(())
}

fn complete_body(csrf: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", csrf),
            ("q_appeal_reason", "I regret what I did"),
            ("q_rule", "Be civil."),
            ("q_actions_wrong", "yes"),
            ("q_pledge", "yes"),
            ("q_steps", "Step away first."),
            ("q_examples", "Can a mod explain why my post was removed?"),
        ])
        .finish()
}

async fn create_appeal(
    store: &Store,
    signer: &LinkSigner,
    i: usize,
) -> anyhow::Result<(AppealId, String)> {
    let now = Utc::now();
    let expires = now + chrono::Duration::days(7);
    let sub = SubredditName::parse("loadtest")?;
    store.ensure_subreddit(&sub, now).await?;
    let conv = ConversationId::parse(&format!("l{i}"))?;
    let contact = store
        .record_contact(
            &sub,
            &RedditUsername::parse(&format!("user{i}"))?,
            &conv,
            || Group::Treatment,
            now,
        )
        .await?;
    let mut tx = store.begin().await?;
    let id = tx
        .create_appeal(
            &NewAppeal {
                appellant_id: contact.appellant.id,
                conversation_id: conv,
                token_expires_at: expires,
                ban_note: "Rule 2: be civil.".into(),
                ban_reason: "Rule 2".into(),
                ban_date: Some(now),
                ban_permanent: true,
            },
            now,
        )
        .await?;
    let token = signer.sign(id, expires);
    tx.set_appeal_token_hash(id, &token.hash()).await?;
    tx.commit().await?;
    Ok((id, format!("/appeal/{}", token.expose())))
}

struct Results {
    latencies_us: Vec<u64>,
    statuses: Vec<u16>,
    elapsed: Duration,
}

/// Runs `conns` tasks, each with its own keep-alive connection, for `secs` seconds.
async fn load<F, Fut>(conns: usize, secs: u64, request: F) -> Results
where
    F: Fn(reqwest::Client, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = reqwest::Result<u16>> + Send,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut tasks = Vec::with_capacity(conns);
    for c in 0..conns {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let (mut lat, mut st) = (Vec::new(), Vec::new());
            while Instant::now() < deadline {
                let t = Instant::now();
                match request(client.clone(), c).await {
                    Ok(0) => break,
                    Ok(s) => {
                        lat.push(t.elapsed().as_micros() as u64);
                        st.push(s);
                    }
                    Err(_) => st.push(0),
                }
            }
            (lat, st)
        }));
    }
    let mut results = Results {
        latencies_us: Vec::new(),
        statuses: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        if let Ok((l, s)) = t.await {
            results.latencies_us.extend(l);
            results.statuses.extend(s);
        }
    }
    // Until the last task stopped: the submit scenario may run out of appeals early.
    results.elapsed = start.elapsed();
    results
}

fn report(backend: &str, scenario: &str, r: &Results, expected: u16) {
    let mut l = r.latencies_us.clone();
    l.sort_unstable();
    let pct = |p: f64| {
        if l.is_empty() {
            0.0
        } else {
            l[((l.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
        }
    };
    let ok = r.statuses.iter().filter(|s| **s == expected).count();
    let other = r.statuses.len() - ok;
    println!(
        "{backend:<8} {scenario:<32} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} unexpected status)",
        l.len() as f64 / r.elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        l.len(),
        other
    );
}
