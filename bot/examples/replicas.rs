//! Chaos across runner replicas, on PostgreSQL: three replicas of each runner share two bot
//! accounts through leases in the database, while replicas are killed at random (their
//! tasks aborted mid-call, nothing cleaned up: what `kill -9` leaves) and restarted, and
//! Reddit misbehaves (5xx before and after applying, dropped connections after applying,
//! writes that land after the client gave up, 429s). Then the simulator's ledger is counted
//! against the journal, per conversation: duplicates and losses; and the takeover time of
//! each killed replica's work (from the kill to another replica holding its lease) is
//! printed.
//!
//! Real time: the runners' lease (`--lease` seconds, default 3) and the journal's settle
//! and lease times run on the wall clock, as they would in production.
//!
//!     cargo run --release -p appealmod-bot --example replicas [-- --secs 60 --appellants 40 --seed 3 --lease 3]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use appealmod_bot::replicas::Replica;
use appealmod_shared::config::Config;
use appealmod_shared::domain::{AppealStatus, RedditUsername};
use appealmod_shared::storage::ServingAccount;
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::arg;
use appealmod_testkit::chaos::{self, FaultDraw};
use appealmod_testkit::ledger::compare;
use appealmod_testkit::world::{World, WorldOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SECOND: &str = "second_bot";
/// Subreddits of the default account, then of the second.
const SUBS: [&str; 4] = ["rc_a", "rc_b", "rc_c", "rc_d"];
const KINDS: [&str; 2] = ["recent", "started"];
const REPLICAS: usize = 3;
/// Longest delay of a late write; the settle time is above it.
const LATE: StdDuration = StdDuration::from_secs(3);

fn configure(c: &mut Config) {
    c.bot.settle_secs = 6;
    c.bot.lease_secs = 6;
    c.bot.reddit_mod_notes = true;
}

fn second() -> ServingAccount {
    ServingAccount::Extra(RedditUsername::parse(SECOND).expect("a valid name"))
}

/// What happened, for the report.
#[derive(Default)]
struct Events {
    faults: BTreeMap<String, u32>,
    kills: BTreeMap<String, Instant>,
    killed: u32,
    restarts: u32,
    /// From a kill to another replica holding the killed one's lease.
    takeovers: Vec<StdDuration>,
    /// A lease taken over from a replica that was not killed (it missed its renewals).
    lapses: u32,
    pass_errors: u32,
}

/// One replica process: its lease keeper and its pass loop.
struct Process {
    id: String,
    kind: &'static str,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Process {
    /// `kill -9`: both tasks stop where they are; nothing is released.
    fn kill(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn spawn(
    w: &World,
    kind: &'static str,
    id: String,
    ttl: chrono::Duration,
    events: Arc<Mutex<Events>>,
) -> anyhow::Result<Process> {
    // A process of its own: its own clients (and rate governors) for both accounts.
    let accounts = [w.account(None).await?, w.account(Some(SECOND)).await?];
    let replica = Replica::new(
        w.store.clone(),
        kind,
        id.clone(),
        vec![ServingAccount::Default, second()],
        ttl,
        w.clock.clone(),
    );
    let held: Arc<Mutex<Vec<ServingAccount>>> = Arc::default();
    let keeper = {
        let (held, events) = (held.clone(), events.clone());
        tokio::spawn(async move {
            loop {
                let look = replica.look().await;
                record(&events, &held, look);
                tokio::time::sleep(replica.every()).await;
            }
        })
    };
    let worker = tokio::spawn(async move {
        loop {
            let mine = held.lock().unwrap_or_else(|p| p.into_inner()).clone();
            for a in mine {
                let instance = &accounts[usize::from(a != ServingAccount::Default)];
                let pass = if kind == "recent" {
                    instance.recent.run_once().await
                } else {
                    instance.started.run_once().await
                };
                if pass.is_err() {
                    events.lock().unwrap_or_else(|p| p.into_inner()).pass_errors += 1;
                }
            }
            tokio::time::sleep(StdDuration::from_millis(300)).await;
        }
    });
    Ok(Process {
        id,
        kind,
        tasks: [keeper, worker],
    })
}

/// What a look found: takeovers timed from the kill they followed, the held accounts
/// handed to the pass loop.
fn record(
    events: &Mutex<Events>,
    held: &Mutex<Vec<ServingAccount>>,
    look: anyhow::Result<appealmod_bot::replicas::Look>,
) {
    let now = Instant::now();
    let mut e = events.lock().unwrap_or_else(|p| p.into_inner());
    let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
    match look {
        Ok(look) => {
            for t in &look.took_over {
                match e.kills.get(&t.from).copied() {
                    Some(at) => e.takeovers.push(now - at),
                    None => e.lapses += 1,
                }
            }
            *held = look.held;
        }
        Err(_) => held.clear(),
    }
}

fn inject(w: &World, rng: &mut StdRng, events: &Mutex<Events>) {
    let draw = FaultDraw {
        endpoints: &chaos::ENDPOINTS,
        forbidden: false,
        max_count: 1,
        late: LATE,
    };
    let (fault, count) = chaos::inject_random(w, rng, &draw);
    *events
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .faults
        .entry(fault)
        .or_default() += count;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let secs = arg("--secs", 60);
    let target = arg("--appellants", 40) as usize;
    let ttl = chrono::Duration::seconds(arg("--lease", 3).max(1) as i64);
    let mut rng = StdRng::seed_from_u64(arg("--seed", 3));
    let db = TestDb::postgres().await;
    let o = WorldOptions {
        subreddits: SUBS[..2].iter().map(|s| s.to_string()).collect(),
        extra_bots: vec![SECOND.to_owned()],
        configure: Some(configure),
        ..WorldOptions::default()
    };
    let w = World::start(db.store.clone(), &db.url, o).await?;
    chaos::share_with_second_account(&w, &SUBS, 2, SECOND).await?;
    let events: Arc<Mutex<Events>> = Arc::default();
    let mut next_id = 0;
    let mut live: Vec<Process> = Vec::new();
    let mut restart_at: Vec<(Instant, &'static str)> = Vec::new();
    for kind in KINDS {
        for _ in 0..REPLICAS {
            next_id += 1;
            live.push(spawn(&w, kind, format!("{kind}-{next_id}"), ttl, events.clone()).await?);
        }
    }
    let mut convs = Vec::new();
    let chaos_until = Instant::now() + StdDuration::from_secs(secs);
    while Instant::now() < chaos_until {
        chaos::appellants_act(&w, &mut rng, &mut convs, target, &SUBS, "rc_user_").await?;
        for _ in 0..rng.random_range(0..3) {
            inject(&w, &mut rng, &events);
        }
        if !live.is_empty() && rng.random_bool(0.25) {
            let p = live.remove(rng.random_range(0..live.len()));
            p.kill();
            let mut e = events.lock().unwrap_or_else(|p| p.into_inner());
            e.kills.insert(p.id.clone(), Instant::now());
            e.killed += 1;
            let back = StdDuration::from_millis(rng.random_range(0..4_000));
            restart_at.push((Instant::now() + back, p.kind));
        }
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = restart_at.into_iter().partition(|(t, _)| *t <= now);
        restart_at = later;
        for (_, kind) in due {
            next_id += 1;
            live.push(spawn(&w, kind, format!("{kind}-{next_id}"), ttl, events.clone()).await?);
            events.lock().unwrap_or_else(|p| p.into_inner()).restarts += 1;
        }
        tokio::time::sleep(StdDuration::from_secs(1)).await;
    }
    // Reddit recovers and the killed replicas are back: everything settles.
    w.sim.state().clear_faults();
    for (_, kind) in restart_at {
        next_id += 1;
        live.push(spawn(&w, kind, format!("{kind}-{next_id}"), ttl, events.clone()).await?);
    }
    let deadline = Instant::now() + StdDuration::from_secs(240);
    while !chaos::settled(&w, &convs).await? {
        anyhow::ensure!(Instant::now() < deadline, "did not settle in 4 minutes");
        tokio::time::sleep(StdDuration::from_secs(1)).await;
    }
    // A few more passes: nothing else may be written.
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    for p in &live {
        p.kill();
    }
    report(&w, &convs, &events, ttl).await
}

async fn report(
    w: &World,
    convs: &[String],
    events: &Mutex<Events>,
    ttl: chrono::Duration,
) -> anyhow::Result<()> {
    let e = std::mem::take(&mut *events.lock().unwrap_or_else(|p| p.into_inner()));
    println!(
        "== {REPLICAS} replicas of each runner, 2 bot accounts, PostgreSQL, runner lease {} s",
        ttl.num_seconds()
    );
    println!("== fault schedule");
    for (what, n) in &e.faults {
        println!("   {n:>3} × {what}");
    }
    println!(
        "   {} replicas killed (tasks aborted mid-call), {} restarted; {} failed passes (retried)",
        e.killed, e.restarts, e.pass_errors
    );
    let max = e.takeovers.iter().max().copied().unwrap_or_default();
    let mean = e.takeovers.iter().sum::<StdDuration>() / (e.takeovers.len().max(1) as u32);
    println!(
        "== takeover after kill -9: {} leases taken over, mean {:.1} s, max {:.1} s (goal: within two lease periods, {} s); {} taken over from a live replica that missed its renewals",
        e.takeovers.len(),
        mean.as_secs_f64(),
        max.as_secs_f64(),
        2 * ttl.num_seconds(),
        e.lapses
    );
    let c = compare(w, convs).await?;
    for m in &c.mismatches {
        println!("   MISMATCH {m}");
    }
    let t = c.total;
    println!(
        "== {} conversations ({} appeals completed): {} replies, {} notes, {} archives, {} unarchives, {} mod notes; duplicates {}, losses {}",
        convs.len(),
        w.appeals_with(AppealStatus::Completed).await?.len(),
        t.replies,
        t.notes,
        t.archives,
        t.unarchives,
        t.mod_notes,
        c.duplicates,
        c.losses
    );
    anyhow::ensure!(c.duplicates == 0 && c.losses == 0, "duplicates or losses");
    anyhow::ensure!(
        max.as_secs_f64() <= 2.0 * ttl.num_seconds() as f64,
        "a takeover took longer than two lease periods"
    );
    Ok(())
}
