//! Call-budget benchmark: the unchanged runners against the Reddit simulator over HTTP.
//!
//! Prints (1) Reddit calls per handled treatment appeal, by endpoint; (2) calls per idle
//! started pass with 1,000 vs 10,000 tracked appellants; (3) appeals handled per hour at
//! Reddit's limit of 100 requests a minute, and the 429s seen.
//!
//! Time is scaled: the simulator's rate-limit window and the runners' pass interval are
//! both `--scale` times shorter than Reddit's (default 10: 100 requests per 6 s window,
//! a pass every 6 s standing for every 60 s). Figures are converted back to Reddit time.
//!
//!     cargo run --release -p appealmod-bot --example call_budget [-- --scale 10 --appeals 150]

use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

use appealmod_reddit::ClientOptions;
use appealmod_shared::domain::AppealStatus;
use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::storage::StatusUpdate;
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::arg;
use appealmod_testkit::world::{World, WorldOptions};
use chrono::Duration;
use reddit_sim::{BanRequest, Counters, Endpoint, UserMessage};

const SUBS: [&str; 3] = ["bench_a", "bench_b", "bench_c"];

fn options(scale: u64) -> WorldOptions {
    WorldOptions {
        subreddits: SUBS.iter().map(|s| s.to_string()).collect(),
        rate_budget: 100,
        rate_window_secs: (60 / scale).max(1),
        client: ClientOptions {
            limiter_reserve: 3.0,
            backoff_base: StdDuration::from_millis(50),
            backoff_cap: StdDuration::from_secs(1),
            ..ClientOptions::default()
        },
        ..WorldOptions::default()
    }
}

fn by_endpoint(before: &Counters, after: &Counters) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (ep, statuses) in &after.calls {
        if *ep == Endpoint::Token {
            continue;
        }
        let now: u64 = statuses.values().sum();
        let was = before.calls.get(ep).map_or(0, |m| m.values().sum());
        if now > was {
            out.insert(format!("{ep:?}").to_lowercase(), now - was);
        }
    }
    out
}

/// (1) and (3): a scripted population at the rate limit.
async fn throughput(scale: u64, appeals: usize) -> anyhow::Result<()> {
    let db = TestDb::sqlite().await;
    let w = World::start(db.store.clone(), &db.url, options(scale)).await?;
    let pass_every = StdDuration::from_millis(60_000 / scale);
    let per_tick = 25; // new appellants per (scaled) minute: more than the limit can serve
    let before = w.sim.state().counters();
    let started = Instant::now();
    let mut introduced = 0;
    let mut reminded = 0;
    loop {
        let tick = Instant::now();
        for _ in 0..per_tick {
            if introduced < appeals {
                let user = format!("bench_user_{introduced}");
                w.ban_and_write(
                    SUBS[introduced % SUBS.len()],
                    &user,
                    "Please unban me, I did nothing wrong.",
                )?;
                introduced += 1;
            }
        }
        w.pass().await?;
        // Appellants who got their link fill the form on the next tick; one in ten writes
        // again first (and gets a reminder).
        for appeal in w.appeals_with(AppealStatus::Prompted).await? {
            if w.store.unfinished_effects(&appeal.conversation_id).await? > 0 {
                continue;
            }
            if appeal.id.0 % 10 == 0 && appeal.reminders == 0 {
                w.sim
                    .state()
                    .user_message(UserMessage {
                        subreddit: appeal.subreddit.to_string(),
                        user: appeal.username.to_string(),
                        body: "hello? anyone?".into(),
                        subject: None,
                        conversation_id: Some(appeal.conversation_id.to_string()),
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                reminded += 1;
                continue;
            }
            w.submit_form(&appeal).await?;
        }
        let done = w.appeals_with(AppealStatus::Completed).await?.len();
        let pending = w.store.journal_counts().await?;
        let idle = pending
            .get(&appealmod_shared::storage::EffectState::Pending)
            .copied()
            .unwrap_or(0)
            == 0;
        if done >= appeals && idle {
            break;
        }
        if started.elapsed() > StdDuration::from_secs(1800) {
            anyhow::bail!("did not finish in 30 minutes ({done} of {appeals} completed)");
        }
        let spent = tick.elapsed();
        if spent < pass_every {
            tokio::time::sleep(pass_every - spent).await;
        }
    }
    let elapsed = started.elapsed();
    let after = w.sim.state().counters();
    let calls = by_endpoint(&before, &after);
    let total: u64 = calls.values().sum();
    let completed = w.appeals_with(AppealStatus::Completed).await?.len() as f64;
    println!(
        "== (1) Reddit calls per handled treatment appeal ({completed} appeals, {reminded} with a reminder)"
    );
    for (ep, n) in &calls {
        println!(
            "   {ep:<10} {n:>6}   {:>5.2} per appeal",
            *n as f64 / completed
        );
    }
    println!(
        "   {:<10} {total:>6}   {:>5.2} per appeal, the passes' list calls included",
        "total",
        total as f64 / completed
    );
    // The ceiling (about 916 an hour) counts a pass's list call apart from the
    // appeals, as the cost of polling whatever arrives: the budget per appeal is the rest.
    let lists = calls.get("list").copied().unwrap_or(0);
    println!(
        "   {:<10} {:>6}   {:>5.2} per appeal without the passes' list calls (target <= 6.2)",
        "appeals",
        total - lists,
        (total - lists) as f64 / completed
    );
    let reddit_hours = elapsed.as_secs_f64() * scale as f64 / 3600.0;
    println!(
        "== (3) throughput at 100 requests/minute (time scaled x{scale}: window {} s, pass every {} ms)",
        (60 / scale).max(1),
        pass_every.as_millis()
    );
    println!(
        "   {completed} appeals in {:.1} s real = {:.3} Reddit-hours -> {:.0} appeals/hour (target >= 870, ceiling about 916)",
        elapsed.as_secs_f64(),
        reddit_hours,
        completed / reddit_hours
    );
    println!(
        "   429 responses: {}   highest x-ratelimit-used: {}   lowest x-ratelimit-remaining: {:?}",
        after.rate_limited - before.rate_limited,
        after.max_used,
        after.min_remaining
    );
    Ok(())
}

/// (2): cost of an idle started pass with `n` tracked appellants.
async fn idle_pass(n: usize) -> anyhow::Result<(f64, f64, f64)> {
    let db = TestDb::sqlite().await;
    let o = WorldOptions {
        rate_budget: 1_000_000,
        ..options(10)
    };
    let w = World::start(db.store.clone(), &db.url, o).await?;
    let now = w.clock.now();
    for i in 0..n {
        let sub = SUBS[i % SUBS.len()];
        let user = format!("tracked_{i}");
        w.sim
            .state()
            .ban(BanRequest {
                subreddit: sub.into(),
                user: user.clone(),
                note: "rule 1".into(),
                send_message: false,
                ..BanRequest::default()
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let conv = ConversationId::parse(&format!("t{i:x}"))?;
        let c = w
            .store
            .record_contact(
                &SubredditName::parse(sub)?,
                &RedditUsername::parse(&user)?,
                &conv,
                || Group::Treatment,
                now,
            )
            .await?;
        w.store.mark_conversation_visited(&conv, now, None).await?;
        let update = StatusUpdate {
            still_banned: Some(true),
            last_update: Some(now),
            next_ban_check_at: Some(now + Duration::hours(6)),
            ..Default::default()
        };
        w.store
            .update_appellant(c.appellant.id, &update, now)
            .await?;
    }
    let count = |c: &Counters| c.total - c.calls_of(Endpoint::Token);
    // Nothing changed and no ban check due.
    let mut quiet = 0;
    for _ in 0..5 {
        let b = w.sim.state().counters();
        w.started.run_once().await?;
        quiet += count(&w.sim.state().counters()) - count(&b);
    }
    // Steady state: every ban check is due (past the minimum interval); the schedule spends
    // a fixed number of checks per pass, whatever the population.
    w.advance(Duration::hours(7));
    let mut steady = 0;
    let passes = 20;
    for _ in 0..passes {
        let b = w.sim.state().counters();
        w.started.run_once().await?;
        steady += count(&w.sim.state().counters()) - count(&b);
        w.advance(Duration::minutes(1));
    }
    // An idle recent pass for comparison: one modmail list request. The first pass of a
    // world catches its subreddits up (they were never listed), so it goes first.
    w.recent.run_once().await?;
    let b = w.sim.state().counters();
    w.recent.run_once().await?;
    let recent = count(&w.sim.state().counters()) - count(&b);
    Ok((
        quiet as f64 / 5.0,
        steady as f64 / passes as f64,
        recent as f64,
    ))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let scale = arg("--scale", 10).clamp(1, 60);
    let appeals = arg("--appeals", 150) as usize;
    throughput(scale, appeals).await?;
    println!("== (2) Reddit calls per idle started pass");
    let mut steady = Vec::new();
    for n in [1_000, 10_000] {
        let t = Instant::now();
        let (quiet, s, recent) = idle_pass(n).await?;
        println!(
            "   {n:>6} tracked appellants: {quiet:.1} calls (nothing due), {s:.1} calls (ban-check schedule running); idle recent pass: {recent} call(s)   [setup+run {:.1} s]",
            t.elapsed().as_secs_f64()
        );
        steady.push(s);
    }
    println!(
        "   ratio 10,000 / 1,000 with the ban-check schedule running: {:.2} (target <= 1.1)",
        steady[1] / steady[0].max(f64::MIN_POSITIVE)
    );
    Ok(())
}
