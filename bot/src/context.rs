//! Everything a runner needs, built once from the configuration.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use appealmod_reddit::{ClientConfig, ClientOptions, Credentials, RedditClient};
use appealmod_shared::config::{BotConfig, Config, RedditConfig, RedditCredentials};
use appealmod_shared::domain::{Group, SubredditName};
use appealmod_shared::logging::DocumentSink;
use appealmod_shared::metrics::RunnerReport;
use appealmod_shared::storage::{AccountFilter, ServingAccount, Store, SubredditSettings};
use appealmod_shared::token::LinkSigner;

use crate::clock::Clock;
use crate::failpoints::Failpoints;
use appealmod_core::decide::exclude::Exclusions;
use appealmod_core::decide::{DialogueSettings, Trigger};
use appealmod_core::settings::{Defaults, Effective};

/// A link that would expire within this many days is replaced by a fresh one when the user
/// writes again.
pub const RENEW_BEFORE_DAYS: i64 = 2;

/// The bot account's Reddit client, from the `reddit` section of the configuration. The
/// client crate knows nothing of configuration files; this is where the two meet.
pub fn reddit_client(
    config: &RedditConfig,
    creds: &RedditCredentials,
    options: ClientOptions,
) -> Result<RedditClient, appealmod_reddit::RedditError> {
    let client = ClientConfig {
        user_agent: config.user_agent.clone(),
        auth_base_url: config.auth_base_url.clone(),
        api_base_url: config.api_base_url.clone(),
        request_timeout: std::time::Duration::from_secs(config.request_timeout_secs),
    };
    let creds = Credentials {
        username: creds.username.clone(),
        password: creds.password.expose().into(),
        client_id: creds.client_id.clone(),
        client_secret: creds.client_secret.expose().into(),
    };
    RedditClient::with_options(&client, creds, options)
}

/// Shared by the runners and the sender of one process.
pub struct BotContext {
    pub store: Store,
    pub reddit: RedditClient,
    pub trigger: Trigger,
    /// The bot account's name (the author of its messages on Reddit).
    pub bot_name: String,
    /// Which of the configured accounts this is: its runners serve only the subreddits
    /// assigned to it, and its sender applies only the journal entries that are its own.
    pub account: ServingAccount,
    pub bot: BotConfig,
    pub signer: LinkSigner,
    pub public_base_url: String,
    /// What a subreddit that set nothing gets (`Config::settings_defaults`).
    pub defaults: Defaults,
    pub clock: Clock,
    pub failpoints: Failpoints,
    /// Raw conversation snapshots for research (`conversation-logs`), when MongoDB is set.
    pub conversation_log: Option<DocumentSink>,
    rng: Mutex<StdRng>,
}

impl BotContext {
    /// Builds the context; fails with a clear message on bad trigger rules or a missing
    /// link secret, before anything runs.
    pub fn new(
        config: &Config,
        store: Store,
        reddit: RedditClient,
        bot_name: String,
        conversation_log: Option<DocumentSink>,
    ) -> anyhow::Result<Arc<Self>> {
        let trigger = Trigger::from_config(config.bot.trigger.as_ref())?;
        let secret = config
            .web
            .link_secret()
            .context("the bot signs the appeal links it sends")?;
        let rng = match config.bot.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Ok(Arc::new(Self {
            store,
            reddit,
            trigger,
            bot_name,
            account: ServingAccount::Default,
            bot: config.bot.clone(),
            signer: LinkSigner::new(secret),
            public_base_url: config.web.public_base_url.clone(),
            defaults: config.settings_defaults(),
            clock: Clock::system(),
            failpoints: Failpoints::default(),
            conversation_log,
            rng: Mutex::new(rng),
        }))
    }

    /// Same context with a test clock and failpoints (shared with the caller).
    pub fn with_test_hooks(mut self: Arc<Self>, clock: Clock, failpoints: Failpoints) -> Arc<Self> {
        if let Some(ctx) = Arc::get_mut(&mut self) {
            ctx.clock = clock;
            ctx.failpoints = failpoints;
        }
        self
    }

    /// The same context for another of the configured accounts (built with that account's
    /// client and name).
    pub fn with_account(mut self: Arc<Self>, account: ServingAccount) -> Arc<Self> {
        if let Some(ctx) = Arc::get_mut(&mut self) {
            ctx.account = account;
        }
        self
    }

    /// The filter of this account's subreddits, for storage queries.
    pub fn own(&self) -> AccountFilter<'_> {
        AccountFilter::Of(&self.account)
    }

    /// Subreddits named in the configuration are enabled at start.
    pub async fn register_configured_subreddits(&self) -> anyhow::Result<()> {
        let now = self.clock.now();
        for s in &self.bot.subreddits {
            self.store.ensure_subreddit(s, now).await?;
        }
        Ok(())
    }

    /// The subreddit's settings in effect (console overrides over the configured
    /// defaults); read every pass, so a change in the console reaches the next message.
    pub fn effective(&self, settings: Option<&SubredditSettings>) -> Effective {
        self.defaults.resolve(settings)
    }

    /// Bernoulli draw with the subreddit's treatment fraction (or the configured default).
    pub fn draw_group(&self, settings: Option<&SubredditSettings>) -> Group {
        let p = self.effective(settings).treatment_fraction;
        let x: f64 = match self.rng.lock() {
            Ok(mut rng) => rng.random(),
            Err(poisoned) => poisoned.into_inner().random(),
        };
        if x < p {
            Group::Treatment
        } else {
            Group::Control
        }
    }

    /// What the dialogue's decisions need of the subreddit's settings, plus the bot's own
    /// constants.
    pub fn dialogue_settings(&self, settings: Option<&SubredditSettings>) -> DialogueSettings {
        let e = self.effective(settings);
        DialogueSettings {
            messages: e.messages,
            cooldown: e.cooldown,
            max_reminders: i64::from(e.max_reminders),
            questions: e.questions,
            fast_fill_secs: i64::from(self.defaults.fast_fill_secs),
            console_link: settings.map(|s| {
                format!(
                    "{}/dashboard/r/{}",
                    self.public_base_url.trim_end_matches('/'),
                    s.name
                )
            }),
            renew_before: Duration::days(RENEW_BEFORE_DAYS),
            link_ttl: e.link_ttl,
            mod_notes: e.mod_notes,
            language: e.language,
        }
    }

    /// After a pass: this process's Reddit calls, rate-limit headroom and pass time, written
    /// where the site's `/metrics` reads them. A failure here is logged, never fatal.
    pub async fn report_metrics(
        &self,
        process: &str,
        took: std::time::Duration,
        report: &std::sync::Mutex<RunnerReport>,
    ) {
        let counters = self.reddit.counters();
        let snapshot = {
            let mut r = report
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            r.set_calls(
                counters.calls.iter().map(|((e, o), n)| (e, o, *n)),
                counters.last_remaining,
            );
            r.record_pass(took);
            r.clone()
        };
        if let Err(e) = self
            .store
            .report_runner(process, &snapshot, self.clock.now())
            .await
        {
            tracing::warn!(error = %e, "could not record this pass's metrics");
        }
    }

    /// What the subreddit's moderators excluded in the console.
    pub fn exclusions(&self, settings: Option<&SubredditSettings>) -> Exclusions {
        self.effective(settings).exclusions
    }

    pub async fn settings_of(
        &self,
        sub: &SubredditName,
    ) -> anyhow::Result<Option<SubredditSettings>> {
        Ok(self.store.subreddit(sub).await?)
    }
}
