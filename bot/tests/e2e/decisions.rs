//! Moderators decide completed appeals — from the console (as the site records it) or by a
//! command in a private note in modmail — and the bot carries each decision out exactly
//! once; a ban lifted by hand in modmail is recorded from the conversation's mod actions.

use appealmod_core::decide::verdict::{Channel, DecisionTemplates, Verdict, decide_appeal};
use appealmod_core::readout::CaseOutcome;
use appealmod_shared::domain::{
    Appeal, AppealStatus, Group, Outcome, RedditUsername, SubredditName,
};
use appealmod_shared::effects::decision_entries;
use appealmod_shared::storage::{Backend, ReadoutFilter, Recorded};
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use reddit_sim::{
    Endpoint, FaultMode, FaultRequest, LedgerKind, ModActionKind, ModActionRequest, ModMessage,
};

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    grant_from_modmail_lifts_the_ban_once_and_confirms,
    deny_with_a_template_and_reduce_from_modmail,
    commands_from_the_appellant_or_unknown_commands_decide_nothing,
    two_console_decisions_at_once_give_one,
    a_ban_lifted_by_hand_in_modmail_is_recorded_without_a_ban_check,
    an_unban_refused_with_403_is_held_then_carried_out,
    a_removed_moderators_command_does_nothing,
    a_console_grant_costs_three_calls,
    deny_from_modmail_on_a_control_conversation,
    the_moderator_who_banned_in_modmail_is_recorded,
    recusal_refuses_the_banning_moderators_command_with_one_note,
);

/// A completed appeal of `user` (the form submitted and passed on).
async fn completed(w: &World, user: &str) -> (String, Appeal) {
    let conv = started_appeal(w, user).await;
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(appeal.status, AppealStatus::Completed);
    (conv, appeal)
}

/// A decision as the console records it: the page's state, the subreddit's message, the
/// core's plan, stored with its journal entries (or refused when another came first).
async fn console_decision(
    w: &World,
    appeal: &Appeal,
    verdict: Verdict,
    by: &RedditUsername,
) -> Recorded {
    let now = w.clock.now();
    let state = w.store.decision_state(appeal.id).await.expect("state");
    let message = DecisionTemplates::default()
        .render(verdict, None, appeal)
        .expect("message");
    // The page read the state before the other click landed, or after it.
    let Ok(plan) = decide_appeal(appeal, &state, verdict, message, by, now) else {
        return Recorded::AlreadyDecided(state);
    };
    let effects = decision_entries(&plan, &appeal.conversation_id);
    w.store
        .record_decision(&plan, &effects, by, Channel::Console, now)
        .await
        .expect("record")
}

fn note(w: &World, conv: &str, moderator: &str, body: &str) {
    w.sim
        .state()
        .mod_message(ModMessage {
            conversation_id: conv.to_owned(),
            moderator: moderator.to_owned(),
            body: body.to_owned(),
            internal: true,
        })
        .expect("private note");
}

/// What the bot did in the conversation after the dialogue (initial, archive, final, note,
/// unarchive).
fn after_dialogue(w: &World, conv: &str) -> Vec<LedgerKind> {
    kinds(w, conv).into_iter().skip(5).collect()
}

fn banned(w: &World, user: &str) -> bool {
    w.sim.state().active_ban("pics", user).is_some()
}

async fn grant_from_modmail_lifts_the_ban_once_and_confirms(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "granted1").await;
    note(&w, &conv, HUMAN_MOD, "!grant");
    w.drain().await.expect("drain");
    assert_eq!(
        after_dialogue(&w, &conv),
        [
            LedgerKind::Unban,
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::InternalNote
        ],
        "unbanned, told, archived, confirmed to the moderators"
    );
    assert!(!banned(&w, "granted1"));
    let ledger = w.sim.state().ledger_for(&conv);
    assert!(
        ledger[6]
            .body
            .as_deref()
            .unwrap_or("")
            .contains("lifted your ban"),
        "{:?}",
        ledger[6].body
    );
    let state = w.store.decision_state(appeal.id).await.expect("state");
    let (outcome, by, _) = state.decided.expect("decided");
    assert_eq!((outcome, by), (Outcome::Granted, format!("u/{HUMAN_MOD}")));
    // Read again and again: the command is carried out once.
    w.sim.state().reset_counters();
    user_writes(&w, "granted1", &conv, "thank you!");
    w.drain().await.expect("drain");
    assert_eq!(after_dialogue(&w, &conv).len(), 4, "nothing doubled");
    assert_eq!(
        w.sim.state().counters().calls_of(Endpoint::Moderators),
        0,
        "an answered command costs no moderator-list call when the conversation is read again"
    );
}

async fn deny_with_a_template_and_reduce_from_modmail(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (denied, _) = completed(&w, "denied1").await;
    note(&w, &denied, HUMAN_MOD, "!deny rules");
    w.drain().await.expect("drain");
    assert_eq!(
        after_dialogue(&w, &denied),
        [
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::InternalNote
        ]
    );
    let told = w.sim.state().ledger_for(&denied)[5]
        .body
        .clone()
        .unwrap_or_default();
    assert!(
        told.contains("the rule it was for (Spamming links in comments)"),
        "{told}"
    );
    assert!(banned(&w, "denied1"), "the ban stays");

    let (reduced, appeal) = completed(&w, "reduced1").await;
    note(&w, &reduced, HUMAN_MOD, "!reduce 7");
    w.drain().await.expect("drain");
    assert_eq!(after_dialogue(&w, &reduced)[0], LedgerKind::TempBan);
    let ban = w
        .sim
        .state()
        .active_ban("pics", "reduced1")
        .expect("still banned");
    assert_eq!(ban.duration_days, Some(7), "temporary now");
    let state = w.store.decision_state(appeal.id).await.expect("state");
    assert_eq!(
        state.decided.map(|d| d.0),
        Some(Outcome::Denied),
        "a ban remains"
    );
}

async fn commands_from_the_appellant_or_unknown_commands_decide_nothing(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "sneaky1").await;
    // The appellant's own message is never a command, and is never echoed.
    user_writes(&w, "sneaky1", &conv, "!grant");
    w.drain().await.expect("drain");
    assert!(after_dialogue(&w, &conv).is_empty());
    // An unknown command from a moderator: one note listing the commands.
    note(&w, &conv, HUMAN_MOD, "!unbann please");
    w.drain().await.expect("drain");
    w.drain().await.expect("drain");
    assert_eq!(after_dialogue(&w, &conv), [LedgerKind::InternalNote]);
    let help = w.sim.state().ledger_for(&conv)[5]
        .body
        .clone()
        .unwrap_or_default();
    assert!(
        help.contains("`!grant`") && !help.contains("unbann"),
        "{help}"
    );
    assert!(
        help.contains("Denial messages in r/pics: `default`, `rules`, `too-soon`."),
        "the subreddit's own names, for `!deny <name>`: {help}"
    );
    assert!(banned(&w, "sneaky1"));
    let state = w.store.decision_state(appeal.id).await.expect("state");
    assert_eq!(state.decided, None);
}

/// Two moderators click at once in the console: one decision, the other is told whose.
async fn two_console_decisions_at_once_give_one(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "twice1").await;
    let decide = |verdict: Verdict, by: &str| {
        let by = RedditUsername::parse(by).expect("user");
        let (w, appeal) = (&w, appeal.clone());
        async move { console_decision(w, &appeal, verdict, &by).await }
    };
    let (a, b2) = tokio::join!(
        decide(Verdict::Grant, HUMAN_MOD),
        decide(Verdict::Deny, "another_mod")
    );
    let stored = [&a, &b2]
        .iter()
        .filter(|r| ***r == Recorded::Stored)
        .count();
    assert_eq!(stored, 1, "{a:?} {b2:?}");
    let other = if a == Recorded::Stored { b2 } else { a };
    let Recorded::AlreadyDecided(state) = other else {
        panic!("the second is told")
    };
    assert!(state.decided.is_some(), "who and when");
    w.drain().await.expect("drain");
    let writes = after_dialogue(&w, &conv);
    assert!(
        writes == [LedgerKind::Unban, LedgerKind::Reply, LedgerKind::Archive]
            || writes == [LedgerKind::Reply, LedgerKind::Archive],
        "one decision carried out: {writes:?}"
    );
}

async fn a_ban_lifted_by_hand_in_modmail_is_recorded_without_a_ban_check(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "byhand1").await;
    w.sim
        .state()
        .mod_action(ModActionRequest {
            conversation_id: conv.clone(),
            moderator: HUMAN_MOD.to_owned(),
            action: ModActionKind::Unban,
        })
        .expect("unban by hand");
    assert!(!banned(&w, "byhand1"));
    w.sim.state().reset_counters();
    w.drain().await.expect("drain");
    let state = w.store.decision_state(appeal.id).await.expect("state");
    let (outcome, by, _) = state.decided.expect("recorded in the next pass");
    assert_eq!((outcome, by), (Outcome::Granted, format!("u/{HUMAN_MOD}")));
    assert_eq!(
        w.sim.state().counters().calls_of(Endpoint::Banned),
        0,
        "no ban check used"
    );
    assert!(
        after_dialogue(&w, &conv).is_empty(),
        "the bot writes nothing"
    );
    let _ = SubredditName::parse("pics");
}

async fn an_unban_refused_with_403_is_held_then_carried_out(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, _) = completed(&w, "held1").await;
    w.sim.state().inject_fault(FaultRequest {
        endpoint: Endpoint::Unban,
        count: 1,
        mode: FaultMode::Status(403),
    });
    note(&w, &conv, HUMAN_MOD, "!grant");
    w.drain().await.expect("drain");
    assert!(
        after_dialogue(&w, &conv).is_empty(),
        "held: nothing after it goes first"
    );
    assert!(banned(&w, "held1"));
    // The permission is back: the held unban goes at its retry, then the rest.
    w.advance(chrono::Duration::minutes(61));
    w.drain().await.expect("drain");
    assert_eq!(
        after_dialogue(&w, &conv),
        [
            LedgerKind::Unban,
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::InternalNote
        ]
    );
    assert!(!banned(&w, "held1"));
}

/// A moderator who lost Mail (or was removed: the note could not be written then) is no
/// longer one the bot obeys: Reddit's moderator list is asked at the command.
async fn a_removed_moderators_command_does_nothing(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "removed1").await;
    w.sim
        .state()
        .set_moderator("pics", HUMAN_MOD, &["posts".into()])
        .expect("Mail taken away");
    note(&w, &conv, HUMAN_MOD, "!grant");
    w.drain().await.expect("drain");
    assert!(
        after_dialogue(&w, &conv).is_empty(),
        "no answer, no decision"
    );
    assert!(banned(&w, "removed1"));
    let state = w.store.decision_state(appeal.id).await.expect("state");
    assert_eq!(state.decided, None);
}

/// A decision taken in the console costs the bot three Reddit calls: the unban, the
/// message, the archive (no read).
async fn a_console_grant_costs_three_calls(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "budget1").await;
    let by = RedditUsername::parse(HUMAN_MOD).expect("user");
    assert_eq!(
        console_decision(&w, &appeal, Verdict::Grant, &by).await,
        Recorded::Stored
    );
    w.sim.state().reset_counters();
    w.drain().await.expect("drain");
    let c = w.sim.state().counters();
    let calls: u64 = [
        Endpoint::Unban,
        Endpoint::Reply,
        Endpoint::Archive,
        Endpoint::Get,
        Endpoint::Banned,
        Endpoint::Moderators,
    ]
    .iter()
    .map(|e| c.calls_of(*e))
    .sum();
    println!(
        "calls for a console grant: {calls} (unban {}, reply {}, archive {})",
        c.calls_of(Endpoint::Unban),
        c.calls_of(Endpoint::Reply),
        c.calls_of(Endpoint::Archive)
    );
    assert_eq!(calls, 3);
    assert_eq!(
        after_dialogue(&w, &conv),
        [LedgerKind::Unban, LedgerKind::Reply, LedgerKind::Archive]
    );
}

/// A control appellant has no appeal until a moderator acts: `!deny` in a private note
/// records their control appeal and the decision at once, and the bot carries it out for
/// the moderator (the message, the archive, the confirming note; no unban). The readout
/// counts it as the control group's denial at that time.
async fn deny_from_modmail_on_a_control_conversation(b: Backend) {
    let (_db, w) = world(
        b,
        WorldOptions {
            treatment_fraction: 0.0,
            ..WorldOptions::default()
        },
    )
    .await;
    let conv = started_appeal(&w, "ctrl_denied").await;
    assert!(kinds(&w, &conv).is_empty(), "the dialogue: 0 writes");
    note(&w, &conv, HUMAN_MOD, "!deny too-soon");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &conv),
        [
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::InternalNote
        ]
    );
    let told = w.sim.state().ledger_for(&conv)[0]
        .body
        .clone()
        .unwrap_or_default();
    assert!(told.contains("keep your ban for now"), "{told}");
    assert!(banned(&w, "ctrl_denied"));
    let appeal = w
        .appeal_in(&conv)
        .await
        .expect("q")
        .expect("the control appeal");
    assert_eq!(appeal.outcome, Some(Outcome::Denied));
    let state = w.store.decision_state(appeal.id).await.expect("state");
    assert_eq!(
        state.decided.map(|(o, by, _)| (o, by)),
        Some((Outcome::Denied, format!("u/{HUMAN_MOD}")))
    );
    let record = w
        .store
        .decision_record(appeal.id)
        .await
        .expect("record")
        .expect("decided");
    assert_eq!(record.via, Some(Channel::ModmailCommand));
    let rows = w
        .store
        .readout_rows(&ReadoutFilter::default())
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].group, Group::Control);
    assert_eq!(rows[0].outcome, CaseOutcome::Denied);
    assert_eq!(rows[0].decided_at, Some(record.at));
    assert_eq!(
        rows[0].link_sent_at, None,
        "a decision's message is no link"
    );
    // A second command (read once the user's message brings the archived conversation
    // back): one decision stands, the bot says so in one note, the dialogue stays silent.
    note(&w, &conv, HUMAN_MOD, "!grant");
    user_writes(&w, "ctrl_denied", &conv, "please reconsider");
    w.drain().await.expect("drain");
    assert!(banned(&w, "ctrl_denied"), "already decided: no unban");
    let after = kinds(&w, &conv);
    assert_eq!(
        after,
        [
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::InternalNote,
            LedgerKind::InternalNote
        ]
    );
    let answer = w.sim.state().ledger_for(&conv)[3]
        .body
        .clone()
        .unwrap_or_default();
    assert!(answer.contains("already decided (denied)"), "{answer}");
    assert_eq!(
        w.appeals_with(AppealStatus::Completed)
            .await
            .expect("q")
            .len(),
        1
    );
}

/// Where Reddit names who banned — a ban done from the modmail conversation, in its
/// `modActions` — the bot records that moderator; a ban from the ban list stays unknown.
async fn the_moderator_who_banned_in_modmail_is_recorded(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let (conv, appeal) = completed(&w, "banned_in_modmail").await;
    let id = appealmod_shared::domain::ConversationId::parse(&conv).expect("id");
    assert_eq!(w.store.banned_by(&id).await.expect("read"), None, "unknown");
    let state = w.store.decision_state(appeal.id).await.expect("state");
    assert_eq!(state.banned_by, None);
    w.sim
        .state()
        .mod_action(ModActionRequest {
            conversation_id: conv.clone(),
            moderator: HUMAN_MOD.into(),
            action: ModActionKind::Ban,
        })
        .expect("a ban in modmail");
    user_writes(&w, "banned_in_modmail", &conv, "why again?");
    w.drain().await.expect("drain");
    let state = w.store.decision_state(appeal.id).await.expect("state");
    assert_eq!(
        state.banned_by.as_ref().map(RedditUsername::as_str),
        Some(HUMAN_MOD)
    );
}

/// With recusal on, the moderator who banned in modmail may not decide by a command: one
/// private note says why, and nothing is carried out.
async fn recusal_refuses_the_banning_moderators_command_with_one_note(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let pics = SubredditName::parse("pics").expect("sub");
    let mut settings = w.store.subreddit(&pics).await.expect("read").expect("pics");
    settings.recusal = Some(true);
    w.store
        .save_subreddit(&settings, w.clock.now())
        .await
        .expect("save");
    let (conv, appeal) = completed(&w, "recused2").await;
    w.sim
        .state()
        .mod_action(ModActionRequest {
            conversation_id: conv.clone(),
            moderator: HUMAN_MOD.into(),
            action: ModActionKind::Ban,
        })
        .expect("a ban in modmail");
    note(&w, &conv, HUMAN_MOD, "!grant");
    w.drain().await.expect("drain");
    assert_eq!(after_dialogue(&w, &conv), [LedgerKind::InternalNote]);
    let said = w.sim.state().ledger_for(&conv)[5]
        .body
        .clone()
        .unwrap_or_default();
    assert!(
        said.contains(&format!(
            "u/{HUMAN_MOD} issued this ban and may not decide it"
        )),
        "{said}"
    );
    assert!(banned(&w, "recused2"));
    assert_eq!(
        w.store.decision_state(appeal.id).await.expect("s").decided,
        None
    );
    // Read again: the refusal is not repeated.
    user_writes(&w, "recused2", &conv, "any news?");
    w.drain().await.expect("drain");
    assert_eq!(after_dialogue(&w, &conv), [LedgerKind::InternalNote]);
}
