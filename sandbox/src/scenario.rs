//! The script: who is banned when, what each user does, and the end state each must reach.
//!
//! Every user may land in the treatment or the control group (the configuration's
//! `treatment_fraction` decides, at random), so the script reacts to what the bot did
//! rather than assuming it: a user only fills the form once a link was sent, and a user
//! the bot never wrote to after a quiet `settle` period counts as control.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use anyhow::{Context as _, bail};
use reddit_sim::{LedgerEntry, LedgerKind};
use tokio::time::Instant;

use crate::form::appeal_link;
use crate::sim::{SimClient, WebClient};

/// Subreddits the scenario creates in the simulator and signs up on the website.
pub const SUBREDDITS: [&str; 2] = ["sandbox_pics", "sandbox_news"];
/// The sandbox subreddit whose moderator chose German for its appellants: the bot's
/// messages, the form and the status pages there are German.
pub const GERMAN_SUBREDDIT: &str = "sandbox_news";
/// The human moderator of both subreddits (signs them up, takes one conversation over).
pub const MODERATOR: &str = "sandbox_mod";
/// The bot account the sandbox runs (the simulator's and the configuration's).
pub const BOT: &str = "appealmod_bot";

/// How the scenario runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The script's pauses are divided by this (1 = about two and a half minutes).
    pub speed: f64,
    /// Quiet time after a user's message before "the bot did not answer" is believed:
    /// a few of the bot's passes (`dialogue_update_interval`). Not divided by `speed`.
    pub settle: Duration,
    /// Give up after this long.
    pub timeout: Duration,
    /// How often the simulator's ledger is read.
    pub poll: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            speed: 1.0,
            settle: Duration::from_secs(12),
            timeout: Duration::from_secs(600),
            poll: Duration::from_millis(250),
        }
    }
}

/// What a scripted user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Fills the form soon after the link arrives.
    Quick,
    /// Never fills the form and writes again (one reminder expected).
    Reminder,
    /// Writes a toxic message and never fills the form.
    Toxic,
    /// Temporarily banned: the bot stays out.
    TempBan,
    /// A moderator answers after the bot's first reply; the user writes again; the bot
    /// stays quiet from then on.
    Takeover,
}

/// Where a user ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndState {
    /// Form submitted; the bot thanked the user, left the answers as a mod note and
    /// unarchived the conversation.
    Completed,
    /// Linked, wrote again without the form, got one reminder.
    Reminded,
    /// Linked, never filled the form.
    NeverFilled,
    /// Linked, then a moderator took over: no further bot message.
    TakenOver,
    /// Control group: the bot never wrote.
    Control,
    /// Temporary ban: the bot never wrote.
    Excluded,
    /// Completed, then granted by the moderator in the console: the bot lifted the ban,
    /// told the user and archived the conversation.
    Granted,
    /// Completed, then denied by the moderator's `!deny` private note in modmail: the bot
    /// told the user, archived the conversation and confirmed with a private note.
    Denied,
}

impl EndState {
    /// The form was submitted and passed on (whatever the moderators decided after).
    pub fn completed(self) -> bool {
        matches!(self, Self::Completed | Self::Granted | Self::Denied)
    }

    /// The heading of the appellant's status page after the moderators' decision, in
    /// English or (`german`) in German.
    pub fn status_heading(self, german: bool) -> Option<&'static str> {
        match (self, german) {
            (Self::Granted, false) => Some("You are no longer banned"),
            (Self::Granted, true) => Some("Du bist nicht mehr gebannt"),
            (Self::Denied, false) => Some("Ban kept"),
            (Self::Denied, true) => Some("Bann beibehalten"),
            _ => None,
        }
    }

    /// The bot's effects on the conversation in this end state, in order.
    pub fn expected_ledger(self) -> &'static [LedgerKind] {
        use LedgerKind::{Archive, InternalNote, Reply, Unarchive, Unban};
        match self {
            Self::Completed => &[Reply, Archive, Reply, InternalNote, Unarchive],
            Self::Granted => &[
                Reply,
                Archive,
                Reply,
                InternalNote,
                Unarchive,
                Unban,
                Reply,
                Archive,
            ],
            Self::Denied => &[
                Reply,
                Archive,
                Reply,
                InternalNote,
                Unarchive,
                Reply,
                Archive,
                InternalNote,
            ],
            Self::Reminded => &[Reply, Archive, Reply, Archive],
            Self::NeverFilled | Self::TakenOver => &[Reply, Archive],
            Self::Control | Self::Excluded => &[],
        }
    }
}

impl fmt::Display for EndState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Completed => "completed (thanked, mod note, unarchived)",
            Self::Reminded => "reminded once, never filled the form",
            Self::NeverFilled => "linked, never filled the form",
            Self::TakenOver => "moderator took over, bot stayed quiet",
            Self::Control => "control group (no bot message)",
            Self::Excluded => "temporary ban (bot stayed out)",
            Self::Granted => "completed, granted in the console (unbanned, told, archived)",
            Self::Denied => "completed, denied by !deny in modmail (told, archived, confirmed)",
        })
    }
}

/// One scripted user: when they start and what they do.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    pub user: &'static str,
    pub subreddit: &'static str,
    pub role: Role,
    /// Seconds after the start (divided by the speed).
    pub at: f64,
}

/// The cast. About two and a half minutes at speed 1.
pub const CAST: [Script; 11] = [
    s("alice_quick", 0, Role::Quick, 5.0),
    s("bob_quick", 1, Role::Quick, 12.0),
    s("erin_forgets", 0, Role::Reminder, 20.0),
    s("frank_toxic", 1, Role::Toxic, 28.0),
    s("gina_tempban", 0, Role::TempBan, 36.0),
    s("carol_quick", 1, Role::Quick, 44.0),
    s("hank_takeover", 0, Role::Takeover, 52.0),
    s("dave_quick", 0, Role::Quick, 64.0),
    s("ivy_quick", 1, Role::Quick, 80.0),
    s("kim_quick", 0, Role::Quick, 100.0),
    s("leo_quick", 1, Role::Quick, 120.0),
];

const fn s(user: &'static str, sub: usize, role: Role, at: f64) -> Script {
    Script {
        user,
        subreddit: SUBREDDITS[sub],
        role,
        at,
    }
}

/// Seconds (divided by the speed) between the link and the user's next step.
const FILL_AFTER: f64 = 15.0;
const REMIND_AFTER: f64 = 25.0;
const MOD_AFTER: f64 = 8.0;
const USER_AFTER_MOD: f64 = 6.0;

/// What the scenario tells whoever watches.
#[derive(Debug, Clone)]
pub enum Event {
    /// Something happened (a line for people).
    Info(String),
    /// The bot sent `user` this personal appeal link.
    Link { user: String, url: String },
    /// The live one-line summary.
    Summary(String),
}

/// A user's end state and the bot's effects on their conversation.
#[derive(Debug, Clone)]
pub struct UserOutcome {
    pub user: String,
    pub subreddit: String,
    pub role: Role,
    pub conversation_id: String,
    pub end: EndState,
    pub link: Option<String>,
    pub ledger: Vec<LedgerKind>,
}

/// Everything the scenario saw.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub users: Vec<UserOutcome>,
    /// From the start of the scenario to the end of the final check.
    pub elapsed: Duration,
    /// From the start to the first completed appeal being unarchived.
    pub first_completed: Option<Duration>,
    /// Effects in the simulator's ledger.
    pub writes: usize,
}

impl Outcome {
    pub fn count(&self, end: EndState) -> usize {
        self.users.iter().filter(|u| u.end == end).count()
    }

    /// The final report, for people.
    pub fn report(&self) -> String {
        let mut out = format!(
            "Scenario finished in {} — every scripted user reached the expected end state.\n",
            clock(self.elapsed)
        );
        if let Some(t) = self.first_completed {
            out.push_str(&format!(
                "First completed appeal unarchived after {:.1} s.\n",
                t.as_secs_f64()
            ));
        }
        for u in &self.users {
            out.push_str(&format!(
                "  u/{:<14} r/{:<13} conv {:<6} {}\n",
                u.user, u.subreddit, u.conversation_id, u.end
            ));
        }
        out.push_str(&format!(
            "completed {} (granted {}, denied {}) | reminded {} | never filled {} | taken over {} | control {} | temp ban {} | bot writes {}\n",
            self.users.iter().filter(|u| u.end.completed()).count(),
            self.count(EndState::Granted),
            self.count(EndState::Denied),
            self.count(EndState::Reminded),
            self.count(EndState::NeverFilled),
            self.count(EndState::TakenOver),
            self.count(EndState::Control),
            self.count(EndState::Excluded),
            self.writes
        ));
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Before the script's start time.
    NotStarted,
    /// Wrote; waiting for the bot's first reply (or the quiet that means control).
    AwaitReply,
    /// Will fill the form at `due`.
    FillAt,
    /// Form sent; waiting for the unarchive.
    AwaitCompleted,
    /// Will write again at `due` (reminder user).
    WriteAgainAt,
    /// Waiting for the reminder.
    AwaitReminder,
    /// The moderator writes at `due`.
    ModAt,
    /// The user answers the moderator at `due`.
    UserAfterModAt,
    /// Waiting for quiet with the expected effects.
    Settling(EndState),
    /// Done (re-checked on every poll until the end).
    Ended(EndState),
}

struct Actor {
    script: Script,
    step: Step,
    due: Instant,
    conversation: Option<String>,
    last_write: Option<Instant>,
    link: Option<String>,
}

/// Runs the scenario against a running simulator and website. `sink` gets the events.
pub async fn run(
    sim_url: &str,
    web_url: &str,
    options: Options,
    mut sink: impl FnMut(Event) + Send,
) -> anyhow::Result<Outcome> {
    anyhow::ensure!(options.speed > 0.0, "--speed must be above 0");
    let (sim, web) = set_up(sim_url, web_url, &mut sink).await?;

    let start = Instant::now();
    let mut actors: Vec<Actor> = CAST
        .iter()
        .map(|s| Actor {
            script: *s,
            step: Step::NotStarted,
            due: start + Duration::from_secs_f64(s.at / options.speed),
            conversation: None,
            last_write: None,
            link: None,
        })
        .collect();
    let mut first_completed = None;
    let mut ticker = Ticker {
        last_core: String::new(),
        last_at: start,
    };

    loop {
        let now = Instant::now();
        if now - start > options.timeout {
            return Err(timed_out(&actors, options.timeout));
        }
        let ledger = sim
            .ledger()
            .await
            .context("reading the simulator's ledger")?;
        let by_conv = by_conversation(&ledger);

        for a in &mut actors {
            let entries: &[&LedgerEntry] = a
                .conversation
                .as_deref()
                .and_then(|c| by_conv.get(c))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            step(a, entries, &sim, &web, &options, now, &mut sink).await?;
            if unarchived(a.step) && first_completed.is_none() {
                first_completed = Some(now - start);
            }
        }

        let line = summary(&actors, ledger.len(), now - start);
        if ticker.due(&line, now) {
            sink(Event::Summary(line));
        }

        if actors.iter().all(|a| matches!(a.step, Step::Ended(_))) {
            let mut outcome = finish(&sim, &actors, start, first_completed).await?;
            crate::decisions::moderators_decide(&sim, &web, &mut outcome, &options, &mut sink)
                .await?;
            outcome.elapsed = start.elapsed();
            return Ok(outcome);
        }
        tokio::time::sleep(options.poll).await;
    }
}

/// Connects to both services, creates the subreddits in the simulator and signs them up on
/// the website.
async fn set_up(
    sim_url: &str,
    web_url: &str,
    sink: &mut (impl FnMut(Event) + Send),
) -> anyhow::Result<(SimClient, WebClient)> {
    // reqwest is built without a default TLS provider; even a plain-http client needs one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")?;
    let sim = SimClient::new(sim_url, http.clone());
    let web = WebClient::new(web_url, http);
    for sub in SUBREDDITS {
        sim.add_subreddit(sub, MODERATOR)
            .await
            .with_context(|| format!("creating r/{sub} in the simulator"))?;
    }
    web.log_in(MODERATOR)
        .await
        .with_context(|| format!("logging u/{MODERATOR} in to the console"))?;
    for sub in SUBREDDITS {
        web.sign_up(sub)
            .await
            .with_context(|| format!("signing r/{sub} up on the website"))?;
        sim.invite_bot(sub, BOT)
            .await
            .with_context(|| format!("inviting u/{BOT} to r/{sub}"))?;
        sink(Event::Info(format!(
            "u/{MODERATOR} logged in, signed r/{sub} up (pending) and invited u/{BOT} with Mail and Access"
        )));
    }
    web.choose_language(GERMAN_SUBREDDIT, "de")
        .await
        .with_context(|| format!("choosing German for r/{GERMAN_SUBREDDIT} in the console"))?;
    sink(Event::Info(format!(
        "u/{MODERATOR} chose German for r/{GERMAN_SUBREDDIT}'s appellants in the console"
    )));
    wait_until_active(&sim, &web, sink).await?;
    Ok((sim, web))
}

/// The bot accepts its invites and activates the subreddits on its own (its check runs
/// each pass of the recent runner); the console says so.
async fn wait_until_active(
    sim: &SimClient,
    web: &WebClient,
    sink: &mut (impl FnMut(Event) + Send),
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(90);
    for sub in SUBREDDITS {
        loop {
            let accepted = sim.is_moderator(sub, BOT).await?;
            let (_, page) = web.console_page(sub).await?;
            if accepted && page.contains("badge-active") {
                sink(Event::Info(format!(
                    "u/{BOT} accepted the invite; r/{sub} is active — console: {}/dashboard/r/{sub}",
                    web.base()
                )));
                break;
            }
            if Instant::now() > deadline {
                bail!("r/{sub} did not become active: is the recent runner running?");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

/// The error that names every user still short of an end state.
fn timed_out(actors: &[Actor], timeout: Duration) -> anyhow::Error {
    let stuck: Vec<String> = actors
        .iter()
        .filter(|a| !matches!(a.step, Step::Ended(_)))
        .map(|a| format!("u/{} ({:?}, {:?})", a.script.user, a.script.role, a.step))
        .collect();
    anyhow::anyhow!(
        "timeout after {} s: not every scripted user reached its end state; still waiting for {}. \
         Are both runners running (appealmod recent / started) with this simulator and website?",
        timeout.as_secs(),
        stuck.join(", ")
    )
}

fn by_conversation(ledger: &[LedgerEntry]) -> HashMap<&str, Vec<&LedgerEntry>> {
    let mut by_conv: HashMap<&str, Vec<&LedgerEntry>> = HashMap::new();
    for e in ledger {
        by_conv
            .entry(e.conversation_id.as_str())
            .or_default()
            .push(e);
    }
    by_conv
}

/// When to print the summary line. Its clock moves every second, so it is printed when the
/// counts change, and now and then so that a person sees the scenario is alive.
struct Ticker {
    last_core: String,
    last_at: Instant,
}

impl Ticker {
    fn due(&mut self, line: &str, now: Instant) -> bool {
        let core = line
            .split_once("] ")
            .map(|(_, r)| r.to_owned())
            .unwrap_or_default();
        if core != self.last_core || now - self.last_at >= Duration::from_secs(5) {
            self.last_core = core;
            self.last_at = now;
            return true;
        }
        false
    }
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}", s / 60, s % 60)
}

fn summary(actors: &[Actor], writes: usize, elapsed: Duration) -> String {
    let started = actors.iter().filter(|a| a.conversation.is_some()).count();
    let linked = actors.iter().filter(|a| a.link.is_some()).count();
    let ended = |e: EndState| actors.iter().filter(|a| a.step == Step::Ended(e)).count();
    let completed = actors.iter().filter(|a| unarchived(a.step)).count();
    let reminded = actors
        .iter()
        .filter(|a| {
            matches!(
                a.step,
                Step::Ended(EndState::Reminded) | Step::Settling(EndState::Reminded)
            )
        })
        .count();
    format!(
        "[{}] appeals: {started} | linked {linked} | reminded {reminded} | completed {completed} | control {} | temp ban {} | writes {writes}",
        clock(elapsed),
        ended(EndState::Control),
        ended(EndState::Excluded),
    )
}

/// The bot has unarchived the appeal after the form (the quiet check may still run).
fn unarchived(step: Step) -> bool {
    matches!(
        step,
        Step::Settling(EndState::Completed) | Step::Ended(EndState::Completed)
    )
}

fn kinds(entries: &[&LedgerEntry]) -> Vec<LedgerKind> {
    entries.iter().map(|e| e.kind).collect()
}

/// Moves one user on by what the bot did and what time it is.
async fn step(
    a: &mut Actor,
    entries: &[&LedgerEntry],
    sim: &SimClient,
    web: &WebClient,
    o: &Options,
    now: Instant,
    sink: &mut (impl FnMut(Event) + Send),
) -> anyhow::Result<()> {
    let user = a.script.user;
    let quiet = a.last_write.is_some_and(|t| now - t >= o.settle);
    match a.step {
        Step::NotStarted if now >= a.due => a.start(sim, now, sink).await?,
        Step::NotStarted => {}
        // Control and temp-ban users stay watched: a late first reply means the quiet was
        // misread (and, for a temp ban, that the bot wrote where it must not).
        Step::AwaitReply | Step::Ended(EndState::Control | EndState::Excluded) => {
            a.await_reply(entries, o, now, quiet, sink)?;
        }
        Step::FillAt | Step::WriteAgainAt | Step::ModAt | Step::UserAfterModAt if now >= a.due => {
            a.act(sim, web, o, now, sink).await?;
        }
        Step::AwaitCompleted => {
            if entries.iter().any(|e| e.kind == LedgerKind::Unarchive) {
                sink(Event::Info(format!(
                    "u/{user}: the bot thanked them, posted the answers as a mod note and unarchived the conversation"
                )));
                a.last_write = Some(now);
                a.step = Step::Settling(EndState::Completed);
            }
        }
        Step::AwaitReminder => {
            if entries.len() >= 3 {
                sink(Event::Info(format!(
                    "u/{user} got a reminder with the same link"
                )));
                a.step = Step::Settling(EndState::Reminded);
            }
        }
        Step::Settling(end) => {
            let expected = end.expected_ledger();
            let got = kinds(entries);
            if got.len() > expected.len() || !expected.starts_with(&got) {
                bail!("u/{user} ({end}): the bot's effects are {got:?}, expected {expected:?}");
            }
            if got.len() == expected.len() && quiet {
                sink(Event::Info(format!("u/{user}: {end}")));
                a.step = Step::Ended(end);
            }
        }
        Step::Ended(end) => {
            let got = kinds(entries);
            if got != end.expected_ledger() {
                bail!(
                    "u/{user} ({end}): the bot's effects changed to {got:?}, expected {:?}",
                    end.expected_ledger()
                );
            }
        }
        Step::FillAt | Step::WriteAgainAt | Step::ModAt | Step::UserAfterModAt => {}
    }
    Ok(())
}

impl Role {
    /// The moderator's ban note and the reason the user sees.
    fn ban_reason(self) -> (&'static str, &'static str) {
        match self {
            Self::Toxic => (
                "rule 1: harassment",
                "Harassing other users in the comments.",
            ),
            _ => ("rule 3: spam", "Posting the same link in many threads."),
        }
    }

    /// The user's first message to modmail.
    fn first_message(self) -> &'static str {
        match self {
            Self::Toxic => "This ban is a joke. You mods are pathetic losers, unban me NOW.",
            Self::TempBan => "Three days? For one post? Please reconsider.",
            _ => "Hi, I think I was banned by mistake. Could you please look at it again?",
        }
    }
}

impl Actor {
    /// The start of the script: the user is banned and writes to modmail.
    async fn start(
        &mut self,
        sim: &SimClient,
        now: Instant,
        sink: &mut (impl FnMut(Event) + Send),
    ) -> anyhow::Result<()> {
        let Script {
            user,
            subreddit,
            role,
            ..
        } = self.script;
        let temp = role == Role::TempBan;
        let (note, reason) = role.ban_reason();
        let conv = sim
            .ban(subreddit, user, note, reason, temp.then_some(3))
            .await
            .with_context(|| format!("banning u/{user}"))?;
        sim.user_writes(subreddit, user, &conv, role.first_message())
            .await
            .with_context(|| format!("u/{user} writing to modmail"))?;
        sink(Event::Info(format!(
            "u/{user} was {} from r/{subreddit} and wrote to modmail (conversation {conv})",
            if temp { "temporarily banned" } else { "banned" }
        )));
        self.conversation = Some(conv);
        self.last_write = Some(now);
        self.step = Step::AwaitReply;
        Ok(())
    }

    /// Waits for the bot's first reply: it must carry a link and the user's role decides
    /// what comes next; a quiet conversation means control (or, for a temp ban, excluded).
    fn await_reply(
        &mut self,
        entries: &[&LedgerEntry],
        o: &Options,
        now: Instant,
        quiet: bool,
        sink: &mut (impl FnMut(Event) + Send),
    ) -> anyhow::Result<()> {
        let (user, role) = (self.script.user, self.script.role);
        let Some(first) = entries.first() else {
            if quiet && self.step == Step::AwaitReply {
                let end = if role == Role::TempBan {
                    EndState::Excluded
                } else {
                    EndState::Control
                };
                sink(Event::Info(format!("u/{user}: {end}")));
                self.step = Step::Ended(end);
            }
            return Ok(());
        };
        if role == Role::TempBan {
            bail!(
                "the bot wrote to u/{user}, who is only temporarily banned ({:?})",
                kinds(entries)
            );
        }
        if first.kind != LedgerKind::Reply {
            bail!(
                "the bot's first effect for u/{user} is {:?}, not a reply",
                first.kind
            );
        }
        let link = appeal_link(first.body.as_deref().unwrap_or_default())
            .with_context(|| format!("the bot's reply to u/{user} has no appeal link"))?;
        sink(Event::Link {
            user: user.to_owned(),
            url: link.clone(),
        });
        self.link = Some(link);
        let scaled = |secs: f64| Duration::from_secs_f64(secs / o.speed);
        (self.step, self.due) = match role {
            Role::Quick => (Step::FillAt, now + scaled(FILL_AFTER)),
            Role::Reminder => (Step::WriteAgainAt, now + scaled(REMIND_AFTER)),
            Role::Takeover => (Step::ModAt, now + scaled(MOD_AFTER)),
            Role::Toxic | Role::TempBan => (Step::Settling(EndState::NeverFilled), now),
        };
        Ok(())
    }

    /// What the user (or the moderator) does once a timed step is due.
    async fn act(
        &mut self,
        sim: &SimClient,
        web: &WebClient,
        o: &Options,
        now: Instant,
        sink: &mut (impl FnMut(Event) + Send),
    ) -> anyhow::Result<()> {
        let Script {
            user, subreddit, ..
        } = self.script;
        match self.step {
            Step::FillAt => {
                let link = self.link.clone().context("no link to fill")?;
                web.fill_appeal(&link)
                    .await
                    .with_context(|| format!("u/{user} filling the appeal form"))?;
                sink(Event::Info(format!(
                    "u/{user} filled and submitted the appeal form"
                )));
                self.step = Step::AwaitCompleted;
            }
            Step::WriteAgainAt => {
                let conv = self.conversation.clone().context("no conversation")?;
                sim.user_writes(
                    subreddit,
                    user,
                    &conv,
                    "Hello? Is anyone reading this? I still want to be unbanned.",
                )
                .await?;
                sink(Event::Info(format!(
                    "u/{user} wrote again without filling the form"
                )));
                self.last_write = Some(now);
                self.step = Step::AwaitReminder;
            }
            Step::ModAt => {
                let conv = self.conversation.clone().context("no conversation")?;
                sim.mod_writes(
                    &conv,
                    MODERATOR,
                    "Hi, I'm a moderator and I'll handle your appeal personally.",
                )
                .await?;
                sink(Event::Info(format!(
                    "u/{MODERATOR} took over the conversation with u/{user}"
                )));
                self.step = Step::UserAfterModAt;
                self.due = now + Duration::from_secs_f64(USER_AFTER_MOD / o.speed);
            }
            Step::UserAfterModAt => {
                let conv = self.conversation.clone().context("no conversation")?;
                sim.user_writes(
                    subreddit,
                    user,
                    &conv,
                    "Thank you! It was a misunderstanding, let me explain.",
                )
                .await?;
                self.last_write = Some(now);
                self.step = Step::Settling(EndState::TakenOver);
            }
            other => bail!("u/{user}: nothing to do at {other:?}"),
        }
        Ok(())
    }
}

/// The last check: every conversation has exactly the expected effects, the reminder
/// carries the same link, and each completed appeal's mod note holds the answers.
async fn finish(
    sim: &SimClient,
    actors: &[Actor],
    start: Instant,
    first_completed: Option<Duration>,
) -> anyhow::Result<Outcome> {
    let mut users = Vec::new();
    for a in actors {
        let Step::Ended(end) = a.step else {
            bail!("u/{} has not ended", a.script.user);
        };
        let conv = a.conversation.clone().context("no conversation")?;
        let entries = sim.ledger_for(&conv).await?;
        let got: Vec<LedgerKind> = entries.iter().map(|e| e.kind).collect();
        if got != end.expected_ledger() {
            bail!(
                "u/{} ({end}): the bot's effects are {got:?}, expected {:?}",
                a.script.user,
                end.expected_ledger()
            );
        }
        if end == EndState::Reminded {
            let again = entries
                .get(2)
                .and_then(|e| e.body.as_deref())
                .and_then(appeal_link);
            if again != a.link {
                bail!(
                    "u/{}: the reminder does not carry the same link",
                    a.script.user
                );
            }
        }
        if end == EndState::Completed {
            let note = entries
                .get(3)
                .and_then(|e| e.body.as_deref())
                .unwrap_or_default();
            // The answer to "steps", a question of every default form (the note escapes
            // Markdown, so a phrase without punctuation is looked for).
            if !note.contains("I will read the rules before posting") {
                bail!(
                    "u/{}: the mod note does not hold the answers: {note}",
                    a.script.user
                );
            }
        }
        users.push(UserOutcome {
            user: a.script.user.to_owned(),
            subreddit: a.script.subreddit.to_owned(),
            role: a.script.role,
            conversation_id: conv,
            end,
            link: a.link.clone(),
            ledger: got,
        });
    }
    let writes = sim.ledger().await?.len();
    Ok(Outcome {
        users,
        elapsed: start.elapsed(),
        first_completed,
        writes,
    })
}
