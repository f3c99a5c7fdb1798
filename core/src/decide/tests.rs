//! Every branch of the trigger and the dialogue, as tables.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::domain::*;
use crate::domain::{AppealId, AppellantId};

const BOT: &str = "appealmod_bot";

fn t(mins: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().expect("time") + Duration::minutes(mins)
}

fn author(name: &str, is_mod: bool) -> Author {
    Author {
        name: name.into(),
        is_mod,
        is_admin: false,
        is_participant: !is_mod,
        is_deleted: false,
        is_hidden: false,
    }
}

fn msg(id: &str, who: &str, is_mod: bool, body: &str, at: i64) -> Message {
    Message {
        id: id.into(),
        author: author(who, is_mod),
        body_markdown: body.into(),
        is_internal: false,
        date: t(at),
    }
}

/// A conversation like Reddit's ban notice with a quoted reason, answered by the user.
struct Conv {
    c: Conversation,
}

impl Conv {
    fn ban_reply(id: &str) -> Self {
        let ban_notice = msg(
            "m1",
            "a_moderator",
            true,
            "You have been permanently banned from participating in r/pics.\n\n> Rule 2: no spam\n\nYou can reply to appeal.",
            0,
        );
        let c = Conversation {
            summary: ConversationSummary {
                id: ConversationId::parse(id).expect("id"),
                subreddit: SubredditName::parse("pics").expect("sub"),
                subject: "You've been permanently banned from participating in r/pics".into(),
                state: ConversationState::InProgress,
                last_updated: t(1),
                last_user_update: Some(t(1)),
                last_mod_update: Some(t(0)),
                participant: Some(RedditUsername::parse("appellant").expect("user")),
                num_messages: 2,
                is_auto: false,
                legacy_first_message_id: None,
            },
            authors: vec![author("a_moderator", true), author("appellant", false)],
            messages: vec![
                ban_notice,
                msg("m2", "appellant", false, "please unban me", 1),
            ],
            mod_actions: vec![],
            participant: Some(ParticipantInfo {
                name: RedditUsername::parse("appellant").expect("user"),
                is_banned: true,
                ban_is_permanent: true,
                ban_end: None,
                ban_reason: "spam".into(),
                is_muted: false,
                is_suspended: false,
                is_shadow_banned: false,
                recent_conversations: Vec::new(),
            }),
        };
        Self { c }
    }
    fn with(mut self, f: impl FnOnce(&mut Conversation)) -> Self {
        f(&mut self.c);
        self
    }
    fn push(self, m: Message) -> Self {
        self.with(|c| c.messages.push(m))
    }
}

fn ban(note: &str) -> BanEntry {
    BanEntry {
        user: RedditUsername::parse("appellant").expect("user"),
        date: t(0),
        note: note.into(),
    }
}

fn settings() -> DialogueSettings {
    DialogueSettings {
        messages: Messages::default(),
        cooldown: Duration::days(30),
        max_reminders: 2,
        questions: FormQuestions::default(),
        fast_fill_secs: 30,
        console_link: Some("https://site.test/dashboard/r/pics".into()),
        renew_before: Duration::days(2),
        link_ttl: Duration::days(7),
        mod_notes: false,
        language: Language::English,
    }
}

fn appeal(status: AppealStatus, conversation: &str) -> Appeal {
    Appeal {
        id: AppealId(1),
        appellant_id: AppellantId(1),
        subreddit: SubredditName::parse("pics").expect("sub"),
        username: RedditUsername::parse("appellant").expect("user"),
        conversation_id: ConversationId::parse(conversation).expect("id"),
        token_expires_at: t(60 * 24 * 30),
        ban_note: "rule 2".into(),
        ban_reason: "spam".into(),
        ban_date: Some(t(0)),
        ban_permanent: true,
        status,
        reminders: 0,
        outcome: None,
        created_at: t(2),
        opened_at: None,
        completed_at: None,
        submitted_at: None,
    }
}

fn form() -> FormAnswers {
    FormAnswers {
        answers: vec![Answer {
            question_id: "rule".into(),
            label: "Rule?".into(),
            value: AnswerValue::Text("no spam".into()),
        }],
        opened_at: Some(t(10)),
        submitted_at: t(13),
    }
}

fn treatment() -> AppellantFacts {
    AppellantFacts {
        group: Group::Treatment,
        ignored: false,
        user_deleted: false,
    }
}

fn run(
    conv: &Conversation,
    ban_entry: Option<&BanEntry>,
    who: AppellantFacts,
    appeals: &[Appeal],
    f: Option<&FormAnswers>,
    now: i64,
) -> Decision {
    let trigger = Trigger::original();
    let s = settings();
    decide(&Input {
        now: t(now),
        bot: BOT,
        conversation: conv,
        ban: ban_entry,
        trigger: &trigger,
        appellant: who,
        appeals,
        form: f,
        toxic: false,
        settings: &s,
    })
}

fn bot_reply(at: i64) -> Message {
    msg(
        "b1",
        BOT,
        true,
        "Please fill in the form: https://x/appeal/abc",
        at,
    )
}

#[test]
fn trigger_table() {
    let ok = ban("spamming links");
    let cases: Vec<(&str, Conversation, Option<BanEntry>, TriggerOutcome)> = vec![
        (
            "engages on a permanent ban with a reason",
            Conv::ban_reply("c1").c,
            Some(ok.clone()),
            TriggerOutcome::Engage,
        ),
        (
            "a ban notice the user has not answered",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.messages.pop();
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("participant_wrote".into()),
        ),
        (
            "not banned",
            Conv::ban_reply("c1")
                .with(|c| c.participant.as_mut().expect("p").is_banned = false)
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("participant_banned".into()),
        ),
        (
            "no participant",
            Conv::ban_reply("c1").with(|c| c.participant = None).c,
            None,
            TriggerOutcome::Skip("participant_banned".into()),
        ),
        (
            "temporary ban by subject",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.summary.subject =
                        "You've been temporarily banned from participating in r/pics".into()
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("not ban_is_temporary".into()),
        ),
        (
            "temporary ban by ban status",
            Conv::ban_reply("c1")
                .with(|c| c.participant.as_mut().expect("p").ban_is_permanent = false)
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("not ban_is_temporary".into()),
        ),
        (
            "a human moderator wrote",
            Conv::ban_reply("c1")
                .push(msg("m3", "other_mod", true, "We'll look", 2))
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("not human_moderator_wrote".into()),
        ),
        (
            "the bot's own message does not count as a human moderator",
            Conv::ban_reply("c1").push(bot_reply(2)).c,
            Some(ok.clone()),
            TriggerOutcome::Engage,
        ),
        (
            "AutoModerator does not count as a human moderator",
            Conv::ban_reply("c1")
                .push(msg("m3", "AutoModerator", true, "auto", 2))
                .c,
            Some(ok.clone()),
            TriggerOutcome::Engage,
        ),
        (
            "reason missing: no quote in the ban notice",
            Conv::ban_reply("c1")
                .with(|c| c.messages[0].body_markdown = "You have been banned.".into())
                .c,
            Some(ok.clone()),
            TriggerOutcome::NoteMissingReason,
        ),
        // Many banned users write a fresh message instead of answering the ban notice:
        // they are engaged like the others (the form says no reason was stated there).
        (
            "a permanently banned user started the conversation",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.messages.remove(0);
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Engage,
        ),
        (
            "a temporarily banned user started the conversation",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.messages.remove(0);
                    c.summary.subject = "Please unban me".into();
                    if let Some(p) = c.participant.as_mut() {
                        p.ban_is_permanent = false;
                    }
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("not ban_is_temporary".into()),
        ),
        (
            "a user who is not banned started the conversation",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.messages.remove(0);
                    if let Some(p) = c.participant.as_mut() {
                        p.is_banned = false;
                    }
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("participant_banned".into()),
        ),
        (
            "an empty quote is no reason",
            Conv::ban_reply("c1")
                .with(|c| c.messages[0].body_markdown = "Banned.\n\n>   \n".into())
                .c,
            Some(ok.clone()),
            TriggerOutcome::NoteMissingReason,
        ),
        (
            "autoban note",
            Conv::ban_reply("c1").c,
            Some(ban("Autoban: brigading")),
            TriggerOutcome::Skip("not ban_note_starts_with(Autoban)".into()),
        ),
        (
            "handled by ArchangelleN8theGr8",
            Conv::ban_reply("c1")
                .push(msg("m3", "ArchangelleN8theGr8", true, "x", 2))
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("not human_moderator_wrote".into()),
        ),
        (
            "saferbot took a mod action",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.mod_actions.push(ModAction {
                        id: "a1".into(),
                        author: author("saferbot", true),
                        kind: ModActionKind::Ban,
                        date: t(0),
                    })
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip("not author_is_one_of(ArchangelleN8theGr8, saferbot)".into()),
        ),
        (
            "anti-brigade bot as plain author, missing reason: no note either",
            Conv::ban_reply("c1")
                .with(|c| {
                    c.messages[0].body_markdown = "Banned.".into();
                    c.authors.push(author("SaferBot", false));
                })
                .c,
            Some(ok.clone()),
            TriggerOutcome::Skip(
                "none of: ban_reason_present, user_started; not author_is_one_of(ArchangelleN8theGr8, saferbot)".into(),
            ),
        ),
    ];
    let trigger = Trigger::original();
    for (name, conv, ban_entry, expected) in cases {
        assert_eq!(
            trigger.evaluate(&conv, ban_entry.as_ref(), BOT),
            expected,
            "case: {name}"
        );
    }
}

#[test]
fn missing_reason_note_is_left_once() {
    let trigger = Trigger::original();
    let conv = Conv::ban_reply("c1")
        .with(|c| c.messages[0].body_markdown = "Banned.".into())
        .c;
    let first = triage(&conv, None, &trigger, BOT);
    assert_eq!(
        first,
        Some(Decision::NoteMissingReason(vec![Action::Note(
            MISSING_REASON_NOTE.into()
        )]))
    );
    let noted = Conv { c: conv }
        .push(Message {
            is_internal: true,
            ..msg("n1", BOT, true, MISSING_REASON_NOTE, 2)
        })
        .c;
    assert_eq!(
        triage(&noted, None, &trigger, BOT),
        Some(Decision::Nothing(Quiet::AlreadyNoted))
    );
    assert_eq!(
        triage(&Conv::ban_reply("c2").c, None, &trigger, BOT),
        None,
        "engage is left to decide()"
    );
}

/// (name, conversation, ban entry, appellant, appeals, form, minutes after start, expected)
type DialogueCase<'a> = (
    &'a str,
    &'a Conversation,
    Option<&'a BanEntry>,
    AppellantFacts,
    Vec<Appeal>,
    Option<&'a FormAnswers>,
    i64,
    Decision,
);

#[test]
fn dialogue_table() {
    let c1 = Conv::ban_reply("c1").c;
    let prompted = Conv::ban_reply("c1").push(bot_reply(3)).c;
    let wrote_again = Conv::ban_reply("c1")
        .push(bot_reply(3))
        .push(msg("m4", "appellant", false, "hello??", 5))
        .c;
    let mod_stepped_in = Conv::ban_reply("c1")
        .push(bot_reply(3))
        .push(msg("m4", "other_mod", true, "Let me check", 5))
        .c;
    let internal_by_mod = Conv::ban_reply("c1")
        .push(bot_reply(3))
        .push(Message {
            is_internal: true,
            ..msg("m4", "other_mod", true, "I'll take this", 5)
        })
        .c;
    let new_conv = Conv::ban_reply("c2")
        .with(|c| {
            c.messages.remove(0);
        })
        .c;
    let control = AppellantFacts {
        group: Group::Control,
        ..treatment()
    };
    let ignored = AppellantFacts {
        ignored: true,
        ..treatment()
    };
    let deleted = AppellantFacts {
        user_deleted: true,
        ..treatment()
    };
    let mut reminded_twice = appeal(AppealStatus::Prompted, "c1");
    reminded_twice.reminders = 2;
    let mut denied = appeal(AppealStatus::Completed, "c1");
    denied.outcome = Some(Outcome::Denied);
    denied.completed_at = Some(t(20));
    let mut granted = appeal(AppealStatus::Completed, "c1");
    granted.outcome = Some(Outcome::Granted);
    granted.completed_at = Some(t(20));
    let new_ban = BanEntry {
        date: t(60 * 24),
        ..ban("again")
    };
    let f = form();
    let any_ban = ban("x");
    let c3 = Conv::ban_reply("c3").c;
    let missing_reason = Conv::ban_reply("c1")
        .with(|c| c.messages[0].body_markdown = "Banned.".into())
        .c;

    let start = Decision::StartAppeal(vec![Action::Reply(Body::Initial), Action::Archive]);
    let remind = Decision::Remind(vec![Action::Reply(Body::Reminder), Action::Archive]);
    let cases: Vec<DialogueCase<'_>> = vec![
        (
            "not replied yet → initial + archive",
            &c1,
            Some(&new_ban),
            treatment(),
            vec![],
            None,
            2,
            start.clone(),
        ),
        (
            "control → recorded only",
            &c1,
            None,
            control,
            vec![],
            None,
            2,
            Decision::Control,
        ),
        (
            "control with missing reason → still no write",
            &missing_reason,
            None,
            control,
            vec![],
            None,
            2,
            Decision::Control,
        ),
        (
            "control whose appeal a moderator decided → still no write of the dialogue",
            &c1,
            None,
            control,
            vec![granted.clone()],
            None,
            2,
            Decision::Control,
        ),
        (
            "control whose appeal a moderator claimed → still no write of the dialogue",
            &c1,
            None,
            control,
            vec![appeal(AppealStatus::Completed, "c1")],
            Some(&f),
            2,
            Decision::Control,
        ),
        (
            "treatment with missing reason → one note",
            &missing_reason,
            None,
            treatment(),
            vec![],
            None,
            2,
            Decision::NoteMissingReason(vec![Action::Note(MISSING_REASON_NOTE.into())]),
        ),
        (
            "ignored appellant",
            &wrote_again,
            None,
            ignored,
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            6,
            Decision::Nothing(Quiet::NotFollowed),
        ),
        (
            "deleted account",
            &wrote_again,
            None,
            deleted,
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            6,
            Decision::Nothing(Quiet::NotFollowed),
        ),
        (
            "prompted, user silent → nothing",
            &prompted,
            None,
            treatment(),
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            4,
            Decision::Nothing(Quiet::Waiting),
        ),
        (
            "prompted, user wrote again → reminder + archive",
            &wrote_again,
            None,
            treatment(),
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            6,
            remind.clone(),
        ),
        (
            "reminders used up → handed over to the moderators with one note",
            &wrote_again,
            None,
            treatment(),
            vec![reminded_twice],
            None,
            6,
            Decision::HandOver(vec![Action::Note(hand_over_note(2))]),
        ),
        (
            "user writes in a new conversation while prompted → reminder there",
            &new_conv,
            None,
            treatment(),
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            6,
            remind.clone(),
        ),
        (
            "a moderator stepped in → stop",
            &mod_stepped_in,
            None,
            treatment(),
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            6,
            Decision::ModeratorTookOver,
        ),
        (
            "a moderator's internal note also counts",
            &internal_by_mod,
            None,
            treatment(),
            vec![appeal(AppealStatus::Prompted, "c1")],
            None,
            6,
            Decision::ModeratorTookOver,
        ),
        (
            "submitted in another conversation → answers go to the appeal's own",
            &new_conv,
            None,
            treatment(),
            vec![appeal(AppealStatus::Submitted, "c1")],
            Some(&f),
            14,
            Decision::Nothing(Quiet::Completed),
        ),
        (
            "completed → nothing",
            &wrote_again,
            None,
            treatment(),
            vec![appeal(AppealStatus::Completed, "c1")],
            Some(&f),
            30,
            Decision::Nothing(Quiet::Completed),
        ),
        (
            "same ban appealed already, new conversation → nothing",
            &new_conv,
            Some(&any_ban),
            treatment(),
            vec![appeal(AppealStatus::Completed, "c1")],
            None,
            30,
            Decision::Nothing(Quiet::AlreadyAppealed),
        ),
        (
            "new ban within the cooldown after a denial",
            &c3,
            Some(&new_ban),
            treatment(),
            vec![denied.clone()],
            None,
            60 * 48,
            Decision::Nothing(Quiet::Cooldown {
                until: t(20) + Duration::days(30),
            }),
        ),
        (
            "new ban after the cooldown → new appeal",
            &c3,
            Some(&new_ban),
            treatment(),
            vec![denied],
            None,
            60 * 24 * 31,
            start.clone(),
        ),
        (
            "new ban after a granted appeal → new appeal",
            &c3,
            Some(&new_ban),
            treatment(),
            vec![granted],
            None,
            60 * 48,
            start.clone(),
        ),
        (
            "abandoned appeal, same ban → start again",
            &c1,
            Some(&any_ban),
            treatment(),
            vec![appeal(AppealStatus::Abandoned, "c0")],
            None,
            60,
            start.clone(),
        ),
    ];
    for (name, conv, ban_entry, who, appeals, f, now, expected) in cases {
        assert_eq!(
            run(conv, ban_entry, who, &appeals, f, now),
            expected,
            "case: {name}"
        );
    }
}

#[test]
fn form_submitted_completes_with_final_note_unarchive() {
    let conv = Conv::ban_reply("c1").push(bot_reply(3)).c;
    let earlier = Appeal {
        id: AppealId(0),
        status: AppealStatus::Completed,
        ban_date: Some(t(-100_000)),
        ..appeal(AppealStatus::Completed, "c0")
    };
    let d = run(
        &conv,
        None,
        treatment(),
        &[earlier, appeal(AppealStatus::Submitted, "c1")],
        Some(&form()),
        14,
    );
    let Decision::Complete(actions) = d else {
        panic!("expected Complete, got {d:?}")
    };
    assert_eq!(actions.len(), 3);
    assert_eq!(actions[0], Action::Reply(Body::Final));
    let Action::Note(note) = &actions[1] else {
        panic!("second action is the note")
    };
    assert!(note.contains("**Rule?** no spam"), "{note}");
    assert!(
        note.contains("**Earlier appeals in r/pics:** 1 (2023-11-14 no decision recorded)"),
        "{note}"
    );
    assert!(note.contains("3 min 0 s"), "{note}");
    assert_eq!(actions[2], Action::Unarchive);
}

#[test]
fn submitted_without_answers_waits() {
    let conv = Conv::ban_reply("c1").push(bot_reply(3)).c;
    assert_eq!(
        run(
            &conv,
            None,
            treatment(),
            &[appeal(AppealStatus::Submitted, "c1")],
            None,
            14
        ),
        Decision::Nothing(Quiet::Waiting)
    );
}

#[test]
fn configured_rules_parse_and_bad_rules_are_refused() {
    let yaml = r#"
engage:
  all:
    - participant_banned
    - any:
        - { subject_matches: "(?i)permanently banned" }
        - ban_reason_present
    - not: { ban_note_starts_with: "Autoban" }
automation_accounts: [AutoModerator, my_other_bot]
"#;
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
    let trigger = Trigger::from_config(Some(&value)).expect("rules compile");
    let conv = Conv::ban_reply("c1")
        .with(|c| c.messages[0].body_markdown = "no quote".into())
        .c;
    assert_eq!(
        trigger.evaluate(&conv, None, BOT),
        TriggerOutcome::Engage,
        "subject matched"
    );
    let conv = Conv::ban_reply("c1")
        .push(msg("x", "my_other_bot", true, "auto", 2))
        .c;
    assert_eq!(trigger.evaluate(&conv, None, BOT), TriggerOutcome::Engage);

    for (bad, expected) in [
        ("engage: { subject_matches: \"([\" }", "invalid pattern"),
        ("engage: { all: [] }", "at least one"),
        (
            "engage: participant_banend",
            "unknown condition `participant_banend`",
        ),
        (
            "engage: participant_banned\nextra: 1",
            "unknown field `extra`",
        ),
        ("engage: { author_is_one_of: [] }", "at least one name"),
    ] {
        let value: serde_yaml::Value = serde_yaml::from_str(bad).expect("yaml");
        let err = Trigger::from_config(Some(&value))
            .expect_err(bad)
            .to_string();
        assert!(err.contains(expected), "{bad}: {err}");
        assert!(err.starts_with("bot.trigger"), "{err}");
    }
}

#[test]
fn a_link_is_renewed_when_expired_or_about_to_expire() {
    let s = settings();
    let expires = |at: i64| Appeal {
        token_expires_at: t(at),
        ..appeal(AppealStatus::Prompted, "c1")
    };
    let now = 1_000_000;
    let day = 60 * 24;
    assert!(needs_new_link(&expires(now - 1), t(now), &s), "expired");
    assert!(
        needs_new_link(&expires(now + day), t(now), &s),
        "expires tomorrow"
    );
    assert!(
        !needs_new_link(&expires(now + 3 * day), t(now), &s),
        "three days left"
    );
}

#[test]
fn a_reddit_mod_note_is_added_only_when_the_subreddit_wants_one() {
    let appeals = [appeal(AppealStatus::Submitted, "c1")];
    let f = form();
    let off = settings();
    let on = DialogueSettings {
        mod_notes: true,
        ..settings()
    };
    let actions = |s: &DialogueSettings| complete(&appeals[0], &appeals, &f, s, false);
    assert!(
        !actions(&off)
            .actions()
            .iter()
            .any(|a| matches!(a, Action::ModNote(_)))
    );
    let Decision::Complete(with) = actions(&on) else {
        panic!("complete")
    };
    let Some(Action::ModNote(text)) = with.last() else {
        panic!("the Mod Note comes last: {with:?}")
    };
    assert!(text.chars().count() <= crate::domain::MOD_NOTE_MAX_CHARS);
    assert!(
        text.contains(&format!(
            "https://site.test/dashboard/r/pics/appeals/{}",
            appeals[0].id.0
        )),
        "the appeal's own page: {text}"
    );
    let Some(Action::Note(note)) = with.get(1) else {
        panic!("the moderators' note second: {with:?}")
    };
    assert!(
        note.contains(&format!(
            "(https://site.test/dashboard/r/pics/appeals/{})",
            appeals[0].id.0
        )),
        "the note links to the appeal's page, not to the list: {note}"
    );
}

#[test]
fn the_reason_the_user_was_told_is_the_quote_in_the_ban_notice() {
    let conv = Conv::ban_reply("c1").c;
    assert_eq!(
        ban_message_reason(&conv).as_deref(),
        Some("Rule 2: no spam")
    );
    let mut no_quote = conv.clone();
    no_quote.messages[0].body_markdown = "You have been banned.".into();
    assert_eq!(ban_message_reason(&no_quote), None);
    let mut user_started = conv;
    user_started.messages.remove(0);
    assert_eq!(
        ban_message_reason(&user_started),
        None,
        "no ban notice, no reason"
    );
}

/// A user who opened a conversation of their own: their ban notice is found among their
/// recent conversations with the subreddit by Reddit's subject, the newest one, never this
/// conversation; nothing is looked for when the conversation carries its own notice or the
/// ban is not permanent.
#[test]
fn the_ban_notice_of_a_user_started_conversation_is_found_by_its_subject() {
    let recent = |list: &[(&str, &str)]| -> Vec<RecentConversation> {
        list.iter()
            .map(|(id, subject)| RecentConversation {
                id: ConversationId::parse(id).expect("id"),
                subject: (*subject).to_owned(),
            })
            .collect()
    };
    let user_started = |list: &[(&str, &str)], permanent: bool| {
        let mut c = Conv::ban_reply("c9").c;
        c.messages.remove(0);
        if let Some(p) = c.participant.as_mut() {
            p.ban_is_permanent = permanent;
            p.recent_conversations = recent(list);
        }
        c
    };
    let found =
        |c: &Conversation| trigger::ban_notice_elsewhere(c).map(|id| id.as_str().to_owned());
    let notice = "You've been permanently banned from participating in r/pics";
    // (recent conversations, permanent ban, the notice expected, why)
    type Row<'a> = (&'a [(&'a str, &'a str)], bool, Option<&'a str>, &'a str);
    let rows: &[Row] = &[
        (&[("ik9t", notice)], true, Some("ik9t"), "the notice"),
        (
            &[("ik9t", "You've been banned from participating in r/pics")],
            true,
            Some("ik9t"),
            "older notices say only \"banned\"",
        ),
        (
            &[
                ("ik9t", notice),
                ("ja9m", notice),
                ("1a00x", notice),
                ("zz", notice),
            ],
            true,
            Some("1a00x"),
            "the newest by id (base 36: longer is newer)",
        ),
        (
            &[("c9", notice)],
            true,
            None,
            "never this conversation itself",
        ),
        (
            &[(
                "ik9t",
                "You've been temporarily banned from participating in r/pics",
            )],
            true,
            None,
            "a temporary ban's notice is not this ban's",
        ),
        (
            &[(
                "ik9t",
                "You've been permanently banned from participating in r/other",
            )],
            true,
            None,
            "another subreddit's",
        ),
        (
            &[("ik9t", "Please unban me")],
            true,
            None,
            "a subject of the user's",
        ),
        (
            &[("ik9t", notice)],
            false,
            None,
            "not a permanent ban: not looked for",
        ),
        (&[], true, None, "nothing listed"),
    ];
    for (list, permanent, expected, why) in rows {
        let c = user_started(list, *permanent);
        assert_eq!(found(&c).as_deref(), *expected, "{why}");
    }
    // A conversation a moderator started carries its own notice.
    let mut answered = Conv::ban_reply("c9").c;
    if let Some(p) = answered.participant.as_mut() {
        p.recent_conversations = recent(&[("ik9t", notice)]);
    }
    assert_eq!(
        found(&answered),
        None,
        "the notice is this conversation's first message"
    );
}

#[test]
fn a_reminder_is_decided_from_the_listing_only_when_it_proves_one_new_message() {
    // Read in full: ban notice (0), the appeal (1), the bot's link (3), then the user again (5).
    let full = Conv::ban_reply("c1")
        .push(bot_reply(3))
        .push(msg("m3", "appellant", false, "hello? anyone?", 5))
        .with(|c| {
            c.summary.state = ConversationState::Appeals;
            c.summary.num_messages = 4;
            c.summary.last_updated = t(5);
        })
        .c;
    let prompted = [appeal(AppealStatus::Prompted, "c1")];
    let expected = run(&full, None, treatment(), &prompted, None, 6);
    assert!(matches!(expected, Decision::Remind(_)), "{expected:?}");

    let s = settings();
    let last = full.messages.last().expect("last").clone();
    let listed = |summary: &ConversationSummary, m: &Message, seen_messages: Option<i64>| {
        decide_listed(
            &Listed {
                summary,
                last_message: Some(m),
                seen_update: Some(t(3)),
                seen_messages,
                bot_wrote: true,
            },
            treatment(),
            &prompted,
            &s,
        )
    };
    // The one case the listing proves: the same decision as reading the conversation.
    assert_eq!(listed(&full.summary, &last, Some(3)), Some(expected));

    let mut at_limit = prompted.clone();
    at_limit[0].reminders = 2;
    let handed = decide_listed(
        &Listed {
            summary: &full.summary,
            last_message: Some(&last),
            seen_update: Some(t(3)),
            seen_messages: Some(3),
            bot_wrote: true,
        },
        treatment(),
        &at_limit,
        &s,
    );
    assert_eq!(
        handed,
        Some(run(&full, None, treatment(), &at_limit, None, 6))
    );
    assert!(matches!(handed, Some(Decision::HandOver(_))));

    // Everything else needs the conversation read.
    let by = |who: &str, is_mod: bool, internal: bool| Message {
        is_internal: internal,
        ..msg("m4", who, is_mod, "text", 5)
    };
    let in_progress = ConversationSummary {
        state: ConversationState::InProgress,
        ..full.summary.clone()
    };
    let cases: [(&str, &ConversationSummary, Message, Option<i64>); 6] = [
        ("two new messages", &full.summary, last.clone(), Some(2)),
        ("count never seen", &full.summary, last.clone(), None),
        (
            "a moderator wrote",
            &full.summary,
            by("a_moderator", true, false),
            Some(3),
        ),
        (
            "a moderator's private note",
            &full.summary,
            by("a_moderator", true, true),
            Some(3),
        ),
        (
            "ban lifted (not in Ban Appeals)",
            &in_progress,
            last.clone(),
            Some(3),
        ),
        (
            "someone else",
            &full.summary,
            by("other_user", false, false),
            Some(3),
        ),
    ];
    for (what, summary, m, seen) in cases {
        assert_eq!(listed(summary, &m, seen), None, "{what}");
    }
    let old = msg("m3", "appellant", false, "hello? anyone?", 2);
    assert_eq!(
        listed(&full.summary, &old, Some(3)),
        None,
        "not after the bot's look"
    );
    let no_message = decide_listed(
        &Listed {
            summary: &full.summary,
            last_message: None,
            seen_update: Some(t(3)),
            seen_messages: Some(3),
            bot_wrote: true,
        },
        treatment(),
        &prompted,
        &s,
    );
    assert_eq!(no_message, None, "the listing had no message");
    let undelivered = decide_listed(
        &Listed {
            summary: &full.summary,
            last_message: Some(&last),
            seen_update: Some(t(3)),
            seen_messages: Some(3),
            bot_wrote: false,
        },
        treatment(),
        &prompted,
        &s,
    );
    assert_eq!(
        undelivered, None,
        "the link never reached Reddit: nothing to remind of"
    );
    for (what, who, appeals) in [
        (
            "control",
            AppellantFacts {
                group: Group::Control,
                ..treatment()
            },
            prompted.to_vec(),
        ),
        (
            "ignored",
            AppellantFacts {
                ignored: true,
                ..treatment()
            },
            prompted.to_vec(),
        ),
        (
            "submitted",
            treatment(),
            vec![appeal(AppealStatus::Submitted, "c1")],
        ),
        (
            "another conversation's appeal",
            treatment(),
            vec![appeal(AppealStatus::Prompted, "c2")],
        ),
        ("no appeal", treatment(), Vec::new()),
    ] {
        let d = decide_listed(
            &Listed {
                summary: &full.summary,
                last_message: Some(&last),
                seen_update: Some(t(3)),
                seen_messages: Some(3),
                bot_wrote: true,
            },
            who,
            &appeals,
            &s,
        );
        assert_eq!(d, None, "{what}");
    }
}

/// Every transition a decision makes, as a table: the step marker of its journal entries,
/// the appeal's state change, whether the appellant stays followed, and the link's expiry.
#[test]
fn plan_table() {
    let conv = ConversationId::parse("conv1").expect("id");
    let s = settings();
    let now = t(100);
    let ban = ban("rule 2: spam");
    let prompted = Appeal {
        id: AppealId(4),
        reminders: 1,
        token_expires_at: now + Duration::days(5),
        ..appeal(AppealStatus::Prompted, "conv1")
    };
    let expiring = Appeal {
        token_expires_at: now + Duration::days(1),
        ..prompted.clone()
    };
    let submitted = Appeal {
        status: AppealStatus::Submitted,
        ..prompted.clone()
    };
    let facts = |appeals: &'static [Appeal]| PlanFacts {
        now,
        conversation: Box::leak(Box::new(conv.clone())),
        appeals,
        settings: Box::leak(Box::new(s.clone())),
        ban: Some(Box::leak(Box::new(ban.clone()))),
        ban_message_reason: Some("Rule 2: no spam"),
        ban_permanent: true,
    };
    let leak = |a: Vec<Appeal>| -> &'static [Appeal] { Box::leak(a.into_boxed_slice()) };
    let start = Decision::StartAppeal(vec![Action::Reply(Body::Initial), Action::Archive]);
    let remind = Decision::Remind(vec![Action::Reply(Body::Reminder), Action::Archive]);
    let note = |n: &str| Action::Note(n.to_owned());
    type Row = (
        Decision,
        &'static [Appeal],
        Transition,
        Option<Marker>,
        bool,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = vec![
        (
            Decision::NoteMissingReason(vec![note("x")]),
            leak(vec![]),
            Transition::None,
            Some(Marker::Known(StepMarker::MissingReason(conv.clone()))),
            false,
            None,
        ),
        // A new ban while an older link is unanswered: that appeal is closed.
        (
            start.clone(),
            leak(vec![prompted.clone()]),
            Transition::Open(plan::OpenAppeal {
                close: Some(AppealId(4)),
                link_expires: now + Duration::days(7),
                ban_note: "rule 2: spam".into(),
                ban_reason: "Rule 2: no spam".into(),
                ban_date: Some(ban.date),
                ban_permanent: true,
            }),
            Some(Marker::OfNewAppeal),
            false,
            Some(now + Duration::days(7)),
        ),
        // The same link when it works long enough...
        (
            remind.clone(),
            leak(vec![prompted.clone()]),
            Transition::Remind {
                appeal: AppealId(4),
                renew_link_until: None,
            },
            Some(Marker::Known(StepMarker::Remind {
                appeal: AppealId(4),
                n: 2,
            })),
            false,
            Some(now + Duration::days(5)),
        ),
        // ...a fresh one when it would expire within `renew_before`.
        (
            remind,
            leak(vec![expiring]),
            Transition::Remind {
                appeal: AppealId(4),
                renew_link_until: Some(now + Duration::days(7)),
            },
            Some(Marker::Known(StepMarker::Remind {
                appeal: AppealId(4),
                n: 2,
            })),
            false,
            Some(now + Duration::days(7)),
        ),
        (
            Decision::Complete(vec![
                Action::Reply(Body::Final),
                note("answers"),
                Action::Unarchive,
            ]),
            leak(vec![submitted]),
            Transition::PassOn {
                appeal: AppealId(4),
            },
            Some(Marker::Known(StepMarker::Complete(AppealId(4)))),
            false,
            Some(now + Duration::days(5)),
        ),
        (
            Decision::HandOver(vec![note("yours")]),
            leak(vec![prompted.clone()]),
            Transition::HandOver {
                appeal: AppealId(4),
            },
            Some(Marker::Known(StepMarker::HandOver(AppealId(4)))),
            true,
            None,
        ),
        (
            Decision::ModeratorTookOver,
            leak(vec![prompted.clone()]),
            Transition::None,
            None,
            true,
            None,
        ),
        (
            Decision::Control,
            leak(vec![]),
            Transition::None,
            None,
            false,
            None,
        ),
        (
            Decision::Skip("no".into()),
            leak(vec![]),
            Transition::None,
            None,
            false,
            None,
        ),
        (
            Decision::Nothing(Quiet::Waiting),
            leak(vec![prompted]),
            Transition::None,
            None,
            false,
            None,
        ),
    ];
    for (decision, appeals, transition, marker, stop, link) in rows {
        let step = decision.step();
        let p = plan(decision, &facts(appeals)).expect("plan");
        assert_eq!(p.transition, transition, "{step}");
        assert_eq!(p.marker, marker, "{step}");
        assert_eq!(p.stop_following, stop, "{step}");
        assert_eq!(p.link_expires, link, "{step}");
    }
    // A decision about an appeal that the facts lack is an error, not a guess.
    assert!(plan(Decision::Remind(vec![]), &facts(leak(vec![]))).is_err());
}

#[test]
fn step_markers_keep_their_stored_text_and_say_what_completes() {
    let a = AppealId(12);
    let rows = [
        (
            StepMarker::Start(a),
            Action::Reply(Body::Initial),
            "appeal-12-start-reply",
            StepKind::Start,
        ),
        (
            StepMarker::Remind { appeal: a, n: 3 },
            Action::Archive,
            "appeal-12-remind3-archive",
            StepKind::Remind,
        ),
        (
            StepMarker::Complete(a),
            Action::Unarchive,
            "appeal-12-complete-unarchive",
            StepKind::Complete,
        ),
        (
            StepMarker::Complete(a),
            Action::ModNote("n".into()),
            "appeal-12-complete-modnote",
            StepKind::Complete,
        ),
        (
            StepMarker::HandOver(a),
            Action::Note("n".into()),
            "appeal-12-handover-note",
            StepKind::HandOver,
        ),
        (
            StepMarker::MissingReason(ConversationId::parse("x9").expect("id")),
            Action::Note("n".into()),
            "missing-reason-x9-note",
            StepKind::MissingReason,
        ),
    ];
    for (m, action, text, kind) in rows {
        assert_eq!((m.of(&action).as_str(), m.kind()), (text, kind));
    }
    assert!(StepMarker::Complete(a).completes(&Action::Note("answers".into())));
    assert!(!StepMarker::Complete(a).completes(&Action::Reply(Body::Final)));
    assert!(!StepMarker::HandOver(a).completes(&Action::Note("yours".into())));
    assert_eq!(
        Marker::OfNewAppeal.resolve(Some(a)),
        Some(StepMarker::Start(a))
    );
}
