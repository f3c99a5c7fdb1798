//! Landing, sign-up, health probes and unknown pages.

use appealmod_shared::storage::Backend;

use crate::helpers::{BOT, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    landing_page_explains_the_bot,
    signup_valid_is_stored_and_thanked,
    signup_invalid_shows_messages_and_keeps_values,
    signup_duplicate_gets_a_kind_answer,
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

async fn signup_valid_is_stored_and_thanked(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .submit(
            "/signup",
            &[
                ("name", "Ada Lovelace"),
                ("email", "ada@example.org"),
                ("reddit_username", "u/ada_mod"),
                ("subreddit", "https://www.reddit.com/r/AskScience/"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("r/AskScience is signed up"), "{body}");
    assert!(body.contains(&format!("u/{BOT}")), "names the bot account");
    assert!(body.contains("Mail"), "says which permission");
    let signups = app.db.store.signups().await.expect("signups");
    assert_eq!(signups.len(), 1);
    assert_eq!(signups[0].subreddit.as_str(), "AskScience");
    assert_eq!(
        signups[0].email.as_ref().map(|e| e.as_str()),
        Some("ada@example.org")
    );
    assert_eq!(signups[0].reddit_username.as_str(), "ada_mod");
    assert_eq!(signups[0].name, "Ada Lovelace");
}

async fn signup_invalid_shows_messages_and_keeps_values(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .submit(
            "/signup",
            &[
                ("name", ""),
                ("email", "ada-at-example"),
                ("reddit_username", "ada mod!"),
                ("subreddit", "https://evil.example/r/pics"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    for msg in [
        "Enter your name.",
        "That does not look like an e-mail address",
        "A Reddit username has only letters",
        "not a reddit.com address",
    ] {
        assert!(body.contains(msg), "missing message {msg:?}");
    }
    for kept in [
        "value=\"ada-at-example\"",
        "value=\"ada mod!\"",
        "value=\"https://evil.example/r/pics\"",
    ] {
        assert!(body.contains(kept), "value not kept: {kept}");
    }
    assert!(body.contains("aria-describedby=\"email-error email-hint\""));
    assert!(body.contains("aria-invalid=\"true\""));
    assert!(
        !body.contains("<a href=\"https://evil.example"),
        "typed URLs are never links"
    );
    assert!(app.db.store.signups().await.expect("signups").is_empty());

    // One wrong field: the others keep their values and show no message.
    let (status, body) = app
        .submit(
            "/signup",
            &[
                ("name", "Ada"),
                ("email", "ada@example.org"),
                ("reddit_username", "ada_mod"),
                ("subreddit", "r/"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("The subreddit name is missing."));
    assert!(body.contains("value=\"ada@example.org\""));
    assert!(!body.contains("Enter your name."));
}

async fn signup_duplicate_gets_a_kind_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let form = |sub: &'static str| {
        [
            ("name", "Ada"),
            ("email", "ada@example.org"),
            ("reddit_username", "ada_mod"),
            ("subreddit", sub),
        ]
    };
    let (status, _) = app.submit("/signup", &form("r/pics")).await;
    assert_eq!(status, 200);
    let (status, body) = app.submit("/signup", &form("/r/Pics/")).await;
    assert_eq!(status, 200, "a duplicate is not an error");
    assert!(body.contains("is already signed up"), "{body}");
    assert_eq!(app.db.store.signups().await.expect("signups").len(), 1);
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
