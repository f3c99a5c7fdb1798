//! The moderators' turn, once the scripted users are done: u/sandbox_mod grants the first
//! completed appeal with the console's decision form and denies the second with a `!deny`
//! private note in modmail. The bot's passes carry both out (unban, message, archive; for
//! the command, a confirming note too), and each appellant's status page says so.

use std::time::Duration;

use anyhow::{Context as _, bail};
use reddit_sim::LedgerKind;
use tokio::time::Instant;

use crate::scenario::{EndState, Event, GERMAN_SUBREDDIT, MODERATOR, Options, Outcome};
use crate::sim::{SimClient, WebClient};

/// The private note that denies an appeal from modmail.
pub const DENY_COMMAND: &str = "!deny";

/// Decides up to two completed appeals (one granted in the console, one denied from
/// modmail), waits until the bot has carried each out, checks the appellants' status
/// pages, and records the new end states in `outcome`. With fewer completed appeals it
/// decides what there is and says so.
pub async fn moderators_decide(
    sim: &SimClient,
    web: &WebClient,
    outcome: &mut Outcome,
    o: &Options,
    sink: &mut (impl FnMut(Event) + Send),
) -> anyhow::Result<()> {
    let completed: Vec<usize> = (0..outcome.users.len())
        .filter(|&i| outcome.users[i].end == EndState::Completed)
        .collect();
    if completed.len() < 2 {
        sink(Event::Info(format!(
            "only {} completed appeal(s): the moderator decides fewer than two",
            completed.len()
        )));
    }
    let mut decided = Vec::new();
    if let Some(&i) = completed.first() {
        let u = &outcome.users[i];
        let page = web
            .appeal_page(&u.subreddit, &u.user)
            .await
            .with_context(|| format!("finding u/{}'s appeal in the console", u.user))?;
        web.decide(&page, "grant").await?;
        sink(Event::Info(format!(
            "u/{MODERATOR} granted u/{}'s appeal in the console: {page}",
            u.user
        )));
        decided.push((i, EndState::Granted));
    }
    if let Some(&i) = completed.get(1) {
        let u = &outcome.users[i];
        sim.mod_note(&u.conversation_id, MODERATOR, DENY_COMMAND)
            .await
            .with_context(|| format!("u/{MODERATOR}'s note in u/{}'s conversation", u.user))?;
        sink(Event::Info(format!(
            "u/{MODERATOR} denied u/{}'s appeal with a private note `{DENY_COMMAND}` in modmail",
            u.user
        )));
        decided.push((i, EndState::Denied));
    }
    for (i, end) in decided {
        carried_out(sim, web, outcome, i, end, o, sink).await?;
    }
    outcome.writes = sim.ledger().await?.len();
    Ok(())
}

/// Waits until the bot's effects on the conversation are exactly `end`'s and stay so for
/// the settle time, then reads the appellant's status page through their personal link.
async fn carried_out(
    sim: &SimClient,
    web: &WebClient,
    outcome: &mut Outcome,
    i: usize,
    end: EndState,
    o: &Options,
    sink: &mut (impl FnMut(Event) + Send),
) -> anyhow::Result<()> {
    let u = &mut outcome.users[i];
    let expected = end.expected_ledger();
    let deadline = Instant::now() + o.timeout;
    let mut complete_since: Option<Instant> = None;
    let got = loop {
        let got: Vec<LedgerKind> = sim
            .ledger_for(&u.conversation_id)
            .await?
            .iter()
            .map(|e| e.kind)
            .collect();
        if got.len() > expected.len() || !expected.starts_with(&got) {
            bail!(
                "u/{} ({end}): the bot's effects are {got:?}, expected {expected:?}",
                u.user
            );
        }
        let now = Instant::now();
        if got.len() == expected.len() {
            let since = *complete_since.get_or_insert(now);
            if now - since >= o.settle {
                break got;
            }
        }
        if now > deadline {
            bail!(
                "u/{} ({end}): after {} s the bot's effects are {got:?}, expected {expected:?}: \
                 are both runners running?",
                u.user,
                o.timeout.as_secs()
            );
        }
        tokio::time::sleep(o.poll.max(Duration::from_millis(50))).await;
    };
    let link = u.link.clone().context("a completed appeal has a link")?;
    let (status, page) = web.public_page(&link).await?;
    let heading = end
        .status_heading(u.subreddit == GERMAN_SUBREDDIT)
        .unwrap_or_default();
    if status != 200 || !page.contains(heading) {
        bail!(
            "u/{}'s status page ({status}) does not say “{heading}”: {link}",
            u.user
        );
    }
    sink(Event::Info(format!(
        "u/{}: {end}; their page says “{heading}”: {link}",
        u.user
    )));
    u.end = end;
    u.ledger = got;
    Ok(())
}
