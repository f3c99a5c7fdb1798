//! A pool of bot accounts against the Reddit simulator over HTTP: appeals handled per hour
//! with 1, 2 and 4 accounts, each with its own script app and its own budget of 100
//! requests a minute (the simulator keeps one window per account, as Reddit does), and the
//! 429s seen. Each account serves three subreddits of its own; its runners run side by side
//! with the others', on one PostgreSQL database (`--sqlite` for an SQLite file).
//!
//! Time is scaled as in `call_budget`: windows and the pass interval are `--scale` times
//! shorter than Reddit's (default 10), and figures are converted back to Reddit time.
//! Goal: with N accounts at least 0.9 × N × the one-account figure, and no 429.
//!
//!     cargo run --release -p appealmod-bot --example accounts [-- --scale 10 --appeals 150 --accounts 1,2,4]

use std::time::{Duration as StdDuration, Instant};

use appealmod_reddit::ClientOptions;
use appealmod_shared::domain::{AppealStatus, RedditUsername, SubredditName};
use appealmod_shared::storage::{EffectState, ServingAccount};
use appealmod_testkit::TestDb;
use appealmod_testkit::bench::{arg, text_arg};
use appealmod_testkit::world::{AccountInstance, HUMAN_MOD, World, WorldOptions};
use reddit_sim::{NewSubreddit, UserMessage};

/// The pool's account names: `None` for the default one.
fn account_name(k: usize) -> Option<String> {
    (k > 0).then(|| format!("pool_bot_{k}"))
}

fn subs_of(k: usize) -> [String; 3] {
    ["a", "b", "c"].map(|s| format!("pool{k}_{s}"))
}

struct Figures {
    completed: usize,
    per_hour: f64,
    rate_limited: u64,
    calls_per_appeal: f64,
}

/// `n` accounts, `per_account` appeals each.
async fn run(n: usize, per_account: usize, scale: u64, sqlite: bool) -> anyhow::Result<Figures> {
    let db = if sqlite {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    };
    let o = WorldOptions {
        subreddits: subs_of(0).to_vec(),
        extra_bots: (1..n).filter_map(account_name).collect(),
        rate_budget: 100,
        rate_window_secs: (60 / scale).max(1),
        client: ClientOptions {
            limiter_reserve: 3.0,
            backoff_base: StdDuration::from_millis(50),
            backoff_cap: StdDuration::from_secs(1),
            ..ClientOptions::default()
        },
        ..WorldOptions::default()
    };
    let w = World::start(db.store.clone(), &db.url, o).await?;
    let mut pool: Vec<AccountInstance> = Vec::new();
    for k in 0..n {
        let name = account_name(k);
        if let Some(bot) = &name {
            for s in subs_of(k) {
                w.sim
                    .state()
                    .add_subreddit(NewSubreddit {
                        name: s.clone(),
                        moderators: vec![HUMAN_MOD.to_owned(), bot.clone()],
                        bot_is_mod: false,
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let sub = SubredditName::parse(&s)?;
                let now = w.clock.now();
                w.store.ensure_subreddit(&sub, now).await?;
                let account = ServingAccount::Extra(RedditUsername::parse(bot)?);
                w.store.assign_account(&sub, &account, now).await?;
            }
        }
        pool.push(w.account(name.as_deref()).await?);
    }
    let pass_every = StdDuration::from_millis(60_000 / scale);
    let target = per_account * n;
    let before = w.sim.state().counters();
    let started = Instant::now();
    let mut introduced = 0;
    loop {
        let tick = Instant::now();
        // More new appellants per (scaled) minute than an account's budget serves.
        for _ in 0..25 * n {
            if introduced < target {
                let k = introduced % n;
                let sub = &subs_of(k)[(introduced / n) % 3];
                w.ban_and_write(sub, &format!("pool_user_{introduced}"), "Please unban me.")?;
                introduced += 1;
            }
        }
        // Every account's runners, all at once (each account's own process).
        let passes = pool.iter().map(|a| a.pass());
        for r in futures_util::future::join_all(passes).await {
            r?;
        }
        answer(&w).await?;
        let done = w.appeals_with(AppealStatus::Completed).await?.len();
        let counts = w.store.journal_counts().await?;
        if done >= target && counts[&EffectState::Pending] + counts[&EffectState::InFlight] == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < StdDuration::from_secs(1800),
            "did not finish in 30 minutes ({done} of {target} completed)"
        );
        if let Some(rest) = pass_every.checked_sub(tick.elapsed()) {
            tokio::time::sleep(rest).await;
        }
    }
    let elapsed = started.elapsed();
    let after = w.sim.state().counters();
    let completed = w.appeals_with(AppealStatus::Completed).await?.len();
    let reddit_hours = elapsed.as_secs_f64() * scale as f64 / 3600.0;
    let calls = (after.total - before.total) as f64;
    Ok(Figures {
        completed,
        per_hour: completed as f64 / reddit_hours,
        rate_limited: after.rate_limited - before.rate_limited,
        calls_per_appeal: calls / completed.max(1) as f64,
    })
}

/// Appellants who got their link fill the form; one in ten writes again first (a
/// reminder), as in `call_budget`.
async fn answer(w: &World) -> anyhow::Result<()> {
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
            continue;
        }
        w.submit_form(&appeal).await?;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let scale = arg("--scale", 10).clamp(1, 60);
    let per_account = arg("--appeals", 150) as usize;
    let sqlite = std::env::args().any(|a| a == "--sqlite");
    let sizes: Vec<usize> = text_arg("--accounts")
        .unwrap_or_else(|| "1,2,4".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "== appeals per hour by number of bot accounts (100 requests/minute each, time scaled x{scale}, {} appeals per account, {})",
        per_account,
        if sqlite { "SQLite" } else { "PostgreSQL" }
    );
    let mut one = None;
    for n in sizes {
        let f = run(n, per_account, scale, sqlite).await?;
        let base = *one.get_or_insert(f.per_hour / n as f64);
        println!(
            "   {n} account(s): {} appeals, {:.0} appeals/hour = {:.2} x accounts x the one-account figure (goal >= 0.90); {:.2} calls per appeal; 429 responses: {}",
            f.completed,
            f.per_hour,
            f.per_hour / (n as f64 * base),
            f.calls_per_appeal,
            f.rate_limited
        );
    }
    Ok(())
}
