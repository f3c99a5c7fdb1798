//! Reddit on a bad day, over HTTP against the simulator: late writes, vanished permissions,
//! a stray 429, an undecodable conversation, thousands of subreddits, a sender that lost the
//! database mid-call, and a second runner started by mistake. Each test counts what the
//! simulator's ledger recorded: every effect exactly once, nothing lost.

use std::time::{Duration as StdDuration, Instant};

use appealmod_bot::failpoints::Failpoint;
use appealmod_shared::config::Config;
use appealmod_shared::domain::{AppealStatus, ConversationId, SubredditName};
use appealmod_shared::storage::{Backend, EffectState};
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use chrono::Duration;
use reddit_sim::{Endpoint, FaultMode, FaultRequest, LedgerKind, NewSubreddit};

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    a_write_reddit_applies_late_is_sent_once,
    a_403_holds_the_appeal_until_permission_is_back,
    a_429_with_budget_left_does_not_stall_the_runner,
    an_undecodable_conversation_is_parked_and_intake_goes_on,
    a_followed_conversation_that_always_fails_is_parked_with_backoff,
    thousands_of_subreddits_are_listed_in_one_call,
    an_entry_left_in_flight_is_reclaimed_without_a_restart,
    two_runners_of_the_same_kind_double_nothing,
    two_senders_with_502_after_every_write_double_nothing,
    a_sender_killed_mid_write_is_taken_over_within_a_minute,
);

const START: [LedgerKind; 2] = [LedgerKind::Reply, LedgerKind::Archive];
const COMPLETE: [LedgerKind; 5] = [
    LedgerKind::Reply,
    LedgerKind::Archive,
    LedgerKind::Reply,
    LedgerKind::InternalNote,
    LedgerKind::Unarchive,
];

fn fault(w: &World, endpoint: Endpoint, count: u32, mode: FaultMode) {
    w.sim.state().inject_fault(FaultRequest {
        endpoint,
        count,
        mode,
    });
}

fn cid(s: &str) -> ConversationId {
    ConversationId::parse(s).expect("conversation id")
}

fn settle_12s(c: &mut Config) {
    c.bot.settle_secs = 12;
}

/// Passes in real time (the clock is not moved: a late write lands in real time) until
/// `done` holds or `limit` has passed.
async fn passes_until(w: &World, limit: StdDuration, mut done: impl FnMut(&World) -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        w.pass().await.expect("pass");
        if done(w) {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
}

async fn journal_is_empty(w: &World) -> bool {
    let c = w.store.journal_counts().await.expect("counts");
    c[&EffectState::Pending] == 0 && c[&EffectState::InFlight] == 0
}

/// Defect 1: the reply is answered after 8 s while the client gives up at 2 s; the sender
/// used to read back before the write landed and send again. Now nothing is read back
/// before the settle time (12 s here) since the attempt began.
async fn a_write_reddit_applies_late_is_sent_once(b: Backend) {
    let (_db, w) = world(
        b,
        WorldOptions {
            configure: Some(settle_12s),
            ..WorldOptions::default()
        },
    )
    .await;
    fault(
        &w,
        Endpoint::Reply,
        1,
        FaultMode::Delay(StdDuration::from_secs(8)),
    );
    let conv = ban(&w, "late1", "rule 2", Some("Spam"), None);
    user_writes(&w, "late1", &conv, "unban me");
    passes_until(&w, StdDuration::from_secs(40), |w| {
        kinds(w, &conv).len() >= 2
    })
    .await;
    // A few more passes past the settle time: nothing else may be sent.
    passes_until(&w, StdDuration::from_secs(2), |_| false).await;
    assert_eq!(kinds(&w, &conv), START, "the late reply is sent once");
    assert!(journal_is_empty(&w).await);
    assert_eq!(
        w.sim.state().counters().calls_of(Endpoint::Reply),
        1,
        "found by the read-back, never resent"
    );
}

/// Defect 2: 403 on the final reply used to fail the entry after one attempt, and the
/// appeal was marked completed although the moderators never saw the answers.
async fn a_403_holds_the_appeal_until_permission_is_back(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "perm1").await;
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    // The bot is no longer a moderator: every write is refused for a while.
    fault(&w, Endpoint::Reply, 6, FaultMode::Status(403));
    w.drain().await.expect("drain");
    let held = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(
        held.status,
        AppealStatus::Submitted,
        "not completed without its note"
    );
    assert_eq!(kinds(&w, &conv), START, "nothing sent yet");
    assert_eq!(w.store.held_effects().await.expect("held"), 1);
    let problems = w.store.permission_problems().await.expect("problems");
    assert_eq!(
        problems.len(),
        1,
        "the subreddit shows the bot lacks permission"
    );
    assert_eq!(problems[0].subreddit.as_str(), "pics");
    // Still refused an hour later: still held, not dropped.
    w.advance(Duration::minutes(61));
    w.drain().await.expect("drain");
    assert_eq!(w.store.held_effects().await.expect("held"), 1);
    // A moderator adds the bot back.
    w.sim.state().clear_faults();
    w.advance(Duration::minutes(61));
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &conv),
        COMPLETE,
        "every held entry completes, in order, once"
    );
    let done = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(done.status, AppealStatus::Completed);
    assert!(
        w.store
            .permission_problems()
            .await
            .expect("problems")
            .is_empty()
    );
    assert!(journal_is_empty(&w).await);
}

/// Defect 3: one 429 on the list call, with almost all of the budget left, made the runner
/// wait for the window's reset (594 s in the probe).
async fn a_429_with_budget_left_does_not_stall_the_runner(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let convs: Vec<String> = (0..3)
        .map(|i| {
            let user = format!("rl{i}");
            let c = ban(&w, &user, "rule 2", Some("Spam"), None);
            user_writes(&w, &user, &c, "unban");
            c
        })
        .collect();
    fault(&w, Endpoint::List, 1, FaultMode::Status(429));
    let t0 = Instant::now();
    let drained = tokio::time::timeout(StdDuration::from_secs(30), w.drain()).await;
    let took = t0.elapsed();
    drained
        .expect("the runner does not wait for the window")
        .expect("drain");
    assert!(took < StdDuration::from_secs(20), "took {took:?}");
    for c in &convs {
        assert_eq!(kinds(&w, c), START, "{c} got its link");
    }
}

/// Defect 4: the first conversation the runner could not handle stopped the pass, and the
/// list conversion was all-or-nothing, so one bad conversation blocked every later one.
async fn an_undecodable_conversation_is_parked_and_intake_goes_on(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    // A name no Reddit account can have: the bot cannot read this conversation.
    let bad = "this_name_is_far_too_long_for_reddit";
    let poison = ban(&w, bad, "rule 2", Some("Spam"), None);
    user_writes(&w, bad, &poison, "unban");
    let good = ban(&w, "fine1", "rule 2", Some("Spam"), None);
    user_writes(&w, "fine1", &good, "unban");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &good),
        START,
        "the readable conversation is handled"
    );
    assert!(kinds(&w, &poison).is_empty());
    let parked = w
        .store
        .parked_conversation(&cid(&poison))
        .await
        .expect("q")
        .expect("parked");
    assert!(parked.reported, "reported once");
    assert_eq!(parked.attempts, 1);
    // Later passes retry it with backoff and never block newer conversations.
    let later = ban(&w, "fine2", "rule 2", Some("Spam"), None);
    user_writes(&w, "fine2", &later, "unban");
    w.advance(Duration::minutes(2));
    w.drain().await.expect("drain");
    assert_eq!(kinds(&w, &later), START);
    let again = w
        .store
        .parked_conversation(&cid(&poison))
        .await
        .expect("q")
        .expect("parked");
    assert_eq!(again.attempts, 2, "retried after its backoff");
    assert!(again.error.contains("participant"), "{}", again.error);
}

/// Review of issue 20: a followed conversation whose read failed every time (here a 500)
/// was fetched again on every pass of the started runner, with no backoff and no alert. It
/// is parked now as the recent runner parks one: tried again after its backoff, reported
/// once it keeps failing, and handled when Reddit answers again.
async fn a_followed_conversation_that_always_fails_is_parked_with_backoff(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "stuck").await;
    // Two messages at once: the listing proves too little, so the conversation is flagged.
    user_writes(&w, "stuck", &conv, "Hello?");
    user_writes(&w, "stuck", &conv, "Is anyone there?");
    w.recent.run_once().await.expect("recent pass");
    fault(&w, Endpoint::Get, 1_000, FaultMode::Status(500));
    let gets = || w.sim.state().counters().calls_of(Endpoint::Get);
    let parked = || async {
        w.store
            .parked_conversation(&cid(&conv))
            .await
            .expect("q")
            .expect("parked")
    };
    let first = w.started.run_once().await.expect("pass");
    assert_eq!(first.parked, 1);
    let p = parked().await;
    assert_eq!(
        (p.attempts, p.reported),
        (1, false),
        "a 500 is news only if it lasts"
    );
    let read = gets();
    for _ in 0..5 {
        w.started.run_once().await.expect("pass");
    }
    assert_eq!(gets(), read, "no read before the backoff is over");
    // Tried again after each backoff (1, 2, 4 minutes); reported at the third failure.
    for (attempts, wait, reported) in [(2, 1, false), (3, 2, true), (4, 4, true)] {
        w.advance(Duration::minutes(wait) + Duration::seconds(1));
        w.started.run_once().await.expect("pass");
        let p = parked().await;
        assert_eq!((p.attempts, p.reported), (attempts, reported));
    }
    assert!(gets() > read);
    // Reddit answers again: handled, no longer parked, no longer flagged.
    w.sim.state().clear_faults();
    w.advance(Duration::minutes(9));
    w.started.run_once().await.expect("pass");
    let gone = w.store.parked_conversation(&cid(&conv)).await.expect("q");
    assert_eq!(gone, None);
    let visits = w.store.conversations_to_visit(10).await.expect("q");
    assert!(visits.is_empty(), "{visits:?}");
}

/// Defect 5: all enabled subreddits went into one `entity=` parameter; past about 2,600
/// names the URL could not be built and no subreddit was served. Then they were listed in
/// batches of names, one call per batch every pass. Now one listing without `entity`
/// covers every subreddit: the 3,000 subreddits, signed up at once, are caught up in
/// batches once, and from then on a pass that finds the 3,000th subreddit's appeal costs
/// one list call.
async fn thousands_of_subreddits_are_listed_in_one_call(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let names: Vec<String> = (0..3_000).map(|i| format!("sub_number_{i:05}")).collect();
    let now = w.clock.now();
    for n in &names {
        w.sim
            .state()
            .add_subreddit(NewSubreddit {
                name: n.clone(),
                moderators: vec![HUMAN_MOD.to_owned()],
                bot_is_mod: true,
            })
            .expect("sim subreddit");
        w.store
            .ensure_subreddit(&SubredditName::parse(n).expect("name"), now)
            .await
            .expect("enable");
    }
    let served: Vec<SubredditName> = w
        .store
        .enabled_subreddits()
        .await
        .expect("subs")
        .into_iter()
        .map(|s| s.name)
        .collect();
    let batches =
        appealmod_bot::runners::batches(&served, appealmod_bot::runners::ENTITY_CHARS).len() as u64;
    assert!(batches >= 30, "{batches} batches for 3,001 subreddits");
    w.sim.state().reset_counters();
    let (report, _) = w.pass().await.expect("pass");
    assert_eq!(report.errors, 0, "{report:?}");
    let lists = w.sim.state().counters().calls_of(Endpoint::List);
    assert_eq!(
        lists,
        batches + 1,
        "caught up once: where the listing stands, then a call per batch"
    );

    let last = names.last().expect("some");
    let conv = w.ban_and_write(last, "far_away", "unban").expect("appeal");
    w.sim.state().reset_counters();
    let (report, _) = w.pass().await.expect("pass");
    assert_eq!(report.errors, 0, "{report:?}");
    assert_eq!(kinds(&w, &conv), START, "the 3,000th subreddit is served");
    let lists = w.sim.state().counters().calls_of(Endpoint::List);
    assert_eq!(lists, 1, "one list call for 3,001 subreddits");
}

/// Defect 6: when the database failed right after a successful Reddit call, the entry
/// stayed in flight until the process restarted. Now its lease runs out and the same
/// process reclaims it, reads Reddit back after the settle time and finds it applied.
async fn an_entry_left_in_flight_is_reclaimed_without_a_restart(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = ban(&w, "lease1", "rule 2", Some("Spam"), None);
    user_writes(&w, "lease1", &conv, "unban");
    // The reply goes through; recording it fails (as a lost database would).
    w.failpoints.arm(Failpoint::SendAfterCall, 1);
    let crashed = w.pass().await;
    assert!(crashed.is_err(), "the pass stops where the database failed");
    assert_eq!(kinds(&w, &conv), [LedgerKind::Reply]);
    // No restart: the same runners go on once the lease (30 s here) has run out.
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &conv),
        [LedgerKind::Reply],
        "nothing resent while leased"
    );
    w.advance(Duration::seconds(40));
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &conv),
        START,
        "reclaimed, found applied, archive sent once"
    );
    assert!(journal_is_empty(&w).await);
}

/// A second `recent` and `started` process on the same database (a mistake, or a rolling
/// restart): claims, cursors and appellant creation are safe, so nothing is sent twice.
async fn two_runners_of_the_same_kind_double_nothing(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (recent2, started2) = w.second_instance().await.expect("second instance");
    let convs: Vec<String> = (0..6)
        .map(|i| {
            let user = format!("twin{i}");
            let c = ban(&w, &user, "rule 2", Some("Spam"), None);
            user_writes(&w, &user, &c, "unban");
            c
        })
        .collect();
    for _ in 0..4 {
        let (a, b) = tokio::join!(w.recent.run_once(), recent2.run_once());
        a.expect("first recent");
        b.expect("second recent");
    }
    for c in &convs {
        assert_eq!(kinds(&w, c), START, "{c}: one link, one archive");
        let appeal = w.appeal_in(c).await.expect("q").expect("appeal");
        w.submit_form(&appeal).await.expect("submit");
    }
    for _ in 0..4 {
        let (a, b) = tokio::join!(w.started.run_once(), started2.run_once());
        a.expect("first started");
        b.expect("second started");
    }
    for c in &convs {
        assert_eq!(kinds(&w, c), COMPLETE, "{c}: every effect once");
    }
    assert_eq!(
        w.appeals_with(AppealStatus::Completed)
            .await
            .expect("q")
            .len(),
        6
    );
}

/// Both runners send (the default deployment), and Reddit answers 502 *after* applying
/// every write, of every kind. A sender used to decide "read back or send" from a list of
/// due entries read before its claim, so it resent an entry the other sender had just
/// tried, without the settle wait or a read-back. 100 appeals: every effect exactly once.
async fn two_senders_with_502_after_every_write_double_nothing(b: Backend) {
    const N: usize = 100;
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (recent2, started2) = w.second_instance().await.expect("second instance");
    let convs: Vec<String> = (0..N)
        .map(|i| {
            let user = format!("dup{i}");
            let c = ban(&w, &user, "rule 2", Some("Spam"), None);
            user_writes(&w, &user, &c, "unban");
            c
        })
        .collect();
    for endpoint in [
        Endpoint::Reply,
        Endpoint::Archive,
        Endpoint::Unarchive,
        Endpoint::AddModNote,
    ] {
        fault(&w, endpoint, 100_000, FaultMode::StatusAfterApply(502));
    }
    for _ in 0..12 {
        let (a, b) = tokio::join!(w.recent.run_once(), recent2.run_once());
        a.expect("first recent");
        b.expect("second recent");
        if journal_is_empty(&w).await {
            break;
        }
        // Past the settle time and the backoff: the read-backs are due.
        w.advance(Duration::seconds(30));
    }
    for c in &convs {
        assert_eq!(kinds(&w, c), START, "{c}: one link, one archive");
        let appeal = w.appeal_in(c).await.expect("q").expect("appeal");
        w.submit_form(&appeal).await.expect("submit");
    }
    for _ in 0..16 {
        let (a, b) = tokio::join!(w.started.run_once(), started2.run_once());
        a.expect("first started");
        b.expect("second started");
        if journal_is_empty(&w).await {
            break;
        }
        w.advance(Duration::seconds(30));
    }
    for c in &convs {
        assert_eq!(kinds(&w, c), COMPLETE, "{c}: every effect once");
    }
    assert!(journal_is_empty(&w).await);
    assert_eq!(
        w.appeals_with(AppealStatus::Completed)
            .await
            .expect("q")
            .len(),
        N
    );
}

/// `kill -9` while a write is in flight: the lease (15 s by default, renewed every 5 s by a
/// live sender) used to be 1,200 s, so that appellant waited up to 20 minutes. Now another
/// runner takes the entry over at its first pass after the lease, and reads Reddit back
/// once the settle time (60 s from the attempt's start) has passed.
async fn a_sender_killed_mid_write_is_taken_over_within_a_minute(b: Backend) {
    fn defaults(c: &mut Config) {
        let d = appealmod_shared::config::BotConfig::default();
        c.bot.lease_secs = d.lease_secs;
        c.bot.settle_secs = d.settle_secs;
    }
    let (_db, w) = world(
        b,
        WorldOptions {
            configure: Some(defaults),
            ..WorldOptions::default()
        },
    )
    .await;
    let (recent2, _) = w.second_instance().await.expect("second instance");
    let conv = ban(&w, "killed1", "rule 2", Some("Spam"), None);
    user_writes(&w, "killed1", &conv, "unban");
    // The process dies after claiming the reply, before calling Reddit (nothing renews the
    // lease any more).
    w.failpoints.arm(Failpoint::SendAfterClaim, 1);
    assert!(w.recent.run_once().await.is_err(), "the process died");
    assert!(kinds(&w, &conv).is_empty());
    // The other process's pass within the lease leaves the entry alone.
    w.advance(Duration::seconds(10));
    recent2.run_once().await.expect("pass");
    assert_eq!(w.store.in_flight_effects().await.expect("q").len(), 1);
    // 20 s after the kill: taken over.
    w.advance(Duration::seconds(10));
    recent2.run_once().await.expect("pass");
    assert!(
        w.store.in_flight_effects().await.expect("q").is_empty(),
        "taken over 20 s after the kill"
    );
    // 60 s after the attempt began: read back (not there), sent, then the archive.
    w.advance(Duration::seconds(41));
    recent2.run_once().await.expect("pass");
    recent2.run_once().await.expect("pass");
    assert_eq!(
        kinds(&w, &conv),
        START,
        "delivered once, 61 s after the kill"
    );
    assert!(journal_is_empty(&w).await);
}
