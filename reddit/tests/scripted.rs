//! Failure handling against a scripted raw-HTTP server: each test stages exactly the answers
//! it needs (token refusals, 429 with headers, 5xx, dropped and stalled connections).

#![allow(clippy::unwrap_used)] // tests may panic on the unexpected

mod common;

use std::time::{Duration, Instant};

use appealmod_core::domain::ConversationId;
use appealmod_reddit::CallOutcome::{Status, Transport};
use appealmod_reddit::{AuthError, ClientOptions, Endpoint, RedditError};
use common::{Reply, ScriptServer, TestClock, client_at, creds, fast_options, token_reply};

fn cid(s: &str) -> ConversationId {
    ConversationId::parse(s).unwrap()
}

fn test_creds() -> appealmod_reddit::Credentials {
    creds("appealmod_bot", "pw", "the-id", "the-secret")
}

#[tokio::test]
async fn token_request_is_a_password_grant_with_basic_auth() {
    let srv = ScriptServer::start(vec![Reply::me()]).await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    assert_eq!(client.me().await.unwrap(), "appealmod_bot");
    let seen = srv.seen();
    let token = &seen[0];
    assert_eq!(token.method, "POST");
    assert_eq!(token.target, "/api/v1/access_token");
    // base64("the-id:the-secret")
    assert_eq!(
        token.header("authorization"),
        Some("Basic dGhlLWlkOnRoZS1zZWNyZXQ=")
    );
    assert_eq!(
        token.body,
        "grant_type=password&username=appealmod_bot&password=pw"
    );
    assert_eq!(
        token.header("user-agent"),
        Some("test:appealmod-reddit:v0 (by /u/tester)")
    );
    let me = &seen[1];
    assert_eq!(me.target, "/api/v1/me?raw_json=1");
    assert!(
        me.header("authorization")
            .unwrap()
            .starts_with("bearer tok-")
    );
}

#[tokio::test]
async fn invalid_grant_in_a_200_is_a_clear_auth_error() {
    let srv =
        ScriptServer::start_with_token(Reply::json(200, r#"{"error": "invalid_grant"}"#), vec![])
            .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, RedditError::Auth(AuthError::BadUserCredentials { .. })),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("Reddit refused the bot's username or password (invalid_grant)")
            && msg.contains("check reddit.username / reddit.password"),
        "{msg}"
    );
    // Nothing was sent to the API without a token.
    assert!(srv.api_seen().is_empty());
}

#[tokio::test]
async fn token_401_means_wrong_client_id_or_secret() {
    let srv = ScriptServer::start_with_token(
        Reply::json(401, r#"{"message": "Unauthorized", "error": 401}"#),
        vec![],
    )
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, RedditError::Auth(AuthError::BadClientCredentials)),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("wrong client id or secret"),
        "{err}"
    );
}

#[tokio::test]
async fn api_401_refreshes_the_token_once_and_retries() {
    let srv = ScriptServer::start(vec![
        Reply::json(401, r#"{"message": "Unauthorized", "error": 401}"#),
        Reply::me(),
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    assert_eq!(client.me().await.unwrap(), "appealmod_bot");
    let c = client.counters();
    assert_eq!(c.count(Endpoint::Token, Status(200)), 2);
    assert_eq!(c.count(Endpoint::Me, Status(401)), 1);
    assert_eq!(c.count(Endpoint::Me, Status(200)), 1);
    assert_eq!(srv.api_seen().len(), 2);
}

#[tokio::test]
async fn a_second_401_after_refresh_is_an_error_not_a_loop() {
    let unauthorized = Reply::json(401, r#"{"message": "Unauthorized", "error": 401}"#);
    let srv = ScriptServer::start(vec![
        unauthorized.clone(),
        unauthorized.clone(),
        unauthorized,
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, RedditError::Auth(AuthError::TokenRejected { .. })),
        "{err:?}"
    );
    assert_eq!(srv.api_seen().len(), 2);
}

#[tokio::test]
async fn a_write_refused_with_401_is_retried_after_refresh() {
    let srv = ScriptServer::start(vec![
        Reply::json(401, r#"{"message": "Unauthorized", "error": 401}"#),
        Reply::json(204, ""),
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    client.archive(&cid("ik72")).await.unwrap();
    let api = srv.api_seen();
    assert_eq!(api.len(), 2);
    assert_eq!(
        api[1].target,
        "/api/mod/conversations/ik72/archive?raw_json=1"
    );
}

#[tokio::test]
async fn reads_retry_5xx_with_backoff_then_succeed() {
    let srv = ScriptServer::start(vec![
        Reply::json(500, "{}"),
        Reply::json(502, "<html>bad gateway</html>"),
        Reply::me(),
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    assert_eq!(client.me().await.unwrap(), "appealmod_bot");
    let c = client.counters();
    assert_eq!(c.count(Endpoint::Me, Status(500)), 1);
    assert_eq!(c.count(Endpoint::Me, Status(502)), 1);
    assert_eq!(c.count(Endpoint::Me, Status(200)), 1);
    assert_eq!(c.by_endpoint(Endpoint::Me), 3);
}

#[tokio::test]
async fn reads_give_up_after_the_configured_attempts() {
    let srv = ScriptServer::start(vec![Reply::json(503, "{}"); 5]).await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(
            err,
            RedditError::Server {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(srv.api_seen().len(), 3);
}

#[tokio::test]
async fn a_read_that_times_out_is_retried() {
    let srv = ScriptServer::start(vec![Reply::Stall, Reply::me()]).await;
    let mut opts = fast_options();
    opts.request_timeout = Some(Duration::from_millis(300));
    let client = client_at(&srv.base_url, test_creds(), opts);
    assert_eq!(client.me().await.unwrap(), "appealmod_bot");
    assert_eq!(client.counters().count(Endpoint::Me, Transport), 1);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let srv = ScriptServer::start(vec![
        Reply::json(429, r#"{"message": "Too Many Requests", "error": 429}"#)
            .rate(600, 0.0, 1)
            .with_header("retry-after", "1"),
        Reply::me(),
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let t0 = Instant::now();
    assert_eq!(client.me().await.unwrap(), "appealmod_bot");
    assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
    let c = client.counters();
    assert_eq!(c.count(Endpoint::Me, Status(429)), 1);
    assert_eq!(c.min_remaining, Some(0.0));
    assert_eq!(c.last_remaining, Some(599.0));
}

#[tokio::test]
async fn a_write_refused_with_429_is_not_applied_and_is_resent_after_the_wait() {
    let srv = ScriptServer::start(vec![
        Reply::json(429, "{}").with_header("retry-after", "0"),
        Reply::json(204, ""),
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    client.archive(&cid("ik72")).await.unwrap();
    assert_eq!(srv.api_seen().len(), 2);
}

#[tokio::test]
async fn persistent_429_ends_in_rate_limited() {
    let srv = ScriptServer::start(vec![
        Reply::json(429, "{}").with_header("retry-after", "0");
        6
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, RedditError::RateLimited { .. }), "{err:?}");
    assert_eq!(srv.api_seen().len(), 4); // the first try and three waits
}

#[tokio::test]
async fn a_write_answered_5xx_is_never_resent() {
    let srv = ScriptServer::start(vec![Reply::json(500, "{}"), Reply::json(201, "{}")]).await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client
        .reply(&cid("ik72"), "hello", false, true)
        .await
        .unwrap_err();
    match &err {
        RedditError::OutcomeUnknown {
            call,
            conversation_id,
            ..
        } => {
            assert_eq!(*call, "reply");
            assert_eq!(conversation_id.as_ref().unwrap().as_str(), "ik72");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.certainly_not_applied());
    assert!(
        err.to_string().contains("read conversation ik72 back"),
        "{err}"
    );
    let api = srv.api_seen();
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].body,
        "body=hello&isAuthorHidden=true&isInternal=false"
    );
}

#[tokio::test]
async fn a_write_whose_connection_drops_after_sending_is_outcome_unknown() {
    let srv = ScriptServer::start(vec![Reply::Drop, Reply::json(204, "")]).await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let err = client.archive(&cid("ik72")).await.unwrap_err();
    assert!(matches!(err, RedditError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(srv.api_seen().len(), 1);
    assert_eq!(client.counters().count(Endpoint::Archive, Transport), 1);
}

#[tokio::test]
async fn a_write_that_times_out_is_outcome_unknown() {
    let srv = ScriptServer::start(vec![Reply::Stall, Reply::json(200, "{}")]).await;
    let mut opts = fast_options();
    opts.request_timeout = Some(Duration::from_millis(300));
    let client = client_at(&srv.base_url, test_creds(), opts);
    let err = client.unarchive(&cid("ik72")).await.unwrap_err();
    assert!(matches!(err, RedditError::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(srv.api_seen().len(), 1);
}

#[tokio::test]
async fn a_write_that_cannot_connect_is_a_definite_failure() {
    // A port that was just free: the connection is refused before anything is sent.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let srv = ScriptServer::start(vec![]).await;
    let config = appealmod_reddit::ClientConfig {
        api_base_url: format!("http://127.0.0.1:{port}"),
        ..appealmod_reddit::ClientConfig::at(&srv.base_url)
    };
    let client =
        appealmod_reddit::RedditClient::with_options(&config, test_creds(), fast_options())
            .unwrap();
    let err = client.archive(&cid("ik72")).await.unwrap_err();
    assert!(matches!(err, RedditError::Transport { .. }), "{err:?}");
    assert!(err.certainly_not_applied());
}

#[tokio::test]
async fn other_4xx_are_typed() {
    let srv = ScriptServer::start(vec![
        Reply::json(404, r#"{"message": "Not Found", "error": 404}"#),
        Reply::json(403, r#"{"message": "Forbidden", "error": 403}"#),
        Reply::json(400, r#"{"explanation": "body is empty", "error": 400}"#),
    ])
    .await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let e = client.get_conversation(&cid("zz1")).await.unwrap_err();
    assert!(matches!(e, RedditError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("conversation zz1"), "{e}");
    let e = client.get_conversation(&cid("zz1")).await.unwrap_err();
    assert!(matches!(e, RedditError::Forbidden { .. }), "{e:?}");
    let e = client
        .reply(&cid("zz1"), "", false, false)
        .await
        .unwrap_err();
    match e {
        RedditError::Rejected {
            status, message, ..
        } => {
            assert_eq!(status, 400);
            assert_eq!(message, "body is empty");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn undecodable_answers_name_the_field() {
    let srv = ScriptServer::start(vec![Reply::json(200, r#"{"name": 5}"#)]).await;
    let client = client_at(&srv.base_url, test_creds(), fast_options());
    let e = client.me().await.unwrap_err();
    assert!(matches!(e, RedditError::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("field `name`"), "{e}");
}

#[tokio::test]
async fn the_token_is_reused_and_renewed_before_it_expires() {
    // An hour's lifetime, renewed a minute (the margin) before it ends: read on the client's
    // clock, which the test moves.
    let srv = ScriptServer::start_with_token(
        token_reply(3600),
        vec![Reply::me(), Reply::me(), Reply::me()],
    )
    .await;
    let clock = TestClock::default();
    let options = ClientOptions {
        clock: clock.now(),
        ..fast_options()
    };
    let client = client_at(&srv.base_url, test_creds(), options);
    client.me().await.unwrap();
    clock.advance(Duration::from_secs(3500));
    client.me().await.unwrap();
    assert_eq!(client.counters().count(Endpoint::Token, Status(200)), 1);
    clock.advance(Duration::from_secs(50));
    client.me().await.unwrap();
    let c = client.counters();
    assert_eq!(c.count(Endpoint::Token, Status(200)), 2);
    assert_eq!(c.count(Endpoint::Me, Status(401)), 0);
}
