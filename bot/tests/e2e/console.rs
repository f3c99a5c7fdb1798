//! What the moderator console changes for the bot, over HTTP against the simulator: a
//! signed-up subreddit waits until the bot (its own token) finds itself a moderator with
//! Mail and Access — accepting the invite — and a paused subreddit gets no new writes while
//! what was promised still happens.

use appealmod_shared::domain::*;
use appealmod_shared::storage::{Backend, NewSignup};
use appealmod_testkit::world::{HUMAN_MOD, WorldOptions};
use chrono::Duration;
use reddit_sim::{Endpoint, LedgerKind, NewSubreddit};

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    pending_until_the_bot_accepts_its_invite_with_mail_and_access,
    a_paused_subreddit_gets_no_new_writes_but_keeps_promises,
    console_settings_reach_the_next_message,
);

fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).expect("sub")
}

async fn pending_until_the_bot_accepts_its_invite_with_mail_and_access(b: Backend) {
    let o = WorldOptions {
        subreddits: Vec::new(),
        ..WorldOptions::default()
    };
    let (_db, w) = world(b, o).await;
    let sim = w.sim.state();
    sim.add_subreddit(NewSubreddit {
        name: "pics".into(),
        moderators: vec![HUMAN_MOD.into()],
        bot_is_mod: false,
    })
    .expect("sub");
    let signup = NewSignup {
        name: HUMAN_MOD.into(),
        email: None,
        reddit_username: RedditUsername::parse(HUMAN_MOD).expect("user"),
        subreddit: sub("pics"),
    };
    w.store
        .create_signup(&signup, w.clock.now())
        .await
        .expect("signup");

    // Not a moderator, no invite: pending, saying what to do; nothing listed.
    let (r, _) = w.pass().await.expect("pass");
    assert_eq!(r.verify.checked, 1);
    assert_eq!(r.listed, 0);
    let st = w
        .store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(st.state, SubredditState::Pending);
    assert_eq!(st.standing, BotStanding::NotModerator);

    // Invited with Mail only: accepted, still pending, Access missing.
    sim.invite_moderator("pics", "appealmod_bot", &["mail".into()])
        .expect("invite");
    w.advance(Duration::minutes(5));
    w.pass().await.expect("pass");
    let st = w
        .store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(st.state, SubredditState::Pending);
    assert_eq!(
        st.standing,
        BotStanding::Missing(vec![ModPermission::Access])
    );
    let bot = sim.subreddit("pics").expect("sub");
    assert!(bot.invites.is_empty(), "the invite was accepted");

    // Access given: active on the next check (10 minutes after the second that found
    // nothing), in the same pass as its first listing.
    sim.set_moderator("pics", "appealmod_bot", &["mail".into(), "access".into()])
        .expect("perms");
    w.advance(Duration::minutes(10));
    let (r, _) = w.pass().await.expect("pass");
    assert_eq!(r.verify.activated, 1);
    let st = w
        .store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(st.state, SubredditState::Active);
    assert_eq!(st.standing, BotStanding::Ready);
    let log = w.store.audit_log(&sub("pics"), 10).await.expect("log");
    assert_eq!(log[0].actor, "appealmod_bot");
    assert_eq!(log[0].change.new.as_deref(), Some("active"));

    // Served now: a banned user who writes gets the form.
    let conv = started_appeal(&w, "appellant1").await;
    assert_eq!(
        kinds(&w, &conv),
        vec![LedgerKind::Reply, LedgerKind::Archive]
    );

    // The bot loses Access: its daily check flags the subreddit.
    sim.set_moderator("pics", "appealmod_bot", &["mail".into()])
        .expect("perms");
    w.advance(Duration::hours(25));
    w.pass().await.expect("pass");
    let st = w
        .store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(st.state, SubredditState::Active);
    assert!(st.needs_attention(), "{st:?}");
}

async fn a_paused_subreddit_gets_no_new_writes_but_keeps_promises(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let promised = started_appeal(&w, "appellant1").await;
    assert!(
        w.store
            .set_subreddit_state(
                &sub("pics"),
                SubredditState::Paused,
                HUMAN_MOD,
                w.clock.now()
            )
            .await
            .expect("pause")
    );
    let before = writes(&w);
    // No moderator's note in the conversation: the ban list is read for it.
    let fresh = ban(&w, "appellant2", "", Some("Rude"), None);
    user_writes(&w, "appellant2", &fresh, "please unban me");
    w.drain().await.expect("drain");
    assert_eq!(
        writes(&w),
        before,
        "a paused subreddit receives 0 writes for new conversations"
    );
    assert!(kinds(&w, &fresh).is_empty());
    let id = ConversationId::parse(&fresh).expect("id");
    assert!(w.store.is_left_alone(&id).await.expect("left alone"));
    assert!(
        w.store
            .appellant(
                &sub("pics"),
                &RedditUsername::parse("appellant2").expect("user")
            )
            .await
            .expect("get")
            .is_none(),
        "no group was drawn"
    );

    // What was promised goes on: the first appellant writes again and is reminded.
    user_writes(&w, "appellant1", &promised, "hello?");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &promised),
        vec![
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::Reply,
            LedgerKind::Archive
        ]
    );

    // Resumed: the conversation left alone stays alone; a new one is served.
    w.store
        .set_subreddit_state(
            &sub("pics"),
            SubredditState::Active,
            HUMAN_MOD,
            w.clock.now(),
        )
        .await
        .expect("resume");
    w.sim.state().reset_counters();
    user_writes(&w, "appellant2", &fresh, "anyone?");
    w.drain().await.expect("drain");
    assert!(kinds(&w, &fresh).is_empty(), "left alone for good");
    assert_eq!(
        w.sim.state().counters().calls_of(Endpoint::Banned),
        0,
        "a conversation left alone costs no ban-list call when it changes"
    );
    let third = started_appeal(&w, "appellant3").await;
    assert_eq!(kinds(&w, &third).len(), 2);
}

async fn console_settings_reach_the_next_message(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let first = started_appeal(&w, "appellant1").await;
    let mut s = w
        .store
        .subreddit(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    s.messages = Some(Messages {
        initial: "NEW TEXT for u/{username} in r/{subreddit}: {link}".into(),
        ..Messages::default()
    });
    s.blocklist = vec![RedditUsername::parse("troll").expect("user")];
    s.link_ttl_days = Some(2);
    let changes = w
        .store
        .update_settings(&s, HUMAN_MOD, w.clock.now())
        .await
        .expect("save");
    assert_eq!(
        changes.len(),
        5,
        "the three messages, the link lifetime, the blocklist: {changes:?}"
    );
    let second = started_appeal(&w, "appellant2").await;
    let body = |c: &str| w.sim.state().ledger_for(c)[0].body.clone().expect("body");
    assert!(!body(&first).contains("NEW TEXT"));
    assert!(
        body(&second).starts_with("NEW TEXT for u/appellant2 in r/pics: http"),
        "{}",
        body(&second)
    );
    let appeal = w.appeal_in(&second).await.expect("q").expect("appeal");
    let ttl = appeal.token_expires_at - appeal.created_at;
    assert_eq!(ttl.num_days(), 2, "the console's link lifetime");
    let blocked = started_appeal(&w, "troll").await;
    assert!(
        kinds(&w, &blocked).is_empty(),
        "blocklisted users are never offered a form"
    );
}
