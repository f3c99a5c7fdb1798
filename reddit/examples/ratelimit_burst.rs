//! Counting harness for the rate limiter: many tasks share one client against an in-process
//! Reddit simulator with a small budget, and the figures that matter are printed.
//!
//! ```text
//! cargo run -p appealmod-reddit --example ratelimit_burst -- [calls] [tasks] [budget] [window_secs]
//! ```
//! Defaults: 500 calls from 8 tasks, budget 150 per 3-second window.

use std::time::{Duration, Instant};

use appealmod_core::domain::ConversationId;
use appealmod_reddit::CallOutcome::Status;
use appealmod_reddit::{ClientConfig, ClientOptions, Credentials, Endpoint, RedditClient};
use reddit_sim::{BanRequest, NewSubreddit, SimConfig, SimServer};

fn arg(n: usize, default: u64) -> anyhow::Result<u64> {
    match std::env::args().nth(n) {
        Some(v) => Ok(v.parse()?),
        None => Ok(default),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let calls = arg(1, 500)?;
    let tasks = arg(2, 8)?.max(1);
    let budget = u32::try_from(arg(3, 150)?)?;
    let window = arg(4, 3)?;

    let sim = SimServer::start(SimConfig {
        rate_budget: budget,
        rate_window_secs: window,
        workers: 4,
        ..Default::default()
    })
    .await?;
    let state = sim.state();
    state.add_subreddit(NewSubreddit {
        name: "pics".into(),
        moderators: vec!["human_mod".into()],
        bot_is_mod: true,
    })?;
    let conv = state
        .ban(BanRequest {
            subreddit: "pics".into(),
            user: "appellant".into(),
            note: "rule 1".into(),
            reason: Some("spam".into()),
            send_message: true,
            ..Default::default()
        })?
        .conversation_id
        .ok_or_else(|| anyhow::anyhow!("the simulator sent no ban message"))?;
    let conv = ConversationId::parse(&conv)?;

    let bot = reddit_sim::BotAccount::default();
    let config = ClientConfig::at(&sim.base_url());
    let creds = Credentials::new(
        &bot.username,
        &bot.password,
        &bot.client_id,
        &bot.client_secret,
    );
    let options = ClientOptions {
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_secs(1),
        ..Default::default()
    };
    let client = RedditClient::with_options(&config, creds, options)?;

    let t0 = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let client = client.clone();
        let conv = conv.clone();
        // Spread `calls` over the tasks; the first ones take the remainder.
        let n = calls / tasks + u64::from(t < calls % tasks);
        handles.push(tokio::spawn(async move {
            for i in 0..n {
                if i % 2 == 0 {
                    client.me().await?;
                } else {
                    client.get_conversation(&conv).await?;
                }
            }
            anyhow::Ok(())
        }));
    }
    for h in handles {
        h.await??;
    }
    let elapsed = t0.elapsed();

    let c = client.counters();
    let s = state.counters();
    println!(
        "calls           {}",
        c.by_endpoint(Endpoint::Me) + c.by_endpoint(Endpoint::Get)
    );
    println!("tasks           {tasks}");
    println!("budget          {budget} per {window} s");
    println!("429 (client)    {}", c.by_outcome(Status(429)));
    println!("429 (simulator) {}", s.rate_limited);
    println!(
        "min remaining   {:?} (client saw), {:?} (simulator sent)",
        c.min_remaining, s.min_remaining
    );
    println!("elapsed         {:.2} s", elapsed.as_secs_f64());
    println!(
        "rate            {:.1} calls/s (budget allows {:.1})",
        (calls as f64) / elapsed.as_secs_f64(),
        f64::from(budget) / (window as f64)
    );
    sim.stop().await;
    Ok(())
}
