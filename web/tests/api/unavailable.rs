//! The site with its database away: PostgreSQL behind a TCP proxy the test cuts (open
//! connections die, new ones are never answered: a network partition), then restores.
//! PostgreSQL only: an SQLite file does not go away like a server does.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use appealmod_shared::config::DatabaseConfig;
use appealmod_shared::domain::AppealStatus;
use appealmod_shared::storage::{PoolSettings, Store};
use appealmod_testkit::{TcpProxy, TestDb};
use chrono::Utc;

use crate::helpers::{SECRET, TestApp, complete_answers, csrf_of, spawn_on};

/// The site on a fresh PostgreSQL database that it reaches only through the returned
/// proxy, with the production default of how long a page waits for a connection. The
/// test's own store (`app.db.store`) connects directly.
async fn site_behind_a_proxy() -> (TestApp, TcpProxy) {
    let db = TestDb::postgres().await;
    let mut url = url::Url::parse(&db.url).expect("database url");
    let server: SocketAddr = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().unwrap_or(5432)
    )
    .parse()
    .expect("the test database is at an IP address");
    let proxy = TcpProxy::start(server).await.expect("proxy");
    url.set_port(Some(proxy.port())).expect("port");
    let pool = PoolSettings {
        max_connections: 4,
        acquire_timeout: Duration::from_millis(DatabaseConfig::default().web_acquire_timeout_ms),
    };
    let store = Store::open_with(url.as_str(), pool)
        .await
        .expect("the site's pool, through the proxy");
    (spawn_on(db, store, |_| {}).await, proxy)
}

/// What an answer looks like in the page's HTML (askama escapes these).
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// POSTs `pairs` to `path`: status, `Retry-After`, body and how long it took.
async fn post_timed(
    app: &TestApp,
    path: &str,
    pairs: &[(&str, &str)],
) -> (u16, Option<String>, String, Duration) {
    let started = Instant::now();
    let r = app
        .client
        .post(app.url(path))
        .form(pairs)
        .send()
        .await
        .expect("POST");
    let took = started.elapsed();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, retry, r.text().await.expect("body"), took)
}

/// Every answer to a field of `form` (the page that was filled in) is in `page`: the
/// form keeps what it asks for.
fn assert_every_answer_is_in(page: &str, form: &str) {
    for (name, value) in complete_answers() {
        if !form.contains(&format!("name=\"{name}\"")) {
            continue;
        }
        let shown = escaped(value);
        assert!(page.contains(&shown), "{name}: {shown} missing in\n{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_database_the_form_answers_503_at_once_and_keeps_the_answers() {
    let (app, proxy) = site_behind_a_proxy().await;
    let (id, path) = app.create_appeal("bob", "note").await;
    let (status, form) = app.get_text(&path).await;
    assert_eq!(status, 200, "{form}");
    let csrf = csrf_of(&form);
    let mut pairs = vec![("csrf", csrf.as_str())];
    pairs.extend(complete_answers());

    proxy.cut();
    let (status, retry, page, took) = post_timed(&app, &path, &pairs).await;
    assert_eq!(status, 503, "{page}");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    assert_eq!(retry.as_deref(), Some("60"));
    assert!(
        page.contains("Please submit it again in a minute."),
        "{page}"
    );
    // The form itself, as it was shown, with every answer still in it.
    assert!(page.contains("Appeal your ban from r/pics"), "{page}");
    assert!(page.contains("Submit my appeal"));
    assert_every_answer_is_in(&page, &form);
    assert_eq!(page.matches("value=\"yes\" checked").count(), 2, "{page}");
    assert!(
        page.contains("value=\"I regret what I did\" checked"),
        "{page}"
    );
    let stored = app
        .db
        .store
        .appeal(id)
        .await
        .expect("read")
        .expect("appeal");
    assert_eq!(stored.status, AppealStatus::Prompted, "nothing half-stored");
    assert!(app.db.store.form_answers(id).await.expect("read").is_none());

    // Another page meanwhile: a clear 503, soon.
    let started = Instant::now();
    let r = app.get(&path).await;
    assert_eq!(r.status().as_u16(), 503);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(r.headers()["retry-after"], "60");
    let text = r.text().await.expect("body");
    assert!(text.contains("Please try again in a minute"), "{text}");

    // Back: the form the 503 gave back goes through, once.
    proxy.restore();
    let fresh = csrf_of(&page);
    let mut again = vec![("csrf", fresh.as_str())];
    again.extend(complete_answers());
    let (status, _, body, _) = post_timed(&app, &path, &again).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _, _) = post_timed(&app, &path, &again).await;
    assert_eq!(status, 409, "received once");
    assert!(app.db.store.form_answers(id).await.expect("read").is_some());
}

/// A site process that never showed this form (restarted, or another instance) cannot
/// rebuild it without the database: it still gives every answer back, to be sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_never_showed_the_form_still_gives_the_answers_back() {
    let (app, proxy) = site_behind_a_proxy().await;
    let (id, path) = app.create_appeal("carol", "note").await;
    let key = appealmod_web::csrf::CsrfKey::new(&appealmod_shared::config::Secret::new(SECRET));
    let csrf = key.issue(&format!("appeal:{}", id.0), Utc::now());
    let mut pairs = vec![("csrf", csrf.as_str())];
    pairs.extend(complete_answers());

    proxy.cut();
    let (status, retry, page, took) = post_timed(&app, &path, &pairs).await;
    assert_eq!(status, 503, "{page}");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    assert_eq!(retry.as_deref(), Some("60"));
    assert!(
        page.contains("Please submit it again in a minute."),
        "{page}"
    );
    // Every field sent comes back, whatever the questions.
    assert_every_answer_is_in(&page, &page);

    proxy.restore();
    let fields = page_fields(&page);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, body, _) = post_timed(&app, &path, &fields).await;
    assert_eq!(status, 200, "{body}");
    assert!(app.db.store.form_answers(id).await.expect("read").is_some());
}

/// The fields a browser would post from the plain form: the hidden token and each
/// textarea.
fn page_fields(page: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let mut fields = vec![("csrf".to_owned(), csrf_of(page))];
    for part in page.split("<textarea").skip(1) {
        let name = part
            .split("name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a name");
        let value = part
            .split_once('>')
            .and_then(|(_, rest)| rest.split("</textarea>").next())
            .expect("a value");
        fields.push((unescape(name), unescape(value)));
    }
    fields
}
