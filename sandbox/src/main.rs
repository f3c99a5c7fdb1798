//! `appealmod-sandbox scenario`: runs the scripted sandbox against a running simulator and
//! website, prints what happens, and exits 0 when every scripted user reached its end state.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use appealmod_sandbox::scenario::{self, Event, Options};

#[derive(Parser, Debug)]
#[command(
    name = "appealmod-sandbox",
    version,
    about = "The appealmod sandbox scenario"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Drive a running Reddit simulator and website through the scripted scenario.
    Scenario {
        /// The simulator, e.g. http://127.0.0.1:8081
        #[arg(long)]
        sim_url: String,
        /// The website, e.g. http://127.0.0.1:8080
        #[arg(long)]
        web_url: String,
        /// Divides the script's pauses (1 = about two and a half minutes).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Seconds of quiet after a user's message before "the bot did not answer" is
        /// believed (a few of the runners' intervals).
        #[arg(long, default_value_t = 12.0)]
        settle_secs: f64,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Command::Scenario {
        sim_url,
        web_url,
        speed,
        settle_secs,
        timeout_secs,
    } = Cli::parse().command;
    if !(settle_secs.is_finite() && settle_secs >= 0.0) {
        eprintln!("appealmod-sandbox: --settle-secs must be a number of seconds");
        return ExitCode::from(2);
    }
    let options = Options {
        speed,
        settle: Duration::from_secs_f64(settle_secs),
        timeout: Duration::from_secs(timeout_secs),
        ..Options::default()
    };
    let sim = sim_url.trim_end_matches('/');
    let web = web_url.trim_end_matches('/');
    println!("Open in a browser:");
    println!("  website (landing, sign-up):   {web}/");
    println!("  simulator, moderators' view:  {sim}/_sim/");
    println!("  a user's view of modmail:     {sim}/_sim/user/<name>");
    println!(
        "Scenario running at speed {speed} (about {:.0} s)…",
        150.0 / speed
    );
    let result = scenario::run(sim, web, options, |e| {
        match e {
            Event::Info(s) => println!("  {s}"),
            Event::Link { user, url } => println!("  appeal link sent to u/{user}: {url}"),
            Event::Summary(s) => println!("{s}"),
        }
        let _ = std::io::stdout().flush();
    })
    .await;
    match result {
        Ok(outcome) => {
            println!("\n{}", outcome.report());
            for u in &outcome.users {
                if let Some(link) = &u.link {
                    println!(
                        "  u/{} — {link}  (view: {sim}/_sim/view/{})",
                        u.user, u.conversation_id
                    );
                }
            }
            println!("Simulator: {sim}/_sim/   Website: {web}/");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("appealmod-sandbox: scenario failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
