//! Reddit Mod Notes over real HTTP against the simulator: adding one and reading it back,
//! Reddit's refusals, and a note whose answer is lost (a write: never resent).

#![allow(clippy::unwrap_used)] // tests may panic on the unexpected

mod common;

use appealmod_core::domain::{MOD_NOTE_MAX_CHARS, ModNoteLabel, RedditUsername, SubredditName};
use appealmod_reddit::CallOutcome::Status;
use appealmod_reddit::{Endpoint, RedditClient, RedditError};
use common::{client_at, fast_options, sim_creds};
use reddit_sim::{
    Endpoint as SimEndpoint, FaultMode, FaultRequest, LedgerKind, NewSubreddit, SimConfig,
    SimServer,
};

async fn world() -> (SimServer, RedditClient) {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    sim.state()
        .add_subreddit(NewSubreddit {
            name: "Pics".into(),
            moderators: vec!["human_mod".into()],
            bot_is_mod: true,
        })
        .unwrap();
    sim.state().add_user("Appellant_1").unwrap();
    let c = client_at(&sim.base_url(), sim_creds(), fast_options());
    (sim, c)
}

fn sub() -> SubredditName {
    SubredditName::parse("Pics").unwrap()
}

fn user() -> RedditUsername {
    RedditUsername::parse("Appellant_1").unwrap()
}

#[tokio::test]
async fn a_note_is_added_once_and_reads_back() {
    let (sim, c) = world().await;
    let text = "Appeal submitted 2026-03-01 via AppealMod: https://example.org/a/1";
    let id = c
        .add_mod_note(&sub(), &user(), text, Some(&ModNoteLabel::PermaBan))
        .await
        .unwrap();
    assert!(id.as_str().starts_with("ModNote_"), "{id}");

    let notes = c.mod_notes(&sub(), &user()).await.unwrap();
    assert_eq!(notes.len(), 1);
    let n = &notes[0];
    assert_eq!((&n.id, n.note.as_str()), (&id, text));
    assert_eq!(n.label, Some(ModNoteLabel::PermaBan));
    assert_eq!(
        (n.subreddit.as_str(), n.user.as_str()),
        ("Pics", "Appellant_1")
    );
    assert_eq!(n.operator, sim.state().config().bot.username);

    let ledger = sim.state().ledger();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!(e.kind, LedgerKind::ModNote);
    assert_eq!(
        (e.subreddit.as_deref(), e.user.as_deref()),
        (Some("pics"), Some("appellant_1"))
    );
    assert_eq!(
        (e.body.as_deref(), e.object_id.as_str()),
        (Some(text), id.as_str())
    );
    assert!(e.conversation_id.is_empty());

    assert_eq!(c.counters().count(Endpoint::AddModNote, Status(200)), 1);
    assert_eq!(c.counters().count(Endpoint::ModNotes, Status(200)), 1);
    let sc = sim.state().counters();
    assert_eq!(sc.count(SimEndpoint::AddModNote, 200), 1);
    assert_eq!(sc.count(SimEndpoint::ModNotes, 200), 1);
}

#[tokio::test]
async fn notes_read_back_newest_first_without_a_label() {
    let (_sim, c) = world().await;
    for text in ["first", "second"] {
        c.add_mod_note(&sub(), &user(), text, None).await.unwrap();
    }
    let notes = c.mod_notes(&sub(), &user()).await.unwrap();
    let texts: Vec<&str> = notes.iter().map(|n| n.note.as_str()).collect();
    assert_eq!(texts, ["second", "first"]);
    assert!(notes.iter().all(|n| n.label.is_none()));
    assert!(notes[0].created_at >= notes[1].created_at);
}

#[tokio::test]
async fn reddit_refuses_a_note_over_250_characters_and_applies_nothing() {
    let (sim, c) = world().await;
    let longest = "é".repeat(MOD_NOTE_MAX_CHARS);
    c.add_mod_note(&sub(), &user(), &longest, None)
        .await
        .unwrap();

    let err = c
        .add_mod_note(&sub(), &user(), &format!("{longest}x"), None)
        .await
        .unwrap_err();
    match &err {
        RedditError::Rejected {
            call,
            status,
            message,
        } => {
            assert_eq!((*call, *status), ("add_mod_note", 400));
            assert!(message.contains("250 characters"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.certainly_not_applied());
    assert_eq!(sim.state().mod_notes_on("pics", "appellant_1").len(), 1);
    assert_eq!(sim.state().counters().calls_of(SimEndpoint::AddModNote), 2);
}

#[tokio::test]
async fn unknown_user_and_lost_permission_are_refused() {
    let (sim, c) = world().await;
    let ghost = RedditUsername::parse("nobody_here").unwrap();
    let err = c.add_mod_note(&sub(), &ghost, "x", None).await.unwrap_err();
    assert!(
        matches!(&err, RedditError::Rejected { status: 400, message, .. } if message == "that user doesn't exist"),
        "{err:?}"
    );

    // Mail alone is not Manage Users: the write is refused, the read shows nothing.
    let bot = sim.state().config().bot.username;
    sim.state()
        .set_moderator("pics", &bot, &["mail".to_owned()])
        .unwrap();
    let err = c
        .add_mod_note(&sub(), &user(), "x", None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RedditError::Forbidden {
                call: "add_mod_note",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(c.mod_notes(&sub(), &user()).await.unwrap().is_empty());
    assert!(sim.state().mod_notes().is_empty());
}

#[tokio::test]
async fn a_note_whose_answer_is_lost_is_outcome_unknown_and_applied_once() {
    let (sim, c) = world().await;
    sim.state().inject_fault(FaultRequest {
        endpoint: SimEndpoint::AddModNote,
        count: 1,
        mode: FaultMode::DropAfterApply,
    });
    let err = c
        .add_mod_note(&sub(), &user(), "appeal submitted", None)
        .await
        .unwrap_err();
    match &err {
        RedditError::OutcomeUnknown {
            call,
            conversation_id,
            what,
            ..
        } => {
            assert_eq!(*call, "add_mod_note");
            assert!(conversation_id.is_none());
            assert_eq!(what, "the mod notes of u/Appellant_1 in r/Pics");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.certainly_not_applied());
    assert!(
        err.to_string()
            .contains("read the mod notes of u/Appellant_1 in r/Pics back"),
        "{err}"
    );
    // Not resent: the note is there exactly once, and reading back shows it.
    assert_eq!(sim.state().counters().calls_of(SimEndpoint::AddModNote), 1);
    assert_eq!(sim.state().ledger().len(), 1);
    let notes = c.mod_notes(&sub(), &user()).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].note, "appeal submitted");
}

#[tokio::test]
async fn a_note_answered_5xx_after_apply_is_outcome_unknown_and_not_resent() {
    let (sim, c) = world().await;
    sim.state().inject_fault(FaultRequest {
        endpoint: SimEndpoint::AddModNote,
        count: 1,
        mode: FaultMode::StatusAfterApply(502),
    });
    let err = c
        .add_mod_note(&sub(), &user(), "appeal submitted", None)
        .await
        .unwrap_err();
    assert!(matches!(err, RedditError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(sim.state().counters().calls_of(SimEndpoint::AddModNote), 1);
    assert_eq!(sim.state().mod_notes().len(), 1);
}

#[tokio::test]
async fn a_failed_read_back_is_retried() {
    let (sim, c) = world().await;
    c.add_mod_note(&sub(), &user(), "noted", None)
        .await
        .unwrap();
    sim.state().inject_fault(FaultRequest {
        endpoint: SimEndpoint::ModNotes,
        count: 1,
        mode: FaultMode::Status(503),
    });
    let notes = c.mod_notes(&sub(), &user()).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(c.counters().count(Endpoint::ModNotes, Status(503)), 1);
    assert_eq!(c.counters().count(Endpoint::ModNotes, Status(200)), 1);
}
