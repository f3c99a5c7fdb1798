//! The storage suite, run on both backends: a temporary SQLite file and a fresh PostgreSQL
//! database per test.

use appealmod_core::toxicity::{
    self, AssessedForm, AssessedText, Category, Finding, Severity, TextRef, Toxicity,
};
use appealmod_shared::domain::*;
use appealmod_shared::storage::*;
use appealmod_testkit::TestDb;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("valid time")
}
fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).expect("subreddit")
}
fn user(s: &str) -> RedditUsername {
    RedditUsername::parse(s).expect("user")
}
fn conv(s: &str) -> ConversationId {
    ConversationId::parse(s).expect("conversation")
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let db = super::TestDb::sqlite().await; super::$name(&db.store).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { let db = super::TestDb::postgres().await; super::$name(&db.store).await; })*
        }
    };
}

on_both_backends!(
    signup_and_duplicate,
    concurrent_signups_spread_over_the_accounts,
    subreddit_settings_round_trip,
    group_is_drawn_once_per_user_and_subreddit,
    one_form_per_appeal_even_concurrently,
    journal_orders_effects_per_conversation,
    expired_leases_are_reclaimed_unsure_after_the_settle_time,
    a_claim_takes_only_a_due_entry_and_returns_it_as_claimed,
    links_stored_in_clear_by_an_older_version_are_taken_out,
    journal_marker_is_idempotent,
    cursor_only_moves_forward,
    stale_appellants_are_ignored,
    conversation_visits_follow_changes,
    schema_enforces_foreign_keys,
    ban_checks_are_scheduled,
    storage_records_exactly_the_findings_it_is_given,
    a_subreddits_decision_messages_are_stored_and_audited,
);

/// Like `on_both_backends!`, for tests that also write rows through a connection of their own.
macro_rules! on_both_backends_with_url {
    ($($name:ident),* $(,)?) => {
        mod sqlite_raw {
            $(#[tokio::test] async fn $name() { let db = super::TestDb::sqlite().await; super::$name(&db.store, &db.url).await; })*
        }
        mod postgres_raw {
            $(#[tokio::test] async fn $name() { let db = super::TestDb::postgres().await; super::$name(&db.store, &db.url).await; })*
        }
    };
}

on_both_backends_with_url!(
    unknown_enum_values_are_errors_naming_the_column,
    unreadable_times_are_errors_not_1970,
);

/// Rounds of eight sign-ups at once, each choosing the account that serves fewer
/// subreddits: they choose one after the other (each sees every earlier one), so the two
/// accounts gain four each per round. Without the lock, sign-ups that ran side by side saw
/// the same loads (four saw an empty database and all chose the default account).
async fn concurrent_signups_spread_over_the_accounts(store: &Store) {
    let second = ServingAccount::Extra(user("second_bot"));
    for round in 0..5i64 {
        // How many subreddits each sign-up saw signed up before it.
        let seen = std::sync::Mutex::new(Vec::new());
        let choose = |loads: &std::collections::HashMap<ServingAccount, AccountLoad>| {
            let n = |a: &ServingAccount| loads.get(a).map_or(0, |l| l.subreddits);
            if let Ok(mut seen) = seen.lock() {
                seen.push(loads.values().map(|l| l.subreddits).sum::<i64>());
            }
            if n(&second) < n(&ServingAccount::Default) {
                second.clone()
            } else {
                ServingAccount::Default
            }
        };
        let signups: Vec<NewSignup> = (0..8)
            .map(|i| NewSignup {
                name: format!("mod{i}"),
                email: None,
                reddit_username: user(&format!("mod{i}")),
                subreddit: sub(&format!("spread{round}x{i}")),
            })
            .collect();
        // Connections open first, so that the sign-ups run side by side from the start.
        futures_util::future::join_all((0..4).map(|_| store.account_loads(t(0)))).await;
        let outcomes = futures_util::future::join_all(
            signups
                .iter()
                .map(|s| store.create_signup_assigned(s, t(0), t(0), choose)),
        )
        .await;
        for o in outcomes {
            assert_eq!(o.expect("signup"), SignupOutcome::Created);
        }
        let mut seen = seen.into_inner().expect("seen");
        seen.sort_unstable();
        let before = round * 8;
        assert_eq!(
            seen,
            (before..before + 8).collect::<Vec<i64>>(),
            "round {round}: each saw every earlier one"
        );
    }
    let loads = store.account_loads(t(0)).await.expect("loads");
    let n = |a: &ServingAccount| loads.get(a).map_or(0, |l| l.subreddits);
    assert_eq!(
        (n(&ServingAccount::Default), n(&second)),
        (20, 20),
        "{loads:?}"
    );
}

async fn signup_and_duplicate(store: &Store) {
    let s = NewSignup {
        name: "ada_mod".into(),
        email: Some(Email::parse("ada@example.org").expect("email")),
        reddit_username: user("ada_mod"),
        subreddit: sub("r/AskScience"),
    };
    assert_eq!(
        store.create_signup(&s, t(0)).await.expect("signup"),
        SignupOutcome::Created
    );
    let again = NewSignup {
        subreddit: sub("https://www.reddit.com/r/askscience/"),
        email: None,
        ..s.clone()
    };
    assert_eq!(
        store.create_signup(&again, t(1)).await.expect("signup"),
        SignupOutcome::AlreadySignedUp
    );
    let all = store.signups().await.expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].subreddit.as_str(), "AskScience");
    assert!(
        store.enabled_subreddits().await.expect("served").is_empty(),
        "a sign-up starts pending: not served until the bot verified it"
    );
    let status = store
        .subreddit_status(&sub("askscience"))
        .await
        .expect("status")
        .expect("exists");
    assert_eq!(status.state, SubredditState::Pending);
    assert_eq!(status.standing, BotStanding::Unchecked);
    assert_eq!(status.signed_up_by, Some(user("ada_mod")));
    let due = store.due_checks(t(0), 10).await.expect("due");
    assert_eq!(due.len(), 1, "its first check is due at once");
    let log = store.audit_log(&sub("askscience"), 10).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, "ada_mod");
    assert_eq!(log[0].change.field, "signed_up");

    // No e-mail address is needed.
    let bare = NewSignup {
        name: "bo".into(),
        email: None,
        reddit_username: user("bo"),
        subreddit: sub("pics"),
    };
    store.create_signup(&bare, t(2)).await.expect("signup");
    assert_eq!(store.signups().await.expect("list")[1].email, None);
}

async fn a_subreddits_decision_messages_are_stored_and_audited(store: &Store) {
    use appealmod_core::decide::verdict::DecisionTemplates;
    let s = SubredditSettings::new(sub("pics"));
    store.save_subreddit(&s, t(0)).await.expect("save");
    let loaded = store.subreddit(&sub("pics")).await.expect("load");
    assert_eq!(loaded.expect("row").decision_templates, None, "defaults");
    let mut own = DecisionTemplates {
        grant: "Welcome back, u/{username}.".into(),
        ..DecisionTemplates::default()
    };
    own.deny
        .push(("spam".into(), "No: {reason}. \"Quoted\" ✓".into()));
    let edited = SubredditSettings {
        decision_templates: Some(own.clone()),
        ..s.clone()
    };
    let changes = store
        .update_settings(&edited, "a_mod", t(1))
        .await
        .expect("update");
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        ["decision_grant", "decision_denials", "decision_reduce"],
        "set from the defaults: every part counts as set"
    );
    assert_eq!(changes[0].old, None);
    assert_eq!(
        changes[0].new.as_deref(),
        Some("Welcome back, u/{username}.")
    );
    assert!(
        changes[1]
            .new
            .as_deref()
            .is_some_and(|d| d.contains("spam"))
    );
    let loaded = store.subreddit(&sub("pics")).await.expect("load");
    assert_eq!(loaded.expect("row").decision_templates, Some(own.clone()));
    // Changing one text audits that one only.
    let mut again = own.clone();
    again.reduce = "{days} days, u/{username}.".into();
    let later = SubredditSettings {
        decision_templates: Some(again.clone()),
        ..edited
    };
    let changes = store
        .update_settings(&later, "b_mod", t(2))
        .await
        .expect("update");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].field, "decision_reduce");
    assert_eq!(changes[0].old.as_deref(), Some(own.reduce.as_str()));
    let log = store.audit_log(&sub("pics"), 10).await.expect("log");
    assert!(
        log.iter()
            .any(|e| e.actor == "b_mod" && e.change.field == "decision_reduce"),
        "{log:?}"
    );
    let loaded = store.subreddit(&sub("pics")).await.expect("load");
    assert_eq!(loaded.expect("row").decision_templates, Some(again));
}

async fn subreddit_settings_round_trip(store: &Store) {
    let mut s = SubredditSettings::new(sub("pics"));
    s.treatment_fraction = Some(0.25);
    s.messages = Some(Messages {
        initial: "hi {link}".into(),
        ..Messages::default()
    });
    s.form_questions = Some(FormQuestions::default());
    s.appeal_cooldown_days = Some(10);
    s.max_reminders = Some(1);
    s.link_ttl_days = Some(7);
    s.unappealable_marker = Some("#noappeal".into());
    s.blocklist = vec![user("Troll_1"), user("troll2")];
    s.language = Some(Language::PortugueseBrazil);
    s.recusal = Some(true);
    s.public_debrief = Some(false);
    store.save_subreddit(&s, t(0)).await.expect("save");
    assert_eq!(
        store.subreddit(&sub("PICS")).await.expect("load"),
        Some(s.clone())
    );
    assert!(
        store
            .set_subreddit_state(&sub("pics"), SubredditState::Paused, "a_mod", t(1))
            .await
            .expect("pause")
    );
    assert!(
        !store
            .set_subreddit_state(&sub("pics"), SubredditState::Paused, "a_mod", t(1))
            .await
            .expect("pause again"),
        "already paused"
    );
    assert_eq!(
        store.enabled_subreddits().await.expect("served").len(),
        1,
        "a paused subreddit is still listed (promises are kept)"
    );
    store
        .ensure_subreddit(&sub("pics"), t(2))
        .await
        .expect("ensure");
    let kept = store
        .subreddit(&sub("pics"))
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(kept.state, SubredditState::Paused, "ensure keeps the state");

    // The console's change: one audit row per field, in one transaction.
    let mut edited = kept.clone();
    edited.treatment_fraction = Some(0.5);
    edited.max_reminders = Some(2);
    edited.language = Some(Language::German);
    let changes = store
        .update_settings(&edited, "b_mod", t(3))
        .await
        .expect("update");
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["treatment_fraction", "max_reminders", "language"]
    );
    assert!(
        store
            .update_settings(&edited, "b_mod", t(4))
            .await
            .expect("no-op")
            .is_empty()
    );
    let log = store.audit_log(&sub("pics"), 10).await.expect("log");
    assert_eq!(log.len(), 4, "{log:?}");
    assert_eq!(log[0].change.field, "language");
    assert_eq!(log[0].change.old.as_deref(), Some("pt-BR"));
    assert_eq!(log[0].change.new.as_deref(), Some("de"));
    assert_eq!(log[3].change.field, "state");
    assert_eq!(log[3].change.new.as_deref(), Some("paused"));
    let fractions = store
        .fraction_changes(&sub("pics"))
        .await
        .expect("fractions");
    assert_eq!(fractions.len(), 1);
    assert_eq!(fractions[0].at, t(3));
    assert_eq!(fractions[0].change.old.as_deref(), Some("0.25"));
    assert_eq!(fractions[0].change.new.as_deref(), Some("0.5"));
}

async fn group_is_drawn_once_per_user_and_subreddit(store: &Store) {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    store
        .ensure_subreddit(&sub("news"), t(0))
        .await
        .expect("sub");
    let mut draws = 0;
    let c1 = store
        .record_contact(
            &sub("pics"),
            &user("Alice"),
            &conv("a1"),
            || {
                draws += 1;
                Group::Control
            },
            t(1),
        )
        .await
        .expect("first contact");
    assert!(c1.new_appellant && c1.new_conversation);
    assert_eq!(c1.appellant.group, Group::Control);
    let c2 = store
        .record_contact(
            &sub("pics"),
            &user("alice"),
            &conv("a2"),
            || {
                draws += 1;
                Group::Treatment
            },
            t(2),
        )
        .await
        .expect("returning");
    assert!(!c2.new_appellant && c2.new_conversation);
    assert_eq!(
        c2.appellant.group,
        Group::Control,
        "a returning user keeps the group"
    );
    assert_eq!(c2.appellant.id, c1.appellant.id);
    let c3 = store
        .record_contact(
            &sub("pics"),
            &user("alice"),
            &conv("a2"),
            || {
                draws += 1;
                Group::Treatment
            },
            t(3),
        )
        .await
        .expect("same conversation again");
    assert!(!c3.new_conversation);
    assert_eq!(draws, 1, "the group is drawn once");
    assert_eq!(
        store
            .conversations_of(c1.appellant.id)
            .await
            .expect("convs"),
        vec![conv("a1"), conv("a2")]
    );
    let other = store
        .record_contact(
            &sub("news"),
            &user("alice"),
            &conv("b1"),
            || Group::Treatment,
            t(4),
        )
        .await
        .expect("other subreddit");
    assert!(other.new_appellant, "one appellant per (user, subreddit)");
    assert_eq!(
        store
            .appellant_for_conversation(&conv("b1"))
            .await
            .expect("by conv")
            .map(|a| a.id),
        Some(other.appellant.id)
    );
}

async fn new_appeal(store: &Store, conversation: &str) -> AppealId {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    let c = store
        .record_contact(
            &sub("pics"),
            &user("bob"),
            &conv(conversation),
            || Group::Treatment,
            t(1),
        )
        .await
        .expect("contact");
    let mut tx = store.begin().await.expect("tx");
    let id = tx
        .create_appeal(
            &NewAppeal {
                appellant_id: c.appellant.id,
                conversation_id: conv(conversation),
                token_expires_at: t(86_400),
                ban_note: "rule 2".into(),
                ban_reason: "spam".into(),
                ban_date: Some(t(-100)),
                ban_permanent: true,
            },
            t(2),
        )
        .await
        .expect("appeal");
    tx.set_appeal_token_hash(id, &format!("hash-{conversation}"))
        .await
        .expect("hash");
    tx.commit().await.expect("commit");
    id
}

fn answers(at: DateTime<Utc>, text: &str) -> FormAnswers {
    FormAnswers {
        answers: vec![Answer {
            question_id: "rule".into(),
            label: "Rule?".into(),
            value: AnswerValue::Text(text.into()),
        }],
        opened_at: Some(at - Duration::seconds(120)),
        submitted_at: at,
    }
}

/// Storage assesses nothing: it records the findings its caller hands it, even ones the
/// core would never produce for these texts (a clean answer found severe, a message it
/// never saw), and ignores findings of the wrong kind for the call.
async fn storage_records_exactly_the_findings_it_is_given(store: &Store) {
    let id = new_appeal(store, "c9").await;
    let appeal = store.appeal(id).await.expect("get").expect("found");
    let severe = |category| Toxicity {
        toxic: true,
        highest: Some(Finding {
            category,
            severity: Severity::Severe,
        }),
    };
    let found = |source, toxicity| AssessedText {
        source,
        written_at: t(5),
        toxicity,
    };
    let message = TextRef::Message("m-not-assessed".to_owned());
    let answer = TextRef::Answer("rule".to_owned());
    store
        .record_conversation_findings(
            appeal.appellant_id,
            &appeal.conversation_id,
            &[
                found(message.clone(), severe(Category::Sexual)),
                found(
                    TextRef::Answer("ignored".to_owned()),
                    severe(Category::Mean),
                ),
            ],
            t(6),
        )
        .await
        .expect("message findings");
    let polite = answers(t(30), "Thank you for reading this.");
    assert!(!toxicity::combined(&AssessedForm::of(polite.clone()).findings).toxic);
    let form = AssessedForm {
        answers: polite,
        findings: vec![
            found(answer.clone(), severe(Category::Offensive)),
            found(
                TextRef::Message("ignored".to_owned()),
                severe(Category::Mean),
            ),
        ],
    };
    assert_eq!(
        store.submit_form(id, &form).await.expect("submit"),
        SubmitOutcome::Accepted
    );
    let stored = store.appeal_toxicity(id).await.expect("toxicity");
    assert_eq!(stored.toxic_texts, vec![message, answer]);
    assert_eq!(
        stored.toxicity,
        severe(Category::Offensive),
        "the worst of the two"
    );
}

async fn one_form_per_appeal_even_concurrently(store: &Store) {
    let id = new_appeal(store, "c1").await;
    let found = store
        .appeal_by_token_hash("hash-c1")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.id, id);
    assert_eq!(found.status, AppealStatus::Prompted);
    assert_eq!(found.subreddit.as_str(), "pics");
    store.mark_appeal_opened(id, t(10)).await.expect("open");
    store
        .mark_appeal_opened(id, t(20))
        .await
        .expect("open again");
    assert_eq!(
        store
            .appeal(id)
            .await
            .expect("get")
            .expect("found")
            .opened_at,
        Some(t(10)),
        "first open counts"
    );

    let (first, second) = (
        AssessedForm::of(answers(t(30), "first")),
        AssessedForm::of(answers(t(31), "second")),
    );
    let (a, b) = tokio::join!(
        store.submit_form(id, &first),
        store.submit_form(id, &second)
    );
    let mut outcomes = vec![a.expect("submit a"), b.expect("submit b")];
    outcomes.sort_by_key(|o| *o == SubmitOutcome::AlreadyReceived);
    assert_eq!(
        outcomes,
        vec![SubmitOutcome::Accepted, SubmitOutcome::AlreadyReceived]
    );
    let stored = store
        .form_answers(id)
        .await
        .expect("answers")
        .expect("present");
    assert!(
        matches!(&stored.answers[0].value, AnswerValue::Text(s) if s == "first" || s == "second")
    );
    let appeal = store.appeal(id).await.expect("get").expect("found");
    assert_eq!(appeal.status, AppealStatus::Submitted);
    assert!(appeal.submitted_at.is_some());

    let pending = store.unprocessed_submissions(10).await.expect("pending");
    assert_eq!(pending.iter().map(|a| a.id).collect::<Vec<_>>(), vec![id]);
    let mut tx = store.begin().await.expect("tx");
    tx.mark_submission_processed(id, t(40))
        .await
        .expect("processed");
    tx.set_appeal_status(id, AppealStatus::Completed, t(40))
        .await
        .expect("status");
    tx.commit().await.expect("commit");
    assert!(
        store
            .unprocessed_submissions(10)
            .await
            .expect("pending")
            .is_empty()
    );
    assert_eq!(
        store
            .appeal(id)
            .await
            .expect("get")
            .expect("found")
            .completed_at,
        Some(t(40))
    );
}

fn effect(c: &str, kind: EffectKind, marker: &str) -> NewEffect {
    NewEffect {
        appeal_id: None,
        conversation_id: conv(c),
        kind,
        body: Some(format!("body {marker}")),
        marker: marker.into(),
        step: None,
        completes_appeal: false,
    }
}

async fn journal_orders_effects_per_conversation(store: &Store) {
    let mut tx = store.begin().await.expect("tx");
    for e in [
        effect("c1", EffectKind::Reply, "m1"),
        effect("c1", EffectKind::Archive, "m2"),
        effect("c2", EffectKind::Reply, "m3"),
    ] {
        assert!(tx.enqueue_effect(&e, t(0)).await.expect("enqueue"));
    }
    tx.commit().await.expect("commit");
    let due = store.due_effects(t(1), 10).await.expect("due");
    assert_eq!(
        due.iter().map(|e| e.marker.as_str()).collect::<Vec<_>>(),
        vec!["m1", "m3"],
        "one at a time per conversation"
    );
    assert!(
        store
            .claim_effect(due[0].id, t(1), LEASE)
            .await
            .expect("claim")
            .is_some()
    );
    assert!(
        store
            .claim_effect(due[0].id, t(1), LEASE)
            .await
            .expect("claim twice")
            .is_none(),
        "a claim is exclusive"
    );
    assert_eq!(store.in_flight_effects().await.expect("in flight").len(), 1);
    assert_eq!(
        store.due_effects(t(1), 10).await.expect("due").len(),
        1,
        "c1's archive waits for its reply"
    );
    store.complete_effect(due[0].id, t(2)).await.expect("done");
    let due = store.due_effects(t(2), 10).await.expect("due");
    assert_eq!(
        due.iter().map(|e| e.marker.as_str()).collect::<Vec<_>>(),
        vec!["m2", "m3"]
    );
    assert!(
        store
            .claim_effect(due[1].id, t(2), LEASE)
            .await
            .expect("claim")
            .is_some()
    );
    store
        .retry_effect(due[1].id, "HTTP 503", t(100), false, t(2))
        .await
        .expect("retry");
    assert_eq!(
        store.due_effects(t(50), 10).await.expect("due").len(),
        1,
        "not before its time"
    );
    let e = &store.effects_of(&conv("c2")).await.expect("effects")[0];
    assert_eq!((e.attempts, e.last_error.as_deref()), (1, Some("HTTP 503")));
    store
        .fail_effect(e.id, "gave up", t(3))
        .await
        .expect("fail");
    let counts = store.journal_counts().await.expect("counts");
    assert_eq!(counts[&EffectState::Done], 1);
    assert_eq!(counts[&EffectState::Pending], 1);
    assert_eq!(counts[&EffectState::Failed], 1);
    assert_eq!(counts[&EffectState::InFlight], 0);
}

const LEASE: Duration = Duration::seconds(60);

async fn expired_leases_are_reclaimed_unsure_after_the_settle_time(store: &Store) {
    let mut tx = store.begin().await.expect("tx");
    assert!(
        tx.enqueue_effect(&effect("l1", EffectKind::Reply, "lease-1"), t(0))
            .await
            .expect("enqueue")
    );
    tx.commit().await.expect("commit");
    let e = store.due_effects(t(1), 10).await.expect("due").remove(0);
    assert!(
        store
            .claim_effect(e.id, t(1), LEASE)
            .await
            .expect("claim")
            .is_some()
    );
    let settle = Duration::seconds(20);
    // The sender is alive (lease running): nobody takes its entry.
    assert_eq!(
        store.reclaim_expired(t(30), settle).await.expect("reclaim"),
        0
    );
    assert_eq!(store.in_flight_effects().await.expect("in flight").len(), 1);
    // It died (or lost the database) mid-call: after the lease, back to pending, unsure,
    // not before the settle time counted from the attempt's start.
    assert_eq!(
        store.reclaim_expired(t(62), settle).await.expect("reclaim"),
        1
    );
    let back = &store.effects_of(&conv("l1")).await.expect("effects")[0];
    assert_eq!(back.state, EffectState::Pending);
    assert!(back.unsure, "its outcome is unknown");
    assert_eq!(back.not_before, t(21));
    assert_eq!(back.attempt_started_at, Some(t(1)));
    // Held for a permission: the wait's start is kept across retries.
    assert!(
        store
            .claim_effect(back.id, t(70), LEASE)
            .await
            .expect("claim")
            .is_some()
    );
    store
        .hold_effect(back.id, "403", t(3670), t(70))
        .await
        .expect("hold");
    assert!(
        store
            .claim_effect(back.id, t(3700), LEASE)
            .await
            .expect("claim")
            .is_some()
    );
    store
        .hold_effect(back.id, "403", t(7300), t(3700))
        .await
        .expect("hold");
    let held = &store.effects_of(&conv("l1")).await.expect("effects")[0];
    // Unsure since the lease ran out: a 403 later says nothing of that attempt.
    assert_eq!((held.held_since, held.unsure), (Some(t(70)), true));
    assert_eq!(store.held_effects().await.expect("held"), 1);
}

/// Two senders list the same due entries; the first tries one and its outcome is unknown.
/// The second, working from its older list, must neither take the entry before its settle
/// time nor believe the entry was never tried: the claim decides both, from the row itself.
async fn a_claim_takes_only_a_due_entry_and_returns_it_as_claimed(store: &Store) {
    let mut tx = store.begin().await.expect("tx");
    for e in [
        effect("k1", EffectKind::Reply, "k-1"),
        effect("k1", EffectKind::Archive, "k-2"),
    ] {
        assert!(tx.enqueue_effect(&e, t(0)).await.expect("enqueue"));
    }
    tx.commit().await.expect("commit");
    let listed = store.due_effects(t(1), 10).await.expect("due").remove(0);
    let first = store
        .claim_effect(listed.id, t(1), LEASE)
        .await
        .expect("claim")
        .expect("due and free");
    assert_eq!(
        (first.state, first.attempts, first.unsure),
        (EffectState::InFlight, 1, false)
    );
    // The first sender's call answered 502: unknown outcome, read back after t(30).
    store
        .retry_effect(first.id, "HTTP 502", t(30), true, t(2))
        .await
        .expect("retry");
    assert_eq!(
        store
            .claim_effect(listed.id, t(3), LEASE)
            .await
            .expect("claim"),
        None,
        "a second sender's stale list does not make the entry due before its settle time"
    );
    let again = store
        .claim_effect(listed.id, t(30), LEASE)
        .await
        .expect("claim")
        .expect("due");
    assert!(
        again.unsure,
        "the claimed row says: read back before sending"
    );
    assert_eq!(again.attempts, 2);
    // The lease is renewed by its holder only (fenced by the attempt number).
    assert!(
        store
            .renew_lease(again.id, 2, t(40), LEASE)
            .await
            .expect("renew")
    );
    assert!(
        !store
            .renew_lease(again.id, 1, t(40), LEASE)
            .await
            .expect("renew stale")
    );
    // A later attempt that certainly failed keeps the entry unsure.
    store
        .retry_effect(again.id, "HTTP 429", t(50), false, t(41))
        .await
        .expect("retry");
    let row = &store.effects_of(&conv("k1")).await.expect("effects")[0];
    assert!(row.unsure, "read back before any resend, whoever holds it");
    // The archive is not claimable while the reply before it is unfinished.
    let archive = &store.effects_of(&conv("k1")).await.expect("effects")[1];
    assert_eq!(
        store
            .claim_effect(archive.id, t(60), LEASE)
            .await
            .expect("claim"),
        None
    );
}

/// Rows written before links were kept out of the database: migrating rewrites them, and
/// the sender fills the placeholder in from the appeal when it sends.
async fn links_stored_in_clear_by_an_older_version_are_taken_out(store: &Store) {
    use appealmod_shared::config::Secret;
    use appealmod_shared::token::{LinkSigner, STORED_LINK, signed_tokens_in};
    let signer = LinkSigner::new(&Secret::new("a-link-secret-of-some-length-0123456789"));
    let link = signer.link("https://appeals.example.org", AppealId(5), t(86_400));
    let mut old = effect("s1", EffectKind::Reply, "clear-1");
    old.body = Some(format!(
        "Please fill in [this form]({link}) by Friday.\n\n{link}"
    ));
    let mut tx = store.begin().await.expect("tx");
    assert!(tx.enqueue_effect(&old, t(0)).await.expect("enqueue"));
    tx.commit().await.expect("commit");
    store.migrate().await.expect("migrate");
    store.migrate().await.expect("migrate again");
    let body = store.effects_of(&conv("s1")).await.expect("effects")[0]
        .body
        .clone()
        .expect("body");
    assert_eq!(
        body,
        format!("Please fill in [this form]({STORED_LINK}) by Friday.\n\n{STORED_LINK}")
    );
    assert!(signed_tokens_in(&body, &signer).is_empty());
}

async fn journal_marker_is_idempotent(store: &Store) {
    let mut tx = store.begin().await.expect("tx");
    assert!(
        tx.enqueue_effect(&effect("c9", EffectKind::Note, "same"), t(0))
            .await
            .expect("first")
    );
    assert!(
        !tx.enqueue_effect(&effect("c9", EffectKind::Note, "same"), t(0))
            .await
            .expect("second")
    );
    tx.commit().await.expect("commit");
    // A rolled-back transaction leaves no intent behind.
    let mut tx = store.begin().await.expect("tx");
    assert!(
        tx.enqueue_effect(&effect("c9", EffectKind::Reply, "rolled-back"), t(0))
            .await
            .expect("enqueue")
    );
    tx.rollback().await.expect("rollback");
    assert_eq!(
        store.effects_of(&conv("c9")).await.expect("effects").len(),
        1
    );
}

async fn cursor_only_moves_forward(store: &Store) {
    assert_eq!(store.cursor("all").await.expect("cursor"), None);
    store
        .advance_cursor("all", t(100), t(0))
        .await
        .expect("advance");
    store
        .advance_cursor("all", t(50), t(1))
        .await
        .expect("older");
    assert_eq!(store.cursor("all").await.expect("cursor"), Some(t(100)));
    store
        .advance_cursor("all", t(200), t(2))
        .await
        .expect("newer");
    assert_eq!(store.cursor("all").await.expect("cursor"), Some(t(200)));
}

async fn stale_appellants_are_ignored(store: &Store) {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    let old = store
        .record_contact(
            &sub("pics"),
            &user("old"),
            &conv("o1"),
            || Group::Treatment,
            t(0),
        )
        .await
        .expect("old");
    let fresh = store
        .record_contact(
            &sub("pics"),
            &user("fresh"),
            &conv("f1"),
            || Group::Treatment,
            t(0),
        )
        .await
        .expect("fresh");
    store
        .update_appellant(
            fresh.appellant.id,
            &StatusUpdate {
                last_update: Some(t(1000)),
                ..Default::default()
            },
            t(1000),
        )
        .await
        .expect("update");
    let stale = store.stale_appellants(t(500), 100).await.expect("stale");
    assert_eq!(
        stale.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![old.appellant.id]
    );
    let mut tx = store.begin().await.expect("begin");
    assert!(
        tx.retire_appellant(old.appellant.id, t(500), t(2000))
            .await
            .expect("retire")
    );
    // Retired once: a second runner that listed it too retires nothing.
    assert!(
        !tx.retire_appellant(old.appellant.id, t(500), t(2000))
            .await
            .expect("again")
    );
    // Changed since it was listed: not retired.
    assert!(
        !tx.retire_appellant(fresh.appellant.id, t(500), t(2000))
            .await
            .expect("fresh")
    );
    tx.commit().await.expect("commit");
    assert!(
        store
            .appellant_by_id(old.appellant.id)
            .await
            .expect("get")
            .expect("found")
            .ignored
    );
    assert!(
        !store
            .appellant_by_id(fresh.appellant.id)
            .await
            .expect("get")
            .expect("found")
            .ignored
    );
    // last_update never moves backwards.
    store
        .update_appellant(
            fresh.appellant.id,
            &StatusUpdate {
                last_update: Some(t(10)),
                still_banned: Some(false),
                ..Default::default()
            },
            t(2000),
        )
        .await
        .expect("update");
    let a = store
        .appellant_by_id(fresh.appellant.id)
        .await
        .expect("get")
        .expect("found");
    assert_eq!(
        (a.last_update, a.still_banned),
        (Some(t(1000)), Some(false))
    );
}

async fn conversation_visits_follow_changes(store: &Store) {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    store
        .record_contact(
            &sub("pics"),
            &user("t1"),
            &conv("v1"),
            || Group::Treatment,
            t(0),
        )
        .await
        .expect("t");
    store
        .record_contact(
            &sub("pics"),
            &user("c1"),
            &conv("v2"),
            || Group::Control,
            t(0),
        )
        .await
        .expect("c");
    // Control too: a moderator's command or hand unban there is found by reading it (the
    // dialogue still never writes to it).
    let visit = store.conversations_to_visit(10).await.expect("visit");
    assert_eq!(
        visit.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        vec!["v1", "v2"],
    );
    for c in ["v1", "v2"] {
        store
            .mark_conversation_visited(&conv(c), t(100), None)
            .await
            .expect("visited");
    }
    assert!(
        store
            .conversations_to_visit(10)
            .await
            .expect("visit")
            .is_empty()
    );
    assert!(
        !store
            .note_conversation_update(&conv("v1"), t(100))
            .await
            .expect("same time"),
        "unchanged"
    );
    assert!(
        store
            .note_conversation_update(&conv("v1"), t(101))
            .await
            .expect("newer")
    );
    assert_eq!(
        store.conversations_to_visit(10).await.expect("visit").len(),
        1
    );
    assert_eq!(
        store
            .tracked_conversation(&conv("v1"))
            .await
            .expect("tracked"),
        Some(Some(t(100)))
    );
    // A late visit of an older state (debug mode's write was unguarded and moved the seen
    // time backwards) leaves the newer one.
    store
        .mark_conversation_visited(&conv("v1"), t(50), Some(3))
        .await
        .expect("late visit");
    assert_eq!(
        store
            .tracked_conversation(&conv("v1"))
            .await
            .expect("tracked"),
        Some(Some(t(100))),
        "never backwards"
    );
    assert_eq!(
        store
            .tracked_conversation(&conv("zz"))
            .await
            .expect("tracked"),
        None
    );
}

async fn schema_enforces_foreign_keys(store: &Store) {
    let err = store
        .record_contact(
            &sub("unknownsub"),
            &user("x"),
            &conv("x1"),
            || Group::Treatment,
            t(0),
        )
        .await;
    assert!(err.is_err(), "an appellant needs a known subreddit");
    let ok = store
        .submit_form(AppealId(999), &AssessedForm::of(answers(t(0), "x")))
        .await;
    assert!(ok.is_err(), "a submission needs an appeal");
}

async fn ban_checks_are_scheduled(store: &Store) {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    let a = store
        .record_contact(
            &sub("pics"),
            &user("u1"),
            &conv("b1"),
            || Group::Control,
            t(0),
        )
        .await
        .expect("a");
    let b = store
        .record_contact(
            &sub("pics"),
            &user("u2"),
            &conv("b2"),
            || Group::Treatment,
            t(0),
        )
        .await
        .expect("b");
    assert_eq!(
        store.due_ban_checks(t(10), 10).await.expect("due").len(),
        2,
        "never checked = due"
    );
    store
        .update_appellant(
            a.appellant.id,
            &StatusUpdate {
                next_ban_check_at: Some(t(3600)),
                still_banned: Some(true),
                ..Default::default()
            },
            t(10),
        )
        .await
        .expect("schedule");
    let due = store.due_ban_checks(t(20), 10).await.expect("due");
    assert_eq!(
        due.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![b.appellant.id]
    );
    assert_eq!(
        store.due_ban_checks(t(20), 1).await.expect("due").len(),
        1,
        "bounded"
    );
    assert_eq!(
        store.due_ban_checks(t(4000), 10).await.expect("due").len(),
        2
    );
}

/// Writes what the store never would, the way a bad manual fix or a bug elsewhere could:
/// on a connection of its own, with the CHECK constraint of `table.column` lifted (the schema
/// refuses unknown enum strings, and a test must get past it to see what the reader does).
async fn corrupt(url: &str, table: &str, column: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    let mut c = sqlx::AnyConnection::connect(url)
        .await
        .expect("raw connection");
    let lift = if url.starts_with("sqlite:") {
        "PRAGMA ignore_check_constraints = ON".to_owned()
    } else {
        format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_{column}_check")
    };
    c.execute(lift.as_str()).await.expect("lift the check");
    c.execute(sql).await.expect("corrupt the row");
    c.close().await.expect("close");
}

/// The error is `Corrupt` and names the column and the bad value: never a default.
fn assert_corrupt<T: std::fmt::Debug>(got: Result<T, StoreError>, column: &str, value: &str) {
    match got {
        Err(StoreError::Corrupt(msg)) => {
            assert!(msg.contains(column), "{msg:?} should name {column}");
            assert!(msg.contains(value), "{msg:?} should show {value}");
        }
        other => panic!("expected a Corrupt error naming {column}, got {other:?}"),
    }
}

async fn unknown_enum_values_are_errors_naming_the_column(store: &Store, url: &str) {
    let id = new_appeal(store, "k1").await;
    let appellant = store
        .appeal(id)
        .await
        .expect("get")
        .expect("found")
        .appellant_id;
    corrupt(
        url,
        "appeals",
        "status",
        "UPDATE appeals SET status = 'escalated'",
    )
    .await;
    assert_corrupt(store.appeal(id).await, "appeals.status", "escalated");
    assert_corrupt(
        store.appeals_of(appellant).await,
        "appeals.status",
        "escalated",
    );

    corrupt(
        url,
        "appellants",
        "grp",
        "UPDATE appellants SET grp = 'placebo'",
    )
    .await;
    assert_corrupt(
        store.appellant_by_id(appellant).await,
        "appellants.grp",
        "placebo",
    );

    let mut tx = store.begin().await.expect("tx");
    tx.enqueue_effect(&effect("k1", EffectKind::Reply, "k-m1"), t(0))
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    corrupt(url, "journal", "kind", "UPDATE journal SET kind = 'shout'").await;
    assert_corrupt(store.effects_of(&conv("k1")).await, "journal.kind", "shout");
    corrupt(url, "journal", "state", "UPDATE journal SET state = 'lost'").await;
    assert_corrupt(store.journal_counts().await, "journal.state", "lost");

    corrupt(
        url,
        "subreddits",
        "state",
        "UPDATE subreddits SET state = 'sleeping'",
    )
    .await;
    assert_corrupt(
        store.subreddit(&sub("pics")).await,
        "subreddits.state",
        "sleeping",
    );
}

async fn unreadable_times_are_errors_not_1970(store: &Store, url: &str) {
    let id = new_appeal(store, "u1").await;
    // Beyond any time chrono can hold.
    corrupt(
        url,
        "appeals",
        "created_at",
        "UPDATE appeals SET created_at = 9223372036854775807",
    )
    .await;
    assert_corrupt(
        store.appeal(id).await,
        "appeals.created_at",
        "9223372036854775807",
    );

    let mut tx = store.begin().await.expect("tx");
    tx.enqueue_effect(&effect("u1", EffectKind::Note, "u-m1"), t(0))
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    corrupt(
        url,
        "journal",
        "not_before",
        "UPDATE journal SET not_before = -5",
    )
    .await;
    assert_corrupt(
        store.effects_of(&conv("u1")).await,
        "journal.not_before",
        "-5",
    );

    store
        .advance_cursor("all", t(100), t(0))
        .await
        .expect("advance");
    // SQLite keeps whatever is written, text in an integer column included; PostgreSQL
    // refuses that, so it gets a time before 1970 instead.
    let (value, shown) = if url.starts_with("sqlite:") {
        ("'yesterday'", "TEXT")
    } else {
        ("-1", "-1")
    };
    corrupt(
        url,
        "sync_cursors",
        "last_updated",
        &format!("UPDATE sync_cursors SET last_updated = {value}"),
    )
    .await;
    assert_corrupt(
        store.cursor("all").await,
        "sync_cursors.last_updated",
        shown,
    );
}
