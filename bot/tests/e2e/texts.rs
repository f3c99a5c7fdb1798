//! What appellants and moderators read, end to end: the messages say they are automated and
//! until when the link works, an expiring link is renewed (the old one dies), a user who
//! keeps writing after the last reminder is handed over to the moderators, and a Reddit Mod
//! Note is left where the subreddit's console (or, unset, the configuration) wants one;
//! a subreddit whose console chose German gets the bot's messages (the link's expiry
//! included) and the moderators' decisions in German.

use appealmod_core::i18n;
use appealmod_shared::domain::{AppealStatus, Language, SubredditName};
use appealmod_shared::storage::Backend;
use appealmod_shared::token::FormToken;
use appealmod_testkit::world::{HUMAN_MOD, WorldOptions};
use chrono::Duration;
use reddit_sim::LedgerKind;

use super::helpers::*;

appealmod_testkit::on_both_backends!(
    messages_say_they_are_automated_and_until_when_the_link_works,
    an_expiring_link_is_renewed_and_the_old_one_dies,
    after_the_last_reminder_the_conversation_is_handed_over,
    a_reddit_mod_note_is_left_once_even_when_its_answer_is_lost,
    reddit_mod_notes_follow_each_subreddits_console_setting,
    toxic_messages_are_flagged_in_the_note,
    a_german_subreddits_decisions_are_sent_in_german,
    a_german_subreddits_appellants_read_german,
);

fn with_mod_notes(c: &mut appealmod_shared::config::Config) {
    c.bot.reddit_mod_notes = true;
}

/// The personal link in a message.
fn link_in(body: &str) -> String {
    body.split_whitespace()
        .find(|x| x.contains("/appeal/"))
        .map(|x| x.trim_end_matches(['.', ',', ')']).to_owned())
        .unwrap_or_else(|| panic!("no link in {body:?}"))
}

fn token_hash(link: &str) -> String {
    let token = link.rsplit('/').next().expect("token");
    FormToken::parse(token).expect("a token").hash()
}

async fn messages_say_they_are_automated_and_until_when_the_link_works(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "reader1").await;
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    let initial = w.sim.state().ledger_for(&conv)[0]
        .body
        .clone()
        .expect("body");
    let until = appeal
        .token_expires_at
        .format("%-d %B %Y (UTC)")
        .to_string();
    for needle in [
        "This is an automated message on behalf of the moderators of r/pics",
        "2–3 minutes",
        "personal",
        &format!("it works until {until}"),
    ] {
        assert!(initial.contains(needle), "missing {needle:?} in {initial}");
    }
    assert!(
        !initial.contains("They will reply"),
        "no promise of a reply: {initial}"
    );
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let ledger = w.sim.state().ledger_for(&conv);
    let last_reply = ledger
        .iter()
        .rev()
        .find(|e| e.kind == LedgerKind::Reply)
        .and_then(|e| e.body.clone())
        .expect("final message");
    assert!(last_reply.contains("automated message"), "{last_reply}");
    assert!(last_reply.contains("if they answer"), "{last_reply}");
    assert_eq!(
        link_in(&last_reply),
        link_in(&initial),
        "the final message links the appeal's status"
    );
}

async fn an_expiring_link_is_renewed_and_the_old_one_dies(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "late_writer").await;
    let first = w.appeal_in(&conv).await.expect("q").expect("appeal");
    let old_link = link_in(
        &w.sim.state().ledger_for(&conv)[0]
            .body
            .clone()
            .expect("body"),
    );
    assert!(
        w.store
            .appeal_by_token_hash(&token_hash(&old_link))
            .await
            .expect("q")
            .is_some()
    );
    // 29 days later (the link works 30), the user writes again.
    w.advance(Duration::days(29));
    user_writes(&w, "late_writer", &conv, "I still want to appeal");
    w.drain().await.expect("drain");
    let ledger = w.sim.state().ledger_for(&conv);
    assert_eq!(ledger.len(), 4, "a reminder and an archive");
    let reminder = ledger[2].body.clone().expect("reminder");
    let new_link = link_in(&reminder);
    assert_ne!(new_link, old_link, "a fresh link, not the one about to die");
    let renewed = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(renewed.id, first.id, "the same appeal");
    assert!(renewed.token_expires_at > first.token_expires_at + Duration::days(20));
    let until = renewed
        .token_expires_at
        .format("%-d %B %Y (UTC)")
        .to_string();
    assert!(
        reminder.contains(&until),
        "the reminder says until when: {reminder}"
    );
    // The old link is dead, the new one works.
    assert!(
        w.store
            .appeal_by_token_hash(&token_hash(&old_link))
            .await
            .expect("q")
            .is_none()
    );
    let found = w
        .store
        .appeal_by_token_hash(&token_hash(&new_link))
        .await
        .expect("q")
        .expect("the new link opens the appeal");
    assert_eq!(found.id, first.id);
}

async fn after_the_last_reminder_the_conversation_is_handed_over(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "keeps_writing").await;
    for i in 0..4 {
        user_writes(&w, "keeps_writing", &conv, &format!("hello? ({i})"));
        w.drain().await.expect("drain");
    }
    let kinds = kinds(&w, &conv);
    let count = |k: LedgerKind| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(
        count(LedgerKind::Reply),
        4,
        "initial + 3 reminders: {kinds:?}"
    );
    assert_eq!(
        count(LedgerKind::InternalNote),
        1,
        "one hand-over note: {kinds:?}"
    );
    assert_eq!(
        count(LedgerKind::Archive),
        4,
        "not archived after the hand-over: {kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&LedgerKind::InternalNote));
    let state = w.sim.state().conversation(&conv).expect("conv").state;
    assert_ne!(
        state,
        reddit_sim::ConvState::Archived,
        "the moderators see it"
    );
    // Handed over (here decided from the listing alone), the appellant is the moderators'
    // now: no longer followed, exactly as when a moderator steps in.
    let followed = w.store.appellants(None).await.expect("appellants");
    assert!(followed[0].ignored, "handed over: {:?}", followed[0]);
    // Later messages: the bot stays out.
    user_writes(&w, "keeps_writing", &conv, "anyone?");
    w.drain().await.expect("drain");
    assert_eq!(
        kinds.len(),
        self::kinds(&w, &conv).len(),
        "nothing more from the bot"
    );
    // A form submitted after all is still passed on.
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(appeal.status, AppealStatus::Prompted);
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let done = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(done.status, AppealStatus::Completed);
}

async fn a_reddit_mod_note_is_left_once_even_when_its_answer_is_lost(b: Backend) {
    let (_db, w) = world(
        b,
        WorldOptions {
            configure: Some(with_mod_notes),
            ..WorldOptions::default()
        },
    )
    .await;
    let conv = started_appeal(&w, "noted_user").await;
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    // Reddit keeps the note but the answer is lost: the bot must not leave a second one.
    w.sim.state().inject_fault(reddit_sim::FaultRequest {
        endpoint: reddit_sim::Endpoint::AddModNote,
        count: 1,
        mode: reddit_sim::FaultMode::StatusAfterApply(502),
    });
    w.drain().await.expect("drain");
    w.advance(Duration::minutes(10));
    w.drain().await.expect("drain");
    let notes = w.sim.state().mod_notes_on("pics", "noted_user");
    assert_eq!(notes.len(), 1, "exactly one Mod Note: {notes:?}");
    assert!(notes[0].note.chars().count() <= 250, "{}", notes[0].note);
    assert!(
        notes[0].note.starts_with("Ban appeal submitted"),
        "{}",
        notes[0].note
    );
    assert!(
        notes[0].note.contains("/dashboard/r/pics"),
        "{}",
        notes[0].note
    );
    let done = w.appeal_in(&conv).await.expect("q").expect("appeal");
    assert_eq!(done.status, AppealStatus::Completed);
}

/// r/sub_on chose Mod Notes in its console, r/sub_off turned them off, r/sub_unset never
/// chose and has the configured default (on here, so that "off" is seen to override it).
/// The setting is changed after the bot started: it reads it at the completion.
async fn reddit_mod_notes_follow_each_subreddits_console_setting(b: Backend) {
    let subs = ["sub_on", "sub_off", "sub_unset"];
    let (_db, w) = world(
        b,
        WorldOptions {
            subreddits: subs.iter().map(|s| (*s).to_owned()).collect(),
            configure: Some(with_mod_notes),
            ..WorldOptions::default()
        },
    )
    .await;
    for (name, choice) in [("sub_on", Some(true)), ("sub_off", Some(false))] {
        let name = SubredditName::parse(name).expect("sub");
        let mut s = w.store.subreddit(&name).await.expect("get").expect("row");
        s.reddit_mod_notes = choice;
        let changes = w
            .store
            .update_settings(&s, HUMAN_MOD, w.clock.now())
            .await
            .expect("save");
        assert_eq!(changes.len(), 1, "{changes:?}");
    }
    let mut convs = Vec::new();
    for sub in subs {
        let user = format!("user_of_{sub}");
        let conv = w
            .ban_and_write(sub, &user, "Why was I banned? Please unban me.")
            .expect("ban and write");
        convs.push((sub, user, conv));
    }
    w.drain().await.expect("drain");
    // The first Mod Note's answer is lost although Reddit kept it: still one, not two.
    w.sim.state().inject_fault(reddit_sim::FaultRequest {
        endpoint: reddit_sim::Endpoint::AddModNote,
        count: 1,
        mode: reddit_sim::FaultMode::StatusAfterApply(502),
    });
    for (_, _, conv) in &convs {
        let appeal = w.appeal_in(conv).await.expect("q").expect("appeal");
        w.submit_form(&appeal).await.expect("submit");
    }
    w.drain().await.expect("drain");
    w.advance(Duration::minutes(10));
    w.drain().await.expect("drain");
    for (sub, user, conv) in &convs {
        let done = w.appeal_in(conv).await.expect("q").expect("appeal");
        assert_eq!(done.status, AppealStatus::Completed, "r/{sub}");
        let notes = w.sim.state().mod_notes_on(sub, user);
        let want = usize::from(*sub != "sub_off");
        assert_eq!(notes.len(), want, "r/{sub}: {notes:?}");
    }
    assert_eq!(w.sim.state().mod_notes().len(), 2, "none anywhere else");
    assert_eq!(
        w.sim
            .state()
            .counters()
            .calls_of(reddit_sim::Endpoint::AddModNote),
        2,
        "the lost answer was read back, not resent"
    );
}

async fn toxic_messages_are_flagged_in_the_note(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    let conv = started_appeal(&w, "rude_user").await;
    user_writes(&w, "rude_user", &conv, "unban me you fucking idiots");
    w.drain().await.expect("drain");
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let note = w
        .sim
        .state()
        .ledger_for(&conv)
        .into_iter()
        .find(|e| e.kind == LedgerKind::InternalNote)
        .and_then(|e| e.body)
        .expect("the moderators' note");
    let first = note.lines().next().unwrap_or_default().to_owned();
    assert!(first.contains("⚠ toxic language"), "{first}");
    assert!(
        note.contains("Toxic language in the appellant's messages"),
        "{note}"
    );
    assert!(
        !note.contains("fucking"),
        "the note does not repeat the message: {note}"
    );
}

/// A moderator's `!deny rules` in a subreddit whose console chose German: the shipped
/// German denial, with the reason from the ban message.
async fn a_german_subreddits_decisions_are_sent_in_german(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    german(&w).await;
    let conv = started_appeal(&w, "leser2").await;
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    w.sim
        .state()
        .mod_message(reddit_sim::ModMessage {
            conversation_id: conv.clone(),
            moderator: HUMAN_MOD.to_owned(),
            body: "!deny rules".to_owned(),
            internal: true,
        })
        .expect("private note");
    w.drain().await.expect("drain");
    let told = replies(&w, &conv).last().cloned().expect("the decision");
    assert!(
        told.starts_with(
            "Hallo u/leser2. Die Moderatoren von r/pics haben deinen Einspruch geprüft"
        ) && told.contains(
            "Die Regel, um die es ging (Spamming links in comments), ist dieser Community wichtig"
        ),
        "{told}"
    );
}

/// The bot's shipped messages in the subreddit's language, with the link's expiry written
/// the German way, and the final message in German too.
async fn a_german_subreddits_appellants_read_german(b: Backend) {
    let (_db, w) = world(b, WorldOptions::default()).await;
    german(&w).await;
    let conv = started_appeal(&w, "leser1").await;
    let appeal = w.appeal_in(&conv).await.expect("q").expect("appeal");
    let initial = replies(&w, &conv).first().cloned().expect("initial");
    let until = i18n::link_expiry(Language::German, appeal.token_expires_at);
    assert!(
        until.ends_with(" (UTC)") && until.contains(". ") && !until.contains("January"),
        "{until}"
    );
    for needle in [
        "Hallo u/leser1. Dies ist eine automatische Nachricht im Auftrag der Moderatoren von r/pics.",
        "(es dauert 2–3 Minuten)",
        &format!("er funktioniert bis zum {until}."),
    ] {
        assert!(initial.contains(needle), "missing {needle:?} in {initial}");
    }
    w.submit_form(&appeal).await.expect("submit");
    w.drain().await.expect("drain");
    let last = replies(&w, &conv).last().cloned().expect("final message");
    assert!(last.starts_with("Danke, u/leser1."), "{last}");
    assert_eq!(link_in(&last), link_in(&initial), "the status link");
}

/// r/pics with German chosen in its console.
async fn german(w: &appealmod_testkit::world::World) {
    let pics = SubredditName::parse("pics").expect("sub");
    let mut settings = w.store.subreddit(&pics).await.expect("read").expect("pics");
    settings.language = Some(Language::German);
    w.store
        .save_subreddit(&settings, w.clock.now())
        .await
        .expect("save");
}

/// The bodies of the bot's replies in `conv`, in order.
fn replies(w: &appealmod_testkit::world::World, conv: &str) -> Vec<String> {
    w.sim
        .state()
        .ledger_for(conv)
        .iter()
        .filter(|e| e.kind == LedgerKind::Reply)
        .filter_map(|e| e.body.clone())
        .collect()
}
