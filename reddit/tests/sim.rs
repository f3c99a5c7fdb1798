//! Every call over real HTTP against the Reddit simulator (`reddit-sim`), including token
//! expiry, 429s, a concurrent burst under a small budget, and writes whose answer is lost.

#![allow(clippy::unwrap_used)] // tests may panic on the unexpected

mod common;

use std::time::{Duration, Instant};

use appealmod_core::domain::{
    AccountStatus, ConversationId, ConversationState, RedditUsername, SubredditName,
};
use appealmod_reddit::CallOutcome::Status;
use appealmod_reddit::{ClientOptions, Endpoint, RedditClient, RedditError};
use common::{TestClock, client_at, fast_options, sim_creds};
use reddit_sim::{
    BanRequest, Endpoint as SimEndpoint, FaultMode, FaultRequest, LedgerKind, ModMessage,
    NewSubreddit, SimConfig, SimServer, UserMessage,
};

async fn start(cfg: SimConfig) -> SimServer {
    SimServer::start(cfg).await.unwrap()
}

fn client(sim: &SimServer) -> RedditClient {
    client_at(&sim.base_url(), sim_creds(), fast_options())
}

fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).unwrap()
}

fn user(s: &str) -> RedditUsername {
    RedditUsername::parse(s).unwrap()
}

fn cid(s: &str) -> ConversationId {
    ConversationId::parse(s).unwrap()
}

fn add_sub(sim: &SimServer, name: &str, bot_is_mod: bool) {
    sim.state()
        .add_subreddit(NewSubreddit {
            name: name.into(),
            moderators: vec!["human_mod".into()],
            bot_is_mod,
        })
        .unwrap();
}

/// Bans `who` in `subreddit` with a ban message, and lets them answer it. Returns the id.
fn banned_appellant(sim: &SimServer, subreddit: &str, who: &str) -> String {
    let s = sim.state();
    let id = s
        .ban(BanRequest {
            subreddit: subreddit.into(),
            user: who.into(),
            note: "rule 2".into(),
            reason: Some("Spamming links".into()),
            send_message: true,
            ..Default::default()
        })
        .unwrap()
        .conversation_id
        .unwrap();
    s.advance_clock(1);
    s.user_message(UserMessage {
        subreddit: subreddit.into(),
        user: who.into(),
        body: "Please unban me".into(),
        conversation_id: Some(id.clone()),
        ..Default::default()
    })
    .unwrap();
    s.advance_clock(1);
    id
}

#[tokio::test]
async fn me_names_the_bot() {
    let sim = start(SimConfig::default()).await;
    let c = client(&sim);
    assert_eq!(c.me().await.unwrap(), "appealmod_bot");
    let counters = c.counters();
    assert_eq!(counters.count(Endpoint::Token, Status(200)), 1);
    assert_eq!(counters.count(Endpoint::Me, Status(200)), 1);
    assert_eq!(counters.last_remaining, Some(599.0));
    assert_eq!(counters.last_used, Some(1));
}

#[tokio::test]
async fn wrong_password_and_wrong_secret_are_told_apart() {
    let sim = start(SimConfig::default()).await;
    let b = reddit_sim::BotAccount::default();
    let bad_pw = common::creds(&b.username, "nope", &b.client_id, &b.client_secret);
    let e = client_at(&sim.base_url(), bad_pw, fast_options())
        .me()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    let bad_secret = common::creds(&b.username, &b.password, &b.client_id, "nope");
    let e = client_at(&sim.base_url(), bad_secret, fast_options())
        .me()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("wrong client id or secret"), "{e}");
}

#[tokio::test]
async fn list_many_subreddits_in_pages_and_stop_at_the_cursor() {
    let sim = start(SimConfig::default()).await;
    for s in ["alpha", "beta", "gamma"] {
        add_sub(&sim, s, true);
    }
    add_sub(&sim, "notmine", false);
    let mut made = Vec::new();
    for i in 0..12 {
        let s = ["alpha", "beta", "gamma"][i % 3];
        made.push(banned_appellant(&sim, s, &format!("user_{i}")));
    }
    banned_appellant(&sim, "notmine", "elsewhere");
    let c = client(&sim);
    let subs = [sub("alpha"), sub("beta"), sub("gamma")];

    let p1 = c.list_conversations(&subs, 5, None).await.unwrap();
    assert_eq!(p1.conversations.len(), 5);
    // Newest first.
    assert_eq!(p1.conversations[0].id.as_str(), made[11]);
    assert_eq!(
        p1.conversations[0].participant.as_ref().unwrap().as_str(),
        "user_11"
    );
    let p2 = c
        .list_conversations(&subs, 5, p1.after.as_ref())
        .await
        .unwrap();
    let p3 = c
        .list_conversations(&subs, 5, p2.after.as_ref())
        .await
        .unwrap();
    assert_eq!(p3.conversations.len(), 2);
    assert_eq!(p3.after, None);
    let mut seen: Vec<String> = [p1, p2, p3]
        .iter()
        .flat_map(|p| p.conversations.iter().map(|c| c.id.as_str().to_owned()))
        .collect();
    seen.reverse();
    assert_eq!(seen, made, "every conversation once, none from r/notmine");
    let summary = &c
        .list_conversations(&[sub("beta")], 100, None)
        .await
        .unwrap()
        .conversations[0];
    assert_eq!(summary.subreddit.as_str(), "beta");
    // A banned user's answer files the conversation in Ban Appeals (state 3), as on Reddit.
    assert_eq!(summary.state, ConversationState::Appeals);

    // Changes since the 4th newest: only the 3 newer ones, from one page.
    let all = c.list_changed_since(&subs, None, 10).await.unwrap();
    assert_eq!(all.conversations.len(), 12);
    assert!(all.complete);
    let cursor = all.conversations[3].last_updated;
    let changed = c.list_changed_since(&subs, Some(cursor), 10).await.unwrap();
    assert_eq!(changed.conversations.len(), 3);
    assert!(changed.complete);
    assert_eq!(changed.pages, 1);
    let lists_before = c.counters().by_endpoint(Endpoint::List);
    c.list_changed_since(&subs, Some(cursor), 10).await.unwrap();
    assert_eq!(c.counters().by_endpoint(Endpoint::List), lists_before + 1);
}

#[tokio::test]
async fn get_reply_note_archive_unarchive() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "pics", true);
    let id = banned_appellant(&sim, "pics", "appellant_1");
    sim.state()
        .mod_message(ModMessage {
            conversation_id: id.clone(),
            moderator: "human_mod".into(),
            body: "Looking into it".into(),
            internal: true,
        })
        .unwrap();
    let c = client(&sim);
    let conv_id = cid(&id);

    let conv = c.get_conversation(&conv_id).await.unwrap();
    assert_eq!(conv.id(), &conv_id);
    assert_eq!(conv.summary.subreddit.as_str(), "pics");
    assert_eq!(conv.summary.participant, Some(user("appellant_1")));
    assert_eq!(conv.messages.len(), 3);
    assert!(conv.messages[0].body_markdown.contains("Spamming links"));
    assert_eq!(conv.messages[1].body_markdown, "Please unban me");
    assert!(!conv.messages[1].author.is_mod);
    assert!(conv.messages[2].is_internal);
    assert!(conv.messages.windows(2).all(|w| w[0].date <= w[1].date));
    let p = conv.participant.as_ref().unwrap();
    assert!(p.is_banned && p.ban_is_permanent);
    assert_eq!(p.ban_reason, "rule 2");

    let after_reply = c
        .reply(&conv_id, "Fill in the form", false, true)
        .await
        .unwrap();
    let last = after_reply.messages.last().unwrap();
    assert_eq!(last.body_markdown, "Fill in the form");
    assert!(!last.is_internal);
    assert!(last.author.is_hidden);
    let after_note = c
        .reply(&conv_id, "Answers: ...", true, false)
        .await
        .unwrap();
    assert!(after_note.messages.last().unwrap().is_internal);

    c.archive(&conv_id).await.unwrap();
    assert!(c.get_conversation(&conv_id).await.unwrap().is_archived());
    c.unarchive(&conv_id).await.unwrap();
    let conv = c.get_conversation(&conv_id).await.unwrap();
    assert!(!conv.is_archived());
    let kinds: Vec<_> = conv.mod_actions.iter().map(|a| a.kind).collect();
    assert!(kinds.ends_with(&[
        appealmod_core::domain::ModActionKind::Archive,
        appealmod_core::domain::ModActionKind::Unarchive
    ]));

    let ledger: Vec<LedgerKind> = sim.state().ledger_for(&id).iter().map(|e| e.kind).collect();
    assert_eq!(
        ledger,
        [
            LedgerKind::Reply,
            LedgerKind::InternalNote,
            LedgerKind::Archive,
            LedgerKind::Unarchive
        ]
    );
    let sc = sim.state().counters();
    assert_eq!(sc.count(SimEndpoint::Reply, 201), 2);
    assert_eq!(sc.count(SimEndpoint::Archive, 204), 1);
    assert_eq!(sc.count(SimEndpoint::Unarchive, 200), 1);

    let missing = c.get_conversation(&cid("zzzzzz")).await.unwrap_err();
    assert!(
        matches!(missing, RedditError::NotFound { .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn foreign_subreddits_are_forbidden() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "notmine", false);
    let id = banned_appellant(&sim, "notmine", "someone");
    let c = client(&sim);
    let e = c.get_conversation(&cid(&id)).await.unwrap_err();
    assert!(matches!(e, RedditError::Forbidden { .. }), "{e:?}");
}

#[tokio::test]
async fn banned_user_and_account_status() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "pics", true);
    banned_appellant(&sim, "pics", "Banned_One");
    let s = sim.state();
    s.add_user("free_user").unwrap();
    s.add_user("gone_user").unwrap();
    s.delete_user("gone_user").unwrap();
    s.add_user("bad_user").unwrap();
    s.suspend_user("bad_user").unwrap();
    let c = client(&sim);

    let ban = c
        .banned_user(&sub("pics"), &user("banned_one"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ban.user.as_str(), "Banned_One");
    assert_eq!(ban.note, "rule 2");
    assert!((sim.state().now() - ban.date).num_seconds().abs() < 60);
    assert_eq!(
        c.banned_user(&sub("pics"), &user("free_user"))
            .await
            .unwrap(),
        None
    );
    sim.state().unban("pics", "Banned_One").unwrap();
    assert_eq!(
        c.banned_user(&sub("pics"), &user("banned_one"))
            .await
            .unwrap(),
        None
    );

    assert_eq!(
        c.account_status(&user("free_user")).await.unwrap(),
        AccountStatus::Active
    );
    assert_eq!(
        c.account_status(&user("gone_user")).await.unwrap(),
        AccountStatus::Deleted
    );
    assert_eq!(
        c.account_status(&user("bad_user")).await.unwrap(),
        AccountStatus::Suspended
    );
    assert_eq!(
        c.account_status(&user("never_existed")).await.unwrap(),
        AccountStatus::Deleted
    );
}

#[tokio::test]
async fn expired_tokens_are_renewed_on_401() {
    let sim = start(SimConfig::default()).await;
    let c = client(&sim);
    c.me().await.unwrap();
    sim.state().expire_all_tokens();
    assert_eq!(c.me().await.unwrap(), "appealmod_bot");
    let counters = c.counters();
    assert_eq!(counters.count(Endpoint::Token, Status(200)), 2);
    assert_eq!(counters.count(Endpoint::Me, Status(401)), 1);
    assert_eq!(counters.count(Endpoint::Me, Status(200)), 2);
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    // The simulator grants an hour; both clocks move 59 minutes and 10 seconds: the token is
    // still good on Reddit's side, and the client renews it (its margin is a minute).
    let sim = start(SimConfig::default()).await;
    let clock = TestClock::default();
    let options = ClientOptions {
        clock: clock.now(),
        ..fast_options()
    };
    let c = client_at(&sim.base_url(), sim_creds(), options);
    c.me().await.unwrap();
    sim.state().advance_clock(3550);
    clock.advance(Duration::from_secs(3550));
    c.me().await.unwrap();
    let counters = c.counters();
    assert_eq!(counters.count(Endpoint::Token, Status(200)), 2);
    assert_eq!(counters.count(Endpoint::Me, Status(401)), 0);
}

/// Spends the whole budget from outside the client, as another program with the same app
/// would, so the client meets a 429 it could not foresee.
async fn spend_budget(sim: &SimServer, calls: u32) {
    let b = reddit_sim::BotAccount::default();
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/api/v1/access_token", sim.base_url()))
        .basic_auth(&b.client_id, Some(&b.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", b.username.as_str()),
            ("password", b.password.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    for _ in 0..calls {
        http.get(format!("{}/api/v1/me", sim.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_429_waits_for_the_reset_and_succeeds() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = start(SimConfig {
        rate_budget: 5,
        rate_window_secs: 2,
        ..Default::default()
    })
    .await;
    let c = client(&sim);
    spend_budget(&sim, 5).await;
    let t0 = Instant::now();
    assert_eq!(c.me().await.unwrap(), "appealmod_bot");
    let counters = c.counters();
    assert_eq!(counters.count(Endpoint::Me, Status(429)), 1);
    assert_eq!(counters.count(Endpoint::Me, Status(200)), 1);
    assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
}

#[tokio::test]
async fn a_reply_whose_answer_is_lost_is_outcome_unknown_and_applied_once() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "pics", true);
    let id = banned_appellant(&sim, "pics", "appellant_2");
    let c = client(&sim);
    sim.state().inject_fault(FaultRequest {
        endpoint: SimEndpoint::Reply,
        count: 1,
        mode: FaultMode::DropAfterApply,
    });
    let err = c
        .reply(&cid(&id), "Here is your form", false, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RedditError::OutcomeUnknown { call: "reply", conversation_id: Some(x), .. } if x.as_str() == id),
        "{err:?}"
    );
    // The client did not resend: the effect is in the ledger exactly once.
    let ledger = sim.state().ledger_for(&id);
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].kind, LedgerKind::Reply);
    assert_eq!(ledger[0].body.as_deref(), Some("Here is your form"));
    assert_eq!(sim.state().counters().calls_of(SimEndpoint::Reply), 1);
    // Reading back shows it, so the caller can tell it was applied.
    let conv = c.get_conversation(&cid(&id)).await.unwrap();
    let copies = conv
        .messages
        .iter()
        .filter(|m| m.body_markdown == "Here is your form")
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test]
async fn an_archive_answered_5xx_after_apply_is_outcome_unknown() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "pics", true);
    let id = banned_appellant(&sim, "pics", "appellant_3");
    let c = client(&sim);
    sim.state().inject_fault(FaultRequest {
        endpoint: SimEndpoint::Archive,
        count: 1,
        mode: FaultMode::StatusAfterApply(502),
    });
    let err = c.archive(&cid(&id)).await.unwrap_err();
    assert!(matches!(err, RedditError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(sim.state().ledger_for(&id).len(), 1);
    assert_eq!(sim.state().counters().calls_of(SimEndpoint::Archive), 1);
    assert!(c.get_conversation(&cid(&id)).await.unwrap().is_archived());
}

#[tokio::test]
async fn reads_survive_injected_5xx() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "pics", true);
    let id = banned_appellant(&sim, "pics", "appellant_4");
    let c = client(&sim);
    sim.state().inject_fault(FaultRequest {
        endpoint: SimEndpoint::Get,
        count: 2,
        mode: FaultMode::Status(503),
    });
    c.get_conversation(&cid(&id)).await.unwrap();
    let sc = sim.state().counters();
    assert_eq!(sc.count(SimEndpoint::Get, 503), 2);
    assert_eq!(sc.count(SimEndpoint::Get, 200), 1);
}

#[tokio::test]
async fn a_burst_from_many_tasks_never_spends_the_budget() {
    // 500 calls, budget 150 per 3 s window: at least 4 windows, so the limiter has to
    // spread the calls and wait for resets without ever letting Reddit say 429.
    let sim = start(SimConfig {
        rate_budget: 150,
        rate_window_secs: 3,
        workers: 4,
        ..Default::default()
    })
    .await;
    add_sub(&sim, "pics", true);
    let id = banned_appellant(&sim, "pics", "appellant_5");
    let c = client(&sim);
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            let id = cid(&id);
            tokio::spawn(async move {
                let n = if t < 4 { 63 } else { 62 };
                for i in 0..n {
                    if i % 2 == 0 {
                        c.me().await.unwrap();
                    } else {
                        c.get_conversation(&id).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = t0.elapsed();
    let counters = c.counters();
    let sc = sim.state().counters();
    let api_calls = counters.by_endpoint(Endpoint::Me) + counters.by_endpoint(Endpoint::Get);
    assert_eq!(api_calls, 500, "{counters:?}");
    assert_eq!(counters.by_outcome(Status(429)), 0, "{counters:?}");
    assert_eq!(sc.rate_limited, 0, "{sc:?}");
    assert!(counters.min_remaining.unwrap() > 0.0, "{counters:?}");
    assert!(sc.min_remaining.unwrap() > 0.0, "{sc:?}");
    // It cannot be faster than the budget allows (3 full windows), nor hang.
    assert!(elapsed > Duration::from_secs(9), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(40), "{elapsed:?}");
    eprintln!(
        "burst: 500 calls in {elapsed:?}, 429s 0, min remaining {:?}",
        counters.min_remaining
    );
}

#[tokio::test]
async fn changed_since_reports_when_max_pages_cut_it_short() {
    let sim = start(SimConfig::default()).await;
    add_sub(&sim, "big", true);
    for i in 0..105 {
        sim.state()
            .user_message(UserMessage {
                subreddit: "big".into(),
                user: format!("writer_{i}"),
                body: "hello".into(),
                subject: Some(format!("question {i}")),
                ..Default::default()
            })
            .unwrap();
        sim.state().advance_clock(1);
    }
    let c = client(&sim);
    let cut = c.list_changed_since(&[sub("big")], None, 1).await.unwrap();
    assert_eq!(
        (cut.conversations.len(), cut.complete, cut.pages),
        (100, false, 1)
    );
    let all = c.list_changed_since(&[sub("big")], None, 5).await.unwrap();
    assert_eq!(
        (all.conversations.len(), all.complete, all.pages),
        (105, true, 2)
    );
    assert_eq!(all.conversations[0].subject, "question 104");
    assert_eq!(all.conversations[104].subject, "question 0");
}
