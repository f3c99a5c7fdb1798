//! Scale and reaction benchmark: the unchanged runners against the Reddit simulator over
//! HTTP, on SQLite.
//!
//! Prints (1) for 100, 1,000, 5,000 and 50,000 enabled subreddits with 10,000 tracked
//! appellants: Reddit calls and wall time of an idle recent pass and an idle started pass,
//! the process's resident memory, and the list calls of the first pass (every subreddit
//! caught up at once); (2) the list calls of a recent pass after N new conversations
//! (goal ⌈N/100⌉ + 1); (3) catching up one newly signed-up subreddit with a listing of its
//! own against what the listing without `entity` would cost from the same point; (4) the
//! time from a user's first message to the bot's reply, p50 and p99 over 200 appeals across
//! 100 subreddits, with the recent runner polling every `--poll` seconds; (5) the Reddit
//! calls of a recent pass that meets banned users who answer their ban notice, who open a
//! conversation of their own (their notice found in `user.recentConvos` and read), and who
//! do so without any notice to find; (6) the peak resident memory (the kernel's `VmHWM`)
//! of the real `appealmod recent` and `appealmod started` binaries, each a process of its
//! own against the simulator, on a SQLite database seeded with `--memory-subreddits`
//! (50,000) active subreddits and `--memory-appellants` (100,000) followed appellants.
//!
//! The resident memory printed in (1) is that of this whole process, which also runs the
//! simulator and SQLite: an upper bound for a runner on its own; (6) measures a runner
//! alone. (6) needs the release binary: `cargo build --release -p appealmod-bot --bin
//! appealmod` first.
//!
//!     cargo run --release -p appealmod-bot --example scale [-- --appellants 10000 --poll 2]
//!
//! `--idle 0`, `--catch-up 0`, `--reaction 0`, `--user-started 0`, `--memory 0` skip a
//! part.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::storage::StatusUpdate;
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::{arg, random_key, runner_binary};
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reddit_sim::{Counters, Endpoint, LedgerKind, NewSubreddit, UserMessage};

/// Figures of `/proc/<process>/status` (`self` or a pid), each in MiB (Linux; 0 when not
/// there).
fn status_mib<const N: usize>(process: &str, keys: [&str; N]) -> [f64; N] {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).unwrap_or_default();
    keys.map(|key| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    })
}

/// Resident and peak resident memory of this process, in MiB (Linux).
fn rss_mib() -> (f64, f64) {
    let [rss, peak] = status_mib("self", ["VmRSS:", "VmHWM:"]);
    (rss, peak)
}

fn sub_name(i: usize) -> String {
    format!("scale_sub_{i:05}")
}

async fn world_with(subs: usize) -> anyhow::Result<(TestDb, World)> {
    let db = TestDb::sqlite().await;
    let o = WorldOptions {
        subreddits: Vec::new(),
        rate_budget: 10_000_000,
        ..WorldOptions::default()
    };
    let w = World::start(db.store.clone(), &db.url, o).await?;
    let now = w.clock.now();
    for i in 0..subs {
        let name = sub_name(i);
        w.sim
            .state()
            .add_subreddit(NewSubreddit {
                name: name.clone(),
                moderators: vec![HUMAN_MOD.to_owned()],
                bot_is_mod: true,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        w.store
            .ensure_subreddit(&SubredditName::parse(&name)?, now)
            .await?;
    }
    Ok((db, w))
}

/// Appellants the started runner follows, spread over the subreddits, none due for a check.
async fn track(w: &World, subs: usize, n: usize) -> anyhow::Result<()> {
    let now = w.clock.now();
    for i in 0..n {
        let sub = SubredditName::parse(&sub_name(i % subs))?;
        let conv = ConversationId::parse(&format!("t{i:x}"))?;
        let c = w
            .store
            .record_contact(
                &sub,
                &RedditUsername::parse(&format!("tracked_{i}"))?,
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
    Ok(())
}

fn calls(c: &Counters) -> u64 {
    c.total - c.calls_of(Endpoint::Token)
}

fn lists(before: &Counters, after: &Counters) -> u64 {
    after.calls_of(Endpoint::List) - before.calls_of(Endpoint::List)
}

/// (1): one world per size. The first recent pass catches every subreddit up at once (they
/// were all signed up together); passes are measured after it and one started pass.
async fn idle(subs: usize, appellants: usize) -> anyhow::Result<()> {
    let t = Instant::now();
    let (_db, w) = world_with(subs).await?;
    track(&w, subs, appellants).await?;
    let setup = t.elapsed();
    let before = w.sim.state().counters();
    let t = Instant::now();
    w.recent.run_once().await?;
    let (first, first_s) = (
        lists(&before, &w.sim.state().counters()),
        t.elapsed().as_secs_f64(),
    );
    w.started.run_once().await?;
    let (recent_calls, recent_ms) = measure(&w, true).await?;
    let (started_calls, started_ms) = measure(&w, false).await?;
    let (rss, peak) = rss_mib();
    println!(
        "   {subs:>6} subreddits, {appellants} appellants: idle recent pass {recent_calls} calls, {recent_ms:.0} ms; idle started pass {started_calls} calls, {started_ms:.0} ms; RSS {rss:.1} MiB (peak {peak:.1})   [first pass, all caught up at once: {first} list calls, {first_s:.1} s; setup {:.1} s]",
        setup.as_secs_f64()
    );
    Ok(())
}

/// A conversation a user who is not banned starts: the bot reads it and leaves it.
fn plain_message(w: &World, sub: &str, user: &str) -> anyhow::Result<()> {
    w.sim
        .state()
        .user_message(UserMessage {
            subreddit: sub.to_owned(),
            user: user.to_owned(),
            body: "a question".into(),
            subject: Some("question".into()),
            conversation_id: None,
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// (2): after N new conversations spread over the subreddits, one recent pass: its list
/// calls (goal ⌈N/100⌉ + 1) and reads (one per new conversation).
async fn catch_up_after(subs: usize, batches: &[usize]) -> anyhow::Result<()> {
    let (_db, w) = world_with(subs).await?;
    w.recent.run_once().await?;
    w.recent.run_once().await?;
    for (round, &n) in batches.iter().enumerate() {
        for i in 0..n {
            let sub = sub_name(i * 7_919 % subs);
            plain_message(&w, &sub, &format!("asker_{round}_{i}"))?;
        }
        let before = w.sim.state().counters();
        let t = Instant::now();
        w.recent.run_once().await?;
        let after = w.sim.state().counters();
        let gets = after.calls_of(Endpoint::Get) - before.calls_of(Endpoint::Get);
        println!(
            "   {n:>5} new conversations over {subs} subreddits: {} list calls (goal ⌈N/100⌉ + 1 = {}), {gets} reads, {:.0} ms",
            lists(&before, &after),
            n.div_ceil(100) + 1,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

/// (3): a busy account (`busy` conversations over the served subreddits since the cutoff,
/// already handled) signs up one more subreddit, whose modmail holds `m` conversations
/// written before. The pass that serves it: its list calls (the account listing and the
/// new subreddit's own); then what catching it up without `entity`, from the same point,
/// would have cost.
async fn new_subreddit(subs: usize, busy: usize, m: usize) -> anyhow::Result<()> {
    let (_db, w) = world_with(subs).await?;
    w.recent.run_once().await?;
    for i in 0..busy {
        plain_message(&w, &sub_name(i * 7_919 % subs), &format!("busy_{i}"))?;
    }
    while w.recent.run_once().await?.fetched > 0 {}
    let name = "scale_newcomer";
    w.sim
        .state()
        .add_subreddit(NewSubreddit {
            name: name.to_owned(),
            moderators: vec![HUMAN_MOD.to_owned()],
            bot_is_mod: true,
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for i in 0..m {
        plain_message(&w, name, &format!("early_{i}"))?;
    }
    w.recent.run_once().await?;
    w.store
        .ensure_subreddit(&SubredditName::parse(name)?, w.clock.now())
        .await?;
    let before = w.sim.state().counters();
    let r = w.recent.run_once().await?;
    let with_entity = lists(&before, &w.sim.state().counters());
    let cutoff = w.clock.now() - Duration::days(i64::from(w.config.bot.update_cutoff));
    let without = w
        .ctx
        .reddit
        .list_changed_since(&[], Some(cutoff), 10_000)
        .await?;
    println!(
        "   one subreddit signed up with {m} earlier conversations, {busy} others' since the cutoff, {subs} subreddits: {with_entity} list calls (the account listing + 1 of its own), {} read; without entity from the cutoff it would take {} list calls",
        r.fetched, without.pages
    );
    Ok(())
}

/// Calls and wall time of one pass (averaged over 3).
async fn measure(w: &World, recent: bool) -> anyhow::Result<(f64, f64)> {
    let before = w.sim.state().counters();
    let t = Instant::now();
    for _ in 0..3 {
        if recent {
            w.recent.run_once().await?;
        } else {
            w.started.run_once().await?;
        }
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / 3.0;
    let n = calls(&w.sim.state().counters()) - calls(&before);
    Ok((n as f64 / 3.0, ms))
}

/// (2): users write at random moments over `spread`; the recent runner polls every `poll`.
async fn reaction(appeals: usize, subs: usize, poll: StdDuration) -> anyhow::Result<()> {
    let (_db, w) = world_with(subs).await?;
    let w = Arc::new(w);
    let stop = Arc::new(AtomicBool::new(false));
    let runner = {
        let (w, stop) = (w.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match w.recent.run_once().await {
                    Err(e) => eprintln!("pass failed: {e:#}"),
                    Ok(r) if std::env::var_os("SCALE_DEBUG").is_some() => eprintln!(
                        "pass {:.0} ms: listed {} fetched {} decided {} sent {:?} errors {} parked {}",
                        t.elapsed().as_secs_f64() * 1000.0,
                        r.listed,
                        r.fetched,
                        r.decided.len(),
                        r.sent,
                        r.errors,
                        r.parked
                    ),
                    Ok(_) => {}
                }
                tokio::time::sleep(poll.saturating_sub(t.elapsed())).await;
            }
        })
    };
    let mut rng = StdRng::seed_from_u64(11);
    let spread = StdDuration::from_secs(20);
    let t0 = Instant::now();
    let mut schedule: Vec<StdDuration> = (0..appeals)
        .map(|_| spread.mul_f64(rng.random::<f64>()))
        .collect();
    schedule.sort();
    // Posted and not yet answered, and how long each answer took: checked every 20 ms
    // while users keep writing.
    let mut pending: HashMap<String, Instant> = HashMap::new();
    let mut waited: Vec<f64> = Vec::new();
    let mut next = schedule.into_iter().enumerate().peekable();
    let deadline = t0 + spread + StdDuration::from_secs(60);
    while (next.peek().is_some() || !pending.is_empty()) && Instant::now() < deadline {
        while let Some((i, _)) = next.next_if(|(_, at)| *at <= t0.elapsed()) {
            let conv = w.ban_and_write(
                &sub_name(i % subs),
                &format!("writer_{i}"),
                "Please unban me",
            )?;
            pending.insert(conv, Instant::now());
        }
        let answered: Vec<String> = pending
            .keys()
            .filter(|c| {
                w.sim
                    .state()
                    .ledger_for(c)
                    .iter()
                    .any(|e| e.kind == LedgerKind::Reply)
            })
            .cloned()
            .collect();
        for c in answered {
            if let Some(at) = pending.remove(&c) {
                waited.push(at.elapsed().as_secs_f64());
            }
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    runner.await?;
    waited.sort_by(f64::total_cmp);
    let pct = |p: f64| waited[((waited.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "   {} of {appeals} replied; first message → reply: p50 {:.2} s, p99 {:.2} s, max {:.2} s (poll {} s; goal p99 <= poll + 2 s)",
        waited.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
        poll.as_secs()
    );
    Ok(())
}

/// (5): `n` banned users of each kind write; one recent pass handles them all (each starts
/// an appeal). Its reads of a conversation and of the ban list, per conversation.
async fn user_started(n: usize) -> anyhow::Result<()> {
    let (_db, w) = world_with(10).await?;
    w.recent.run_once().await?;
    let ban = |user: &str, send_message: bool| {
        w.sim
            .state()
            .ban(reddit_sim::BanRequest {
                subreddit: sub_name(0),
                user: user.to_owned(),
                note: "rule 2".into(),
                reason: Some("Spam in three threads".into()),
                duration_days: None,
                send_message,
                moderator: None,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let write = |user: &str, conversation_id: Option<String>| {
        w.sim
            .state()
            .user_message(UserMessage {
                subreddit: sub_name(0),
                user: user.to_owned(),
                body: "Please unban me".into(),
                subject: conversation_id.is_none().then(|| "unban".to_owned()),
                conversation_id,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let kinds = [
        "answer their ban notice",
        "open a conversation of their own (notice found)",
        "open a conversation of their own (no notice sent)",
    ];
    for (k, kind) in kinds.iter().enumerate() {
        for i in 0..n {
            let user = format!("appellant_{k}_{i}");
            let notice = ban(&user, k != 2)?.conversation_id;
            write(&user, if k == 0 { notice } else { None })?;
        }
        let before = w.sim.state().counters();
        let r = w.recent.run_once().await?;
        let after = w.sim.state().counters();
        let per = |ep: Endpoint| (after.calls_of(ep) - before.calls_of(ep)) as f64 / n as f64;
        let started = r
            .decided
            .iter()
            .filter(|s| **s == appealmod_core::decide::Step::StartAppeal)
            .count();
        println!(
            "   {n} users who {kind}: {started} appeals started; per conversation {:.2} conversation reads, {:.2} ban-list reads",
            per(Endpoint::Get),
            per(Endpoint::Banned),
        );
        while !w.recent.run_once().await?.is_idle() {}
    }
    Ok(())
}

/// Of process `pid`'s resident memory now, in MiB: anonymous (heap, stacks) and file-backed
/// (the binary's pages, mapped files) (Linux).
fn rss_parts_of(pid: u32) -> (f64, f64) {
    let [anon, file] = status_mib(&pid.to_string(), ["RssAnon:", "RssFile:"]);
    (anon, file)
}

/// Resident and peak resident memory of process `pid`, in MiB (Linux).
fn rss_of(pid: u32) -> (f64, f64) {
    let [rss, peak] = status_mib(&pid.to_string(), ["VmRSS:", "VmHWM:"]);
    (rss, peak)
}

/// The configuration a runner process gets: the world's simulator and database.
fn runner_config(sim_url: &str, db_url: &str, logs: &std::path::Path) -> String {
    format!(
        "reddit:\n  username: {bot}\n  password: sandbox-password\n  client_id: sandbox-client\n  \
         client_secret: sandbox-secret\n  user_agent: \"rust:appealmod-scale:v0.1.0 (by /u/appealmod_scale)\"\n  \
         auth_base_url: {sim_url}\n  api_base_url: {sim_url}\n  request_timeout_secs: 30\n\
         database:\n  url: {db_url}\n  max_connections: 5\n\
         bot:\n  dialogue_update_interval: 1\n  subreddits: []\n\
         web:\n  public_base_url: http://127.0.0.1:8080\n  link_secret: {key}\n  session_key: {key}\n\
         logging:\n  level: warn\n  console: human\n  file_dir: {logs}\n",
        bot = appealmod_testkit::world::BOT,
        key = random_key(),
        logs = logs.display(),
    )
}

/// Waits for `done` (checked every 100 ms) for at most `limit`.
async fn wait_for<F, Fut>(limit: StdDuration, mut done: F) -> anyhow::Result<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let t = Instant::now();
    while t.elapsed() < limit {
        if done().await? {
            return Ok(true);
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    Ok(false)
}

/// (6): each runner as a process of its own on a seeded database. The recent runner is
/// measured over its first pass (every subreddit caught up at once) and `passes` idle
/// passes after it, then restarted for `passes` idle passes; the started runner over
/// `passes` seconds (one pass a second).
async fn runner_memory(subs: usize, appellants: usize, passes: u64) -> anyhow::Result<()> {
    let Some(bin) = runner_binary() else {
        println!(
            "   skipped: build the runner first (cargo build --release -p appealmod-bot --bin appealmod)"
        );
        return Ok(());
    };
    let t = Instant::now();
    let (db, w) = world_with(subs).await?;
    track(&w, subs, appellants).await?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        runner_config(&w.sim.base_url(), &db.url, dir.path()),
    )?;
    println!(
        "   seeded {subs} subreddits and {appellants} followed appellants in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    // The recent runner twice: its first run catches every subreddit up at once (all
    // signed up together, none with a cursor yet), the second starts where that one
    // stopped, as a restart or any later day does.
    for (kind, phase) in [
        (
            "recent",
            "first run: every subreddit caught up, then idle passes",
        ),
        ("recent", "restarted: idle passes"),
        ("started", "idle passes"),
    ] {
        let log = std::fs::File::create(dir.path().join(format!("{kind}.out")))?;
        // `SCALE_RUNNER_WRAPPER=heaptrack` runs each runner under a profiler (its pid is
        // then the wrapper's: the figures printed are not the runner's).
        let mut command = match std::env::var("SCALE_RUNNER_WRAPPER") {
            Ok(wrapper) => {
                let mut c = std::process::Command::new(wrapper);
                c.arg(&bin);
                c
            }
            Err(_) => std::process::Command::new(&bin),
        };
        let mut child = command
            .args([kind, "--config"])
            .arg(&config)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let pid = child.id();
        let t = Instant::now();
        let limit = StdDuration::from_secs(600);
        let ran = if kind == "recent" {
            // Caught up: every subreddit has its cursor; then `passes` idle listings.
            let caught = wait_for(limit, || async {
                Ok(w.store.cursors_with_prefix("modmail/r/").await?.len() >= subs)
            })
            .await?;
            let lists = w.sim.state().counters().calls_of(Endpoint::List);
            caught
                && wait_for(limit, || async {
                    Ok(w.sim.state().counters().calls_of(Endpoint::List) >= lists + passes)
                })
                .await?
        } else {
            tokio::time::sleep(StdDuration::from_secs(passes)).await;
            true
        };
        let (rss, peak) = rss_of(pid);
        let (anon, file) = rss_parts_of(pid);
        let alive = child.try_wait()?.is_none();
        child.kill()?;
        child.wait()?;
        println!(
            "   appealmod {kind} ({phase}): peak RSS {peak:.1} MiB (VmHWM), RSS {rss:.1} MiB at the end ({anon:.1} anonymous, {file:.1} file-backed); {:.0} s{}{}",
            t.elapsed().as_secs_f64(),
            if ran { "" } else { " (did not finish in time)" },
            if alive {
                ""
            } else {
                " (the process had exited: see its log)"
            },
        );
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let appellants = arg("--appellants", 10_000) as usize;
    let poll = StdDuration::from_secs(arg("--poll", 2).max(1));
    if arg("--idle", 1) == 1 {
        println!("== (1) idle passes");
        for subs in [100, 1_000, 5_000, 50_000] {
            idle(subs, appellants).await?;
        }
    }
    if arg("--catch-up", 1) == 1 {
        println!("== (2) a recent pass after N new conversations");
        catch_up_after(5_000, &[1, 50, 99, 100, 250, 1_000, 1_900]).await?;
        println!("== (3) catching up a newly signed-up subreddit");
        new_subreddit(5_000, 1_500, 30).await?;
    }
    if arg("--reaction", 1) == 1 {
        println!("== (4) reaction time");
        reaction(200, 100, poll).await?;
    }
    if arg("--user-started", 1) == 1 {
        println!("== (5) Reddit calls of banned users who write");
        user_started(100).await?;
    }
    if arg("--memory", 1) == 1 {
        println!("== (6) one runner's memory, as a process of its own");
        runner_memory(
            arg("--memory-subreddits", 50_000) as usize,
            arg("--memory-appellants", 100_000) as usize,
            5,
        )
        .await?;
    }
    Ok(())
}
