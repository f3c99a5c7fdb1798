//! `kill -9` of real runner processes, on PostgreSQL: three `appealmod recent` and three
//! `appealmod started` processes (the release binary, each a process of its own) share two
//! bot accounts through leases in the database, while appellants write, processes are
//! killed with SIGKILL at random (one whose runner has another process up) and restarted
//! 0–4 s later, and Reddit misbehaves (5xx before and after applying, dropped connections
//! after applying, writes that land after the client gave up, 429s). Then every process is
//! killed, one fresh process of each runner takes the leases over, finishes the work and
//! stops cleanly (SIGTERM), and the report prints: kills and restarts, the time from each
//! SIGKILL to another process holding each lease the killed one held (min, median, max,
//! against the lease period), and the simulator's ledger counted against the journal per
//! conversation: duplicates and losses (both must be 0).
//!
//! Real time throughout: the runner lease (`--lease` seconds, default 6, the shortest the
//! configuration takes), the passes (every second) and the journal's settle and lease times
//! run on the wall clock, as in production. It needs the release binary: `cargo build
//! --release -p appealmod-bot --bin appealmod` first.
//!
//!     cargo run --release -p appealmod-bot --example takeover [-- --secs 60 --seed 3 --lease 6]
//!
//! `--appellants N` (default 40) caps the appellants; `--keep-logs 1` keeps the processes'
//! logs and prints where they are.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use appealmod_shared::config::Config;
use appealmod_shared::domain::AppealStatus;
use appealmod_shared::storage::Store;
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::{arg, random_key, runner_binary};
use appealmod_testkit::chaos::{self, FaultDraw};
use appealmod_testkit::ledger::compare;
use appealmod_testkit::world::{BOT, World, WorldOptions, extra_bot};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SECOND: &str = "second_bot";
/// Subreddits of the default account, then of the second.
const SUBS: [&str; 4] = ["tk_a", "tk_b", "tk_c", "tk_d"];
const KINDS: [&str; 2] = ["recent", "started"];
const REPLICAS: usize = 3;
/// The default account and the second.
const ACCOUNTS: usize = 2;
/// Longest delay of a late write; the settle time is above it, the request timeout below.
const LATE: StdDuration = StdDuration::from_secs(3);

/// The configuration every process gets: both accounts, the world's simulator and
/// database, passes every second, the runner lease, journal times as the in-process chaos
/// benchmark has them (settle above the late writes' delay).
fn config_text(sim_url: &str, db_url: &str, lease: u64) -> String {
    let b = extra_bot(SECOND);
    format!(
        "reddit:\n  username: {BOT}\n  password: sandbox-password\n  client_id: sandbox-client\n  \
         client_secret: sandbox-secret\n  auth_base_url: {sim_url}\n  api_base_url: {sim_url}\n  \
         request_timeout_secs: 2\n  accounts:\n    - username: {}\n      password: {}\n      \
         client_id: {}\n      client_secret: {}\n\
         database:\n  url: {db_url}\n  max_connections: 4\n\
         bot:\n  dialogue_update_interval: 1\n  runner_lease_secs: {lease}\n  \
         treatment_fraction: 1.0\n  settle_secs: 6\n  lease_secs: 6\n  reddit_mod_notes: true\n  \
         subreddits: [{}, {}]\n\
         web:\n  public_base_url: http://127.0.0.1:8080\n  link_secret: {key}\n  session_key: {key}\n\
         logging:\n  level: info\n  console: human\n  file_dir: null\n",
        b.username,
        b.password,
        b.client_id,
        b.client_secret,
        SUBS[0],
        SUBS[1],
        key = random_key(),
    )
}

fn configure(c: &mut Config) {
    c.bot.settle_secs = 6;
    c.bot.lease_secs = 6;
    c.bot.reddit_mod_notes = true;
}

/// The process id in a replica id (`<host>-<pid>-<random>`; the host may hold dashes).
fn pid_of(replica: &str) -> Option<u32> {
    replica.rsplit('-').nth(1)?.parse().ok()
}

/// One runner process.
struct Proc {
    kind: &'static str,
    child: Child,
}

/// Every runner process started, the live ones, and their logs; all are killed (and
/// reaped) however the benchmark ends.
struct Fleet {
    bin: PathBuf,
    config: PathBuf,
    dir: PathBuf,
    live: Vec<Proc>,
    logs: Vec<PathBuf>,
    /// Every process killed with SIGKILL.
    killed: HashSet<u32>,
}

impl Fleet {
    fn spawn(&mut self, kind: &'static str) -> anyhow::Result<()> {
        let log = self
            .dir
            .join(format!("{kind}-{:02}.log", self.logs.len() + 1));
        let file = std::fs::File::create(&log)?;
        let child = Command::new(&self.bin)
            .args([kind, "--config"])
            .arg(&self.config)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()?;
        self.live.push(Proc { kind, child });
        self.logs.push(log);
        Ok(())
    }

    fn count(&self, kind: &str) -> usize {
        self.live.iter().filter(|p| p.kind == kind).count()
    }

    /// `kill -9` of the `i`th live process; its pid.
    fn kill(&mut self, i: usize) -> (u32, &'static str) {
        let mut p = self.live.remove(i);
        let pid = p.child.id();
        let _ = p.child.kill();
        let _ = p.child.wait();
        self.killed.insert(pid);
        (pid, p.kind)
    }

    /// SIGTERM to every live process, then its exit within `limit` (SIGKILL after that):
    /// how many stopped cleanly (exit code 0).
    fn stop(&mut self, limit: StdDuration) -> usize {
        let mut clean = 0;
        for mut p in std::mem::take(&mut self.live) {
            let _ = Command::new("kill")
                .args(["-TERM", &p.child.id().to_string()])
                .status();
            let t = Instant::now();
            let status = loop {
                match p.child.try_wait() {
                    Ok(Some(s)) => break Some(s),
                    Ok(None) if t.elapsed() < limit => {
                        std::thread::sleep(StdDuration::from_millis(50));
                    }
                    _ => break None,
                }
            };
            match status {
                Some(s) if s.success() => clean += 1,
                _ => {
                    let _ = p.child.kill();
                    let _ = p.child.wait();
                }
            }
        }
        clean
    }

    /// The takeovers the processes logged, and how many of them were from a process that
    /// was not killed (a live one that missed its renewals).
    fn logged_takeovers(&self) -> (usize, usize) {
        let from: Vec<Option<u32>> = self
            .logs
            .iter()
            .map(|l| std::fs::read_to_string(l).unwrap_or_default())
            .flat_map(|t| {
                t.lines()
                    .filter(|l| l.contains("took over the work"))
                    .map(|l| {
                        l.split("from=\"")
                            .nth(1)?
                            .split('"')
                            .next()
                            .and_then(pid_of)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let lapses = from
            .iter()
            .filter(|p| !p.is_some_and(|p| self.killed.contains(&p)))
            .count();
        (from.len(), lapses)
    }

    /// Lines of every process's log that contain `what`.
    fn log_lines(&self, what: &str) -> usize {
        self.logs
            .iter()
            .map(|l| std::fs::read_to_string(l).unwrap_or_default())
            .map(|t| t.lines().filter(|l| l.contains(what)).count())
            .sum()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for p in &mut self.live {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

/// A lease a killed process held, waiting for another process to hold it.
struct Orphan {
    scope: String,
    from: u32,
    killed_at: Instant,
}

/// What happened, for the report.
#[derive(Default)]
struct Events {
    faults: BTreeMap<String, u32>,
    kills: BTreeMap<&'static str, u32>,
    /// Kills of a process that held no lease (a standby, or one still starting).
    kills_of_standbys: u32,
    restarts: u32,
    orphans: Vec<Orphan>,
    /// From a SIGKILL to another process holding one of the killed one's leases.
    takeovers: Vec<StdDuration>,
}

/// Every lease scope (`<kind>/<account>`) with its live holder's pid.
async fn holders(store: &Store) -> anyhow::Result<HashMap<String, u32>> {
    let now = chrono::Utc::now();
    let mut out = HashMap::new();
    for kind in KINDS {
        for (label, holder) in store.live_leases(&format!("{kind}/"), now).await? {
            if let Some(pid) = pid_of(&holder) {
                out.insert(format!("{kind}/{label}"), pid);
            }
        }
    }
    Ok(out)
}

/// Looks at the leases every 50 ms: an orphan held by another process is taken over.
fn watch(store: Store, events: Arc<Mutex<Events>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Ok(now) = holders(&store).await {
                let at = Instant::now();
                let mut e = events.lock().unwrap_or_else(|p| p.into_inner());
                let (done, left): (Vec<Orphan>, Vec<Orphan>) = std::mem::take(&mut e.orphans)
                    .into_iter()
                    .partition(|o| now.get(&o.scope).is_some_and(|pid| *pid != o.from));
                e.orphans = left;
                for o in done {
                    e.takeovers.push(at - o.killed_at);
                }
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    })
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

/// `kill -9` of a random live process, when another of its kind stays up to take its work
/// over; the leases it held become orphans to time. Its kind is restarted after 0–4 s.
async fn kill_one(
    w: &World,
    fleet: &mut Fleet,
    rng: &mut StdRng,
    events: &Mutex<Events>,
    restart_at: &mut Vec<(Instant, &'static str)>,
) -> anyhow::Result<()> {
    let i = rng.random_range(0..fleet.live.len());
    if fleet.count(fleet.live[i].kind) < 2 {
        return Ok(());
    }
    let (pid, kind) = fleet.kill(i);
    let killed_at = Instant::now();
    // The killed process's leases are still live in the database: nothing released them.
    let held: Vec<String> = holders(&w.store)
        .await?
        .into_iter()
        .filter(|(_, p)| *p == pid)
        .map(|(scope, _)| scope)
        .collect();
    let mut e = events.lock().unwrap_or_else(|p| p.into_inner());
    *e.kills.entry(kind).or_default() += 1;
    if held.is_empty() {
        e.kills_of_standbys += 1;
    }
    for scope in held {
        e.orphans.push(Orphan {
            scope,
            from: pid,
            killed_at,
        });
    }
    let back = StdDuration::from_millis(rng.random_range(0..4_000));
    restart_at.push((Instant::now() + back, kind));
    Ok(())
}

/// `secs` seconds of appellants, faults, kills and restarts, one round a second.
async fn chaos(
    w: &World,
    fleet: &mut Fleet,
    events: &Mutex<Events>,
    secs: u64,
    target: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<String>> {
    let mut convs = Vec::new();
    let mut restart_at: Vec<(Instant, &'static str)> = Vec::new();
    let until = Instant::now() + StdDuration::from_secs(secs);
    while Instant::now() < until {
        chaos::appellants_act(w, rng, &mut convs, target, &SUBS, "tk_user_").await?;
        for _ in 0..rng.random_range(0..3) {
            inject(w, rng, events);
        }
        if !fleet.live.is_empty() && rng.random_bool(0.3) {
            kill_one(w, fleet, rng, events, &mut restart_at).await?;
        }
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = restart_at.into_iter().partition(|(t, _)| *t <= now);
        restart_at = later;
        for (_, kind) in due {
            fleet.spawn(kind)?;
            events.lock().unwrap_or_else(|p| p.into_inner()).restarts += 1;
        }
        tokio::time::sleep(StdDuration::from_secs(1)).await;
    }
    Ok(convs)
}

/// Every process killed; Reddit recovers; one fresh process of each runner takes every
/// lease over and finishes the work, then stops cleanly.
async fn finish(
    w: &World,
    fleet: &mut Fleet,
    convs: &[String],
    lease: u64,
) -> anyhow::Result<Finish> {
    while !fleet.live.is_empty() {
        fleet.kill(0);
    }
    w.sim.state().clear_faults();
    for kind in KINDS {
        fleet.spawn(kind)?;
    }
    let t = Instant::now();
    let fresh: Vec<u32> = fleet.live.iter().map(|p| p.child.id()).collect();
    // Each runner's lease of each account, all held by the fresh processes.
    loop {
        let held = holders(&w.store).await?;
        if held.values().filter(|p| fresh.contains(p)).count() == ACCOUNTS * KINDS.len() {
            break;
        }
        anyhow::ensure!(
            t.elapsed() < StdDuration::from_secs(4 * lease),
            "the fresh processes did not take over"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let taken = t.elapsed().as_secs_f64();
    let deadline = t + StdDuration::from_secs(240);
    while !chaos::settled(w, convs).await? {
        anyhow::ensure!(Instant::now() < deadline, "did not settle in 4 minutes");
        tokio::time::sleep(StdDuration::from_secs(1)).await;
    }
    let settle = t.elapsed().as_secs_f64();
    // A few more passes: nothing else may be written.
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    let clean = fleet.stop(StdDuration::from_secs(15));
    Ok(Finish {
        taken,
        settle,
        clean,
    })
}

/// The end, from the start of the fresh processes: seconds until they held every lease and
/// until the work was settled; clean stops on SIGTERM.
struct Finish {
    taken: f64,
    settle: f64,
    clean: usize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let Some(bin) = runner_binary() else {
        anyhow::bail!(
            "build the runner first: cargo build --release -p appealmod-bot --bin appealmod"
        );
    };
    let secs = arg("--secs", 60);
    let lease = arg("--lease", 6).max(6);
    let target = arg("--appellants", 40) as usize;
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
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, config_text(&w.sim.base_url(), &db.url, lease))?;
    let mut fleet = Fleet {
        bin,
        config,
        dir: dir.path().to_owned(),
        live: Vec::new(),
        logs: Vec::new(),
        killed: HashSet::new(),
    };
    for kind in KINDS {
        for _ in 0..REPLICAS {
            fleet.spawn(kind)?;
        }
    }
    let events: Arc<Mutex<Events>> = Arc::default();
    let watcher = watch(w.store.clone(), events.clone());
    let convs = chaos(&w, &mut fleet, &events, secs, target, &mut rng).await?;
    // Takeovers after the last kills still count; give them two lease periods.
    tokio::time::sleep(StdDuration::from_secs(2 * lease)).await;
    watcher.abort();
    let end = finish(&w, &mut fleet, &convs, lease).await?;
    let e = std::mem::take(&mut *events.lock().unwrap_or_else(|p| p.into_inner()));
    let result = report(&w, &convs, &e, &fleet, lease, &end).await;
    if arg("--keep-logs", 0) == 1 {
        println!("   logs kept in {}", dir.keep().display());
    }
    result
}

fn seconds(d: StdDuration) -> f64 {
    d.as_secs_f64()
}

/// The takeover times: min, median, max, against the lease period. Whether they all
/// stayed within two lease periods.
fn print_takeovers(e: &Events, lease: u64) -> bool {
    let mut t = e.takeovers.clone();
    t.sort();
    let kills: u32 = e.kills.values().sum();
    println!(
        "== {kills} processes killed with SIGKILL ({} recent, {} started; {} of them held no lease), {} restarted",
        e.kills.get("recent").copied().unwrap_or(0),
        e.kills.get("started").copied().unwrap_or(0),
        e.kills_of_standbys,
        e.restarts
    );
    if t.is_empty() {
        println!("== takeover: no lease of a killed process to take over");
        return e.orphans.is_empty();
    }
    let (min, med, max) = (t[0], t[t.len() / 2], t[t.len() - 1]);
    println!(
        "== takeover, SIGKILL → another process holds the lease: {} leases, min {:.2} s, median {:.2} s, max {:.2} s (lease {lease} s: max = {:.2} lease periods; expected within 1⅓, goal within 2); {} never taken over",
        t.len(),
        seconds(min),
        seconds(med),
        seconds(max),
        seconds(max) / lease as f64,
        e.orphans.len()
    );
    seconds(max) <= 2.0 * lease as f64 && e.orphans.is_empty()
}

async fn report(
    w: &World,
    convs: &[String],
    e: &Events,
    fleet: &Fleet,
    lease: u64,
    end: &Finish,
) -> anyhow::Result<()> {
    println!(
        "== {REPLICAS} processes of each runner (the release binary), 2 bot accounts, PostgreSQL, runner lease {lease} s"
    );
    println!("== fault schedule");
    for (what, n) in &e.faults {
        println!("   {n:>3} × {what}");
    }
    let in_time = print_takeovers(e, lease);
    let (logged, lapses) = fleet.logged_takeovers();
    println!(
        "   in the processes' logs: {logged} takeovers, {lapses} of them from a live process that missed its renewals; {} failed passes (retried)",
        fleet.log_lines("pass failed")
    );
    println!(
        "== after the chaos: every process killed; one fresh process of each runner held all {} leases after {:.1} s and settled everything after {:.1} s; {} of 2 stopped cleanly on SIGTERM",
        ACCOUNTS * KINDS.len(),
        end.taken,
        end.settle,
        end.clean
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
        in_time,
        "a lease was not taken over within two lease periods"
    );
    Ok(())
}
