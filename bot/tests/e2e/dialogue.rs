//! The dialogue, end to end: the unchanged runners against the simulator over HTTP.

use appealmod_bot::failpoints::Failpoint;
use appealmod_core::decide::Step;
use appealmod_shared::domain::{AppealStatus, Outcome};
use appealmod_shared::domain::{ConversationId, Group};
use appealmod_shared::storage::{Backend, EffectState};
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use chrono::Duration;
use reddit_sim::{Endpoint, FaultMode, FaultRequest, LedgerKind, ModMessage, UserMessage};

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    treatment_full_path,
    control_group_gets_zero_writes,
    trigger_exclusions,
    missing_reason_note_is_left_once,
    moderator_stepping_in_stops_the_bot,
    unbanned_and_deleted_users_are_recorded,
    cutoff_stops_following,
    debug_mode_applies_nothing,
    crash_at_every_point_applies_each_effect_once,
    uncertain_writes_are_checked_before_resending,
    a_reminder_proven_by_the_listing_costs_no_read,
    what_the_listing_cannot_prove_is_read_first,
    no_stored_text_opens_an_appeal,
    a_banned_user_who_opens_a_new_conversation_is_engaged_once,
    without_a_ban_notice_to_quote_the_form_states_no_reason,
    two_new_conversations_in_one_pass_share_one_appeal,
);

async fn treatment_full_path(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "appellant1").await;
    assert_eq!(
        kinds(&w, &conv),
        vec![LedgerKind::Reply, LedgerKind::Archive],
        "initial + archive"
    );
    let ledger = w.sim.state().ledger_for(&conv);
    let initial = ledger[0].body.clone().expect("body");
    assert!(
        initial.contains("http://127.0.0.1:8080/appeal/"),
        "personal link: {initial}"
    );
    let appeal = w
        .appeal_in(&conv)
        .await
        .expect("query")
        .expect("appeal exists");
    assert_eq!(appeal.status, AppealStatus::Prompted);
    assert_eq!(appeal.ban_note, "rule 2: spam");
    // Where the appellant reads it on Reddit (their pages link there, not to mod.reddit.com).
    let legacy = w
        .sim
        .state()
        .conversation(&conv)
        .expect("conv")
        .legacy_first_message_id
        .clone();
    assert!(!legacy.is_empty());
    assert_eq!(
        w.store
            .user_message_id(&appeal.conversation_id)
            .await
            .expect("read"),
        Some(legacy)
    );
    assert!(
        w.sim.state().conversation(&conv).expect("conv").state == reddit_sim::ConvState::Archived,
        "archived"
    );

    // Idle passes do nothing more.
    w.drain().await.expect("drain");
    assert_eq!(kinds(&w, &conv).len(), 2);

    // The user writes again without the form: a reminder with the same link.
    user_writes(&w, "appellant1", &conv, "Hello? Anyone?");
    w.drain().await.expect("drain");
    let ledger = w.sim.state().ledger_for(&conv);
    assert_eq!(
        kinds(&w, &conv),
        vec![
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::Reply,
            LedgerKind::Archive
        ]
    );
    let link = |s: &str| {
        s.split_whitespace()
            .find(|x| x.contains("/appeal/"))
            .map(str::to_owned)
    };
    assert_eq!(
        link(ledger[2].body.as_deref().unwrap_or("")),
        link(&initial),
        "the reminder carries the same link"
    );

    // The form is submitted: final reply, mod note, unarchive.
    assert_eq!(
        w.submit_form(&appeal).await.expect("submit"),
        appealmod_shared::storage::SubmitOutcome::Accepted
    );
    w.drain().await.expect("drain");
    let ledger = w.sim.state().ledger_for(&conv);
    assert_eq!(
        ledger.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::Reply,
            LedgerKind::InternalNote,
            LedgerKind::Unarchive
        ]
    );
    let note = ledger[5].body.clone().expect("note");
    assert!(note.contains("No spam, I get it"), "{note}");
    assert!(note.contains("rule 2: spam"), "{note}");
    assert!(
        w.sim.state().conversation(&conv).expect("conv").state != reddit_sim::ConvState::Archived,
        "moderators see it"
    );
    let appeal = w.appeal_in(&conv).await.expect("query").expect("appeal");
    assert_eq!(appeal.status, AppealStatus::Completed);
    let counts = w.store.journal_counts().await.expect("counts");
    assert_eq!(
        (
            counts[&EffectState::Done],
            counts[&EffectState::Pending],
            counts[&EffectState::Failed]
        ),
        (7, 0, 0)
    );

    // Later user messages: the appeal is complete, the bot stays quiet.
    user_writes(&w, "appellant1", &conv, "thanks!");
    w.drain().await.expect("drain");
    assert_eq!(w.sim.state().ledger_for(&conv).len(), 7);
}

/// The bot's dialogue makes 0 writes to a control conversation, however often the user
/// writes; the only writes there are a moderator's decision's, carried out for them (here
/// `!grant` in a private note: the unban, the message, the archive and the confirming
/// note), after which the dialogue is silent again.
async fn control_group_gets_zero_writes(b: Backend) {
    let (_db, w) = world(
        b,
        WorldOptions {
            treatment_fraction: 0.0,
            ..WorldOptions::default()
        },
    )
    .await;
    let conv = started_appeal(&w, "ctrl1").await;
    user_writes(&w, "ctrl1", &conv, "again");
    w.drain().await.expect("drain");
    assert_eq!(writes(&w), 0, "the dialogue never writes to control");
    assert!(w.sim.state().ledger().is_empty());
    let a = w
        .store
        .appellants(Some(Group::Control))
        .await
        .expect("appellants");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].username.as_str(), "ctrl1");
    assert_eq!(a[0].still_banned, Some(true), "status recorded");
    assert!(
        w.store
            .appeals_of(a[0].id)
            .await
            .expect("appeals")
            .is_empty()
    );

    w.sim
        .state()
        .mod_message(ModMessage {
            conversation_id: conv.clone(),
            moderator: HUMAN_MOD.into(),
            body: "!grant".into(),
            internal: true,
        })
        .expect("private note");
    w.drain().await.expect("drain");
    user_writes(&w, "ctrl1", &conv, "thanks!");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &conv),
        [
            LedgerKind::Unban,
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::InternalNote
        ],
        "a moderator's decision's writes only"
    );
    let journal = w
        .store
        .effects_of(&ConversationId::parse(&conv).expect("id"))
        .await
        .expect("journal");
    assert!(
        journal
            .iter()
            .all(|e| e.marker.contains("-decision-") || e.marker.starts_with("command-")),
        "every entry is the decision's or its confirmation: {journal:?}"
    );
}

async fn trigger_exclusions(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    // Temporary ban.
    let temp = ban(&w, "temp1", "cool off", Some("Incivility"), Some(3));
    user_writes(&w, "temp1", &temp, "unban pls");
    // Autoban note.
    let auto = ban(&w, "auto1", "Autoban: brigading", Some("Brigading"), None);
    user_writes(&w, "auto1", &auto, "unban pls");
    // A human moderator already answered.
    let handled = ban(&w, "handled1", "rule 1", Some("Rule 1"), None);
    user_writes(&w, "handled1", &handled, "unban pls");
    w.sim
        .state()
        .mod_message(ModMessage {
            conversation_id: handled.clone(),
            moderator: HUMAN_MOD.into(),
            body: "Let me look.".into(),
            internal: false,
        })
        .expect("mod");
    // Not banned at all: an ordinary modmail.
    let plain = w
        .sim
        .state()
        .user_message(UserMessage {
            subreddit: "pics".into(),
            user: "curious1".into(),
            body: "How do I flair?".into(),
            subject: Some("Flair".into()),
            conversation_id: None,
        })
        .expect("msg")
        .conversation_id;
    // A ban notice nobody answered yet.
    let silent = ban(&w, "silent1", "rule 3", Some("Rule 3"), None);
    w.drain().await.expect("drain");
    for c in [&temp, &auto, &handled, &plain, &silent] {
        assert!(w.sim.state().ledger_for(c).is_empty(), "no effect in {c}");
    }
    assert!(
        w.store
            .appellants(None)
            .await
            .expect("appellants")
            .is_empty(),
        "nobody engaged"
    );
    // The silent user answers later: now the bot engages.
    user_writes(&w, "silent1", &silent, "please");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &silent),
        vec![LedgerKind::Reply, LedgerKind::Archive]
    );
}

async fn missing_reason_note_is_left_once(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = ban(&w, "noreason1", "rule 4", None, None);
    user_writes(&w, "noreason1", &conv, "why?");
    w.drain().await.expect("drain");
    user_writes(&w, "noreason1", &conv, "hello?");
    w.drain().await.expect("drain");
    let ledger = w.sim.state().ledger_for(&conv);
    assert_eq!(
        ledger.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![LedgerKind::InternalNote],
        "one note, nothing else"
    );
    assert!(
        ledger[0]
            .body
            .as_deref()
            .unwrap_or("")
            .contains("ban reason not available")
    );
}

async fn moderator_stepping_in_stops_the_bot(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "stepin1").await;
    w.sim
        .state()
        .mod_message(ModMessage {
            conversation_id: conv.clone(),
            moderator: HUMAN_MOD.into(),
            body: "I'll handle this one.".into(),
            internal: false,
        })
        .expect("mod");
    w.drain().await.expect("drain");
    user_writes(&w, "stepin1", &conv, "ok thanks, but hello?");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds(&w, &conv),
        vec![LedgerKind::Reply, LedgerKind::Archive],
        "no reminder after a moderator stepped in"
    );
    let a = w.store.appellants(None).await.expect("appellants");
    assert!(a[0].ignored);
}

async fn unbanned_and_deleted_users_are_recorded(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let granted = started_appeal(&w, "granted1").await;
    let appeal = w.appeal_in(&granted).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let gone = started_appeal(&w, "gone1").await;
    w.sim.state().unban("pics", "granted1").expect("unban");
    w.sim.state().delete_user("gone1").expect("delete");
    w.advance(Duration::hours(25));
    w.drain().await.expect("drain");
    let all = w.store.appellants(None).await.expect("appellants");
    let g = all
        .iter()
        .find(|a| a.username.as_str() == "granted1")
        .expect("granted1");
    assert_eq!(g.still_banned, Some(false));
    assert_eq!(
        w.appeal_in(&granted)
            .await
            .expect("q")
            .expect("appeal")
            .outcome,
        Some(Outcome::Granted)
    );
    let d = all
        .iter()
        .find(|a| a.username.as_str() == "gone1")
        .expect("gone1");
    assert!(d.user_deleted, "deleted account recorded");
    assert_eq!(kinds(&w, &gone).len(), 2);
}

async fn cutoff_stops_following(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "stale1").await;
    w.advance(Duration::days(15));
    w.drain().await.expect("drain");
    let a = &w.store.appellants(None).await.expect("appellants")[0];
    assert!(a.ignored, "no change for update_cutoff days");
    assert_eq!(
        w.appeal_in(&conv).await.expect("q").expect("appeal").status,
        AppealStatus::Abandoned
    );
    user_writes(&w, "stale1", &conv, "still there?");
    w.drain().await.expect("drain");
    assert_eq!(kinds(&w, &conv).len(), 2, "no longer followed");
}

async fn debug_mode_applies_nothing(b: Backend) {
    let (_db, w) = world(
        b,
        WorldOptions {
            debug: true,
            ..WorldOptions::default()
        },
    )
    .await;
    let conv = ban(&w, "dbg1", "rule 2", Some("Spam"), None);
    user_writes(&w, "dbg1", &conv, "unban");
    let decided = w.drain().await.expect("drain");
    assert!(
        decided.contains(&Step::StartAppeal),
        "it decides: {decided:?}"
    );
    assert_eq!(writes(&w), 0, "and applies nothing");
    let counts = w.store.journal_counts().await.expect("counts");
    assert_eq!(counts.values().sum::<i64>(), 0, "nothing queued either");
}

async fn crash_at_every_point_applies_each_effect_once(b: Backend) {
    for point in Failpoint::ALL {
        let (_db, mut w) = world(b, WorldOptions::default()).await;
        let conv = ban(&w, "crash1", "rule 2", Some("Spam"), None);
        user_writes(&w, "crash1", &conv, "unban");
        // Crash during the initial step, restart, finish.
        w.failpoints.arm(point, 1);
        let mut crashed = false;
        for _ in 0..5 {
            match w.pass().await {
                Err(e) if e.to_string().contains("injected crash") => {
                    crashed = true;
                    break;
                }
                Err(e) => panic!("{point}: unexpected error {e:#}"),
                Ok(_) => {}
            }
        }
        assert!(crashed, "{point} was reached");
        w.restart().await.expect("restart");
        // An entry the crash left in flight is reclaimed once its lease ran out.
        w.advance(Duration::seconds(40));
        w.drain().await.expect("drain after restart");
        // And once more for the completion step.
        let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
        w.submit_form(&appeal).await.expect("submit");
        w.failpoints.arm(point, 1);
        let _ = w.pass().await;
        w.restart().await.expect("restart");
        w.advance(Duration::seconds(40));
        w.drain().await.expect("drain after restart");
        assert_eq!(
            kinds(&w, &conv),
            vec![
                LedgerKind::Reply,
                LedgerKind::Archive,
                LedgerKind::Reply,
                LedgerKind::InternalNote,
                LedgerKind::Unarchive
            ],
            "crash at {point}: every effect exactly once"
        );
        let counts = w.store.journal_counts().await.expect("counts");
        assert_eq!(
            (
                counts[&EffectState::InFlight],
                counts[&EffectState::Pending]
            ),
            (0, 0),
            "{point}"
        );
    }
}

async fn uncertain_writes_are_checked_before_resending(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let s = w.sim.state();
    s.inject_fault(FaultRequest {
        endpoint: Endpoint::Reply,
        count: 1,
        mode: FaultMode::DropAfterApply,
    });
    s.inject_fault(FaultRequest {
        endpoint: Endpoint::Archive,
        count: 1,
        mode: FaultMode::StatusAfterApply(502),
    });
    let conv = ban(&w, "flaky1", "rule 2", Some("Spam"), None);
    user_writes(&w, "flaky1", &conv, "unban");
    w.drain().await.expect("drain");
    // Retries wait for their backoff: move time on and drain again.
    for _ in 0..4 {
        w.advance(Duration::minutes(10));
        w.drain().await.expect("drain");
    }
    assert_eq!(
        kinds(&w, &conv),
        vec![LedgerKind::Reply, LedgerKind::Archive],
        "applied once despite lost answers"
    );
    s.inject_fault(FaultRequest {
        endpoint: Endpoint::Unarchive,
        count: 2,
        mode: FaultMode::Status(503),
    });
    s.inject_fault(FaultRequest {
        endpoint: Endpoint::Get,
        count: 1,
        mode: FaultMode::Status(500),
    });
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    for _ in 0..5 {
        w.drain().await.expect("drain");
        w.advance(Duration::minutes(10));
    }
    assert_eq!(
        kinds(&w, &conv),
        vec![
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::Reply,
            LedgerKind::InternalNote,
            LedgerKind::Unarchive
        ]
    );
    let counts = w.store.journal_counts().await.expect("counts");
    assert_eq!(counts[&EffectState::Done], 5);
}

/// Reads of the conversation (`GET /api/mod/conversations/{id}`) so far.
fn reads(w: &appealmod_testkit::world::World) -> u64 {
    w.sim.state().counters().calls_of(Endpoint::Get)
}

/// The appellant writes once more while the form waits: the listing shows the message and
/// proves it is the only new one, so the reminder goes without reading the conversation —
/// and the message is still assessed for toxicity like every message read.
async fn a_reminder_proven_by_the_listing_costs_no_read(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "listed1").await;
    let before = reads(&w);
    user_writes(
        &w,
        "listed1",
        &conv,
        "Hello? You mods are pathetic losers, unban me NOW.",
    );
    w.drain().await.expect("drain");
    assert_eq!(reads(&w) - before, 0, "no read for the reminder");
    assert_eq!(
        kinds(&w, &conv),
        vec![
            LedgerKind::Reply,
            LedgerKind::Archive,
            LedgerKind::Reply,
            LedgerKind::Archive
        ],
        "a reminder and the archive again"
    );
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(appeal.reminders, 1);
    assert!(
        w.store
            .appeal_toxicity(appeal.id)
            .await
            .expect("toxicity")
            .is_toxic(),
        "the message read from the listing was assessed"
    );
    // The bot's own reminder and archive do not make the next pass read it either; a
    // second message is again proven by the listing alone.
    w.drain().await.expect("drain");
    user_writes(&w, "listed1", &conv, "still waiting");
    w.drain().await.expect("drain");
    assert_eq!(reads(&w) - before, 0, "no read for the second reminder");
    assert_eq!(
        w.appeal_in(&conv)
            .await
            .expect("q")
            .expect("appeal")
            .reminders,
        2
    );
}

/// What the listing cannot prove is read and decided in full: two new messages (both are
/// assessed), and a moderator's private note before the appellant's message (the moderator
/// took over: no reminder).
async fn what_the_listing_cannot_prove_is_read_first(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let two = started_appeal(&w, "twice1").await;
    let before = reads(&w);
    user_writes(&w, "twice1", &two, "You mods are pathetic losers.");
    user_writes(&w, "twice1", &two, "hello?");
    w.drain().await.expect("drain");
    assert_eq!(reads(&w) - before, 1, "two new messages: read once");
    let appeal = w.appeal_in(&two).await.expect("q").expect("appeal");
    assert_eq!(appeal.reminders, 1, "one reminder for both");
    assert!(
        w.store
            .appeal_toxicity(appeal.id)
            .await
            .expect("toxicity")
            .is_toxic(),
        "the earlier of the two messages was read and assessed"
    );

    let noted = started_appeal(&w, "noted1").await;
    w.sim
        .state()
        .mod_message(ModMessage {
            conversation_id: noted.clone(),
            moderator: HUMAN_MOD.into(),
            body: "I know this user, leave it to me.".into(),
            internal: true,
        })
        .expect("private note");
    user_writes(&w, "noted1", &noted, "hello?");
    let before = reads(&w);
    w.drain().await.expect("drain");
    assert_eq!(reads(&w) - before, 1, "read before deciding");
    assert_eq!(
        kinds(&w, &noted),
        vec![LedgerKind::Reply, LedgerKind::Archive],
        "no reminder after a moderator's private note"
    );
}

/// The journal used to keep every reply's full body, working link included: anyone who read
/// a backup could fill in anyone's appeal. Now a stored message holds a placeholder and the
/// sender puts the link in as it calls Reddit — an initial message, a reminder with the same
/// link, a reminder with a renewed one, an uncertain send read back, and the final message.
async fn no_stored_text_opens_an_appeal(b: Backend) {
    let (db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "secret1").await;
    user_writes(&w, "secret1", &conv, "Hello?");
    w.drain().await.expect("drain");
    // Close to the link's expiry: the next reminder carries a fresh link.
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    let left = appeal.token_expires_at - w.clock.now();
    w.advance(left - Duration::hours(20));
    w.sim.state().inject_fault(FaultRequest {
        endpoint: Endpoint::Reply,
        count: 1,
        mode: FaultMode::StatusAfterApply(502),
    });
    user_writes(&w, "secret1", &conv, "Still there?");
    w.drain().await.expect("drain");
    w.advance(Duration::minutes(5));
    w.drain().await.expect("drain");
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(appeal.reminders, 2);
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let signer = &w.ctx.signer;
    let sent: Vec<_> = w
        .sim
        .state()
        .ledger_for(&conv)
        .into_iter()
        .filter_map(|e| e.body)
        .flat_map(|body| appealmod_shared::token::signed_tokens_in(&body, signer))
        .collect();
    assert_eq!(sent.len(), 4, "Reddit got the link four times: {sent:?}");
    assert_eq!(
        kinds(&w, &conv)
            .iter()
            .filter(|k| **k == LedgerKind::Reply)
            .count(),
        4,
        "each message once"
    );
    let stored = db.stored_text().await;
    assert!(
        stored.contains(appealmod_shared::token::STORED_LINK),
        "the scan sees the journal"
    );
    assert_eq!(
        appealmod_shared::token::signed_tokens_in(&stored, signer),
        Vec::new(),
        "no stored text holds a working link"
    );
    assert!(
        !stored.contains("/appeal/"),
        "nor anything that looks like one"
    );
}

/// A new conversation u/`user` opens in r/pics (not an answer to anything).
fn write_new(w: &World, user: &str, body: &str) -> String {
    w.sim
        .state()
        .user_message(UserMessage {
            subreddit: "pics".into(),
            user: user.into(),
            body: body.into(),
            subject: Some("Please unban me".into()),
            conversation_id: None,
        })
        .expect("new conversation")
        .conversation_id
}

/// The personal link the bot's first message in `conv` carries.
fn link_in(w: &World, conv: &str) -> Option<String> {
    w.sim
        .state()
        .ledger_for(conv)
        .first()?
        .body
        .clone()?
        .split_whitespace()
        .find(|x| x.contains("/appeal/"))
        .map(str::to_owned)
}

async fn appeals_of_user(w: &World, user: &str) -> Vec<appealmod_shared::domain::Appeal> {
    let appellant = w
        .store
        .appellant(
            &appealmod_shared::domain::SubredditName::parse("pics").expect("sub"),
            &appealmod_shared::domain::RedditUsername::parse(user).expect("user"),
        )
        .await
        .expect("q")
        .expect("appellant");
    w.store.appeals_of(appellant.id).await.expect("q")
}

/// Calls of one kind made since `before`.
fn calls_since(w: &World, before: &reddit_sim::Counters, ep: Endpoint) -> u64 {
    w.sim.state().counters().calls_of(ep) - before.calls_of(ep)
}

/// A permanently banned user who opens a new conversation instead of answering the ban
/// notice is engaged like the others (the original bot did; this one used to leave the
/// "ban reason not available" note and nothing else), and their form quotes the reason of
/// the ban notice Reddit sent them — found among their recent conversations with the
/// subreddit (`user.recentConvos`) and read: one call more than a conversation that opens
/// with its notice, and no ban-list read. A second new conversation, a day later, while the
/// appeal is open is answered there with the same appeal's link: no second appeal, no
/// second draw of the group.
async fn a_banned_user_who_opens_a_new_conversation_is_engaged_once(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    // Banned with a reason in the notice; they write a fresh message instead of answering.
    let notice = ban(&w, "fresh1", "rule 2", Some("Spam in three threads"), None);
    let banned_at = w.sim.state().conversation(&notice).expect("notice").created;
    w.advance(Duration::hours(3));
    let first = write_new(&w, "fresh1", "Why was I banned? I want to appeal.");
    let before = w.sim.state().counters();
    let pass = w.recent.run_once().await.expect("pass");
    assert_eq!(pass.decided, [Step::StartAppeal]);
    assert_eq!(
        calls_since(&w, &before, Endpoint::Get),
        2,
        "the conversation and the user's ban notice"
    );
    assert_eq!(
        calls_since(&w, &before, Endpoint::Banned),
        0,
        "the notice dates the ban"
    );
    w.drain().await.expect("drain");
    assert_eq!(kinds(&w, &first), [LedgerKind::Reply, LedgerKind::Archive]);
    assert!(kinds(&w, &notice).is_empty(), "the notice is only read");
    let appeal = w.appeal_in(&first).await.expect("q").expect("appeal");
    assert_eq!(
        appeal.ban_reason, "Spam in three threads",
        "the reason their ban notice quoted"
    );
    assert_eq!(appeal.ban_note, "rule 2");
    let dated = appeal.ban_date.expect("ban date");
    assert!(
        (dated - banned_at).num_seconds().abs() < 1,
        "dated by the notice ({banned_at}), not by their message: {dated}"
    );

    // A second new conversation a day later while the appeal is open: the same link, there.
    w.advance(Duration::days(1));
    let second = write_new(&w, "fresh1", "Hello? I wrote before.");
    w.drain().await.expect("drain");
    assert_eq!(kinds(&w, &second), [LedgerKind::Reply, LedgerKind::Archive]);
    assert!(link_in(&w, &first).is_some());
    assert_eq!(
        link_in(&w, &second),
        link_in(&w, &first),
        "the same appeal's link"
    );
    let appeals = appeals_of_user(&w, "fresh1").await;
    assert_eq!(appeals.len(), 1, "one open appeal per user and subreddit");
    assert_eq!(appeals[0].status, AppealStatus::Prompted);
}

/// A user-started conversation of a permanently banned user whose ban notice cannot be
/// found (none was sent) or quotes no reason is engaged all the same; the appeal records
/// no reason (the form then says the moderators did not state one). Without a notice the
/// ban list dates the ban: one call, as for any conversation without the moderators' note.
async fn without_a_ban_notice_to_quote_the_form_states_no_reason(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    w.sim
        .state()
        .ban(reddit_sim::BanRequest {
            subreddit: "pics".into(),
            user: "silent1".into(),
            note: "rule 4".into(),
            reason: Some("Never sent".into()),
            duration_days: None,
            send_message: false,
            moderator: None,
        })
        .expect("ban");
    let unquoted = ban(&w, "plain1", "rule 5", None, None);
    let silent = write_new(&w, "silent1", "Why can't I post?");
    let plain = write_new(&w, "plain1", "Why was I banned?");
    let before = w.sim.state().counters();
    w.recent.run_once().await.expect("pass");
    assert_eq!(
        calls_since(&w, &before, Endpoint::Get),
        3,
        "the two conversations, and the one notice there is"
    );
    assert_eq!(
        calls_since(&w, &before, Endpoint::Banned),
        1,
        "the ban list dates the ban that has no notice"
    );
    w.drain().await.expect("drain");
    for conv in [&silent, &plain] {
        assert_eq!(kinds(&w, conv), [LedgerKind::Reply, LedgerKind::Archive]);
        let appeal = w.appeal_in(conv).await.expect("q").expect("appeal");
        assert_eq!(appeal.ban_reason, "", "no reason stated to them");
        assert!(appeal.ban_date.is_some());
    }
    assert!(
        kinds(&w, &unquoted).is_empty(),
        "the notice without a reason is not written to"
    );
}

/// Two new conversations of one user listed in the same pass: the first starts the appeal,
/// the second is answered with the same link; one appeal, one appellant (one draw).
async fn two_new_conversations_in_one_pass_share_one_appeal(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    ban(&w, "twice1", "rule 2", Some("Spam"), None);
    let first = write_new(&w, "twice1", "Please unban me.");
    w.advance(Duration::minutes(1));
    let second = write_new(&w, "twice1", "Also: I am sorry.");
    let pass = w.recent.run_once().await.expect("pass");
    assert_eq!(
        pass.decided,
        [Step::StartAppeal, Step::Remind],
        "oldest first"
    );
    w.drain().await.expect("drain");
    for conv in [&first, &second] {
        assert_eq!(kinds(&w, conv), [LedgerKind::Reply, LedgerKind::Archive]);
    }
    assert_eq!(
        link_in(&w, &second),
        link_in(&w, &first),
        "the same appeal's link"
    );
    let appeals = appeals_of_user(&w, "twice1").await;
    assert_eq!(appeals.len(), 1);
    assert_eq!(appeals[0].conversation_id.as_str(), first);
    assert_eq!(appeals[0].ban_reason, "Spam");
}
