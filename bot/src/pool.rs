//! The pool of bot accounts in one runner process: a context (client, rate governor, name)
//! per configured account, the runners of each, the leases that say which of them this
//! replica works for, and the operator's move of a subreddit to another account.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tracing::{error, info, warn};

use appealmod_shared::config::{Config, RedditCredentials};
use appealmod_shared::domain::{RedditUsername, SubredditName};
use appealmod_shared::logging::DocumentSink;
use appealmod_shared::metrics::RunnerReport;
use appealmod_shared::storage::{ServingAccount, Store};

use crate::cli::Stop;
use crate::clock::Clock;
use crate::context::{BotContext, reddit_client};
use crate::replicas::{Replica, replica_id};
use crate::runners::{PassReport, RecentRunner, StartedRunner};

/// Every configured account with its credentials: the default (`reddit`) first, then
/// `reddit.accounts` in their order.
pub fn configured_accounts(
    config: &Config,
) -> anyhow::Result<Vec<(ServingAccount, RedditCredentials)>> {
    let mut out = vec![(ServingAccount::Default, config.reddit.credentials()?)];
    for creds in config.reddit.extra_credentials() {
        let name = RedditUsername::parse(&creds.username)
            .with_context(|| format!("reddit.accounts: {:?}", creds.username))?;
        out.push((ServingAccount::Extra(name), creds));
    }
    Ok(out)
}

/// One context per configured account, each with its own client and so its own rate
/// governor (Reddit's budget is per account and app).
pub fn contexts(
    config: &Config,
    store: &Store,
    conversation_log: Option<DocumentSink>,
) -> anyhow::Result<Vec<Arc<BotContext>>> {
    let mut out = Vec::new();
    for (account, creds) in configured_accounts(config)? {
        let reddit = reddit_client(&config.reddit, &creds, Default::default())?;
        let ctx = BotContext::new(
            config,
            store.clone(),
            reddit,
            creds.username.clone(),
            conversation_log.clone(),
        )?
        .with_account(account);
        out.push(ctx);
    }
    Ok(out)
}

/// This process as one replica of its runner kind, over the accounts of `contexts`.
pub fn replica(
    config: &Config,
    store: &Store,
    kind: &'static str,
    contexts: &[Arc<BotContext>],
) -> Replica {
    let ttl = chrono::Duration::seconds(i64::try_from(config.bot.runner_lease_secs).unwrap_or(30));
    Replica::new(
        store.clone(),
        kind,
        replica_id(),
        contexts.iter().map(|c| c.account.clone()).collect(),
        ttl,
        Clock::system(),
    )
}

/// The runner of one account.
pub enum AccountRunner {
    Recent(RecentRunner),
    Started(StartedRunner),
}

impl AccountRunner {
    pub async fn run_once(&self) -> anyhow::Result<PassReport> {
        match self {
            Self::Recent(r) => r.run_once().await,
            Self::Started(r) => r.run_once().await,
        }
    }
}

/// Each account's runner of one kind, with what `/metrics` shows of it.
pub struct Runners {
    by_account: Vec<(Arc<BotContext>, AccountRunner, Mutex<RunnerReport>)>,
}

impl Runners {
    pub async fn start(recent: bool, contexts: &[Arc<BotContext>]) -> anyhow::Result<Self> {
        let mut by_account = Vec::new();
        for ctx in contexts {
            let runner = if recent {
                AccountRunner::Recent(RecentRunner::start(ctx.clone()).await?)
            } else {
                AccountRunner::Started(StartedRunner::start(ctx.clone()).await?)
            };
            by_account.push((ctx.clone(), runner, Mutex::new(RunnerReport::default())));
        }
        Ok(Self { by_account })
    }

    /// One pass of each account in `held` (the leases this replica holds), one after the
    /// other; a failing pass is logged and the others go on.
    pub async fn pass(&self, kind: &str, held: &[ServingAccount]) {
        for (ctx, runner, metrics) in &self.by_account {
            if !held.contains(&ctx.account) {
                continue;
            }
            let name = match &ctx.account {
                ServingAccount::Default => kind.to_owned(),
                a => format!("{kind}/{}", a.label()),
            };
            let t = std::time::Instant::now();
            let result = runner.run_once().await;
            ctx.report_metrics(&name, t.elapsed(), metrics).await;
            match result {
                Ok(r) if !r.is_idle() => info!(
                    runner = %name,
                    fetched = r.fetched,
                    flagged = r.flagged,
                    sent = r.sent.sent,
                    decided = ?r.decided,
                    "pass done"
                ),
                Ok(_) => {}
                Err(e) => error!(runner = %name, "pass failed: {e:#}"),
            }
        }
    }
}

/// The task that keeps this replica's leases: a look every third of the lease, the held
/// accounts published for the pass loop, and a wake-up when it took work over.
pub struct Keeper {
    pub held: Arc<Mutex<Vec<ServingAccount>>>,
    pub wake: Arc<tokio::sync::Notify>,
    /// Notified after the first look (`--once` waits for it).
    pub first_look: Arc<tokio::sync::Notify>,
    pub task: tokio::task::JoinHandle<()>,
}

pub(crate) fn keep_leases(replica: Arc<Replica>, once: bool, stop: Stop) -> Keeper {
    let held = Arc::new(Mutex::new(Vec::new()));
    let wake = Arc::new(tokio::sync::Notify::new());
    let first_look = Arc::new(tokio::sync::Notify::new());
    Keeper {
        held: held.clone(),
        wake: wake.clone(),
        first_look: first_look.clone(),
        task: tokio::spawn(async move {
            let mut standby_said = false;
            loop {
                match replica.look().await {
                    Ok(look) => {
                        let gained = {
                            let mut h = held.lock().unwrap_or_else(|p| p.into_inner());
                            let gained = look.held.iter().any(|a| !h.contains(a));
                            *h = look.held.clone();
                            gained
                        };
                        if look.held.is_empty() && !standby_said {
                            info!(
                                replica = replica.id(),
                                replicas = look.replicas,
                                "standby: other replicas hold all the work; this one takes it over if they stop"
                            );
                        }
                        standby_said = look.held.is_empty();
                        if gained {
                            wake.notify_one();
                        }
                    }
                    // Without the database no lease can be renewed: the work stops here and
                    // another replica takes it once the lease has run out.
                    Err(e) => {
                        warn!(error = %e, "could not renew this replica's leases");
                        held.lock().unwrap_or_else(|p| p.into_inner()).clear();
                    }
                }
                first_look.notify_one();
                if once {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(replica.every()) => {}
                    _ = stop.stopped() => return,
                }
            }
        }),
    }
}

/// `appealmod move-subreddit --to ACCOUNT SUB`: moves the subreddit to another configured
/// account, audited. Exit codes: 0 moved (or already there), 2 an unknown account or
/// subreddit, 1 the database failed.
pub async fn move_subreddit(config: &Config, sub: &str, to: &str, by: Option<&str>) -> i32 {
    match move_inner(config, sub, to, by).await {
        Ok(text) => {
            println!("{text}");
            0
        }
        Err(MoveError::Refused(text)) => {
            eprintln!("appealmod: {text}");
            crate::cli::EXIT_CONFIG
        }
        Err(MoveError::Failed(e)) => {
            eprintln!("appealmod: {e:#}");
            1
        }
    }
}

enum MoveError {
    Refused(String),
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for MoveError {
    fn from(e: E) -> Self {
        Self::Failed(e.into())
    }
}

/// The names an operator may give for each configured account: its username, and
/// `default` for the default one.
fn find_account(config: &Config, to: &str) -> Result<(ServingAccount, String), MoveError> {
    let wanted = to.trim().trim_start_matches("u/").to_ascii_lowercase();
    let mut names = Vec::new();
    for (account, creds) in configured_accounts(config).map_err(MoveError::Failed)? {
        let name = creds.username.to_ascii_lowercase();
        let is_default = account == ServingAccount::Default;
        if name == wanted || (is_default && wanted == "default") {
            return Ok((account, creds.username));
        }
        names.push(if is_default {
            format!("{} (default)", creds.username)
        } else {
            creds.username
        });
    }
    Err(MoveError::Refused(format!(
        "`{to}` is not a configured bot account; the configured ones are: {}",
        names.join(", ")
    )))
}

async fn move_inner(
    config: &Config,
    sub: &str,
    to: &str,
    by: Option<&str>,
) -> Result<String, MoveError> {
    let name = SubredditName::parse(sub.trim().trim_start_matches("r/"))
        .map_err(|e| MoveError::Refused(format!("`{sub}` is not a subreddit name: {e}")))?;
    let (account, username) = find_account(config, to)?;
    let store = Store::open(config.database.url.expose(), 1)
        .await
        .context("opening the database")?;
    let actor = format!(
        "operator {}",
        by.map(str::to_owned)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "(unknown)".to_owned())
    );
    let now = Clock::system().now();
    let report = store
        .move_subreddit(&name, &account, &actor, now)
        .await?
        .ok_or_else(|| {
            MoveError::Refused(format!(
                "r/{name} is not signed up: there is nothing to move"
            ))
        })?;
    store.close().await;
    if report.from == report.to {
        return Ok(format!(
            "r/{name} is served by u/{username} already; nothing changed"
        ));
    }
    let mut text = format!(
        "r/{name} moved from {} to u/{username} (audited as {actor}). u/{username} must be a \
         moderator of r/{name} with Mail and Access; its runner catches the subreddit's \
         modmail up from where the old account's listing stood.",
        report.from.label()
    );
    if report.left_with_old > 0 {
        text.push_str(&format!(
            " {} action(s) the old account already tried are unfinished: it finishes them \
             (or reads them back) itself, so keep it a moderator of r/{name} for a few more \
             minutes.",
            report.left_with_old
        ));
    }
    Ok(text)
}
