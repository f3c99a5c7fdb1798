//! What the console's page of one appeal shows, built from what storage read (a
//! [`CaseFile`]): the answers as the moderators' note shows them, the ban, toxicity text by
//! text, the timeline, the appellant's other appeals. Only formatting happens here.

use appealmod_shared::config::ModmailLinks;
use chrono::{DateTime, Utc};

use appealmod_core::decide::note::{answers_markdown, human_duration};
use appealmod_core::decide::verdict::{Channel, Verdict};
use appealmod_core::toxicity::{AssessedText, TextRef};
use appealmod_shared::domain::{
    Appeal, CaseFacts, CaseStatus, FormAnswers, FormQuestions, Outcome, case_status,
};
use appealmod_shared::storage::{AppealSteps, Appellant, AppellantSteps, DecisionRecord};

use super::moment::Moment;
use crate::console::preview::markdown_html;

/// An appeal with what the page shows of it beyond its row.
pub struct AppealFile {
    pub appeal: Appeal,
    pub steps: AppealSteps,
    pub answers: Option<FormAnswers>,
    /// What was decided, from where (none while undecided).
    pub decision: Option<DecisionRecord>,
}

/// Everything the page of one case shows: an appellant, and the appeal shown (none for an
/// appellant recorded without one).
pub struct CaseFile {
    pub appellant: Appellant,
    pub steps: AppellantSteps,
    pub appeal: Option<AppealFile>,
    /// Every appeal of the appellant in this subreddit, oldest first.
    pub appeals: Vec<Appeal>,
    /// The texts assessed for toxicity: the appeal's conversation and answers, or every
    /// message of an appellant without an appeal.
    pub findings: Vec<AssessedText>,
    /// The subreddit's form (every option of a multiple choice).
    pub questions: FormQuestions,
}

/// The ban, as the user was told it and as the moderators noted it.
pub struct BanView {
    /// "Permanent" or "Temporary".
    pub kind: &'static str,
    pub since: Option<Moment>,
    /// The reason quoted in the ban message.
    pub told: String,
    /// The moderators' own note in the ban list.
    pub noted: String,
}

/// How the form was filled.
pub struct FillView {
    /// "2 min 40 s".
    pub took: String,
    /// Faster than the threshold: "faster than 30 s".
    pub fast: Option<String>,
}

/// One toxic text: which one, never its words.
pub struct FindingView {
    /// "Answer to “What steps will you take?”", "Message in modmail".
    pub what: String,
    pub category: &'static str,
    pub severity: &'static str,
    pub written: Moment,
}

/// One step of the timeline.
pub struct StepView {
    pub label: String,
    pub at: Moment,
}

/// Another appeal of the same appellant.
pub struct OtherAppeal {
    pub href: String,
    pub started: Moment,
    pub status: &'static str,
    pub status_label: &'static str,
    /// Before the one shown ("earlier") or after it ("later").
    pub when: &'static str,
}

/// The page's content (the handler adds the header and the subreddit).
pub struct CaseView {
    pub user: String,
    pub group: &'static str,
    pub control: bool,
    pub status: &'static str,
    pub status_label: &'static str,
    pub toxic: bool,
    pub waiting: Option<Moment>,
    pub modmail: Option<String>,
    pub ban: Option<BanView>,
    /// The answers as the moderators' note shows them, as HTML (escaped, safe).
    pub answers_html: Option<String>,
    pub fill: Option<FillView>,
    pub findings: Vec<FindingView>,
    /// How many texts were assessed.
    pub assessed: usize,
    pub timeline: Vec<StepView>,
    pub others: Vec<OtherAppeal>,
}

fn status_of(a: &Appellant, appeal: Option<&Appeal>) -> CaseStatus {
    case_status(CaseFacts {
        group: a.group,
        ignored: a.ignored,
        unbanned: a.still_banned == Some(false),
        appeal: appeal.map(|p| (p.status, p.reminders, p.outcome)),
    })
}

/// The stored appeal says something of its ban.
fn ban_known(a: &Appeal) -> bool {
    a.ban_date.is_some() || !a.ban_reason.trim().is_empty() || !a.ban_note.trim().is_empty()
}

fn ban_of(a: &Appeal, now: DateTime<Utc>) -> BanView {
    BanView {
        kind: if a.ban_permanent {
            "Permanent"
        } else {
            "Temporary"
        },
        since: Moment::of(a.ban_date, now),
        told: a.ban_reason.trim().to_owned(),
        noted: a.ban_note.trim().to_owned(),
    }
}

fn fill_of(form: &FormAnswers, fast_fill_secs: u32) -> Option<FillView> {
    let secs = (form.submitted_at - form.opened_at?).num_seconds();
    let limit = i64::from(fast_fill_secs);
    Some(FillView {
        took: human_duration(secs),
        fast: (secs < limit).then(|| format!("faster than {}", human_duration(limit))),
    })
}

/// The toxic texts, by question (the label the appellant saw) or as a message.
fn findings_of(
    found: &[AssessedText],
    answers: Option<&FormAnswers>,
    now: DateTime<Utc>,
) -> Vec<FindingView> {
    found
        .iter()
        .filter(|t| t.toxicity.toxic)
        .map(|t| {
            let what = match &t.source {
                TextRef::Message(_) => "A message in modmail".to_owned(),
                TextRef::Answer(q) => {
                    let label = answers
                        .and_then(|f| f.answers.iter().find(|a| &a.question_id == q))
                        .map_or(q.as_str(), |a| a.label.as_str());
                    format!("The answer to “{label}”")
                }
            };
            let highest = t.toxicity.highest;
            FindingView {
                what,
                category: highest.map_or("unspecified", |f| f.category.as_str()),
                severity: highest.map_or("", |f| f.severity.as_str()),
                written: Moment::new(t.written_at, now),
            }
        })
        .collect()
}

/// The decision as the timeline names it: a moderator's (what, and from where) or what the
/// bot inferred.
fn decided_label(outcome: Option<Outcome>, d: Option<&DecisionRecord>) -> String {
    let what = match d.and_then(|d| d.verdict) {
        Some(Verdict::Grant) => "Granted by a moderator: the ban was lifted".to_owned(),
        Some(Verdict::Deny) => "Denied by a moderator: the ban stays".to_owned(),
        Some(Verdict::Reduce { days }) => {
            format!("Reduced by a moderator to a temporary ban of {days} days")
        }
        None => {
            return match (outcome, d.and_then(|d| d.via)) {
                (Some(Outcome::Granted), Some(Channel::HandUnban)) => {
                    "Granted: a moderator lifted the ban in modmail".to_owned()
                }
                (Some(Outcome::Granted), _) => "Granted: the ban was lifted".to_owned(),
                (Some(Outcome::Denied), _) => {
                    "Denied: still banned when the bot stopped following".to_owned()
                }
                (None, _) => String::new(),
            };
        }
    };
    match d.and_then(|d| d.via) {
        Some(Channel::Console) => format!("{what} (console)"),
        Some(Channel::ModmailCommand) => format!("{what} (modmail command)"),
        Some(Channel::HandUnban) => format!("{what} (by hand in modmail)"),
        _ => what,
    }
}

/// Every step with a time, oldest first.
fn timeline_of(file: &CaseFile, now: DateTime<Utc>) -> Vec<StepView> {
    let s = &file.steps;
    let mut steps: Vec<(DateTime<Utc>, String)> = Vec::new();
    let mut push = |t: Option<DateTime<Utc>>, label: &str| {
        if let Some(t) = t {
            steps.push((t, label.to_owned()));
        }
    };
    match &file.appeal {
        Some(f) => {
            let (a, st) = (&f.appeal, &f.steps);
            push(st.first_message.or(Some(a.created_at)), "Wrote in modmail");
            push(st.link_sent, "The bot sent the link to the form");
            for (i, r) in st.reminders.iter().enumerate() {
                push(Some(*r), &format!("Reminder {} sent, with the link", i + 1));
            }
            push(a.opened_at, "Opened the form");
            push(a.submitted_at, "Submitted the form");
            push(
                a.completed_at,
                "Answers posted in modmail for the moderators",
            );
            let decided = decided_label(a.outcome, f.decision.as_ref());
            push(st.decided_at.filter(|_| a.outcome.is_some()), &decided);
            if a.outcome != Some(Outcome::Granted) {
                push(s.unbanned_at, "Seen unbanned");
            }
        }
        None => {
            push(
                s.first_message.or(Some(file.appellant.created_at)),
                "Wrote in modmail",
            );
            push(s.unbanned_at, "Seen unbanned (granted)");
        }
    }
    push(s.stopped_at, "The bot stopped following the conversation");
    steps.sort_by_key(|(t, _)| *t);
    steps
        .into_iter()
        .map(|(t, label)| StepView {
            label,
            at: Moment::new(t, now),
        })
        .collect()
}

fn others_of(file: &CaseFile, sub: &str, now: DateTime<Utc>) -> Vec<OtherAppeal> {
    let shown = file.appeal.as_ref().map(|f| f.appeal.id);
    file.appeals
        .iter()
        .filter(|a| Some(a.id) != shown)
        .rev()
        .map(|a| {
            let status = status_of(&file.appellant, Some(a));
            OtherAppeal {
                href: format!("/dashboard/r/{sub}/appeals/{}", a.id.0),
                started: Moment::new(a.created_at, now),
                status: status.as_str(),
                status_label: status.label(),
                when: match shown {
                    Some(s) if a.id > s => "later",
                    _ => "earlier",
                },
            }
        })
        .collect()
}

impl CaseView {
    pub fn of(
        file: &CaseFile,
        sub: &str,
        fast_fill_secs: u32,
        links: &ModmailLinks,
        now: DateTime<Utc>,
    ) -> Self {
        let appeal = file.appeal.as_ref();
        let status = status_of(&file.appellant, appeal.map(|f| &f.appeal));
        let answers = appeal.and_then(|f| f.answers.as_ref());
        let conversation = appeal
            .map(|f| f.appeal.conversation_id.clone())
            .or_else(|| file.steps.first_conversation.clone());
        let waiting = appeal
            .and_then(|f| f.appeal.completed_at)
            .filter(|_| status.awaits_decision());
        let control = file.appellant.group == appealmod_shared::domain::Group::Control;
        Self {
            user: file.appellant.username.to_string(),
            group: super::appeals_get::group_label(file.appellant.group),
            control,
            status: status.as_str(),
            status_label: status.label(),
            toxic: file.findings.iter().any(|t| t.toxicity.toxic),
            waiting: Moment::of(waiting, now),
            modmail: conversation.map(|c| links.conversation(&c)),
            // A control appeal recorded from the console knows nothing of the ban: the
            // conversation in modmail tells it.
            ban: appeal
                .filter(|f| !control || ban_known(&f.appeal))
                .map(|f| ban_of(&f.appeal, now)),
            answers_html: answers.map(|f| markdown_html(&answers_markdown(f, &file.questions))),
            fill: answers.and_then(|f| fill_of(f, fast_fill_secs)),
            findings: findings_of(&file.findings, answers, now),
            assessed: file.findings.len(),
            timeline: timeline_of(file, now),
            others: others_of(file, sub, now),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_timeline_names_who_decided_and_from_where() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let record = |verdict, via| DecisionRecord {
            outcome: Outcome::Denied,
            verdict,
            via: Some(via),
            at,
        };
        let rows = [
            (
                Some(record(Some(Verdict::Deny), Channel::Console)),
                Some(Outcome::Denied),
                "Denied by a moderator: the ban stays (console)",
            ),
            (
                Some(record(Some(Verdict::Grant), Channel::ModmailCommand)),
                Some(Outcome::Granted),
                "Granted by a moderator: the ban was lifted (modmail command)",
            ),
            (
                Some(record(Some(Verdict::Reduce { days: 7 }), Channel::Console)),
                Some(Outcome::Denied),
                "Reduced by a moderator to a temporary ban of 7 days (console)",
            ),
            (
                Some(record(Some(Verdict::Grant), Channel::HandUnban)),
                Some(Outcome::Granted),
                "Granted by a moderator: the ban was lifted (by hand in modmail)",
            ),
            (
                Some(record(None, Channel::Retired)),
                Some(Outcome::Denied),
                "Denied: still banned when the bot stopped following",
            ),
            (
                Some(record(None, Channel::BanCheck)),
                Some(Outcome::Granted),
                "Granted: the ban was lifted",
            ),
        ];
        for (d, outcome, label) in rows {
            assert_eq!(decided_label(outcome, d.as_ref()), label);
        }
    }

    use super::*;
    use appealmod_core::toxicity::{Category, Finding, Severity, Toxicity};
    use appealmod_shared::domain::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3_600, 0).expect("time")
    }

    fn file(outcome: Option<Outcome>) -> CaseFile {
        let appellant = Appellant {
            id: AppellantId(1),
            subreddit: SubredditName::parse("pics").expect("sub"),
            username: RedditUsername::parse("someone").expect("user"),
            group: Group::Treatment,
            ignored: false,
            user_deleted: false,
            still_banned: Some(true),
            last_update: None,
            next_ban_check_at: None,
            created_at: at(0),
        };
        let appeal = Appeal {
            id: AppealId(7),
            appellant_id: appellant.id,
            subreddit: appellant.subreddit.clone(),
            username: appellant.username.clone(),
            conversation_id: ConversationId::parse("abc").expect("conv"),
            token_expires_at: at(700),
            ban_note: " noted ".to_owned(),
            ban_reason: String::new(),
            ban_date: None,
            ban_permanent: true,
            status: AppealStatus::Completed,
            reminders: 1,
            outcome,
            created_at: at(1),
            opened_at: Some(at(5)),
            completed_at: Some(at(7)),
            submitted_at: Some(at(6)),
        };
        let steps = AppealSteps {
            first_message: Some(at(0)),
            link_sent: Some(at(2)),
            reminders: vec![at(4)],
            decided_at: outcome.map(|_| at(9)),
        };
        let form = FormAnswers {
            answers: vec![Answer {
                question_id: "steps".to_owned(),
                label: "What will you do?".to_owned(),
                value: AnswerValue::Text("Nothing, you **fools**".to_owned()),
            }],
            opened_at: Some(at(5)),
            submitted_at: at(5) + chrono::Duration::seconds(20),
        };
        let toxic = Toxicity {
            toxic: true,
            highest: Some(Finding {
                severity: Severity::Moderate,
                category: Category::Mean,
            }),
        };
        CaseFile {
            appeals: vec![appeal.clone()],
            appeal: Some(AppealFile {
                appeal,
                steps,
                answers: Some(form),
                decision: None,
            }),
            appellant,
            steps: AppellantSteps::default(),
            findings: vec![AssessedText {
                source: TextRef::Answer("steps".to_owned()),
                written_at: at(6),
                toxicity: toxic,
            }],
            questions: FormQuestions::default(),
        }
    }

    #[test]
    fn the_page_says_what_happened_in_order_and_which_text_was_toxic() {
        let v = CaseView::of(&file(None), "pics", 30, &ModmailLinks::default(), at(10));
        let labels: Vec<&str> = v.timeline.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Wrote in modmail",
                "The bot sent the link to the form",
                "Reminder 1 sent, with the link",
                "Opened the form",
                "Submitted the form",
                "Answers posted in modmail for the moderators",
            ]
        );
        assert_eq!((v.status, v.toxic), ("completed", true));
        assert_eq!(v.waiting.as_ref().map(|w| w.since.as_str()), Some("3 h"));
        let f = &v.findings[0];
        assert_eq!(
            (f.what.as_str(), f.category, f.severity),
            ("The answer to “What will you do?”", "mean", "moderate")
        );
        let fill = v.fill.as_ref().expect("filled");
        assert_eq!(
            (fill.took.as_str(), fill.fast.as_deref()),
            ("20 s", Some("faster than 30 s"))
        );
        // The note's markdown, escaped: the appellant's asterisks stay asterisks.
        let html = v.answers_html.as_deref().expect("answers");
        assert!(
            html.contains("<strong>What will you do?</strong> Nothing, you **fools**"),
            "{html}"
        );
        let ban = v.ban.as_ref().expect("ban");
        assert_eq!(
            (ban.kind, ban.told.as_str(), ban.noted.as_str()),
            ("Permanent", "", "noted")
        );
        assert!(v.others.is_empty());
        // Decided: the decision closes the timeline, and nothing waits.
        let v = CaseView::of(
            &file(Some(Outcome::Granted)),
            "pics",
            30,
            &ModmailLinks::default(),
            at(10),
        );
        assert_eq!(
            v.timeline.last().map(|s| s.label.as_str()),
            Some("Granted: the ban was lifted")
        );
        assert!(v.waiting.is_none());
    }
}
