//! Test helpers: a client pointed at a base URL, a Reddit simulator with the bot's account,
//! and a scripted raw-HTTP server for failures the simulator does not stage exactly.

#![allow(dead_code)] // each test file uses a different part
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use appealmod_reddit::{ClientConfig, ClientOptions, Credentials, Now, RedditClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Options that keep retries fast in tests.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Some(Duration::from_secs(5)),
        connect_timeout: Duration::from_secs(2),
        max_attempts: 3,
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(100),
        max_rate_limit_waits: 3,
        max_rate_limit_wait: Duration::from_secs(10),
        limiter_reserve: 2.0,
        token_refresh_margin: Duration::from_secs(60),
        clock: Now::system(),
    }
}

/// The system clock plus an offset the test moves, given to the client as
/// [`ClientOptions::clock`]: a token expires by moving it, not by waiting.
#[derive(Clone, Default)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn now(&self) -> Now {
        let offset = self.0.clone();
        Now::from_fn(move || {
            chrono::Utc::now() + chrono::Duration::milliseconds(offset.load(Ordering::Relaxed))
        })
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap();
        self.0.fetch_add(ms, Ordering::Relaxed);
    }
}

pub fn creds(username: &str, password: &str, client_id: &str, secret: &str) -> Credentials {
    Credentials::new(username, password, client_id, secret)
}

/// The credentials `reddit_sim::BotAccount::default()` accepts.
pub fn sim_creds() -> Credentials {
    let b = reddit_sim::BotAccount::default();
    creds(&b.username, &b.password, &b.client_id, &b.client_secret)
}

pub fn client_at(base: &str, creds: Credentials, options: ClientOptions) -> RedditClient {
    let config = ClientConfig {
        user_agent: "test:appealmod-reddit:v0 (by /u/tester)".to_owned(),
        ..ClientConfig::at(base)
    };
    RedditClient::with_options(&config, creds, options).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Scripted server

/// What the scripted server does with one API request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with this status, extra headers and body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the whole request, then close the connection without a byte of answer.
    Drop,
    /// Read the request and never answer (the client times out).
    Stall,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self::Http {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn with_header(mut self, k: &str, v: &str) -> Self {
        if let Self::Http { headers, .. } = &mut self {
            headers.push((k.to_owned(), v.to_owned()));
        }
        self
    }

    /// Adds Reddit's three rate-limit headers.
    pub fn rate(self, used: u32, remaining: f64, reset: u64) -> Self {
        self.with_header("x-ratelimit-used", &used.to_string())
            .with_header("x-ratelimit-remaining", &format!("{remaining:.1}"))
            .with_header("x-ratelimit-reset", &reset.to_string())
    }

    pub fn me() -> Self {
        Self::json(200, r#"{"name": "appealmod_bot"}"#).rate(1, 599.0, 500)
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Header lines, lowercased names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Script {
    token: Reply,
    api: VecDeque<Reply>,
    seen: Vec<Seen>,
}

/// A tiny HTTP/1.1 server: token requests get `token` (a valid token unless replaced),
/// every other request gets the next scripted [`Reply`] (404 when the script is spent).
/// Every answer closes the connection, so each request is on its own connection.
pub struct ScriptServer {
    pub base_url: String,
    script: Arc<Mutex<Script>>,
}

pub fn token_reply(expires_in: u64) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"access_token": "tok-{}", "token_type": "bearer", "expires_in": {expires_in}, "scope": "*"}}"#,
            rand_suffix()
        ),
    )
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

impl ScriptServer {
    pub async fn start(api: Vec<Reply>) -> Self {
        Self::start_with_token(token_reply(3600), api).await
    }

    pub async fn start_with_token(token: Reply, api: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script = Arc::new(Mutex::new(Script {
            token,
            api: api.into(),
            seen: Vec::new(),
        }));
        let s = script.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { handle(stream, s).await });
            }
        });
        Self {
            base_url: format!("http://{addr}"),
            script,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.script.lock().unwrap().seen.clone()
    }

    /// Requests other than the token endpoint.
    pub fn api_seen(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| !s.target.starts_with("/api/v1/access_token"))
            .collect()
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

async fn handle(mut stream: TcpStream, script: Arc<Mutex<Script>>) {
    let Some(seen) = read_request(&mut stream).await else {
        return;
    };
    let reply = {
        let mut s = script.lock().unwrap();
        let r = if seen.target.starts_with("/api/v1/access_token") {
            s.token.clone()
        } else {
            s.api
                .pop_front()
                .unwrap_or_else(|| Reply::json(404, r#"{"message": "script spent"}"#))
        };
        s.seen.push(seen);
        r
    };
    match reply {
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=UTF-8\r\n\
                 content-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            let _ = stream.write_all(out.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Reply::Drop => {
            drop(stream);
        }
        Reply::Stall => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
}
