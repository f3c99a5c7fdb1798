//! HTTP itself: methods, slow clients, crawlers and the client address behind a proxy.

use std::time::{Duration, Instant};

use appealmod_shared::storage::Backend;
use chrono::Utc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, complete_answers, spawn_app, spawn_listening, spawn_with};
use crate::on_both_backends;

on_both_backends!(
    head_answers_like_get_without_a_body,
    wrong_method_is_405_with_allow,
    slow_body_is_cut_off,
    appeal_pages_are_not_indexed,
    robots_txt_keeps_crawlers_out_of_appeals,
    forwarded_for_counts_only_from_a_trusted_proxy,
    the_site_serves_on_the_listener_it_is_handed,
);

const NOINDEX: &str = "noindex, nofollow";
const NOINDEX_META: &str = "<meta name=\"robots\" content=\"noindex, nofollow\">";

/// Headers that may differ between two answers to the same request.
fn comparable(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    let mut v: Vec<_> = h
        .iter()
        .filter(|(k, _)| k.as_str() != "date")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    v.sort();
    v
}

async fn head_answers_like_get_without_a_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, appeal) = app.create_appeal("bob", "note").await;
    // HEAD first: a link checker is not the appellant opening the form.
    let r = app
        .client
        .head(app.url(&appeal))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(r.status().as_u16(), 200);
    let a = app.db.store.appeal(id).await.expect("get").expect("found");
    assert_eq!(a.opened_at, None, "HEAD does not mark the form opened");
    for path in [
        "/",
        "/signup",
        appeal.as_str(),
        "/healthz",
        "/readyz",
        "/robots.txt",
        "/static/style.css",
        "/static/logo.svg",
        "/nope",
    ] {
        let get = app.get(path).await;
        let head = app.client.head(app.url(path)).send().await.expect("HEAD");
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            comparable(head.headers()),
            comparable(get.headers()),
            "{path}"
        );
        let get_body = get.bytes().await.expect("GET body");
        assert!(!get_body.is_empty(), "{path}");
        assert!(head.bytes().await.expect("HEAD body").is_empty(), "{path}");
    }
}

async fn wrong_method_is_405_with_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, appeal) = app.create_appeal("bob", "note").await;
    let cases = [
        (reqwest::Method::POST, "/healthz", "GET, HEAD"),
        (reqwest::Method::PUT, "/readyz", "GET, HEAD"),
        (reqwest::Method::DELETE, "/", "GET, HEAD"),
        (reqwest::Method::POST, "/static/style.css", "GET, HEAD"),
        (reqwest::Method::PUT, "/signup", "GET, HEAD, POST"),
        (reqwest::Method::DELETE, appeal.as_str(), "GET, HEAD, POST"),
        (reqwest::Method::OPTIONS, "/signup", "GET, HEAD, POST"),
    ];
    for (method, path, allow) in cases {
        let r = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 405, "{method} {path}");
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        assert!(r.headers().get("content-security-policy").is_some());
    }
    let r = app
        .client
        .post(app.url("/nope"))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 404, "unknown paths stay 404");
}

/// A client that sends its request head, announces a body and then trickles it in.
struct Trickle {
    status_line: String,
    /// When the server answered and closed, measured from the end of the head.
    closed_after: Option<Duration>,
}

async fn trickle(app: &TestApp, head: String, give_up_at: Instant) -> Trickle {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    wr.write_all(head.as_bytes()).await.expect("head");
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        // One byte a second until the server stops taking them.
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if wr.write_all(b"a").await.is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let closed_after = loop {
        match tokio::time::timeout_at(give_up_at.into(), rd.read(&mut buf)).await {
            Err(_) => break None,
            Ok(Ok(0)) => break Some(start.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            // A reset after the answer also means the server let go.
            Ok(Err(_)) => break Some(start.elapsed()),
        }
    };
    writer.abort();
    let text = String::from_utf8_lossy(&got);
    Trickle {
        status_line: text.lines().next().unwrap_or_default().to_owned(),
        closed_after,
    }
}

async fn slow_body_is_cut_off(backend: Backend) {
    let limit = Duration::from_secs(2);
    let app = spawn_with(backend, |s| s.body_timeout = limit).await;
    let (_, appeal) = app.create_appeal("bob", "note").await;
    let form_head = |path: &str, framing: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
        )
    };
    // Generous for a loaded machine, yet far below the 1000 s the body would take.
    let give_up_at = Instant::now() + limit + Duration::from_secs(6);
    // Chunked: a byte per second inside one announced chunk of 1000 bytes.
    let chunked = |path: &str| form_head(path, "Transfer-Encoding: chunked") + "3e8\r\n";
    let (signup, chunked_appeal, unread, unread_chunked) = tokio::join!(
        trickle(
            &app,
            form_head("/signup", "Content-Length: 1000"),
            give_up_at
        ),
        trickle(&app, chunked(&appeal), give_up_at),
        // Routes that never read their body: answered at once, then closed.
        trickle(
            &app,
            form_head("/healthz", "Content-Length: 1000"),
            give_up_at
        ),
        trickle(&app, chunked("/healthz"), give_up_at),
    );
    for (name, t, status) in [
        ("signup", &signup, "HTTP/1.1 408"),
        ("chunked appeal", &chunked_appeal, "HTTP/1.1 408"),
        ("unread body", &unread, "HTTP/1.1 405"),
        ("unread chunked body", &unread_chunked, "HTTP/1.1 405"),
    ] {
        assert!(
            t.status_line.starts_with(status),
            "{name}: answered {:?}",
            t.status_line
        );
        let after = t
            .closed_after
            .unwrap_or_else(|| panic!("{name}: connection still open"));
        assert!(after < limit + Duration::from_secs(5), "{name}: {after:?}");
    }
    let form_closed = signup.closed_after.unwrap_or_default();
    assert!(
        form_closed >= limit - Duration::from_millis(200),
        "the body had its full time: {form_closed:?}"
    );
    assert_eq!(
        app.get("/healthz").await.status().as_u16(),
        200,
        "site still serves"
    );
}

async fn appeal_pages_are_not_indexed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, open) = app.create_appeal("bob", "note").await;
    let (_, expired) = app
        .create_appeal_expiring("carol", "note", Utc::now() - chrono::Duration::minutes(1))
        .await;
    let check = |what: &str, r: &reqwest::Response, status: u16| {
        assert_eq!(r.status().as_u16(), status, "{what}");
        assert_eq!(r.headers()["x-robots-tag"], NOINDEX, "{what}");
    };
    let r = app.get(&open).await;
    check("form", &r, 200);
    assert!(r.text().await.expect("body").contains(NOINDEX_META), "form");
    for (what, path, status) in [
        ("expired", expired.as_str(), 410),
        ("not a token", "/appeal/not-a-token", 404),
        ("no token", "/appeal/", 404),
    ] {
        let r = app.get(path).await;
        check(what, &r, status);
        assert!(
            r.text().await.expect("body").contains(NOINDEX_META),
            "{what}"
        );
    }
    let (status, body) = app.post_form(&open, &complete_answers()).await;
    assert_eq!(status, 403, "no CSRF token");
    assert!(body.contains(NOINDEX_META), "403 page");
    let (status, body) = app.submit(&open, &[("q_pledge", "yes")]).await;
    assert_eq!(status, 400);
    assert!(body.contains(NOINDEX_META), "form with errors");
    let (status, body) = app.submit(&open, &complete_answers()).await;
    assert_eq!(status, 200);
    assert!(body.contains("Thank you") && body.contains(NOINDEX_META));
    let r = app.get(&open).await;
    check("already received", &r, 200);
    assert!(r.text().await.expect("body").contains(NOINDEX_META));
    let r = app.client.put(app.url(&open)).send().await.expect("PUT");
    check("wrong method", &r, 405);

    let r = app.get("/").await;
    assert!(
        r.headers().get("x-robots-tag").is_none(),
        "the landing page is indexed"
    );
    assert!(!r.text().await.expect("body").contains("noindex"));
}

async fn robots_txt_keeps_crawlers_out_of_appeals(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/robots.txt").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    let body = r.text().await.expect("body");
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    for needed in [
        "User-agent: *",
        "Disallow: /appeal/",
        "Disallow: /dashboard/",
    ] {
        assert!(
            lines.contains(&needed),
            "robots.txt lacks {needed:?}:\n{body}"
        );
    }
    assert!(
        !lines.contains(&"Disallow: /"),
        "the landing page stays crawlable"
    );
}

async fn forwarded_for_counts_only_from_a_trusted_proxy(backend: Backend) {
    let post_as = |app: &TestApp, client: &'static str| {
        app.client
            .post(app.url("/signup"))
            .header("X-Forwarded-For", format!("198.51.100.1, {client}"))
            .form(&[("name", "Ada")])
            .send()
    };
    // Without a console the sign-up is 404, which is not 429: the limit is what counts.
    // Behind a trusted proxy (the test client's 127.0.0.1), each client has its own bucket.
    let app = spawn_with(backend, |s| {
        s.post_rate_per_minute = 1;
        s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    })
    .await;
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(post_as(&app, "203.0.113.1").await.expect("post")),
        404
    );
    assert_eq!(
        status(post_as(&app, "203.0.113.1").await.expect("post")),
        429
    );
    assert_eq!(
        status(post_as(&app, "203.0.113.2").await.expect("post")),
        404,
        "another client behind the same proxy is not limited"
    );

    // From an untrusted peer the header is ignored: a new address per request buys nothing.
    let app = spawn_with(backend, |s| s.post_rate_per_minute = 1).await;
    assert_eq!(
        status(post_as(&app, "203.0.113.1").await.expect("post")),
        404
    );
    assert_eq!(
        status(post_as(&app, "203.0.113.2").await.expect("post")),
        429
    );
}

/// Review of issue 20: tests that must know the site's port before its settings bound port
/// 0, dropped the listener and bound the port again, which another process could take in
/// between. The listener is handed to the site now, and held from the start.
async fn the_site_serves_on_the_listener_it_is_handed(backend: Backend) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let app = spawn_listening(backend, listener, |a| {
        a.public_base_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    assert_eq!(app.address, format!("http://127.0.0.1:{port}"));
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_err(),
        "the port is never free for someone else to take"
    );
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}
