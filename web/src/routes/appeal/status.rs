//! Where a submitted appeal stands, as its appellant sees it through their personal link:
//! received, passed to the moderators (the appeal is *completed*: its moderators' note is on
//! Reddit), and whether the ban is over once the bot has seen it lifted. Built only from
//! the appeal's dates and outcome: nothing the moderators wrote is on this page. Times are
//! in UTC, said so, and machine-readable in `<time datetime>`; the page links back to the
//! subreddit and to the appellant's modmail conversation.

use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_core::decide::verdict::Verdict;
use appealmod_core::i18n;
use appealmod_shared::domain::{Appeal, Language, Outcome};
use appealmod_shared::storage::DecisionRecord;

use crate::i18n::Tr;

/// One line of the status timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusStep {
    pub title: String,
    /// `done`, `current` or `pending`: the CSS class and the hidden word read out with it.
    pub state: &'static str,
    /// The time, as shown ("2 December 2026, 09:30 UTC") and as `<time datetime>` (RFC 3339).
    pub date: Option<(String, String)>,
    pub text: String,
}

#[derive(Template)]
#[template(path = "appeal_status.html")]
pub struct AppealStatusPage {
    pub tr: Tr,
    pub subreddit: String,
    pub heading: String,
    pub lead: String,
    pub steps: Vec<StatusStep>,
    /// The appellant's conversation with the subreddit as they read it on Reddit
    /// (`web.user_mail_url`).
    pub conversation_url: String,
}

/// The page's texts in its language.
#[derive(Clone, Copy)]
struct Texts<'a> {
    tr: Tr,
    sub: &'a str,
}

impl Texts<'_> {
    fn t(self, id: &str) -> String {
        self.tr.t(id)
    }

    /// A text naming the subreddit.
    fn s(self, id: &str) -> String {
        self.tr.sub(id, self.sub)
    }

    /// One line of the timeline: its title, state, time and text.
    fn step(
        self,
        title: &str,
        state: &'static str,
        at: Option<DateTime<Utc>>,
        text: String,
    ) -> StatusStep {
        StatusStep {
            title: self.t(title),
            state,
            date: at.map(|d| date(self.tr.0, d)),
            text,
        }
    }
}

/// A time as the page shows it, and as `<time datetime>` reads it. UTC, and said so: the
/// page has no script to learn the reader's time zone.
fn date(lang: Language, d: DateTime<Utc>) -> (String, String) {
    (
        i18n::date_time(lang, d),
        d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

impl AppealStatusPage {
    /// `just_now`: submitted by this request, so the page thanks the user first. In `lang`,
    /// the subreddit's language.
    pub fn new(appeal: &Appeal, just_now: bool, conversation_url: String, lang: Language) -> Self {
        let sub = appeal.subreddit.to_string();
        let x = Texts {
            tr: Tr(lang),
            sub: &sub,
        };
        let passed = appeal.completed_at.is_some();
        let lifted = appeal.outcome == Some(Outcome::Granted);
        let (heading, lead) = match (lifted, passed, just_now) {
            (true, _, _) => ("status-lifted", "status-lifted-lead"),
            (false, true, _) => ("status-with-moderators", "status-with-moderators-lead"),
            (false, false, true) => ("status-thanks", "status-received-lead"),
            (false, false, false) => ("status-received", "status-received-lead"),
        };
        Self {
            tr: x.tr,
            heading: x.t(heading),
            lead: x.s(lead),
            steps: steps(appeal, x, lifted),
            conversation_url,
            subreddit: sub,
        }
    }
}

impl AppealStatusPage {
    /// The moderators' decision, when they took one (in the console, by a command in
    /// modmail, or by lifting the ban by hand): the page says what it is and when, as soon
    /// as it is recorded. An outcome the bot only inferred changes nothing here (a ban
    /// still in place after the cutoff says nothing of what the moderators think).
    pub fn with_decision(mut self, decision: Option<DecisionRecord>) -> Self {
        let Some(d) = decision else {
            return self;
        };
        let sub = self.subreddit.clone();
        let x = Texts {
            tr: self.tr,
            sub: &sub,
        };
        let at = Some(d.at);
        let (heading, lead, last) = match d.verdict {
            Some(Verdict::Grant) => (
                "status-lifted",
                "status-granted-lead",
                x.step("step-lifted", "done", at, x.s("step-lifted-text")),
            ),
            Some(Verdict::Deny) => (
                "status-kept",
                "status-kept-lead",
                x.step("step-kept", "done", at, x.t("step-kept-text")),
            ),
            Some(Verdict::Reduce { days }) => (
                "status-reduced",
                "status-reduced-lead",
                x.step(
                    "step-shortened",
                    "done",
                    at,
                    i18n::format(x.tr.0, "step-shortened-text", &[("days", days.into())]),
                ),
            ),
            None if d.outcome == Outcome::Granted => (
                "status-lifted",
                "status-lifted-lead",
                x.step("step-lifted", "done", at, x.s("step-lifted-text")),
            ),
            None => return self,
        };
        self.heading = x.t(heading);
        self.lead = x.s(lead);
        if let Some(s) = self.steps.last_mut() {
            *s = last;
        }
        self
    }
}

/// Received, passed to the moderators, their decision: done, current or still to come.
fn steps(appeal: &Appeal, x: Texts<'_>, lifted: bool) -> Vec<StatusStep> {
    let received = x.step(
        "step-received",
        "done",
        appeal.submitted_at,
        x.t("step-received-text"),
    );
    let passing = match appeal.completed_at {
        Some(at) => x.step("step-passed", "done", Some(at), x.s("step-passed-text")),
        None => x.step("step-passed", "current", None, x.t("step-passing-text")),
    };
    let decision = match (lifted, appeal.completed_at.is_some()) {
        (true, _) => x.step("step-lifted", "done", None, x.s("step-lifted-text")),
        (false, passed) => x.step(
            "step-decision",
            if passed { "current" } else { "pending" },
            None,
            x.s("step-decision-text"),
        ),
    };
    vec![received, passing, decision]
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use appealmod_shared::domain::{
        AppealId, AppealStatus, AppellantId, ConversationId, RedditUsername, SubredditName,
    };

    fn appeal() -> Appeal {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 2, 9, 30, 0)
            .single()
            .expect("time");
        Appeal {
            id: AppealId(1),
            appellant_id: AppellantId(1),
            subreddit: SubredditName::parse("pics").expect("sub"),
            username: RedditUsername::parse("bob").expect("user"),
            conversation_id: ConversationId::parse("abc1").expect("id"),
            token_expires_at: t + Duration::days(30),
            ban_note: "private: spammer, watch closely".into(),
            ban_reason: "Rule 2".into(),
            ban_date: None,
            ban_permanent: true,
            status: AppealStatus::Submitted,
            reminders: 0,
            outcome: None,
            created_at: t - Duration::days(1),
            opened_at: Some(t - Duration::hours(2)),
            completed_at: None,
            submitted_at: Some(t),
        }
    }

    const EN: Language = Language::English;

    use appealmod_shared::config::ModmailLinks;

    fn links() -> String {
        ModmailLinks::user_default().user_message(Some("12tz1li"))
    }

    fn states(p: &AppealStatusPage) -> Vec<&'static str> {
        p.steps.iter().map(|s| s.state).collect()
    }

    #[test]
    fn received_then_passed_then_lifted() {
        let mut a = appeal();
        let p = AppealStatusPage::new(&a, false, links(), EN);
        assert_eq!(p.heading, "Your appeal was received");
        assert_eq!(states(&p), ["done", "current", "pending"]);
        assert_eq!(
            p.steps[0].date.as_ref().map(|d| d.0.as_str()),
            Some("2 December 2026, 09:30 UTC")
        );
        assert!(p.steps[1].date.is_none());

        a.status = AppealStatus::Completed;
        a.completed_at = Some(a.submitted_at.expect("submitted") + Duration::days(1));
        let p = AppealStatusPage::new(&a, false, links(), EN);
        assert_eq!(p.heading, "Your appeal is with the moderators");
        assert_eq!(states(&p), ["done", "done", "current"]);
        assert_eq!(
            p.steps[1].date.as_ref().map(|d| d.0.as_str()),
            Some("3 December 2026, 09:30 UTC")
        );

        a.outcome = Some(Outcome::Granted);
        let p = AppealStatusPage::new(&a, false, links(), EN);
        assert_eq!(p.heading, "You are no longer banned");
        assert_eq!(states(&p), ["done", "done", "done"]);
        assert_eq!(p.steps[2].title, "Ban lifted");
    }

    #[test]
    fn a_denied_appeal_claims_nothing_the_bot_cannot_know() {
        // "Denied" is the bot's inference from a ban still in place after the cutoff; the
        // moderators may decide later, so the page says no more than for an open appeal.
        let mut a = appeal();
        a.status = AppealStatus::Completed;
        a.completed_at = a.submitted_at;
        let open = AppealStatusPage::new(&a, false, links(), EN);
        a.outcome = Some(Outcome::Denied);
        let denied = AppealStatusPage::new(&a, false, links(), EN);
        assert_eq!(denied.heading, open.heading);
        assert_eq!(denied.steps, open.steps);
    }

    #[test]
    fn the_moderators_decision_shows_at_once_with_its_date() {
        let mut a = appeal();
        a.status = AppealStatus::Completed;
        a.completed_at = a.submitted_at;
        let at = a.submitted_at.expect("submitted") + Duration::days(2);
        let record = |verdict, outcome| DecisionRecord {
            outcome,
            verdict,
            via: None,
            at,
        };
        let granted = AppealStatusPage::new(&a, false, links(), EN)
            .with_decision(Some(record(Some(Verdict::Grant), Outcome::Granted)));
        assert_eq!(granted.heading, "You are no longer banned");
        assert_eq!(states(&granted), ["done", "done", "done"]);
        assert_eq!(
            granted.steps[2].date.as_ref().map(|d| d.0.as_str()),
            Some("4 December 2026, 09:30 UTC")
        );
        let kept = AppealStatusPage::new(&a, false, links(), EN)
            .with_decision(Some(record(Some(Verdict::Deny), Outcome::Denied)));
        assert_eq!(
            (kept.heading.as_str(), kept.steps[2].title.as_str()),
            ("The moderators decided", "Ban kept")
        );
        let shorter = AppealStatusPage::new(&a, false, links(), EN).with_decision(Some(record(
            Some(Verdict::Reduce { days: 7 }),
            Outcome::Denied,
        )));
        assert!(shorter.steps[2].text.contains("7 days"));
        // Inferred by the bot (retired as stale): the page claims nothing.
        let open = AppealStatusPage::new(&a, false, links(), EN);
        let inferred = AppealStatusPage::new(&a, false, links(), EN)
            .with_decision(Some(record(None, Outcome::Denied)));
        assert_eq!(inferred.steps, open.steps);
    }

    #[test]
    fn just_submitted_says_thank_you() {
        let p = AppealStatusPage::new(&appeal(), true, links(), EN);
        assert_eq!(p.heading, "Thank you, your appeal was received");
    }

    #[test]
    fn nothing_private_is_rendered() {
        let mut a = appeal();
        for (completed, outcome) in [(false, None), (true, None), (true, Some(Outcome::Granted))] {
            a.completed_at = completed.then_some(Utc::now());
            a.outcome = outcome;
            let html = AppealStatusPage::new(&a, false, links(), EN)
                .render()
                .expect("render");
            assert!(!html.contains("spammer"), "{html}");
            assert!(!html.contains("Rule 2"), "{html}");
        }
    }
}
