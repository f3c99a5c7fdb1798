//! The readout's fixture: 29 appeals over two subreddits, both groups, every status and
//! outcome, toxic messages and answers, and one change of the treatment fraction, written
//! through the `Store` API as the bot and the site write them (contacts, assessed
//! conversations, appeals, sent journal entries, opened and submitted forms, outcomes, a
//! console settings change with its audit row).
//!
//! Times are relative to `now` so that "the last 30 days" cuts the data at a known place:
//! day 0 is the Monday on or before `now − 37 days`, so `now − 30 days` always falls in week 1
//! (days 7–13), which holds no appeal. Every appeal starts at 10:00 UTC on its day and the
//! appellant's first message was written half an hour earlier. Hand computations in the
//! tests that use it start from this table:
//!
//! | sub | user | day | toxic message | case |
//! |---|---|---|---|---|
//! | pics | a1 | 0 | | treatment, completed (form 4 min), granted after 3 days |
//! | pics | a2 | 1 | yes | treatment, completed (6 min), denied after 5 days |
//! | pics | a3 | 2 | | treatment, link sent, 2 reminders, abandoned |
//! | pics | a4 | 3 | | treatment, form opened, 1 reminder |
//! | pics | a5 | 4 | | treatment, submitted (10 min, toxic answer), not completed |
//! | pics | a6 | 5 | | treatment, taken over by a moderator before any link, unbanned after 2 days |
//! | pics | a7 | 6 | | control, pending |
//! | pics | a8 | 14 | yes | control, unbanned after 4 days |
//! | pics | a9 | 15 | | control, denied (no longer followed) after 10 days |
//! | pics | a10 | 16 | yes | control, denied after 10 days |
//! | | | | | *r/pics: treatment fraction 0.5 → 0.8 at day 17, 09:00* |
//! | pics | a11 | 17 | yes | treatment, completed (3 min), granted after 2 days |
//! | pics | a12 | 18 | | treatment, completed (8 min), pending |
//! | pics | a13 | 19 | | treatment, appeal created, no link on Reddit yet |
//! | pics | a14 | 20 | | treatment, link sent, 3 reminders, abandoned |
//! | pics | a15 | 21 | | treatment, completed (5 min, toxic answer), denied after 6 days |
//! | pics | a16 | 22 | yes | treatment, link sent |
//! | pics | a1 | 23 | | treatment (a1's second appeal, own conversation), link sent |
//! | pics | a17 | 24 | | treatment, form opened |
//! | pics | a18 | 25 | yes | control, pending |
//! | pics | a19 | 26 | | control, unbanned after 1 day |
//! | pics | a20 | 27 | | control, pending |
//! | news | b1 | 0 | | treatment, completed (2 min), granted after 1 day |
//! | news | b2 | 2 | yes | treatment, completed (12 min), denied after 4 days |
//! | news | b5 | 3 | yes | control, unbanned after 2 days |
//! | news | b6 | 5 | | control, denied after 10 days |
//! | news | b3 | 15 | | treatment, link sent, 1 reminder, abandoned |
//! | news | b7 | 16 | | control, pending |
//! | news | b4 | 22 | | treatment, submitted (7 min), not completed |
//! | news | b8 | 24 | yes | control, denied after 10 days |
//!
//! r/pics is stored with an explicit fraction of 0.5 and changed to 0.8 in the console
//! (audited, actor `head_mod`); r/news keeps the configured default and has no change.
//! Conversations are `c0`, `c1`, … in table order; a toxic message's id is `m-cN-1`.

use appealmod_core::toxicity;
use appealmod_shared::domain::*;
use appealmod_shared::storage::{
    EffectKind, NewAppeal, NewEffect, StatusUpdate, StepKind, Store, SubmitOutcome,
    SubredditSettings,
};
use chrono::{DateTime, Datelike, Duration, Utc};

/// The subreddit with the change of fraction (the console tests' r/pics).
pub const FIRST: &str = "pics";
/// The subreddit without one (the console tests' r/news).
pub const SECOND: &str = "news";
/// The day of the fraction change in r/pics; it happens at 09:00, before that day's appeal.
pub const CHANGE_DAY: i64 = 17;
/// Who changed it, as the audit log says.
pub const CHANGED_BY: &str = "head_mod";

const POLITE: &str = "Hello, I think my ban was a mistake. Could you please look at it again?";
const TOXIC: &str = "This ban is a joke. You mods are pathetic losers, unban me NOW.";
const TOXIC_ANSWER: &str = "Your rules are shit and so are you.";

/// Where the loaded fixture sits in time.
#[derive(Debug, Clone)]
pub struct ReadoutFixture {
    /// Day 0, 00:00 UTC (a Monday).
    pub base: DateTime<Utc>,
    pub first: SubredditName,
    pub second: SubredditName,
}

impl ReadoutFixture {
    /// Day `d` of the fixture at 10:00 UTC, when that day's appeals start.
    pub fn day(&self, d: i64) -> DateTime<Utc> {
        self.base + Duration::days(d) + Duration::hours(10)
    }

    /// When r/pics changed its fraction from 0.5 to 0.8.
    pub fn change_at(&self) -> DateTime<Utc> {
        self.day(CHANGE_DAY) - Duration::hours(1)
    }
}

/// The Monday, 00:00 UTC, on or before `now − 37 days`: day 0 of the fixture.
pub fn base_for(now: DateTime<Utc>) -> DateTime<Utc> {
    let start = (now - Duration::days(37)).date_naive();
    let monday = start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
    monday.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// How far a treatment appeal got.
#[derive(Clone, Copy)]
enum Stage {
    /// Created; the first message is not on Reddit yet.
    Prompted,
    /// The link was sent.
    Sent,
    Opened,
    /// Submitted; not completed.
    Submitted,
    /// Submitted and completed (the moderators' note is on Reddit).
    Completed,
    /// Sent, never opened, abandoned after a week.
    Abandoned,
}

/// A treatment appeal.
#[derive(Clone, Copy)]
struct Treated {
    stage: Stage,
    form_minutes: i64,
    /// Outcome, days after the start.
    outcome: Option<(Outcome, i64)>,
    reminders: i64,
    toxic_answer: bool,
}

#[derive(Clone, Copy)]
enum Case {
    Treated(Treated),
    /// A treatment appellant a moderator took over before any link, unbanned two days later.
    TakenOver,
    /// A control appellant: outcome after days.
    Control(Option<(Outcome, i64)>),
}

struct Row {
    sub: &'static str,
    user: &'static str,
    day: i64,
    toxic: bool,
    case: Case,
}

fn t(stage: Stage, form_minutes: i64, outcome: Option<(Outcome, i64)>, reminders: i64) -> Case {
    Case::Treated(Treated {
        stage,
        form_minutes,
        outcome,
        reminders,
        toxic_answer: false,
    })
}

fn toxic_answer(c: Case) -> Case {
    match c {
        Case::Treated(tr) => Case::Treated(Treated {
            toxic_answer: true,
            ..tr
        }),
        other => other,
    }
}

/// The table of the module's documentation, in its order.
fn rows() -> Vec<Row> {
    use Stage::*;
    let g = |d| Some((Outcome::Granted, d));
    let n = |d| Some((Outcome::Denied, d));
    let c = Case::Control;
    let r = |sub, user, day, toxic, case| Row {
        sub,
        user,
        day,
        toxic,
        case,
    };
    vec![
        r(FIRST, "a1", 0, false, t(Completed, 4, g(3), 0)),
        r(FIRST, "a2", 1, true, t(Completed, 6, n(5), 0)),
        r(FIRST, "a3", 2, false, t(Abandoned, 0, None, 2)),
        r(FIRST, "a4", 3, false, t(Opened, 0, None, 1)),
        r(
            FIRST,
            "a5",
            4,
            false,
            toxic_answer(t(Submitted, 10, None, 0)),
        ),
        r(FIRST, "a6", 5, false, Case::TakenOver),
        r(FIRST, "a7", 6, false, c(None)),
        r(FIRST, "a8", 14, true, c(g(4))),
        r(FIRST, "a9", 15, false, c(n(10))),
        r(FIRST, "a10", 16, true, c(n(10))),
        r(FIRST, "a11", 17, true, t(Completed, 3, g(2), 0)),
        r(FIRST, "a12", 18, false, t(Completed, 8, None, 0)),
        r(FIRST, "a13", 19, false, t(Prompted, 0, None, 0)),
        r(FIRST, "a14", 20, false, t(Abandoned, 0, None, 3)),
        r(
            FIRST,
            "a15",
            21,
            false,
            toxic_answer(t(Completed, 5, n(6), 0)),
        ),
        r(FIRST, "a16", 22, true, t(Sent, 0, None, 0)),
        r(FIRST, "a1", 23, false, t(Sent, 0, None, 0)),
        r(FIRST, "a17", 24, false, t(Opened, 0, None, 0)),
        r(FIRST, "a18", 25, true, c(None)),
        r(FIRST, "a19", 26, false, c(g(1))),
        r(FIRST, "a20", 27, false, c(None)),
        r(SECOND, "b1", 0, false, t(Completed, 2, g(1), 0)),
        r(SECOND, "b2", 2, true, t(Completed, 12, n(4), 0)),
        r(SECOND, "b5", 3, true, c(g(2))),
        r(SECOND, "b6", 5, false, c(n(10))),
        r(SECOND, "b3", 15, false, t(Abandoned, 0, None, 1)),
        r(SECOND, "b7", 16, false, c(None)),
        r(SECOND, "b4", 22, false, t(Submitted, 7, None, 0)),
        r(SECOND, "b8", 24, true, c(n(10))),
    ]
}

/// Loads the fixture into `store` (fresh, migrated) with day 0 at [`base_for`]`(now)`.
pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<ReadoutFixture> {
    let f = ReadoutFixture {
        base: base_for(now),
        first: SubredditName::parse(FIRST)?,
        second: SubredditName::parse(SECOND)?,
    };
    let before = f.base - Duration::days(1);
    let mut pics = SubredditSettings::new(f.first.clone());
    pics.treatment_fraction = Some(0.5);
    store.save_subreddit(&pics, before).await?;
    store.ensure_subreddit(&f.second, before).await?;
    let mut changed = false;
    for (i, row) in rows().into_iter().enumerate() {
        if !changed && row.sub == FIRST && row.day >= CHANGE_DAY {
            // Through the console's write, so the audit log has the change.
            let new = SubredditSettings {
                treatment_fraction: Some(0.8),
                ..pics.clone()
            };
            store
                .update_settings(&new, CHANGED_BY, f.change_at())
                .await?;
            changed = true;
        }
        load_row(store, &f, i, &row).await?;
    }
    Ok(f)
}

async fn load_row(store: &Store, f: &ReadoutFixture, i: usize, row: &Row) -> anyhow::Result<()> {
    let sub = SubredditName::parse(row.sub)?;
    let name = RedditUsername::parse(row.user)?;
    let conv = ConversationId::parse(&format!("c{i}"))?;
    let start = f.day(row.day);
    let group = match row.case {
        Case::Control(_) => Group::Control,
        Case::Treated(_) | Case::TakenOver => Group::Treatment,
    };
    let contact = store
        .record_contact(&sub, &name, &conv, || group, start)
        .await?;
    let appellant = contact.appellant.id;
    let c = conversation(
        &conv,
        &sub,
        row.user,
        start - Duration::minutes(30),
        row.toxic,
    );
    let texts = toxicity::assess_conversation(&c);
    store
        .record_conversation_findings(appellant, c.id(), &texts, start)
        .await?;
    anyhow::ensure!(
        toxicity::combined(&texts).toxic == row.toxic,
        "{}'s message assessed wrongly",
        row.user
    );
    match row.case {
        Case::Treated(tr) => load_appeal(store, appellant, &conv, start, tr).await,
        Case::TakenOver => {
            let ignored = StatusUpdate {
                ignored: Some(true),
                ..Default::default()
            };
            store
                .update_appellant(appellant, &ignored, start + Duration::hours(1))
                .await?;
            unban(store, appellant, start + Duration::days(2)).await
        }
        Case::Control(Some((Outcome::Granted, days))) => {
            unban(store, appellant, start + Duration::days(days)).await
        }
        Case::Control(Some((Outcome::Denied, days))) => {
            let at = start + Duration::days(days);
            let mut tx = store.begin().await?;
            anyhow::ensure!(tx.retire_appellant(appellant, at, at).await?, "retired");
            tx.commit().await?;
            Ok(())
        }
        Case::Control(None) => Ok(()),
    }
}

async fn unban(store: &Store, appellant: AppellantId, at: DateTime<Utc>) -> anyhow::Result<()> {
    let unbanned = StatusUpdate {
        still_banned: Some(false),
        ..Default::default()
    };
    store.update_appellant(appellant, &unbanned, at).await?;
    Ok(())
}

async fn load_appeal(
    store: &Store,
    appellant: AppellantId,
    conv: &ConversationId,
    start: DateTime<Utc>,
    tr: Treated,
) -> anyhow::Result<()> {
    use Stage::*;
    let new = NewAppeal {
        appellant_id: appellant,
        conversation_id: conv.clone(),
        token_expires_at: start + Duration::days(30),
        ban_note: "spam".to_owned(),
        ban_reason: "spam".to_owned(),
        ban_date: Some(start - Duration::hours(2)),
        ban_permanent: true,
    };
    let mut tx = store.begin().await?;
    let id = tx.create_appeal(&new, start).await?;
    for _ in 0..tr.reminders {
        tx.count_reminder(id, start + Duration::days(1)).await?;
    }
    tx.commit().await?;
    if matches!(tr.stage, Prompted) {
        return Ok(());
    }
    sent(
        store,
        id,
        conv,
        EffectKind::Reply,
        start + Duration::minutes(5),
    )
    .await?;
    let opened = start + Duration::hours(1);
    if matches!(tr.stage, Opened | Submitted | Completed) {
        store.mark_appeal_opened(id, opened).await?;
    }
    if matches!(tr.stage, Submitted | Completed) {
        let answers = form(opened, tr.form_minutes, tr.toxic_answer);
        let outcome = store
            .submit_form(id, &toxicity::AssessedForm::of(answers))
            .await?;
        anyhow::ensure!(outcome == SubmitOutcome::Accepted, "form refused");
    }
    if matches!(tr.stage, Completed) {
        let at = opened + Duration::minutes(tr.form_minutes + 10);
        sent(store, id, conv, EffectKind::Note, at).await?;
    }
    let mut tx = store.begin().await?;
    if matches!(tr.stage, Abandoned) {
        tx.set_appeal_status(id, AppealStatus::Abandoned, start + Duration::days(7))
            .await?;
    }
    if let Some((o, days)) = tr.outcome {
        tx.set_appeal_outcome(id, o, start + Duration::days(days))
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One journal entry of the appeal, claimed and done at `at`, as the sender leaves it.
pub async fn sent(
    store: &Store,
    appeal: AppealId,
    conv: &ConversationId,
    kind: EffectKind,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let marker = format!("appeal-{}-{}", appeal.0, kind.as_str());
    let effect = NewEffect {
        appeal_id: Some(appeal),
        conversation_id: conv.clone(),
        kind,
        body: Some("…".to_owned()),
        marker: marker.clone(),
        // A note is the moderators' note of the completion; a reply the link.
        step: Some(if kind == EffectKind::Note {
            StepKind::Complete
        } else {
            StepKind::Start
        }),
        completes_appeal: kind == EffectKind::Note,
    };
    let mut tx = store.begin().await?;
    anyhow::ensure!(tx.enqueue_effect(&effect, at).await?, "entry enqueued");
    tx.commit().await?;
    let entry = store
        .effects_of(conv)
        .await?
        .into_iter()
        .find(|e| e.marker == marker)
        .ok_or_else(|| anyhow::anyhow!("entry {marker} not stored"))?;
    anyhow::ensure!(
        store
            .claim_effect(entry.id, at, Duration::minutes(5))
            .await?
            .is_some(),
        "entry claimed"
    );
    store.complete_effect(entry.id, at).await?;
    Ok(())
}

/// The conversation as the bot reads it: the ban notice (a moderator's text, which is not
/// the appellant's and never counts), the appellant's first message and a short follow-up.
/// Also a building block of other readout fixtures (`shared/tests/readout.rs`).
pub fn conversation(
    id: &ConversationId,
    sub: &SubredditName,
    user: &str,
    first: DateTime<Utc>,
    toxic: bool,
) -> Conversation {
    let author = |name: &str, participant: bool| Author {
        name: name.to_owned(),
        is_mod: !participant,
        is_admin: false,
        is_participant: participant,
        is_deleted: false,
        is_hidden: !participant,
    };
    let message = |n: u32, author: Author, body: &str, date| Message {
        id: format!("m-{id}-{n}"),
        author,
        body_markdown: body.to_owned(),
        is_internal: false,
        date,
    };
    Conversation {
        summary: ConversationSummary {
            id: id.clone(),
            subreddit: sub.clone(),
            subject: "You've been banned".to_owned(),
            state: ConversationState::InProgress,
            last_updated: first,
            last_user_update: Some(first),
            last_mod_update: None,
            participant: RedditUsername::parse(user).ok(),
            num_messages: 3,
            is_auto: true,
            legacy_first_message_id: None,
        },
        authors: vec![],
        messages: vec![
            message(
                0,
                author("a_mod", false),
                "You are banned, you idiot.",
                first - Duration::hours(1),
            ),
            message(
                1,
                author(user, true),
                if toxic { TOXIC } else { POLITE },
                first,
            ),
            message(
                2,
                author(user, true),
                "Thanks.",
                first + Duration::minutes(1),
            ),
        ],
        mod_actions: vec![],
        participant: None,
    }
}

/// A filled form, opened at `opened` and sent `minutes` later; `toxic` makes one free-text
/// answer abusive.
pub fn form(opened: DateTime<Utc>, minutes: i64, toxic: bool) -> FormAnswers {
    let text = |id: &str, t: &str| Answer {
        question_id: id.to_owned(),
        label: id.to_owned(),
        value: AnswerValue::Text(t.to_owned()),
    };
    FormAnswers {
        answers: vec![
            text("ban_reason", "I posted something off topic."),
            text(
                "steps",
                if toxic {
                    TOXIC_ANSWER
                } else {
                    "I will read the rules."
                },
            ),
            Answer {
                question_id: "pledge".to_owned(),
                label: "pledge".to_owned(),
                value: AnswerValue::YesNo(true),
            },
        ],
        opened_at: Some(opened),
        submitted_at: opened + Duration::minutes(minutes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Weekday};

    #[test]
    fn day_zero_is_a_monday_whose_week_1_holds_the_30_day_cut() {
        for offset in 0..14 {
            let now = Utc
                .with_ymd_and_hms(2026, 12, 2, 4, 56, 0)
                .single()
                .expect("time")
                + Duration::hours(offset * 13);
            let base = base_for(now);
            assert_eq!(base.weekday(), Weekday::Mon);
            let cut = now - Duration::days(30);
            assert!(
                cut >= base + Duration::days(7) && cut < base + Duration::days(14),
                "{now}"
            );
        }
    }

    #[test]
    fn the_table_has_29_appeals_and_no_appeal_in_week_1() {
        let rows = rows();
        assert_eq!(rows.len(), 29);
        assert!(rows.iter().all(|r| !(7..14).contains(&r.day)));
    }

    crate::on_both_backends!(loads_through_the_store);

    async fn loads_through_the_store(backend: crate::Backend) {
        use appealmod_shared::storage::{FRACTION_FIELD, ReadoutFilter};
        let db = crate::TestDb::new(backend).await;
        let now = Utc::now();
        let f = load(&db.store, now).await.expect("fixture");
        let all = db
            .store
            .readout_rows(&ReadoutFilter::default())
            .await
            .expect("rows");
        // 21 in r/pics (a1 twice), 8 in r/news; every one in the past.
        assert_eq!(all.len(), 29);
        assert!(all.iter().all(|r| r.started_at < now));
        let changes = db.store.fraction_changes(&f.first).await.expect("changes");
        assert_eq!(changes.len(), 1);
        let c = &changes[0];
        assert_eq!(
            (c.at, c.actor.as_str(), c.change.field.as_str()),
            (f.change_at(), CHANGED_BY, FRACTION_FIELD)
        );
        assert_eq!(
            (c.change.old.as_deref(), c.change.new.as_deref()),
            (Some("0.5"), Some("0.8"))
        );
        assert!(
            db.store
                .fraction_changes(&f.second)
                .await
                .expect("none")
                .is_empty()
        );
    }
}
