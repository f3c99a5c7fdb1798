//! The public debrief as words: the page at `/r/{sub}/results`, its Markdown at
//! `/r/{sub}/results.md` and the same Markdown in the console for a post to the community.
//! `core::readout::debrief` decides which counts may be published; the verdicts are the
//! readout's (intention to treat, counted appeals only, the anytime-valid interval). This
//! only writes them out.

use std::fmt::Write;

use appealmod_core::readout::debrief::{Debrief, PublicContrast, PublicShare, Shown, debrief};
use appealmod_core::readout::definitions::Metric;
use appealmod_core::readout::plan::{Plan, progress};
use appealmod_core::readout::stats::Difference;
use appealmod_core::readout::{Readout, ReadoutRow, Rules, Verdict};
use chrono::{DateTime, Utc};

use super::plan::PlanView;
use super::view::pct;
use crate::console::when;

/// "42", "≤5" or "withheld".
pub fn count(s: Shown) -> String {
    match s {
        Shown::Count(n) => n.to_string(),
        Shown::Small => "≤5".to_owned(),
        Shown::Withheld => "withheld".to_owned(),
    }
}

fn signed(x: f64) -> String {
    let s = format!("{:.1}", x.abs());
    match () {
        _ if s == "0.0" => s,
        _ if x < 0.0 => format!("−{s}"),
        _ => format!("+{s}"),
    }
}

fn interval(d: &Difference) -> String {
    format!(
        "{} to {} points",
        signed(d.interval.low * 100.0),
        signed(d.interval.high * 100.0)
    )
}

/// What a success of each comparison is, in a sentence's words.
fn noun(m: Metric) -> &'static str {
    match m {
        Metric::Reached => "appeals reach the moderators",
        Metric::Granted => "appeals are granted",
        Metric::ToxicReached => "abusive appeals reach the moderators",
    }
}

/// "75.0% (30 of 40)", or the counts as they may be shown.
fn share(s: &PublicShare) -> String {
    match s.share.and_then(|p| p.estimate) {
        Some(e) => format!("{} ({} of {})", pct(e), count(s.hits), count(s.counted)),
        None => format!("{} of {} (share withheld)", count(s.hits), count(s.counted)),
    }
}

/// The verdict on one comparison in plain words, with the figures that may be published.
pub fn verdict_sentence(c: &PublicContrast) -> String {
    let n = noun(c.metric);
    let figures = match (
        c.treatment.share.is_some() && c.control.share.is_some(),
        c.sequential,
    ) {
        (true, Some(d)) => format!(
            ": {} of the counted appeals with the form against {} without it, {} points (anytime-valid 95% interval {})",
            share(&c.treatment),
            share(&c.control),
            signed(d.estimate * 100.0),
            interval(&d)
        ),
        _ => " (the figures are withheld: they would reveal a count of 5 or fewer)".to_owned(),
    };
    match c.verdict {
        Verdict::NotReady => format!(
            "Not ready yet: the comparison needs appeals whose outcome is settled in both groups, and {} appeals are still open.",
            count(c.open)
        ),
        Verdict::Lower => {
            format!("Fewer {n} with the form, by more than chance explains{figures}.")
        }
        Verdict::Higher => {
            format!("More {n} with the form, by more than chance explains{figures}.")
        }
        Verdict::NotClear => {
            format!("No clear difference yet in how many {n}{figures}; chance could explain it.")
        }
    }
}

/// One group's line of a comparison's table.
pub struct GroupLine {
    pub group: &'static str,
    pub counted: String,
    pub hits: String,
    pub share: String,
}

fn group_line(group: &'static str, s: &PublicShare) -> GroupLine {
    GroupLine {
        group,
        counted: count(s.counted),
        hits: count(s.hits),
        share: s
            .share
            .and_then(|p| p.estimate)
            .map_or_else(|| "withheld".to_owned(), pct),
    }
}

/// One comparison as the public page shows it.
pub struct ContrastLines {
    pub id: &'static str,
    pub title: &'static str,
    pub verdict: String,
    pub groups: [GroupLine; 2],
    /// "−25.0 points (anytime-valid 95% interval …); fixed-sample …", when published.
    pub difference: Option<String>,
    pub open: String,
}

fn lines(c: &PublicContrast) -> ContrastLines {
    let difference = c.sequential.zip(c.difference).map(|(s, f)| {
        format!(
            "Difference {} points: anytime-valid 95% interval {}; fixed-sample 95% interval {} (valid at the planned size only).",
            signed(s.estimate * 100.0),
            interval(&s),
            interval(&f)
        )
    });
    ContrastLines {
        id: c.metric.key(),
        title: c.metric.label(),
        verdict: verdict_sentence(c),
        groups: [
            group_line("With the form (treatment)", &c.treatment),
            group_line("Without it (control)", &c.control),
        ],
        difference,
        open: format!("Still open, not yet counted: {}.", count(c.open)),
    }
}

/// Everything the public page and its Markdown say.
pub struct DebriefView {
    pub sub: String,
    /// "120 appeals in all", or why not.
    pub appeals: String,
    pub answer: String,
    pub contrasts: Vec<ContrastLines>,
    pub plan: Option<PlanView>,
    /// When the figures were computed.
    pub as_of: String,
    pub markdown: String,
}

impl DebriefView {
    /// The debrief of `rows` (a subreddit, all time) counted as `rules` say, with the plan.
    pub fn of(
        sub: &str,
        rows: &[ReadoutRow],
        readout: &Readout,
        rules: &Rules,
        plan: Option<&Plan>,
    ) -> Self {
        let primary = plan.map_or(Metric::Reached, |p| p.choice.metric);
        let progress = plan.map(|p| progress(p, rows, rules.now));
        let d: Debrief = debrief(readout, primary, progress.map(|p| p.appeals));
        let plan = plan
            .zip(progress)
            .map(|(p, pr)| PlanView::of(p, &pr, d.plan_appeals.unwrap_or(Shown::Withheld)));
        let contrasts: Vec<ContrastLines> = d.contrasts.iter().map(lines).collect();
        let mut v = Self {
            sub: sub.to_owned(),
            appeals: match d.appeals {
                Shown::Count(n) => format!("{n} appeals in all"),
                Shown::Small => "5 or fewer appeals in all".to_owned(),
                Shown::Withheld => {
                    "The number of appeals in all is withheld: with the figures below it would reveal a count of 5 or fewer".to_owned()
                }
            },
            answer: contrasts
                .first()
                .map(|c| c.verdict.clone())
                .unwrap_or_default(),
            contrasts,
            plan,
            as_of: when(Some(rules.now)),
            markdown: String::new(),
        };
        v.markdown = markdown(&v, rules.now);
        v
    }
}

/// The Markdown for a post to the community (Reddit's flavour: tables, no HTML).
fn markdown(v: &DebriefView, now: DateTime<Utc>) -> String {
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# The ban-appeal experiment in r/{}: results so far\n",
        v.sub
    );
    let _ = writeln!(
        m,
        "When someone banned here writes to modmail, a bot picks at random whether they get a link to an appeal form (*with the form*) or the moderators answer them as they always did (*without it*). Comparing the two groups shows what the form changes.\n"
    );
    let _ = writeln!(m, "**{}**\n", v.answer);
    for c in &v.contrasts {
        let _ = writeln!(m, "## {}\n", c.title);
        let _ = writeln!(m, "{}\n", c.verdict);
        let _ = writeln!(m, "| Group | Counted appeals | Of them | Share |");
        let _ = writeln!(m, "|---|---:|---:|---:|");
        for g in &c.groups {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                g.group, g.counted, g.hits, g.share
            );
        }
        let _ = writeln!(m);
        if let Some(d) = &c.difference {
            let _ = writeln!(m, "{d}\n");
        }
        let _ = writeln!(m, "{}\n", c.open);
    }
    if let Some(p) = &v.plan {
        let _ = writeln!(m, "## The analysis plan (version {})\n", p.version);
        for l in &p.lines {
            let _ = writeln!(m, "* {}: {}", l.what, l.value);
        }
        let _ = writeln!(
            m,
            "\nFingerprint (SHA-256 of the plan's text): `{}`\n",
            p.fingerprint
        );
        let _ = writeln!(m, "Progress: {}\n", p.progress);
    }
    let _ = writeln!(
        m,
        "*How to read this:* every appeal counts in the group drawn for it, whether or not the person used the form. An appeal is counted once its outcome can no longer change. The intervals are anytime-valid: they stay 95% intervals however often the results are looked at. Counts of 5 or fewer are shown as ≤5, and figures that would reveal them are withheld. {}; figures as of {} (UTC).",
        v.appeals,
        now.format("%-d %b %Y %H:%M")
    );
    m
}
