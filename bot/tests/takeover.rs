//! `kill -9` of a real runner process: two `appealmod recent` (or `started`) processes on
//! one PostgreSQL database and the simulator, a short runner lease; the one holding the
//! default account's lease is killed with SIGKILL (nothing released, nothing cleaned up),
//! then an appellant acts. The other process holds the lease within two lease periods and
//! the appellant gets each of the bot's writes exactly once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use appealmod_shared::domain::AppealStatus;
use appealmod_shared::storage::EffectState;
use appealmod_testkit::bench::random_key;
use appealmod_testkit::ledger::compare;
use appealmod_testkit::world::{BOT, World, WorldOptions};
use appealmod_testkit::{POSTGRES_ENV, TestDb};
use reddit_sim::LedgerKind;

/// Seconds a runner replica's lease lasts unrenewed: the shortest the configuration takes,
/// so that the test is quick.
const LEASE_SECS: u64 = 6;
/// The default account's label in lease scopes.
const DEFAULT: &str = "(default)";

/// Several replicas need PostgreSQL: in CI the test fails rather than quietly test nothing.
fn require_postgres() {
    if std::env::var(POSTGRES_ENV).is_err() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{POSTGRES_ENV} is not set: this test needs PostgreSQL");
    }
}

/// The configuration both processes get: the world's simulator and database, passes every
/// second, a short lease, every new appellant in the treatment group.
fn write_config(dir: &Path, sim_url: &str, db_url: &str) -> PathBuf {
    let text = format!(
        "reddit:\n  username: {BOT}\n  password: sandbox-password\n  client_id: sandbox-client\n  \
         client_secret: sandbox-secret\n  auth_base_url: {sim_url}\n  api_base_url: {sim_url}\n  \
         request_timeout_secs: 2\n\
         database:\n  url: {db_url}\n  max_connections: 4\n\
         bot:\n  dialogue_update_interval: 1\n  runner_lease_secs: {LEASE_SECS}\n  \
         treatment_fraction: 1.0\n  settle_secs: 3\n  lease_secs: 6\n  subreddits: [pics]\n\
         web:\n  public_base_url: http://127.0.0.1:8080\n  link_secret: {key}\n  session_key: {key}\n\
         logging:\n  level: info\n  console: human\n  file_dir: null\n",
        key = random_key(),
    );
    let path = dir.join("config.yaml");
    std::fs::write(&path, text).expect("writes the config");
    path
}

/// The runner processes; every one is killed (and reaped) however the test ends.
struct Processes {
    children: Vec<Child>,
    logs: Vec<PathBuf>,
}

impl Processes {
    fn spawn(kind: &str, n: usize, config: &Path, dir: &Path) -> Self {
        let mut out = Self {
            children: Vec::new(),
            logs: Vec::new(),
        };
        for i in 0..n {
            let log = dir.join(format!("{kind}-{i}.log"));
            let file = std::fs::File::create(&log).expect("log file");
            let child = Command::new(env!("CARGO_BIN_EXE_appealmod"))
                .args([kind, "--config"])
                .arg(config)
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(file.try_clone().expect("log file"))
                .stderr(file)
                .spawn()
                .expect("starts appealmod");
            out.children.push(child);
            out.logs.push(log);
        }
        out
    }

    /// Whether a process has exited (a configuration error, a crash).
    fn exited(&mut self) -> bool {
        self.children
            .iter_mut()
            .any(|c| !matches!(c.try_wait(), Ok(None)))
    }

    fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }

    /// SIGKILL (what `Child::kill` sends on Unix), and the exit reaped.
    fn kill(&mut self, pid: u32) {
        if let Some(c) = self.children.iter_mut().find(|c| c.id() == pid) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every process's output, for a failure message.
    fn output(&self) -> String {
        let mut text = String::new();
        for log in &self.logs {
            let body = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = body.lines().rev().take(40).collect();
            text.push_str(&format!("\n--- {}\n", log.display()));
            for l in tail.into_iter().rev() {
                text.push_str(l);
                text.push('\n');
            }
        }
        text
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The process id in a replica id (`<host>-<pid>-<random>`; the host may hold dashes).
fn pid_of(replica: &str) -> Option<u32> {
    replica.rsplit('-').nth(1)?.parse().ok()
}

/// The holder of `<kind>/(default)` now, and the live replicas of `kind`.
async fn leases(w: &World, kind: &str) -> (Option<String>, usize) {
    let now = w.clock.now();
    let held = w
        .store
        .live_leases(&format!("{kind}/"), now)
        .await
        .expect("reads the leases");
    let replicas = w
        .store
        .live_leases(&format!("replica/{kind}/"), now)
        .await
        .expect("reads the heartbeats");
    (held.get(DEFAULT).cloned(), replicas.len())
}

/// Polls `done` every 50 ms for at most `limit`; how long it took, if it happened.
async fn until<F, Fut>(limit: Duration, mut done: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let t = Instant::now();
    while t.elapsed() < limit {
        if done().await {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Waits until both processes are replicas and one holds the default account's lease;
/// kills that one. Returns the survivor's pid and the moment of the kill.
async fn kill_the_holder(w: &World, kind: &str, procs: &mut Processes) -> (u32, Instant) {
    let t = Instant::now();
    loop {
        let (holder, replicas) = leases(w, kind).await;
        if holder.is_some() && replicas == 2 {
            break;
        }
        assert!(
            !procs.exited() && t.elapsed() < Duration::from_secs(30),
            "no {kind} process holds the lease{}",
            procs.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let holder = leases(w, kind).await.0.expect("a holder");
    let pid = pid_of(&holder).expect("a pid in the replica id");
    let pids = procs.pids();
    assert!(pids.contains(&pid), "{holder} is none of {pids:?}");
    procs.kill(pid);
    let killed_at = Instant::now();
    let survivor = pids.into_iter().find(|p| *p != pid).expect("two processes");
    (survivor, killed_at)
}

/// The survivor holds the lease within two lease periods of the kill.
async fn assert_taken_over(
    w: &World,
    kind: &str,
    survivor: u32,
    killed_at: Instant,
    p: &Processes,
) {
    let limit = Duration::from_secs(4 * LEASE_SECS);
    let taken = until(limit, || async {
        leases(w, kind).await.0.as_deref().and_then(pid_of) == Some(survivor)
    })
    .await;
    assert!(taken.is_some(), "not taken over{}", p.output());
    let after = killed_at.elapsed();
    eprintln!(
        "{kind}: lease taken over {:.2} s after the kill (lease {LEASE_SECS} s)",
        after.as_secs_f64()
    );
    assert!(
        after <= Duration::from_secs(2 * LEASE_SECS),
        "{kind}: taken over after {after:?}, more than two lease periods{}",
        p.output()
    );
}

/// Waits until the conversation's ledger holds `want`, nothing is left in the journal and
/// a few more passes went by; then the ledger is exactly `want` and matches the journal.
async fn assert_exactly_once(w: &World, conv: &str, want: &[LedgerKind], p: &Processes) {
    let kinds = || {
        w.sim
            .state()
            .ledger_for(conv)
            .into_iter()
            .map(|e| e.kind)
            .collect::<Vec<_>>()
    };
    let settled = until(Duration::from_secs(30), || async {
        let counts = w.store.journal_counts().await.expect("counts");
        kinds().len() >= want.len()
            && counts[&EffectState::Pending] + counts[&EffectState::InFlight] == 0
    })
    .await;
    assert!(settled.is_some(), "{:?} not written{}", want, p.output());
    // Passes go on every second: a second write would show by now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(kinds(), want, "each write once{}", p.output());
    let c = compare(w, &[conv.to_owned()]).await.expect("compares");
    assert_eq!(
        (c.duplicates, c.losses),
        (0, 0),
        "ledger against journal: {:#?}",
        c.mismatches
    );
}

async fn start() -> (TestDb, World, tempfile::TempDir, PathBuf) {
    require_postgres();
    let db = TestDb::postgres().await;
    let w = World::start(db.store.clone(), &db.url, WorldOptions::default())
        .await
        .expect("world starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &w.sim.base_url(), &db.url);
    (db, w, dir, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_recent_process_is_taken_over_and_the_appellant_answered_once() {
    let t = Instant::now();
    let (_db, w, dir, config) = start().await;
    let mut procs = Processes::spawn("recent", 2, &config, dir.path());
    let (survivor, killed_at) = kill_the_holder(&w, "recent", &mut procs).await;
    let conv = w
        .ban_and_write("pics", "takeover_user", "please unban me")
        .expect("writes");
    assert_taken_over(&w, "recent", survivor, killed_at, &procs).await;
    assert_exactly_once(&w, &conv, &[LedgerKind::Reply, LedgerKind::Archive], &procs).await;
    let appeal = w.appeal_in(&conv).await.expect("reads").expect("an appeal");
    assert_eq!(appeal.status, AppealStatus::Prompted);
    eprintln!("recent: {:.1} s in all", t.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_started_process_is_taken_over_and_the_form_completed_once() {
    let t = Instant::now();
    let (_db, w, dir, config) = start().await;
    let mut procs = Processes::spawn("started", 2, &config, dir.path());
    // The appeal starts (this process's recent runner), then the started runner's holder
    // dies and the appellant sends the form: the survivor completes it.
    let conv = w
        .ban_and_write("pics", "takeover_user", "please unban me")
        .expect("writes");
    for _ in 0..10 {
        if w.recent.run_once().await.expect("recent pass").is_idle() {
            break;
        }
    }
    let appeal = w.appeal_in(&conv).await.expect("reads").expect("an appeal");
    let (survivor, killed_at) = kill_the_holder(&w, "started", &mut procs).await;
    w.submit_form(&appeal).await.expect("submits");
    assert_taken_over(&w, "started", survivor, killed_at, &procs).await;
    let want = [
        LedgerKind::Reply,
        LedgerKind::Archive,
        LedgerKind::Reply,
        LedgerKind::InternalNote,
        LedgerKind::Unarchive,
    ];
    assert_exactly_once(&w, &conv, &want, &procs).await;
    let appeal = w.appeal_in(&conv).await.expect("reads").expect("an appeal");
    assert_eq!(appeal.status, AppealStatus::Completed);
    eprintln!("started: {:.1} s in all", t.elapsed().as_secs_f64());
}
