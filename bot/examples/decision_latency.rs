//! Decision benchmark: the unchanged runners against the Reddit simulator over HTTP, each
//! looping like `appealmod recent` / `appealmod started` (a pass, then a sleep of the pass
//! interval, started at a random offset), while moderators decide completed appeals at
//! random moments. Prints the Reddit calls per decision and the time from the click to the
//! unban on Reddit (p50, p99).
//!
//! The click is the console's storage path — `decide_appeal`, `decision_entries`,
//! `Store::record_decision`, exactly what `POST …/decide` runs after its CSRF and access
//! checks — because the bot's examples cannot link the site (`appealmod-web` is no
//! dependency of the bot, not even a dev one); what the POST adds before it is a few
//! milliseconds of its own, against a wait measured in passes.
//!
//! Time is scaled: the pass interval is the configuration's default
//! (`bot.dialogue_update_interval`, 60 s) divided by `--scale` (default 10: a pass every 6 s);
//! Reddit's rate limit is not (100 requests a minute, as the client paces them; the setup
//! before it runs unpaced), and the clicks come at a pace Reddit's limit carries
//! (`--decisions` spread over `--passes` passes, default 40). `--scale 1` runs at the
//! default interval itself (e.g. `--scale 1 --decisions 30 --passes 8`: about 10 minutes),
//! which is the figure to trust when passes are long. The
//! wait for the next pass scales with the interval, the pass's own work does not: each
//! decision's time is split at the start of the pass that carried it out, and the wait
//! multiplied back by the scale gives the figure at the default interval.
//!
//!     cargo run --release -p appealmod-bot --example decision_latency [-- --scale 10 --decisions 80 --passes 40]

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use appealmod_core::decide::verdict::{Channel, DecisionTemplates, Verdict, decide_appeal};
use appealmod_reddit::ClientOptions;
use appealmod_shared::config::Config;
use appealmod_shared::domain::{Appeal, AppealStatus, RedditUsername};
use appealmod_shared::effects::decision_entries;
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::arg;
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use rand::{Rng, SeedableRng, rngs::StdRng};
use reddit_sim::{Endpoint, LedgerKind};

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[i - 1]
}

/// One pass of one runner, as wall-clock instants.
type Pass = (Instant, Instant);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scale = arg("--scale", 10).max(1);
    let n = arg("--decisions", 80).max(1) as usize;
    let default_pass = Config::default().bot.dialogue_update_interval;
    let pass_every = StdDuration::from_millis(default_pass * 1000 / scale);
    let db = TestDb::sqlite().await;
    let o = WorldOptions {
        // The setup runs unpaced; the measurement at Reddit's limit (below).
        rate_budget: 1_000_000,
        rate_window_secs: 60,
        client: ClientOptions {
            limiter_reserve: 3.0,
            ..ClientOptions::default()
        },
        ..WorldOptions::default()
    };
    let w = World::start(db.store.clone(), &db.url, o).await?;
    let appeals = completed_appeals(&w, n).await?;
    println!(
        "{n} completed appeals; a pass every {} ms (the default {default_pass} s / {scale}), two runners",
        pass_every.as_millis()
    );

    w.sim.state().set_rate_limit(100, 60);
    let before = w.sim.state().counters();
    let passes: Mutex<Vec<Pass>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let mut rng = StdRng::seed_from_u64(21);
    // The clicks fall anywhere in `--passes` passes; each runner starts at its own moment.
    let window = pass_every * u32::try_from(arg("--passes", 40)).unwrap_or(40).max(1);
    let mut offsets: Vec<StdDuration> = (0..n)
        .map(|_| window.mul_f64(rng.random::<f64>()))
        .collect();
    offsets.sort();
    let starts = [
        pass_every.mul_f64(rng.random::<f64>()),
        pass_every.mul_f64(rng.random::<f64>()),
    ];
    let t0 = Instant::now();
    let clicks: Mutex<Vec<Option<Instant>>> = Mutex::new(vec![None; n]);
    let runner = |which: usize| {
        let (passes, stop) = (&passes, &stop);
        let w = &w;
        async move {
            tokio::time::sleep(starts[which]).await;
            while !stop.load(Ordering::SeqCst) {
                let began = Instant::now();
                let done = match which {
                    0 => w.recent.run_once().await.map(|_| ()),
                    _ => w.started.run_once().await.map(|_| ()),
                };
                done?;
                passes.lock().expect("lock").push((began, Instant::now()));
                tokio::time::sleep(pass_every).await;
            }
            anyhow::Ok(())
        }
    };
    let moderator = RedditUsername::parse(HUMAN_MOD)?;
    let clicker = async {
        for (i, (appeal, at)) in appeals.iter().zip(&offsets).enumerate() {
            tokio::time::sleep_until((t0 + *at).into()).await;
            clicks.lock().expect("lock")[i] = Some(Instant::now());
            console_grant(&w, appeal, &moderator).await?;
        }
        anyhow::Ok(())
    };
    let watcher = async {
        let mut unbanned: Vec<Option<Instant>> = vec![None; n];
        let deadline = t0 + window + pass_every * 20;
        while unbanned.iter().any(Option::is_none) && Instant::now() < deadline {
            for (i, a) in appeals.iter().enumerate() {
                if unbanned[i].is_none()
                    && w.sim
                        .state()
                        .ledger_for(a.conversation_id.as_str())
                        .iter()
                        .any(|e| e.kind == LedgerKind::Unban)
                {
                    unbanned[i] = Some(Instant::now());
                }
            }
            tokio::time::sleep(StdDuration::from_millis(5)).await;
        }
        stop.store(true, Ordering::SeqCst);
        unbanned
    };
    let (recent, started, clicked, unbanned) = tokio::join!(runner(0), runner(1), clicker, watcher);
    recent?;
    started?;
    clicked?;
    let after = w.sim.state().counters();
    report_calls(&before, &after, n);
    let clicks = clicks.into_inner().expect("lock");
    let passes = passes.into_inner().expect("lock");
    report_latency(&clicks, &unbanned, &passes, scale, default_pass);
    Ok(())
}

/// `n` appeals completed by the unchanged runners (banned, written, form sent, note posted).
async fn completed_appeals(w: &World, n: usize) -> anyhow::Result<Vec<Appeal>> {
    for i in 0..n {
        w.ban_and_write("pics", &format!("latency_{i}"), "Please unban me.")?;
    }
    w.drain().await?;
    for a in w.appeals_with(AppealStatus::Prompted).await? {
        w.submit_form(&a).await?;
    }
    w.drain().await?;
    let done = w.appeals_with(AppealStatus::Completed).await?;
    anyhow::ensure!(done.len() == n, "{} of {n} appeals completed", done.len());
    Ok(done)
}

/// A grant as the console stores it: the subreddit's message, the core's plan, the
/// journal entries, in one transaction.
async fn console_grant(w: &World, appeal: &Appeal, by: &RedditUsername) -> anyhow::Result<()> {
    let now = w.clock.now();
    let state = w.store.decision_state(appeal.id).await?;
    let message = DecisionTemplates::default().render(Verdict::Grant, None, appeal)?;
    let plan = decide_appeal(appeal, &state, Verdict::Grant, message, by, now)?;
    let effects = decision_entries(&plan, &appeal.conversation_id);
    w.store
        .record_decision(&plan, &effects, by, Channel::Console, now)
        .await?;
    Ok(())
}

fn report_calls(before: &reddit_sim::Counters, after: &reddit_sim::Counters, n: usize) {
    let delta = |e: Endpoint| after.calls_of(e) - before.calls_of(e);
    let per_decision = [
        Endpoint::Unban,
        Endpoint::TempBan,
        Endpoint::Reply,
        Endpoint::Archive,
        Endpoint::Get,
        Endpoint::Banned,
        Endpoint::Moderators,
    ];
    let total: u64 = per_decision.iter().map(|e| delta(*e)).sum();
    println!(
        "== Reddit calls per decision: {:.2} (goal <= 3): unban {}, reply {}, archive {}, reads {} over {n} grants",
        total as f64 / n as f64,
        delta(Endpoint::Unban),
        delta(Endpoint::Reply),
        delta(Endpoint::Archive),
        delta(Endpoint::Get) + delta(Endpoint::Banned) + delta(Endpoint::Moderators),
    );
    println!(
        "   besides, per pass whatever is decided: {} modmail list calls in all",
        delta(Endpoint::List)
    );
}

/// The time from each click to its unban, split at the start of the pass that carried it
/// out: the wait (which scales with the pass interval) and the pass's own work (which does
/// not).
fn report_latency(
    clicks: &[Option<Instant>],
    unbanned: &[Option<Instant>],
    passes: &[Pass],
    scale: u64,
    default_pass: u64,
) {
    let mut measured = Vec::new();
    let mut at_default = Vec::new();
    let mut missing = 0;
    for (click, unban) in clicks.iter().zip(unbanned) {
        let (Some(click), Some(unban)) = (click, unban) else {
            missing += 1;
            continue;
        };
        let carrier = passes
            .iter()
            .filter(|(s, e)| *s <= *unban && *unban <= *e + StdDuration::from_millis(10))
            .map(|(s, _)| *s)
            .max();
        let started = carrier.unwrap_or(*click).max(*click);
        let wait = started.duration_since(*click).as_secs_f64();
        let work = unban.duration_since(started).as_secs_f64();
        measured.push(unban.duration_since(*click).as_secs_f64());
        at_default.push(wait * scale as f64 + work);
    }
    measured.sort_by(f64::total_cmp);
    at_default.sort_by(f64::total_cmp);
    if measured.is_empty() {
        println!("== no decision was carried out ({missing} missing)");
        return;
    }
    println!(
        "== click -> unban on Reddit, scaled run: p50 {:.2} s, p99 {:.2} s, max {:.2} s (a pass every {:.1} s){}",
        percentile(&measured, 0.5),
        percentile(&measured, 0.99),
        measured[measured.len() - 1],
        default_pass as f64 / scale as f64,
        if missing > 0 {
            format!("; {missing} not carried out")
        } else {
            String::new()
        }
    );
    println!(
        "== click -> unban at the default pass interval ({default_pass} s): p50 {:.1} s, p99 {:.1} s (goal <= {} s: one pass + 2 s)",
        percentile(&at_default, 0.5),
        percentile(&at_default, 0.99),
        default_pass + 2
    );
}
