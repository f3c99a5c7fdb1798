//! A pool of bot accounts and runner replicas, over HTTP against the simulator: each
//! account lists and writes only for its own subreddits, a subreddit moved to another
//! account loses and doubles nothing in flight, replicas share the work through leases in
//! the database, and a killed replica's work is taken over.

use std::collections::BTreeMap;

use chrono::Duration;

use appealmod_bot::replicas::Replica;
use appealmod_shared::domain::{RedditUsername, SubredditName};
use appealmod_shared::storage::{Backend, EffectState, ServingAccount};
use appealmod_testkit::world::{AccountInstance, BOT, World, WorldOptions};
use reddit_sim::Entry;
use reddit_sim::{Endpoint, FaultMode, FaultRequest, LedgerKind};

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    each_account_lists_and_writes_only_for_its_own_subreddits,
    moving_a_subreddit_loses_and_doubles_nothing_in_flight,
    a_killed_replicas_lease_is_taken_over_within_two_lease_periods,
    replicas_of_two_accounts_share_the_work_and_double_nothing,
);

const SECOND: &str = "second_bot";

fn sub(name: &str) -> SubredditName {
    SubredditName::parse(name).expect("subreddit name")
}

fn second() -> ServingAccount {
    ServingAccount::Extra(RedditUsername::parse(SECOND).expect("name"))
}

/// A world with two bot accounts, both moderators of `pics` and `news` (so each account's
/// listing of every subreddit shows both); `news` is served by the second account.
async fn two_accounts(b: Backend) -> (appealmod_testkit::TestDb, World, AccountInstance) {
    let (db, w) = world(
        b,
        WorldOptions {
            subreddits: vec!["pics".into(), "news".into()],
            extra_bots: vec![SECOND.into()],
            ..WorldOptions::default()
        },
    )
    .await;
    let all = vec!["all".to_owned()];
    for s in ["pics", "news"] {
        w.sim
            .state()
            .set_moderator(s, SECOND, &all)
            .expect("second bot moderates");
    }
    let now = w.clock.now();
    w.store
        .assign_account(&sub("news"), &second(), now)
        .await
        .expect("assign");
    let other = w.account(Some(SECOND)).await.expect("second account");
    (db, w, other)
}

/// Who wrote the bot's messages in a conversation (the simulator's view).
fn bot_authors(w: &World, conv: &str) -> Vec<String> {
    let c = w.sim.state().conversation(conv).expect("conversation");
    c.entries
        .iter()
        .filter_map(|e| match e {
            Entry::Messages(m) if m.author == BOT || m.author == SECOND => Some(m.author.clone()),
            _ => None,
        })
        .collect()
}

async fn drain_both(w: &World, other: &AccountInstance) {
    for _ in 0..10 {
        let (r1, s1) = w.pass().await.expect("default account");
        let (r2, s2) = other.pass().await.expect("second account");
        if [r1, s1, r2, s2].iter().all(|r| r.is_idle()) {
            return;
        }
    }
    panic!("the runners did not become idle");
}

/// Each account's listing shows both subreddits (both bots moderate both); each keeps only
/// the subreddits assigned to it, and its messages are written by it.
async fn each_account_lists_and_writes_only_for_its_own_subreddits(b: Backend) {
    let (_db, w, other) = two_accounts(b).await;
    let in_pics = w.ban_and_write("pics", "user_p", "unban me").expect("pics");
    let in_news = w.ban_and_write("news", "user_n", "unban me").expect("news");
    // The default account alone: only pics is handled.
    w.pass().await.expect("default account");
    assert_eq!(
        kinds(&w, &in_pics),
        [LedgerKind::Reply, LedgerKind::Archive]
    );
    assert!(kinds(&w, &in_news).is_empty(), "news is not the default's");
    assert!(w.appeal_in(&in_news).await.expect("q").is_none());
    // The second account handles news, and only news.
    let (recent, _) = other.pass().await.expect("second account");
    assert_eq!(recent.fetched, 1, "{recent:?}");
    assert_eq!(
        kinds(&w, &in_news),
        [LedgerKind::Reply, LedgerKind::Archive]
    );
    assert_eq!(bot_authors(&w, &in_pics), [BOT]);
    assert_eq!(bot_authors(&w, &in_news), [SECOND]);
    drain_both(&w, &other).await;
    assert_eq!(w.sim.state().ledger().len(), 4, "nothing else was written");
}

/// The default account starts an appeal in news and its reply's outcome is unknown (502
/// after Reddit applied it) when the operator moves news to the second account. The
/// second account never resends or reads back that entry (the default tried it: only it
/// can find its own message); the default reads it back after the settle time. A user who
/// wrote in between the move and the second account's first pass is caught up.
async fn moving_a_subreddit_loses_and_doubles_nothing_in_flight(b: Backend) {
    let (_db, w, other) = two_accounts(b).await;
    let now = w.clock.now();
    w.store
        .assign_account(&sub("news"), &ServingAccount::Default, now)
        .await
        .expect("news to the default account");
    let first = w
        .ban_and_write("news", "before_move", "unban me")
        .expect("news");
    w.sim.state().inject_fault(FaultRequest {
        endpoint: Endpoint::Reply,
        count: 1,
        mode: FaultMode::StatusAfterApply(502),
    });
    w.recent.run_once().await.expect("default pass");
    assert_eq!(
        kinds(&w, &first),
        [LedgerKind::Reply],
        "applied, outcome unknown"
    );
    w.store
        .cursor("modmail/all")
        .await
        .expect("cursor")
        .expect("the default listed");
    let moved = w
        .store
        .move_subreddit(&sub("news"), &second(), "operator test", w.clock.now())
        .await
        .expect("move")
        .expect("known subreddit");
    assert_eq!(moved.left_with_old, 1, "{moved:?}");
    let log = w.store.audit_log(&sub("news"), 5).await.expect("audit");
    assert_eq!(log[0].actor, "operator test");
    assert_eq!(log[0].change.field, "bot_account");
    assert_eq!(log[0].change.new.as_deref(), Some(SECOND));
    // A user writes after the move.
    let after = w
        .ban_and_write("news", "after_move", "unban me")
        .expect("news");
    // Past the settle time: the second account handles the new conversation and leaves
    // the default's unsure entry alone, however many passes it runs.
    w.advance(Duration::seconds(10));
    for _ in 0..3 {
        other.pass().await.expect("second account");
    }
    assert_eq!(
        kinds(&w, &first),
        [LedgerKind::Reply],
        "not resent by the new account"
    );
    assert_eq!(kinds(&w, &after), [LedgerKind::Reply, LedgerKind::Archive]);
    assert_eq!(bot_authors(&w, &after), [SECOND]);
    // The default account finishes what it tried: read back (found), then the archive.
    drain_both(&w, &other).await;
    assert_eq!(kinds(&w, &first), [LedgerKind::Reply, LedgerKind::Archive]);
    assert_eq!(bot_authors(&w, &first), [BOT], "its reply, once");
    assert_eq!(
        w.store
            .attempted_unfinished(&sub("news"), &ServingAccount::Default)
            .await
            .expect("q"),
        0
    );
    let counts = w.store.journal_counts().await.expect("counts");
    assert_eq!(
        counts[&EffectState::Pending] + counts[&EffectState::InFlight],
        0
    );
    assert_eq!(counts[&EffectState::Done], 4, "{counts:?}");
}

fn replica(w: &World, id: &str, accounts: Vec<ServingAccount>, ttl: Duration) -> Replica {
    Replica::new(
        w.store.clone(),
        "recent",
        id.to_owned(),
        accounts,
        ttl,
        w.clock.clone(),
    )
}

/// Two replicas of the recent runner over two accounts. PostgreSQL: one account each;
/// SQLite (one writer): the first holds both and the second waits as a standby. Replica
/// `a` is killed (it stops renewing, as a `kill -9` leaves it): once its lease has run out
/// — within two lease periods of its last renewal, looking every third of one — `b` holds
/// everything, and says when it took over.
async fn a_killed_replicas_lease_is_taken_over_within_two_lease_periods(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let ttl = Duration::seconds(30);
    let accounts = vec![ServingAccount::Default, second()];
    let a = replica(&w, "a", accounts.clone(), ttl);
    let bb = replica(&w, "b", accounts.clone(), ttl);
    let first = a.look().await.expect("a looks");
    assert_eq!(first.held.len(), 2, "alone, it takes everything");
    let standby = bb.look().await.expect("b looks");
    assert_eq!(standby.held, [], "all leases are a's and running");
    // a sees b and gives half up where replicas share the work.
    let a2 = a.look().await.expect("a looks again");
    let b2 = bb.look().await.expect("b looks again");
    match b {
        Backend::Postgres => {
            assert_eq!((a2.held.len(), b2.held.len()), (1, 1), "{a2:?} {b2:?}");
        }
        Backend::Sqlite => {
            assert_eq!(
                (a2.held.len(), b2.held.len()),
                (2, 0),
                "one writer: b is a standby"
            );
        }
    }
    // a is killed: no more looks. b looks every third of the lease.
    let mut waited = Duration::zero();
    let taken_at = loop {
        w.clock.advance(ttl / 3);
        waited += ttl / 3;
        let look = bb.look().await.expect("b looks");
        if look.held.len() == 2 {
            break look;
        }
        assert!(waited <= ttl * 2, "not taken over within two lease periods");
    };
    assert!(!taken_at.took_over.is_empty());
    for t in &taken_at.took_over {
        assert_eq!(t.from, "a");
        assert!(t.after > ttl && t.after <= ttl * 2, "{t:?}");
    }
    // a comes back (a restart under the same id would be a new replica): it is a standby.
    let back = a.look().await.expect("a looks");
    match b {
        Backend::Postgres => assert!(back.held.len() <= 1, "{back:?}"),
        Backend::Sqlite => assert_eq!(back.held, []),
    }
}

/// Two accounts, two replicas of each runner (four runner instances per account in all,
/// each working only while its replica holds the account's lease, leases moving between
/// them as replicas come and go), many appeals: every effect exactly once.
async fn replicas_of_two_accounts_share_the_work_and_double_nothing(b: Backend) {
    let (_db, w, other) = two_accounts(b).await;
    let twin = w.account(None).await.expect("default, second replica");
    let other_twin = w
        .account(Some(SECOND))
        .await
        .expect("second, second replica");
    let ttl = Duration::seconds(30);
    let accounts = vec![ServingAccount::Default, second()];
    let kinds_of = |k| {
        [
            Replica::new(
                w.store.clone(),
                k,
                "r1".into(),
                accounts.clone(),
                ttl,
                w.clock.clone(),
            ),
            Replica::new(
                w.store.clone(),
                k,
                "r2".into(),
                accounts.clone(),
                ttl,
                w.clock.clone(),
            ),
        ]
    };
    let recent = kinds_of("recent");
    let started = kinds_of("started");
    let mut convs = Vec::new();
    for i in 0..8 {
        let s = if i % 2 == 0 { "pics" } else { "news" };
        convs.push(
            w.ban_and_write(s, &format!("r{i}"), "unban me")
                .expect("ban"),
        );
    }
    // Each replica runs the passes of the accounts it holds, both replicas at once.
    let instances = [
        [(&w.recent, &w.started), (&twin.recent, &twin.started)],
        [
            (&other.recent, &other.started),
            (&other_twin.recent, &other_twin.started),
        ],
    ];
    for round in 0..6 {
        if round == 3 {
            // Replica r1 of each kind is killed: r2 takes everything over.
            w.advance(ttl * 2);
        }
        let mut runs = Vec::new();
        for (kind, reps) in [(true, &recent), (false, &started)] {
            for (i, rep) in reps.iter().enumerate() {
                if round >= 3 && i == 0 {
                    continue;
                }
                let look = rep.look().await.expect("look");
                for account in look.held {
                    let a = usize::from(account != ServingAccount::Default);
                    let (rec, sta) = instances[a][i];
                    runs.push((kind, rec, sta));
                }
            }
        }
        let passes = runs.into_iter().map(|(kind, rec, sta)| async move {
            if kind {
                rec.run_once().await
            } else {
                sta.run_once().await
            }
        });
        for r in futures_util::future::join_all(passes).await {
            r.expect("pass");
        }
        if round == 1 {
            for c in &convs {
                let appeal = w.appeal_in(c).await.expect("q").expect("appeal");
                w.submit_form(&appeal).await.expect("submit");
            }
        }
    }
    drain_both(&w, &other).await;
    let mut by_conv: BTreeMap<String, Vec<LedgerKind>> = BTreeMap::new();
    for e in w.sim.state().ledger() {
        by_conv
            .entry(e.conversation_id.clone())
            .or_default()
            .push(e.kind);
    }
    for c in &convs {
        assert_eq!(
            by_conv.get(c).map(Vec::as_slice),
            Some(
                &[
                    LedgerKind::Reply,
                    LedgerKind::Archive,
                    LedgerKind::Reply,
                    LedgerKind::InternalNote,
                    LedgerKind::Unarchive,
                ][..]
            ),
            "{c}: every effect once"
        );
    }
}
