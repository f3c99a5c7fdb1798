//! The bot's standing in a served subreddit, over HTTP against the simulator: a subreddit
//! whose bot lost its moderator rights is re-checked every few minutes, so a re-invite with
//! nobody at the console is accepted, and the writes held meanwhile are delivered, within
//! that interval rather than at the next daily check.

use appealmod_shared::domain::{BotStanding, SubredditName};
use appealmod_shared::storage::{Backend, EffectState};
use appealmod_testkit::world::{BOT, World, WorldOptions};
use chrono::Duration;
use reddit_sim::LedgerKind;

use super::helpers::*;

appealmod_testkit::on_both_backends!(a_re_invited_bot_delivers_held_writes_without_the_console);

/// As many appeals as waited in the report that found this (issue 19, item 5).
const APPEALS: usize = 9;

const COMPLETE: [LedgerKind; 5] = [
    LedgerKind::Reply,
    LedgerKind::Archive,
    LedgerKind::Reply,
    LedgerKind::InternalNote,
    LedgerKind::Unarchive,
];

async fn all_delivered(w: &World, convs: &[String]) -> bool {
    let c = w.store.journal_counts().await.expect("counts");
    c[&EffectState::Pending] == 0
        && c[&EffectState::InFlight] == 0
        && convs.iter().all(|conv| kinds(w, conv) == COMPLETE)
}

/// The bot is removed as a moderator, nine appellants submit their forms and the final
/// message of each is held (403); a moderator re-invites the bot and never opens the
/// console. The check that finds the invite accepts it and the held writes go out in the
/// same pass, within `bot.attention_check_minutes` of the invite — not 24 hours later.
async fn a_re_invited_bot_delivers_held_writes_without_the_console(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let pics = SubredditName::parse("pics").expect("sub");
    let mut convs = Vec::new();
    for i in 0..APPEALS {
        convs.push(started_appeal(&w, &format!("reinvited{i}")).await);
    }
    let sim = w.sim.state();
    sim.remove_moderator("pics", BOT).expect("remove");
    for conv in &convs {
        let appeal = w.appeal_in(conv).await.expect("q").expect("appeal");
        w.submit_form(&appeal).await.expect("submit");
    }
    w.drain().await.expect("drain");
    assert_eq!(
        w.store.held_effects().await.expect("held"),
        i64::try_from(APPEALS).expect("small"),
        "each final message is held"
    );
    // The refused write made the bot's check due at once: it found itself removed, and
    // checks again within minutes, not at its daily check.
    let st = w
        .store
        .subreddit_status(&pics)
        .await
        .expect("q")
        .expect("row");
    assert!(st.needs_attention(), "{st:?}");
    assert_eq!(st.standing, BotStanding::NotModerator);
    let next = st.next_check_at.expect("scheduled") - w.clock.now();
    assert!(next <= Duration::minutes(5), "next check in {next}");

    // A quarter of an hour without the bot: still held, nothing given up.
    for _ in 0..15 {
        w.advance(Duration::minutes(1));
        w.pass().await.expect("pass");
    }
    assert!(!all_delivered(&w, &convs).await);

    // Re-invited (the only way back on Reddit); nobody opens the console.
    sim.invite_moderator("pics", BOT, &["mail".into(), "access".into()])
        .expect("invite");
    let interval = i64::try_from(w.config.bot.attention_check_minutes).expect("minutes");
    let mut delivered_after = None;
    for minute in 1..=interval + 1 {
        w.advance(Duration::minutes(1));
        w.pass().await.expect("pass");
        if all_delivered(&w, &convs).await {
            delivered_after = Some(minute);
            break;
        }
    }
    let after = delivered_after.expect("delivered within the re-check interval");
    eprintln!("re-invite to delivery: {after} minute(s) of test clock");
    assert!(after <= interval, "{after} min");
    let bot = sim.subreddit("pics").expect("sub");
    assert!(bot.invites.is_empty(), "the invite was accepted");
    assert!(
        w.store
            .permission_problems()
            .await
            .expect("problems")
            .is_empty(),
        "no longer flagged"
    );
    assert_eq!(w.store.held_effects().await.expect("held"), 0);
}
