//! The recent runner's one listing of every subreddit (no `entity`), over HTTP against the
//! simulator: the account moderates more subreddits than it serves, and only signed-up
//! active and paused ones are handled (paused ones recorded as left alone); it pages with
//! `after` only while conversations are newer than its cursor; a subreddit served later is
//! caught up with a listing of its own, so nothing written before is missed; an upgrade
//! from per-subreddit cursors starts where they stand.

use appealmod_shared::domain::*;
use appealmod_shared::storage::{Backend, NewSignup};
use appealmod_testkit::world::{BOT, HUMAN_MOD, World, WorldOptions};
use chrono::Duration;
use reddit_sim::{Endpoint, LedgerKind, NewSubreddit, UserMessage};

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    the_listing_of_every_subreddit_writes_only_to_served_ones,
    a_subreddit_served_later_is_caught_up_and_nothing_is_missed,
    the_listing_pages_with_after_only_while_newer_than_the_cursor,
    an_upgrade_from_per_subreddit_cursors_starts_where_they_stand,
);

const START: [LedgerKind; 2] = [LedgerKind::Reply, LedgerKind::Archive];

fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).expect("sub")
}

fn user(s: &str) -> RedditUsername {
    RedditUsername::parse(s).expect("user")
}

/// A subreddit where the bot moderates with full permissions (or `bot_perms`).
fn moderated(w: &World, name: &str, bot_perms: Option<&[&str]>) {
    let sim = w.sim.state();
    sim.add_subreddit(NewSubreddit {
        name: name.into(),
        moderators: vec![HUMAN_MOD.into()],
        bot_is_mod: true,
    })
    .expect("sim subreddit");
    if let Some(perms) = bot_perms {
        let perms: Vec<String> = perms.iter().map(|p| (*p).to_owned()).collect();
        sim.set_moderator(name, BOT, &perms)
            .expect("bot permissions");
    }
}

async fn sign_up(w: &World, name: &str) {
    let signup = NewSignup {
        name: HUMAN_MOD.into(),
        email: None,
        reddit_username: user(HUMAN_MOD),
        subreddit: sub(name),
    };
    w.store
        .create_signup(&signup, w.clock.now())
        .await
        .expect("signup");
}

fn lists(w: &World) -> u64 {
    w.sim.state().counters().calls_of(Endpoint::List)
}

/// Nothing of the conversation reached Reddit or the database: no write, no appellant,
/// not followed, not left alone, not parked.
async fn untouched(w: &World, subreddit: &str, username: &str, conv: &str) {
    assert!(
        kinds(w, conv).is_empty(),
        "{conv} in r/{subreddit} was written to"
    );
    let id = ConversationId::parse(conv).expect("id");
    let s = &w.store;
    assert!(
        s.appellant(&sub(subreddit), &user(username))
            .await
            .expect("q")
            .is_none()
    );
    assert!(s.tracked_conversation(&id).await.expect("q").is_none());
    assert!(s.seen_of(&id).await.expect("q").is_none());
    assert!(!s.is_left_alone(&id).await.expect("q"));
    assert!(s.parked_conversation(&id).await.expect("q").is_none());
}

/// A conversation a user who is not banned starts (the bot reads it and leaves it).
fn plain_message(w: &World, subreddit: &str, i: usize) {
    w.sim
        .state()
        .user_message(UserMessage {
            subreddit: subreddit.into(),
            user: format!("writer_{i}"),
            body: "a question".into(),
            subject: Some(format!("question {i}")),
            conversation_id: None,
        })
        .expect("message");
}

/// The account moderates four subreddits: `pics` (active), `resting` (paused), `waiting`
/// (signed up, pending: the bot has Mail but not Access yet) and `stranger` (never signed
/// up). One banned user writes in each; one listing call finds all four, and only `pics`
/// is answered; `resting`'s appellant is recorded as left alone, as a paused subreddit's
/// always was; the other two are never written to, in Reddit or in the database.
async fn the_listing_of_every_subreddit_writes_only_to_served_ones(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    moderated(&w, "resting", None);
    moderated(&w, "waiting", Some(&["mail"]));
    moderated(&w, "stranger", None);
    let now = w.clock.now();
    w.store
        .ensure_subreddit(&sub("resting"), now)
        .await
        .expect("sign up");
    let paused = w
        .store
        .set_subreddit_state(&sub("resting"), SubredditState::Paused, HUMAN_MOD, now)
        .await
        .expect("pause");
    assert!(paused);
    sign_up(&w, "waiting").await;
    w.drain().await.expect("drain");

    let mut convs = Vec::new();
    for s in ["pics", "resting", "waiting", "stranger"] {
        let name = format!("appellant_{s}");
        let conv = w.ban_and_write(s, &name, "Please unban me").expect("write");
        convs.push((s, name, conv));
    }
    w.sim.state().reset_counters();
    w.pass().await.expect("pass");
    assert_eq!(lists(&w), 1, "one listing for every subreddit");
    w.drain().await.expect("drain");

    assert_eq!(kinds(&w, &convs[0].2), START);
    let resting = ConversationId::parse(&convs[1].2).expect("id");
    assert!(kinds(&w, &convs[1].2).is_empty());
    assert!(w.store.is_left_alone(&resting).await.expect("q"));
    for (s, name, conv) in &convs[2..] {
        untouched(&w, s, name, conv).await;
    }
    let waiting = w
        .store
        .subreddit_status(&sub("waiting"))
        .await
        .expect("q")
        .expect("row");
    assert_eq!(waiting.state, SubredditState::Pending);
}

/// A banned user writes while the subreddit is pending: nothing happens, and the account
/// listing moves past the conversation. Once the bot has Access its check activates the
/// subreddit, and the same pass catches it up with a listing of its own (one call more):
/// the appeal is answered. From then on an idle pass is one call again.
async fn a_subreddit_served_later_is_caught_up_and_nothing_is_missed(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    moderated(&w, "late", Some(&["mail"]));
    sign_up(&w, "late").await;
    w.drain().await.expect("drain");
    let early = w
        .ban_and_write("late", "early_bird", "Please unban me")
        .expect("write");
    w.advance(Duration::minutes(1));
    plain_message(&w, "pics", 1);
    w.drain().await.expect("drain");
    untouched(&w, "late", "early_bird", &early).await;

    w.sim
        .state()
        .set_moderator("late", BOT, &["mail".into(), "access".into()])
        .expect("access");
    w.store
        .request_check(&sub("late"), w.clock.now())
        .await
        .expect("check now");
    w.sim.state().reset_counters();
    w.pass().await.expect("pass");
    let late = w
        .store
        .subreddit_status(&sub("late"))
        .await
        .expect("q")
        .expect("row");
    assert_eq!(late.state, SubredditState::Active);
    assert_eq!(lists(&w), 2, "the account listing and one catch-up");
    w.drain().await.expect("drain");
    assert_eq!(kinds(&w, &early), START, "written before, answered now");

    w.sim.state().reset_counters();
    w.pass().await.expect("pass");
    assert_eq!(lists(&w), 1);
}

/// 200 conversations newer than the cursor, 80 of them in a subreddit the bot is not
/// signed up for: two full pages and a third that ends the list (⌈200/100⌉ + 1); only
/// `pics`' 120 are read. Exactly 100 newer: one full page and one that reaches the cursor;
/// 99 newer: one page. Nothing newer: one call.
async fn the_listing_pages_with_after_only_while_newer_than_the_cursor(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    moderated(&w, "stranger", None);
    w.drain().await.expect("drain");
    let mut i = 0;
    let mut write = |n: usize, stranger_every: usize| {
        for k in 0..n {
            let s = if k % 5 >= 5 - stranger_every {
                "stranger"
            } else {
                "pics"
            };
            plain_message(&w, s, i);
            i += 1;
            w.advance(Duration::milliseconds(10));
        }
    };
    write(200, 2);
    w.sim.state().reset_counters();
    let (r, _) = w.pass().await.expect("pass");
    assert_eq!(lists(&w), 3);
    assert_eq!(r.listed, 200);
    assert_eq!(
        r.fetched, 120,
        "only the served subreddit's conversations are read"
    );

    for (n, calls) in [(100, 2), (99, 1), (0, 1)] {
        write(n, 0);
        w.sim.state().reset_counters();
        let (r, _) = w.pass().await.expect("pass");
        assert_eq!(lists(&w), calls, "{n} newer conversations");
        assert_eq!(r.fetched, n);
    }
}

/// The version before listed per subreddit, each with its own cursor, and kept no account
/// cursor. The first pass after the upgrade starts where the subreddits stand: what they
/// had read is not handled again, what came after is, in one call.
async fn an_upgrade_from_per_subreddit_cursors_starts_where_they_stand(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let handled_before = w
        .ban_and_write("pics", "before_upgrade", "Please unban me")
        .expect("write");
    w.advance(Duration::seconds(30));
    let stood = w.sim.state().now();
    w.store
        .advance_cursors(&["modmail/r/pics".to_owned()], stood, w.clock.now())
        .await
        .expect("old cursor");
    w.advance(Duration::seconds(30));
    let after = w
        .ban_and_write("pics", "after_upgrade", "Please unban me")
        .expect("write");
    w.sim.state().reset_counters();
    w.pass().await.expect("pass");
    assert_eq!(lists(&w), 1, "no catch-up: pics had a cursor");
    w.drain().await.expect("drain");
    assert!(
        kinds(&w, &handled_before).is_empty(),
        "read before the upgrade"
    );
    assert_eq!(kinds(&w, &after), START);
}
