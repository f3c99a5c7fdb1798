//! What the chaos benchmarks (`bot/examples/chaos.rs`, `replicas.rs`, `takeover.rs`) share:
//! Reddit misbehaving at random in the simulator, appellants acting at random, two bot
//! accounts sharing the subreddits, and the end of the run (everything settled).

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use reddit_sim::{Endpoint, FaultMode, FaultRequest, NewSubreddit, UserMessage};

use crate::world::{HUMAN_MOD, World};
use appealmod_shared::domain::{AppealStatus, RedditUsername, SubredditName};
use appealmod_shared::storage::{EffectState, ServingAccount};

/// The writes and reads every chaos benchmark arms faults on.
pub const ENDPOINTS: [Endpoint; 6] = [
    Endpoint::Reply,
    Endpoint::Archive,
    Endpoint::Unarchive,
    Endpoint::AddModNote,
    Endpoint::Get,
    Endpoint::List,
];

/// Which faults to draw from.
pub struct FaultDraw<'a> {
    pub endpoints: &'a [Endpoint],
    /// A 403 (the bot not a moderator) among the kinds.
    pub forbidden: bool,
    /// Armed for 1..=`max_count` calls (1: no draw).
    pub max_count: u32,
    /// How late a late write lands (the client gives up at 2 s).
    pub late: Duration,
}

/// One fault drawn at random and armed in the simulator: 500 before applying, 502 after
/// applying, a connection dropped after applying, a write that lands `late`, a 429 with
/// budget left (and a 403 when `forbidden`). Returns its description and how many calls
/// it is armed for.
pub fn inject_random(w: &World, rng: &mut StdRng, draw: &FaultDraw<'_>) -> (String, u32) {
    let endpoint = draw.endpoints[rng.random_range(0..draw.endpoints.len())];
    let kinds = if draw.forbidden { 6 } else { 5 };
    let late = format!(
        "applied {} s late (client gives up at 2 s)",
        draw.late.as_secs()
    );
    let (mode, name) = match rng.random_range(0..kinds) {
        0 => (FaultMode::Status(500), "500 before applying".to_owned()),
        1 => (
            FaultMode::StatusAfterApply(502),
            "502 after applying".to_owned(),
        ),
        2 => (
            FaultMode::DropAfterApply,
            "connection dropped after applying".to_owned(),
        ),
        3 => (FaultMode::Delay(draw.late), late),
        4 if draw.forbidden => (
            FaultMode::Status(403),
            "403 (bot not a moderator)".to_owned(),
        ),
        _ => (FaultMode::Status(429), "429 with budget left".to_owned()),
    };
    let count = if draw.max_count > 1 {
        rng.random_range(1..=draw.max_count)
    } else {
        1
    };
    w.sim.state().inject_fault(FaultRequest {
        endpoint,
        count,
        mode,
    });
    (format!("{name} on {endpoint:?}"), count)
}

/// Appellants act: up to two new ones (`{prefix}{i}`, spread over `subs`) while fewer than
/// `target` have written, now and then one writes again, and about a third of the open
/// forms are filled. `convs` holds the conversations started so far.
pub async fn appellants_act(
    w: &World,
    rng: &mut StdRng,
    convs: &mut Vec<String>,
    target: usize,
    subs: &[&str],
    prefix: &str,
) -> anyhow::Result<()> {
    for _ in 0..rng.random_range(0..3) {
        if convs.len() < target {
            let i = convs.len();
            convs.push(w.ban_and_write(
                subs[i % subs.len()],
                &format!("{prefix}{i}"),
                "please unban me",
            )?);
        }
    }
    if !convs.is_empty() && rng.random_bool(0.2) {
        let i = rng.random_range(0..convs.len());
        w.sim
            .state()
            .user_message(UserMessage {
                subreddit: subs[i % subs.len()].into(),
                user: format!("{prefix}{i}"),
                body: "hello?".into(),
                subject: None,
                conversation_id: Some(convs[i].clone()),
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    for a in w.appeals_with(AppealStatus::Prompted).await? {
        if rng.random_bool(0.3) {
            w.submit_form(&a).await?;
        }
    }
    Ok(())
}

/// Two bot accounts over `subs`: the world serves the first `own` with its default
/// account; the others are created here and served by `second`. Both bots moderate every
/// one, so each account's listing shows the other's subreddits too and must leave them
/// alone.
pub async fn share_with_second_account(
    w: &World,
    subs: &[&str],
    own: usize,
    second: &str,
) -> anyhow::Result<()> {
    let account = ServingAccount::Extra(RedditUsername::parse(second)?);
    let all = vec!["all".to_owned()];
    for (i, s) in subs.iter().enumerate() {
        if i >= own {
            w.sim
                .state()
                .add_subreddit(NewSubreddit {
                    name: (*s).to_owned(),
                    moderators: vec![HUMAN_MOD.to_owned()],
                    bot_is_mod: true,
                })
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let sub = SubredditName::parse(s)?;
            w.store.ensure_subreddit(&sub, w.clock.now()).await?;
            w.store
                .assign_account(&sub, &account, w.clock.now())
                .await?;
        }
        w.sim
            .state()
            .set_moderator(s, second, &all)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// Nothing left to send and every conversation's appeal completed; a prompted one gets its
/// form filled meanwhile (its appellant had not got round to it).
pub async fn settled(w: &World, convs: &[String]) -> anyhow::Result<bool> {
    let counts = w.store.journal_counts().await?;
    if counts[&EffectState::Pending] + counts[&EffectState::InFlight] > 0 {
        return Ok(false);
    }
    for c in convs {
        match w.appeal_in(c).await? {
            Some(a) if a.status == AppealStatus::Completed => {}
            Some(a) if a.status == AppealStatus::Prompted => {
                w.submit_form(&a).await?;
                return Ok(false);
            }
            _ => return Ok(false),
        }
    }
    Ok(true)
}
