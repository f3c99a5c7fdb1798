//! The unchanged bot wired to an in-process Reddit simulator over real HTTP: used by the
//! end-to-end tests, the call-budget benchmark and the sandbox.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::Context as _;
use chrono::Duration;

use appealmod_core::toxicity::AssessedForm;
use appealmod_reddit::{ClientOptions, Now};
use appealmod_shared::config::{Config, Secret};
use appealmod_shared::domain::RedditUsername;
use appealmod_shared::domain::{Answer, AnswerValue, FormAnswers, SubredditName};
use appealmod_shared::domain::{Appeal, AppealStatus};
use appealmod_shared::logging::DocumentSink;
use appealmod_shared::storage::{ServingAccount, Store, SubmitOutcome};
use reddit_sim::{BotAccount, NewSubreddit, SimConfig, SimServer};

use appealmod_bot::context::{BotContext, reddit_client};
use appealmod_bot::failpoints::Failpoints;
use appealmod_bot::runners::{PassReport, RecentRunner, StartedRunner};
use appealmod_core::decide::Step;
use appealmod_shared::clock::Clock;

pub const BOT: &str = "appealmod_bot";
pub const HUMAN_MOD: &str = "a_human_mod";
pub const LINK_SECRET: &str = "sandbox-link-secret-0123456789abcdef";

#[derive(Debug, Clone)]
pub struct WorldOptions {
    pub seed: u64,
    pub treatment_fraction: f64,
    pub debug: bool,
    pub rate_budget: u32,
    pub rate_window_secs: u64,
    pub subreddits: Vec<String>,
    pub public_base_url: String,
    pub client: ClientOptions,
    /// Where conversation snapshots go (MongoDB `conversation-logs`), if anywhere.
    pub conversation_log: Option<DocumentSink>,
    /// Last changes to the bot's configuration (e.g. a longer settle time).
    pub configure: Option<fn(&mut Config)>,
    /// More bot accounts the simulator knows (a pool of accounts), each with its own
    /// script app ([`extra_bot`]) and request budget; [`World::account`] runs one.
    pub extra_bots: Vec<String>,
}

impl Default for WorldOptions {
    fn default() -> Self {
        Self {
            seed: 7,
            treatment_fraction: 1.0,
            debug: false,
            // Tests do not wait for Reddit's pace; the benchmark sets Reddit's budget.
            rate_budget: 1_000_000,
            rate_window_secs: 600,
            subreddits: vec!["pics".to_owned()],
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            client: fast_client_options(),
            conversation_log: None,
            configure: None,
            extra_bots: Vec::new(),
        }
    }
}

/// A simulator, a database and the bot's two runners.
pub struct World {
    pub sim: SimServer,
    pub store: Store,
    pub config: Config,
    pub clock: Clock,
    pub failpoints: Failpoints,
    pub client: ClientOptions,
    pub conversation_log: Option<DocumentSink>,
    pub ctx: Arc<BotContext>,
    pub recent: RecentRunner,
    pub started: StartedRunner,
}

/// The configuration the bot gets in a world (also what the sandbox writes to disk).
pub fn world_config(sim_url: &str, db_url: &str, o: &WorldOptions) -> Config {
    let mut c = Config::default();
    c.reddit.username = Some(BOT.to_owned());
    c.reddit.password = Some(Secret::new("sandbox-password"));
    c.reddit.client_id = Some("sandbox-client".to_owned());
    c.reddit.client_secret = Some(Secret::new("sandbox-secret"));
    c.reddit.auth_base_url = sim_url.to_owned();
    c.reddit.api_base_url = sim_url.to_owned();
    c.reddit.request_timeout_secs = 2;
    // Short, so that tests move the clock past them instead of waiting: a read-back after an
    // unknown outcome waits `settle`, an abandoned in-flight entry `lease`.
    c.bot.settle_secs = 3;
    c.bot.lease_secs = 30;
    c.database.url = Secret::new(db_url);
    c.bot.debug = o.debug;
    c.bot.treatment_fraction = o.treatment_fraction;
    c.bot.rng_seed = Some(o.seed);
    c.bot.subreddits = o
        .subreddits
        .iter()
        .filter_map(|s| SubredditName::parse(s).ok())
        .collect();
    c.web.link_secret = Some(Secret::new(LINK_SECRET));
    c.web.public_base_url = o.public_base_url.clone();
    c.logging.file_dir = None;
    if let Some(f) = o.configure {
        f(&mut c);
    }
    c
}

pub fn sim_config(o: &WorldOptions) -> SimConfig {
    SimConfig {
        seed: o.seed,
        bot: BotAccount {
            username: BOT.to_owned(),
            password: "sandbox-password".to_owned(),
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-secret".to_owned(),
        },
        extra_bots: o.extra_bots.iter().map(|b| extra_bot(b)).collect(),
        rate_budget: o.rate_budget,
        rate_window_secs: o.rate_window_secs,
        ..SimConfig::default()
    }
}

/// The script app of an extra bot account `name` in a world's simulator.
pub fn extra_bot(name: &str) -> BotAccount {
    BotAccount {
        username: name.to_owned(),
        password: format!("{name}-password"),
        client_id: format!("{name}-client"),
        client_secret: format!("{name}-secret"),
    }
}

/// One bot account's context and runners in a world (see [`World::account`]).
pub struct AccountInstance {
    pub ctx: Arc<BotContext>,
    pub recent: RecentRunner,
    pub started: StartedRunner,
}

impl AccountInstance {
    /// One pass of the recent runner, then of the started runner.
    pub async fn pass(&self) -> anyhow::Result<(PassReport, PassReport)> {
        Ok((
            self.recent.run_once().await?,
            self.started.run_once().await?,
        ))
    }
}

/// Client options for tests: short waits so faults do not slow the suite down.
pub fn fast_client_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Some(StdDuration::from_secs(2)),
        connect_timeout: StdDuration::from_secs(2),
        max_attempts: 3,
        backoff_base: StdDuration::from_millis(20),
        backoff_cap: StdDuration::from_millis(200),
        limiter_reserve: 2.0,
        ..ClientOptions::default()
    }
}

impl World {
    pub async fn start(store: Store, db_url: &str, o: WorldOptions) -> anyhow::Result<Self> {
        let sim = SimServer::start(sim_config(&o))
            .await
            .context("starting the simulator")?;
        Self::with_sim(sim, store, db_url, o).await
    }

    /// A world around a simulator that is already running (started with [`sim_config`]):
    /// the sandbox test starts the simulator first so that the website and the bot's
    /// configuration can both point at it. Subreddits in `o.subreddits` are added to it.
    pub async fn with_sim(
        sim: SimServer,
        store: Store,
        db_url: &str,
        o: WorldOptions,
    ) -> anyhow::Result<Self> {
        for s in &o.subreddits {
            sim.state()
                .add_subreddit(NewSubreddit {
                    name: s.clone(),
                    moderators: vec![HUMAN_MOD.to_owned()],
                    bot_is_mod: true,
                })
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let config = world_config(&sim.base_url(), db_url, &o);
        let clock = Clock::system();
        let failpoints = Failpoints::default();
        let client = o.client.clone();
        let conversation_log = o.conversation_log.clone();
        let (ctx, recent, started) = Self::boot(
            &config,
            &store,
            &clock,
            &failpoints,
            &client,
            conversation_log.clone(),
        )
        .await?;
        Ok(Self {
            sim,
            store,
            config,
            clock,
            failpoints,
            client,
            conversation_log,
            ctx,
            recent,
            started,
        })
    }

    async fn boot(
        config: &Config,
        store: &Store,
        clock: &Clock,
        failpoints: &Failpoints,
        client: &ClientOptions,
        conversation_log: Option<DocumentSink>,
    ) -> anyhow::Result<(Arc<BotContext>, RecentRunner, StartedRunner)> {
        Self::boot_as(
            config,
            ServingAccount::Default,
            store,
            clock,
            failpoints,
            client,
            conversation_log,
        )
        .await
    }

    async fn boot_as(
        config: &Config,
        account: ServingAccount,
        store: &Store,
        clock: &Clock,
        failpoints: &Failpoints,
        client: &ClientOptions,
        conversation_log: Option<DocumentSink>,
    ) -> anyhow::Result<(Arc<BotContext>, RecentRunner, StartedRunner)> {
        let creds = config.reddit.credentials()?;
        // The client's token expires on the world's clock too, as the simulator's does.
        let now = clock.clone();
        let options = ClientOptions {
            clock: Now::from_fn(move || now.now()),
            ..client.clone()
        };
        let reddit = reddit_client(&config.reddit, &creds, options)?;
        let ctx = BotContext::new(
            config,
            store.clone(),
            reddit,
            creds.username.clone(),
            conversation_log,
        )?
        .with_test_hooks(clock.clone(), failpoints.clone())
        .with_account(account);
        let recent = RecentRunner::start(ctx.clone()).await?;
        let started = StartedRunner::start(ctx.clone()).await?;
        Ok((ctx, recent, started))
    }

    /// A process restart: new client, context and runners on the same database and
    /// simulator (and the same test clock and failpoints).
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let (ctx, recent, started) = Self::boot(
            &self.config,
            &self.store,
            &self.clock,
            &self.failpoints,
            &self.client,
            self.conversation_log.clone(),
        )
        .await?;
        self.ctx = ctx;
        self.recent = recent;
        self.started = started;
        Ok(())
    }

    /// Another process's context and runners for the bot account `name`: the default one
    /// (`None`) or one of `WorldOptions::extra_bots`, with its own client (and so its own
    /// rate governor), on the same database, simulator, clock and failpoints.
    pub async fn account(&self, name: Option<&str>) -> anyhow::Result<AccountInstance> {
        let mut config = self.config.clone();
        let account = match name {
            None => ServingAccount::Default,
            Some(n) => {
                let bot = extra_bot(n);
                config.reddit.username = Some(bot.username);
                config.reddit.password = Some(Secret::new(bot.password));
                config.reddit.client_id = Some(bot.client_id);
                config.reddit.client_secret = Some(Secret::new(bot.client_secret));
                ServingAccount::Extra(RedditUsername::parse(n)?)
            }
        };
        let (ctx, recent, started) = Self::boot_as(
            &config,
            account,
            &self.store,
            &self.clock,
            &self.failpoints,
            &self.client,
            None,
        )
        .await?;
        Ok(AccountInstance {
            ctx,
            recent,
            started,
        })
    }

    /// A second process of each runner on the same database and simulator, as an operator
    /// who starts one by mistake (or a rolling restart) would have.
    pub async fn second_instance(&self) -> anyhow::Result<(RecentRunner, StartedRunner)> {
        let (_, recent, started) = Self::boot(
            &self.config,
            &self.store,
            &self.clock,
            &self.failpoints,
            &self.client,
            None,
        )
        .await?;
        Ok((recent, started))
    }

    /// One pass of each runner.
    pub async fn pass(&self) -> anyhow::Result<(PassReport, PassReport)> {
        let r = self.recent.run_once().await?;
        let s = self.started.run_once().await?;
        Ok((r, s))
    }

    /// Passes until both runners are idle (bounded).
    pub async fn drain(&self) -> anyhow::Result<Vec<Step>> {
        let mut decided = Vec::new();
        for _ in 0..30 {
            let (r, s) = self.pass().await?;
            decided.extend(r.decided.iter().chain(s.decided.iter()).copied());
            if r.is_idle() && s.is_idle() {
                return Ok(decided);
            }
        }
        anyhow::bail!("the runners did not become idle in 30 passes")
    }

    /// A permanent ban with its message in `sub`, and the user's answer to it: a new appeal
    /// for the runners to find. Returns the conversation's id.
    pub fn ban_and_write(&self, sub: &str, user: &str, body: &str) -> anyhow::Result<String> {
        let s = self.sim.state();
        let conv = s
            .ban(reddit_sim::BanRequest {
                subreddit: sub.into(),
                user: user.into(),
                note: "rule 2: spam".into(),
                reason: Some("Spamming links".into()),
                duration_days: None,
                send_message: true,
                moderator: None,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .conversation_id
            .ok_or_else(|| anyhow::anyhow!("no ban message"))?;
        s.user_message(reddit_sim::UserMessage {
            subreddit: sub.into(),
            user: user.into(),
            body: body.into(),
            subject: None,
            conversation_id: Some(conv.clone()),
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(conv)
    }

    /// Moves both clocks (the simulator's and the bot's) forward.
    pub fn advance(&self, by: Duration) {
        self.sim.state().advance_clock(by.num_seconds());
        self.clock.advance(by);
    }

    /// Fills and submits the appeal form as the site does (through the same storage call).
    pub async fn submit_form(&self, appeal: &Appeal) -> anyhow::Result<SubmitOutcome> {
        let now = self.clock.now();
        self.store
            .mark_appeal_opened(appeal.id, now - Duration::seconds(150))
            .await?;
        let answers = FormAnswers {
            answers: vec![
                Answer {
                    question_id: "rule".into(),
                    label: "The rule in your own words".into(),
                    value: AnswerValue::Text("No spam, I get it.".into()),
                },
                Answer {
                    question_id: "actions_wrong".into(),
                    label: "Were your actions wrong?".into(),
                    value: AnswerValue::YesNo(true),
                },
            ],
            opened_at: Some(now - Duration::seconds(150)),
            submitted_at: now,
        };
        Ok(self
            .store
            .submit_form(appeal.id, &AssessedForm::of(answers))
            .await?)
    }

    /// The appeal started in a conversation, if any.
    pub async fn appeal_in(&self, conversation_id: &str) -> anyhow::Result<Option<Appeal>> {
        let id = appealmod_shared::domain::ConversationId::parse(conversation_id)?;
        let Some(a) = self.store.appellant_for_conversation(&id).await? else {
            return Ok(None);
        };
        Ok(self
            .store
            .appeals_of(a.id)
            .await?
            .into_iter()
            .rev()
            .find(|p| p.conversation_id == id))
    }

    /// Appeals in a given status.
    pub async fn appeals_with(&self, status: AppealStatus) -> anyhow::Result<Vec<Appeal>> {
        let mut out = Vec::new();
        for a in self.store.appellants(None).await? {
            out.extend(
                self.store
                    .appeals_of(a.id)
                    .await?
                    .into_iter()
                    .filter(|p| p.status == status),
            );
        }
        Ok(out)
    }
}
