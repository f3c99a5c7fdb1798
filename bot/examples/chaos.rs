//! Fault schedule, end to end: the unchanged runners against the simulator over HTTP while
//! Reddit misbehaves in every way the bot must survive — 5xx before and after applying,
//! dropped connections after applying, writes that land after the client gave up, 403s
//! while the bot is not a moderator, 429s with budget left, crashes at every journal step
//! and restarts — then a count, per conversation, of what the simulator's ledger recorded
//! against what the journal intended: duplicates and losses.
//!
//! `--senders N` runs N processes of each runner side by side on the same database (every
//! runner sends journal entries), and every round arms a 502-after-applying on each kind
//! of write, so that the senders meet entries whose outcome another one does not know.
//!
//!     cargo run --release -p appealmod-bot --example chaos [-- --appellants 30 --rounds 30 --seed 5 --senders 2]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use appealmod_bot::failpoints::{Failpoint, is_crash};
use appealmod_bot::runners::{RecentRunner, StartedRunner};
use appealmod_core::decide::verdict::{Channel, DecisionTemplates, Verdict, decide_appeal};
use appealmod_shared::config::Config;
use appealmod_shared::domain::AppealStatus;
use appealmod_shared::domain::{Appeal, RedditUsername};
use appealmod_shared::effects::decision_entries;
use appealmod_shared::storage::Recorded;
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::arg;
use appealmod_testkit::chaos::{self, FaultDraw};
use appealmod_testkit::ledger::compare;
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reddit_sim::{Endpoint, FaultMode, FaultRequest, UserMessage};

const SUBS: [&str; 3] = ["chaos_a", "chaos_b", "chaos_c"];
/// Longest delay of a late write; the settle time is well above it.
const LATE: StdDuration = StdDuration::from_secs(3);

fn configure(c: &mut Config) {
    c.bot.settle_secs = 6;
    c.bot.lease_secs = 20;
    c.bot.reddit_mod_notes = true;
}

/// What was injected, for the report.
#[derive(Default)]
struct Schedule {
    faults: BTreeMap<String, u32>,
    crashes: u32,
    restarts: u32,
    /// Moderators' decisions recorded (as the console records them).
    decisions: u32,
}

/// A moderator decides a completed appeal, as the console does: the decision and the journal
/// entries that carry it out (unban or temporary ban, the message, archive), in one
/// transaction; the senders carry it out under the same faults as everything else.
async fn decide(
    w: &World,
    rng: &mut StdRng,
    appeal: &Appeal,
    s: &mut Schedule,
) -> anyhow::Result<()> {
    let verdict = match rng.random_range(0..3) {
        0 => Verdict::Grant,
        1 => Verdict::Deny,
        _ => Verdict::Reduce { days: 7 },
    };
    let by = RedditUsername::parse(HUMAN_MOD)?;
    let now = w.clock.now();
    let message = DecisionTemplates::default().render(verdict, None, appeal)?;
    let state = w.store.decision_state(appeal.id).await?;
    let Ok(plan) = decide_appeal(appeal, &state, verdict, message, &by, now) else {
        return Ok(());
    };
    let effects = decision_entries(&plan, &appeal.conversation_id);
    if w.store
        .record_decision(&plan, &effects, &by, Channel::Console, now)
        .await?
        == Recorded::Stored
    {
        s.decisions += 1;
    }
    Ok(())
}

fn inject(w: &World, rng: &mut StdRng, s: &mut Schedule) {
    let endpoints = [
        chaos::ENDPOINTS.as_slice(),
        &[Endpoint::Unban, Endpoint::TempBan],
    ]
    .concat();
    let draw = FaultDraw {
        endpoints: &endpoints,
        forbidden: true,
        max_count: 2,
        late: LATE,
    };
    let (fault, count) = chaos::inject_random(w, rng, &draw);
    *s.faults.entry(fault).or_default() += count;
}

/// With more than one sender, every kind of write is answered 502 after it was applied once
/// a round: the senders meet entries whose outcome another one does not know.
fn inject_502_on_every_write(w: &World, s: &mut Schedule) {
    for endpoint in [
        Endpoint::Reply,
        Endpoint::Archive,
        Endpoint::Unarchive,
        Endpoint::AddModNote,
        Endpoint::Unban,
        Endpoint::TempBan,
    ] {
        w.sim.state().inject_fault(FaultRequest {
            endpoint,
            count: 1,
            mode: FaultMode::StatusAfterApply(502),
        });
        *s.faults
            .entry(format!("502 after applying on {endpoint:?} (every round)"))
            .or_default() += 1;
    }
}

/// The other processes of each runner (beyond the world's own), on the same database,
/// simulator, clock and failpoints.
type Extra = Arc<(RecentRunner, StartedRunner)>;

async fn extra_instances(w: &World, n: usize) -> anyhow::Result<Vec<Extra>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Arc::new(w.second_instance().await?));
    }
    Ok(out)
}

/// One pass of every process of both runners, all at once. A process that hit an injected
/// crash is restarted; any other error ends the run.
async fn pass_all(w: &mut World, extras: &mut [Extra], s: &mut Schedule) -> anyhow::Result<()> {
    let handles: Vec<_> = extras
        .iter()
        .map(|e| {
            let e = e.clone();
            tokio::spawn(async move {
                e.0.run_once().await?;
                e.1.run_once().await.map(|_| ())
            })
        })
        .collect();
    let own = w.pass().await.map(|_| ());
    let mut crashed = Vec::new();
    for (i, h) in handles.into_iter().enumerate() {
        match h.await? {
            Err(e) if is_crash(&e) => crashed.push(i),
            other => other?,
        }
    }
    match own {
        Err(e) if is_crash(&e) => crashed.push(usize::MAX),
        other => other?,
    }
    for i in crashed {
        s.crashes += 1;
        if i == usize::MAX {
            w.restart().await?;
        } else {
            extras[i] = Arc::new(w.second_instance().await?);
        }
        s.restarts += 1;
    }
    Ok(())
}

fn new_appeal(w: &World, i: usize) -> anyhow::Result<String> {
    w.ban_and_write(
        SUBS[i % SUBS.len()],
        &format!("chaos_user_{i}"),
        "please unban me",
    )
}

fn write(w: &World, i: usize, conv: &str) -> anyhow::Result<()> {
    w.sim
        .state()
        .user_message(UserMessage {
            subreddit: SUBS[i % SUBS.len()].into(),
            user: format!("chaos_user_{i}"),
            body: "please unban me".into(),
            subject: None,
            conversation_id: Some(conv.to_owned()),
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// One round: users act, faults are armed, every runner passes (a crash restarts it).
async fn round(
    w: &mut World,
    extras: &mut [Extra],
    rng: &mut StdRng,
    convs: &mut Vec<String>,
    target: usize,
    s: &mut Schedule,
) -> anyhow::Result<()> {
    for _ in 0..rng.random_range(0..4) {
        if convs.len() < target {
            convs.push(new_appeal(w, convs.len())?);
        }
    }
    if !convs.is_empty() && rng.random_bool(0.3) {
        let i = rng.random_range(0..convs.len());
        write(w, i, &convs[i])?; // wrote again without the form: a reminder
    }
    for c in convs.iter() {
        if rng.random_bool(0.15)
            && let Some(a) = w.appeal_in(c).await?
            && a.status == AppealStatus::Prompted
        {
            w.submit_form(&a).await?;
        }
        if rng.random_bool(0.2)
            && let Some(a) = w.appeal_in(c).await?
            && a.status == AppealStatus::Completed
            && a.outcome.is_none()
        {
            decide(w, rng, &a, s).await?;
        }
    }
    for _ in 0..rng.random_range(0..3) {
        inject(w, rng, s);
    }
    if !extras.is_empty() {
        inject_502_on_every_write(w, s);
    }
    if rng.random_bool(0.2) {
        let point = Failpoint::ALL[rng.random_range(0..Failpoint::ALL.len())];
        w.failpoints.arm(point, 1);
    }
    pass_all(w, extras, s).await?;
    // A late write lands in real time, and a delay armed in an earlier round may have been
    // taken only now: let any of them land before moving the bot's clock past the settle
    // time (on Reddit, the settle time passes in real time too).
    tokio::time::sleep(LATE + StdDuration::from_millis(300)).await;
    w.advance(Duration::seconds(rng.random_range(5..90)));
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let target = arg("--appellants", 30) as usize;
    let rounds = arg("--rounds", 30);
    let senders = arg("--senders", 1).clamp(1, 8) as usize;
    let mut rng = StdRng::seed_from_u64(arg("--seed", 5));
    let db = TestDb::sqlite().await;
    let o = WorldOptions {
        subreddits: SUBS.iter().map(|s| s.to_string()).collect(),
        configure: Some(configure),
        ..WorldOptions::default()
    };
    let mut w = World::start(db.store.clone(), &db.url, o).await?;
    let mut extras = extra_instances(&w, senders - 1).await?;
    let mut convs = Vec::new();
    let mut schedule = Schedule::default();
    for _ in 0..rounds {
        round(
            &mut w,
            &mut extras,
            &mut rng,
            &mut convs,
            target,
            &mut schedule,
        )
        .await?;
    }
    // Reddit recovers (the bot is a moderator again, no more faults): everything settles.
    w.sim.state().clear_faults();
    for point in Failpoint::ALL {
        w.failpoints.arm(point, 0);
    }
    for _ in 0..12 {
        w.advance(Duration::minutes(61));
        for _ in 0..4 {
            pass_all(&mut w, &mut extras, &mut schedule).await?;
        }
        w.drain().await?;
    }
    println!("== {senders} process(es) of each runner, all sending");
    report(&w, &convs, &schedule).await
}

async fn report(w: &World, convs: &[String], s: &Schedule) -> anyhow::Result<()> {
    println!("== fault schedule");
    for (what, n) in &s.faults {
        println!("   {n:>3} × {what}");
    }
    println!(
        "   {:>3} × crash at a journal step, each followed by a restart",
        s.crashes
    );
    println!("== per conversation: ledger (what Reddit got) vs journal (what the bot intended)");
    let cmp = compare(w, convs).await?;
    for text in &cmp.mismatches {
        println!("   {text}");
    }
    for (c, got, mismatch) in &cmp.conversations {
        let status = w.appeal_in(c).await?.map(|a| a.status.as_str());
        println!(
            "   {c:>6} {:<10} replies {} notes {} archives {} unarchives {} mod notes {} unbans {} temp bans {}{}",
            status.unwrap_or("-"),
            got.replies,
            got.notes,
            got.archives,
            got.unarchives,
            got.mod_notes,
            got.unbans,
            got.temp_bans,
            if *mismatch { "   <-- MISMATCH" } else { "" }
        );
    }
    let (dups, losses, total) = (cmp.duplicates, cmp.losses, &cmp.total);
    println!(
        "== {} conversations: {} replies, {} notes, {} archives, {} unarchives, {} mod notes, {} unbans, {} temp bans; {} decisions; duplicates {dups}, losses {losses}",
        convs.len(),
        total.replies,
        total.notes,
        total.archives,
        total.unarchives,
        total.mod_notes,
        total.unbans,
        total.temp_bans,
        s.decisions,
    );
    anyhow::ensure!(dups == 0 && losses == 0, "duplicates or losses");
    Ok(())
}
