//! Landing, sign-up, health probes and unknown pages.

use appealmod_shared::storage::Backend;

use crate::helpers::spawn_app;
use crate::on_both_backends;

on_both_backends!(
    landing_page_explains_the_bot,
    health_probes_follow_the_database,
    unknown_page_is_a_404_page,
    static_files_are_served,
);

async fn landing_page_explains_the_bot(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get_text("/").await;
    assert_eq!(status, 200);
    for needle in [
        "<html lang=\"en\">",
        "7 in 10",
        "9 in 10",
        "late 2025",
        "approved",
        "href=\"/signup\"",
        "id=\"how\"",
        "id=\"faq\"",
        "id=\"about\"",
        "/static/style.css",
    ] {
        assert!(body.contains(needle), "landing page lacks {needle:?}");
    }
    assert!(!body.contains("<script"), "no script on any page");
}

async fn health_probes_follow_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
    app.db.store.close().await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 503);
    assert_eq!(app.get("/readyz").await.status().as_u16(), 503);
}

async fn unknown_page_is_a_404_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get_text("/nope").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
}

async fn static_files_are_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/static/style.css").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().expect("ascii"),
        "text/css; charset=utf-8"
    );
    assert!(r.text().await.expect("css").contains(":focus-visible"));
    assert_eq!(app.get("/static/logo.svg").await.status().as_u16(), 200);
}
