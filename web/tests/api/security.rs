//! One test per security rule.

use appealmod_shared::storage::Backend;

use crate::helpers::{complete_answers, csrf_of, spawn_app, spawn_with};
use crate::on_both_backends;

on_both_backends!(
    post_without_csrf_token_is_refused,
    post_with_bad_csrf_token_is_refused,
    csrf_token_of_another_form_is_refused,
    cross_site_origin_is_refused,
    cross_site_fetch_metadata_is_refused,
    same_origin_post_is_accepted,
    security_headers_on_every_response,
    hsts_only_over_https,
    oversized_body_is_413,
    post_rate_limit_gives_429,
    user_input_is_html_escaped,
);

/// The appeal form of a fresh appeal, with a complete answer set: the site's public form
/// (the console's forms are covered in `console.rs`).
async fn appeal_form(
    app: &crate::helpers::TestApp,
) -> (appealmod_shared::domain::AppealId, String) {
    app.create_appeal("bob", "note").await
}

async fn post_without_csrf_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = appeal_form(&app).await;
    let (status, body) = app.post_form(&path, &complete_answers()).await;
    assert_eq!(status, 403);
    assert!(body.contains("could not be verified"));
    assert!(app.db.store.form_answers(id).await.expect("get").is_none());
}

async fn post_with_bad_csrf_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = appeal_form(&app).await;
    let mut fields = complete_answers();
    fields.push(("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    let (status, _) = app.post_form(&path, &fields).await;
    assert_eq!(status, 403);
    assert!(app.db.store.form_answers(id).await.expect("get").is_none());
}

async fn csrf_token_of_another_form_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, other_path) = app.create_appeal("alice", "note").await;
    let (id, path) = app.create_appeal("bob", "note").await;
    let (_, other_page) = app.get_text(&other_path).await;
    let other_csrf = csrf_of(&other_page);
    let mut pairs = vec![("csrf", other_csrf.as_str())];
    pairs.extend(complete_answers());
    let (status, _) = app.post_form(&path, &pairs).await;
    assert_eq!(status, 403, "a token is bound to its appeal");
    assert!(app.db.store.form_answers(id).await.expect("get").is_none());
}

/// Posts the appeal form with a valid token and the given extra headers.
async fn post_with_headers(backend: Backend, headers: &[(&str, &str)]) -> (u16, bool) {
    let app = spawn_app(backend).await;
    let (id, path) = appeal_form(&app).await;
    let (_, page) = app.get_text(&path).await;
    let csrf = csrf_of(&page);
    let mut fields = complete_answers();
    fields.push(("csrf", csrf.as_str()));
    let mut req = app.client.post(app.url(&path)).form(&fields);
    for (k, v) in headers {
        let v = v.replace("{self}", &app.address);
        req = req.header(*k, v);
    }
    let r = req.send().await.expect("post");
    let stored = app.db.store.form_answers(id).await.expect("get").is_some();
    (r.status().as_u16(), stored)
}

async fn cross_site_origin_is_refused(backend: Backend) {
    let (status, stored) = post_with_headers(backend, &[("Origin", "https://evil.example")]).await;
    assert_eq!(status, 403);
    assert!(!stored);
}

async fn cross_site_fetch_metadata_is_refused(backend: Backend) {
    let (status, stored) = post_with_headers(backend, &[("Sec-Fetch-Site", "cross-site")]).await;
    assert_eq!(status, 403);
    assert!(!stored);
}

async fn same_origin_post_is_accepted(backend: Backend) {
    let headers = [("Origin", "{self}"), ("Sec-Fetch-Site", "same-origin")];
    let (status, stored) = post_with_headers(backend, &headers).await;
    assert_eq!(status, 200, "what a browser sends is accepted");
    assert!(stored);
}

async fn security_headers_on_every_response(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    for p in [
        "/",
        "/signup",
        path.as_str(),
        "/nope",
        "/static/style.css",
        "/healthz",
    ] {
        let r = app.get(p).await;
        let h = r.headers();
        let get = |k: &str| {
            h.get(k)
                .unwrap_or_else(|| panic!("{k} missing on {p}"))
                .to_str()
                .expect("ascii")
                .to_owned()
        };
        assert_eq!(
            get("content-security-policy"),
            "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
        assert_eq!(get("referrer-policy"), "no-referrer");
        assert_eq!(get("x-content-type-options"), "nosniff");
        assert_eq!(get("x-frame-options"), "DENY");
        assert!(
            h.get("strict-transport-security").is_none(),
            "not over http"
        );
    }
    let r = app.get(&path).await;
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "appeal pages are not cached"
    );
}

async fn hsts_only_over_https(backend: Backend) {
    let app = spawn_with(backend, |s| {
        s.public_base_url = "https://appeals.example.org".into()
    })
    .await;
    let r = app.get("/").await;
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
}

async fn oversized_body_is_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let big = "a".repeat(100 * 1024);
    let (_, path) = app.create_appeal("bob", "note").await;
    let (status, body) = app.post_form(&path, &[("q_steps", big.as_str())]).await;
    assert_eq!(status, 413);
    assert!(body.contains("too much text"));
}

async fn post_rate_limit_gives_429(backend: Backend) {
    let app = spawn_with(backend, |s| s.post_rate_per_minute = 3).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    for _ in 0..3 {
        let (status, _) = app.post_form(&path, &complete_answers()).await;
        assert_eq!(
            status, 403,
            "within the limit (refused for lack of a token)"
        );
    }
    let r = app
        .client
        .post(app.url(&path))
        .form(&complete_answers())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    assert!(r.headers().get("content-security-policy").is_some());
    assert!(r.text().await.expect("body").contains("Too many attempts"));
    assert_eq!(
        app.get("/").await.status().as_u16(),
        200,
        "GETs are not limited"
    );
}

async fn user_input_is_html_escaped(backend: Backend) {
    let app = spawn_app(backend).await;
    let week = chrono::Utc::now() + chrono::Duration::days(7);
    let (_, path) = app
        .create_appeal_with(
            "bob",
            "private note",
            "<script>alert('note')</script> & <b>bold</b>",
            week,
        )
        .await;
    let (status, body) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(!body.contains("<script>"), "ban reason not escaped");
    assert!(!body.contains("<b>bold"));
    assert!(body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;"));

    let mut answers = complete_answers();
    answers[1] = ("q_rule", "</textarea><script>alert(1)</script>");
    answers[4] = ("q_steps", "");
    let (status, body) = app.submit(&path, &answers).await;
    assert_eq!(status, 400);
    assert!(!body.contains("<script>"), "typed value not escaped");
}
