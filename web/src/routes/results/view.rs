//! What the results page prints: `core::readout`'s numbers, formatted for moderators who are
//! not statisticians (shares in per cent with one decimal, differences in percentage points,
//! durations in minutes, hours or days). Formatting only: every number comes from
//! [`Readout`] and [`AssignmentAudit`].

use chrono::{DateTime, Utc};

use appealmod_core::readout::stats::{Difference, Proportion, Quartiles};
use appealmod_core::readout::{
    AmongCompleted, AssignmentAudit, Contrast, DecisionTimes, Funnel, GroupCounts, Readout, Rules,
    SegmentAudit, Verdict,
};

use appealmod_shared::storage::SplitAlarm;

use super::charts::{self, CONTROL, ChartError, Size, Spread, Stage, TREATMENT, Unit};
use crate::console::when;

/// "42.9%".
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A signed number with a real minus sign, one decimal: "−57.1", "+3.0".
fn signed(x: f64) -> String {
    let s = format!("{:.1}", x.abs());
    if s == "0.0" {
        s
    } else if x < 0.0 {
        format!("−{s}")
    } else {
        format!("+{s}")
    }
}

/// A p-value: three decimals, or "< 0.001".
pub fn p_value(p: Option<f64>) -> String {
    match p {
        None => "—".to_owned(),
        Some(p) if p < 0.001 => "< 0.001".to_owned(),
        Some(p) => format!("{p:.3}"),
    }
}

/// "45 s", "4 min 15 s", "26 h 30 min", "3.3 days".
pub fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        match s % 60 {
            0 => format!("{} min", s / 60),
            r => format!("{} min {r} s", s / 60),
        }
    } else if s < 2 * 86_400 {
        let m = s / 60;
        match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        }
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

/// One group's share on one measure.
pub struct ShareView {
    pub group: &'static str,
    /// "6 of 14".
    pub count: String,
    /// "42.9%", or an em dash without appeals to count.
    pub share: String,
    /// "21.4% to 67.4%" (Wilson, fixed-sample).
    pub interval: String,
}

impl ShareView {
    fn of(group: &'static str, p: &Proportion) -> Self {
        Self {
            group,
            count: format!("{} of {}", p.successes, p.trials),
            share: p.estimate.map_or_else(|| "—".to_owned(), pct),
            interval: p.interval.map_or_else(
                || "—".to_owned(),
                |i| format!("{} to {}", pct(i.low), pct(i.high)),
            ),
        }
    }
}

/// "−78.6 to −14.0 points".
fn points(d: &Difference) -> String {
    format!(
        "{} to {} points",
        signed(d.interval.low * 100.0),
        signed(d.interval.high * 100.0)
    )
}

/// "Still open and not yet counted: 7 treatment and 0 control appeals."
pub fn open_sentence(open: &GroupCounts) -> String {
    match (open.treatment, open.control) {
        (0, 0) => "Every appeal of this period is counted.".to_owned(),
        (t, c) => format!(
            "Still open and not yet counted: {t} treatment and {c} control {}.",
            if t + c == 1 { "appeal" } else { "appeals" }
        ),
    }
}

/// What the anytime-valid interval allows one to say.
fn reading(v: Verdict) -> &'static str {
    match v {
        Verdict::NotReady => {
            "Not ready: both groups need counted appeals before they can be compared."
        }
        Verdict::Lower => {
            "Lower in the treatment group, by more than chance explains, however often this page is looked at (the anytime-valid interval is below 0)."
        }
        Verdict::Higher => {
            "Higher in the treatment group, by more than chance explains, however often this page is looked at (the anytime-valid interval is above 0)."
        }
        Verdict::NotClear => {
            "Not clearly different yet: the anytime-valid interval includes 0, so chance could explain the difference."
        }
    }
}

/// Treatment against control on one measure.
pub struct ContrastView {
    pub id: &'static str,
    pub title: &'static str,
    /// What the share means, in one sentence.
    pub meaning: &'static str,
    pub treatment: ShareView,
    pub control: ShareView,
    /// "−57.1 percentage points".
    pub difference: Option<String>,
    /// The anytime-valid interval of the difference: "−78.6 to −14.0 points".
    pub sequential: Option<String>,
    /// Newcombe's fixed-sample interval of the difference.
    pub fixed: Option<String>,
    /// What the anytime-valid interval allows one to say.
    pub reading: &'static str,
    /// How many appeals are still open and not yet counted.
    pub open: String,
    /// How many are counted though still open (their window passed), if any.
    pub lapsed: Option<String>,
}

impl ContrastView {
    /// Treatment, then control: the rows of its table.
    pub fn groups(&self) -> [&ShareView; 2] {
        [&self.treatment, &self.control]
    }

    fn of(id: &'static str, title: &'static str, meaning: &'static str, c: &Contrast) -> Self {
        let lapsed = (c.lapsed.total() > 0).then(|| {
            format!(
                "Counted though still open, with the outcome they have so far (their window has passed): {} treatment and {} control.",
                c.lapsed.treatment, c.lapsed.control
            )
        });
        Self {
            id,
            title,
            meaning,
            treatment: ShareView::of("Treatment", &c.treatment),
            control: ShareView::of("Control", &c.control),
            difference: c
                .difference
                .map(|d| format!("{} percentage points", signed(d.estimate * 100.0))),
            sequential: c.sequential.as_ref().map(points),
            fixed: c.difference.as_ref().map(points),
            reading: reading(c.verdict),
            open: open_sentence(&c.open),
            lapsed,
        }
    }
}

/// The page's first words: the verdict on the primary outcome, with its figures.
pub struct AnswerView {
    pub sentence: String,
    pub open: String,
}

impl AnswerView {
    /// From the "reached the moderators" comparison.
    pub fn of(c: &Contrast) -> Self {
        let share = |p: &Proportion| {
            format!(
                "{} ({} of {})",
                p.estimate.map_or_else(|| "—".to_owned(), pct),
                p.successes,
                p.trials
            )
        };
        let figures = format!(
            "{} of the counted treatment appeals against {} of the counted control appeals",
            share(&c.treatment),
            share(&c.control)
        );
        let interval = c.sequential.as_ref().map(points).unwrap_or_default();
        let diff = c
            .difference
            .map(|d| signed(d.estimate * 100.0))
            .unwrap_or_default();
        let sentence = match c.verdict {
            Verdict::NotReady => {
                let lacking = match (c.treatment.trials, c.control.trials) {
                    (0, 0) => "neither group has one yet",
                    (0, _) => "the treatment group has none yet",
                    _ => "the control group has none yet",
                };
                format!(
                    "Not ready yet: the comparison needs appeals whose outcome is settled in both groups, and {lacking}."
                )
            }
            Verdict::Lower => format!(
                "Fewer appeals reach the moderators with the form: {figures}, {diff} points (anytime-valid 95% interval {interval})."
            ),
            Verdict::Higher => format!(
                "More appeals reach the moderators with the form: {figures}, {diff} points (anytime-valid 95% interval {interval})."
            ),
            Verdict::NotClear => format!(
                "No clear difference yet in the appeals that reach the moderators: {figures}, {diff} points; the anytime-valid 95% interval ({interval}) includes 0."
            ),
        };
        Self {
            sentence,
            open: open_sentence(&c.open),
        }
    }
}

/// One stage of the funnel.
pub struct FunnelRow {
    pub stage: &'static str,
    pub meaning: &'static str,
    pub treatment: u64,
    pub control: u64,
}

/// The funnel's stages, in order, with what each counts.
fn funnel_rows(t: &Funnel, c: &Funnel) -> Vec<FunnelRow> {
    let row = |stage, meaning, pick: fn(&Funnel) -> u64| FunnelRow {
        stage,
        meaning,
        treatment: pick(t),
        control: pick(c),
    };
    vec![
        row("Appellants", "Different users who appealed.", |f| {
            f.appellants
        }),
        row("Appeals", "Appeals (a user may appeal again later).", |f| {
            f.appeals
        }),
        row(
            "Contacted",
            "The bot's message with the form link was sent (never in control).",
            |f| f.contacted,
        ),
        row("Link opened", "The user opened the form.", |f| {
            f.link_opened
        }),
        row("Submitted", "The user sent the form.", |f| f.submitted),
        row(
            "Completed",
            "The answers were posted for the moderators in modmail.",
            |f| f.completed,
        ),
        row(
            "Handed over",
            "The user kept writing after the last reminder: the bot left the conversation to the moderators.",
            |f| f.handed_over,
        ),
        row(
            "Taken over",
            "A moderator wrote in the conversation before the form came.",
            |f| f.taken_over,
        ),
        row(
            "Never engaged",
            "The bot never sent a link (a moderator was first, or the subreddit was paused).",
            |f| f.never_engaged,
        ),
        row(
            "Reached the moderators",
            "The moderators saw the conversation: every control appeal, and the four kinds above.",
            |f| f.reached,
        ),
        row("Granted", "The user was unbanned.", |f| f.granted),
        row(
            "Denied",
            "Still banned when the bot stopped following the user.",
            |f| f.denied,
        ),
        row("Abandoned", "The form was never sent.", |f| f.abandoned),
        row("Pending", "No outcome yet.", |f| f.pending),
    ]
}

/// One line of the timings table.
pub struct TimingView {
    pub what: &'static str,
    pub group: &'static str,
    /// "6", or "7 of 18" for decisions (decided, of the appeals old enough to count).
    pub count: String,
    pub median: String,
    /// "4 min 15 s to 7 min 30 s".
    pub middle: String,
}

fn timing(
    what: &'static str,
    group: &'static str,
    count: String,
    q: Option<Quartiles>,
) -> TimingView {
    let (median, middle) = match q {
        Some(q) => (
            duration(q.median),
            format!("{} to {}", duration(q.q1), duration(q.q3)),
        ),
        None => ("—".to_owned(), "—".to_owned()),
    };
    TimingView {
        what,
        group,
        count,
        median,
        middle,
    }
}

fn decisions(group: &'static str, d: &DecisionTimes) -> TimingView {
    let count = format!("{} of {}", d.decided, d.cohort);
    timing("Time to a decision", group, count, d.quartiles)
}

/// A figure among the completed forms only.
pub struct CompletedView {
    pub what: &'static str,
    pub count: String,
    pub share: String,
    pub interval: String,
}

fn among_completed(a: &AmongCompleted) -> Vec<CompletedView> {
    let line = |what, p: &Proportion| {
        let s = ShareView::of("Treatment", p);
        CompletedView {
            what,
            count: s.count,
            share: s.share,
            interval: s.interval,
        }
    };
    vec![
        line(
            "Granted, of the completed forms with an outcome",
            &a.granted,
        ),
        line("Toxic, of the completed forms", &a.toxic),
    ]
}

/// One week of the weekly table.
pub struct WeekView {
    pub starts: String,
    pub treatment: u64,
    pub control: u64,
}

/// One segment of the assignment audit.
pub struct SegmentView {
    pub from: String,
    pub until: String,
    pub fraction: String,
    pub appellants: u64,
    pub treatment: u64,
    pub observed: String,
    pub p_value: String,
}

fn bound(t: Option<DateTime<Utc>>, open: &str) -> String {
    t.map_or_else(|| open.to_owned(), |t| when(Some(t)))
}

impl From<&SegmentAudit> for SegmentView {
    fn from(s: &SegmentAudit) -> Self {
        Self {
            from: bound(s.segment.period.from, "the start"),
            until: bound(s.segment.period.until, "now"),
            fraction: pct(s.segment.fraction),
            appellants: s.appellants,
            treatment: s.treatment,
            observed: s.observed_share.map_or_else(|| "—".to_owned(), pct),
            p_value: p_value(s.p_value),
        }
    }
}

/// The banner of a split alarm the bot raised.
pub struct AlarmView {
    pub subreddit: String,
    pub text: String,
}

impl AlarmView {
    pub fn of(a: &SplitAlarm) -> Self {
        let since = a.period_from.map_or_else(
            || "From the start".to_owned(),
            |t| format!("Since {}", when(Some(t))),
        );
        let observed = if a.appellants == 0 {
            "—".to_owned()
        } else {
            pct(a.treatment as f64 / a.appellants as f64)
        };
        Self {
            subreddit: a.subreddit.to_string(),
            text: format!(
                "{since}, {} of {} appellants ({observed}) were put in the treatment group where {} was configured. Chance alone gives a split this far off less than once in a thousand times (p-value {}), so the comparison of the groups may be biased until it is explained: ask an operator to check the bot's treatment fraction and its random draw. The alerts channel was told {}; this banner goes when the split is back in line.",
                a.treatment,
                a.appellants,
                pct(a.fraction),
                p_value(Some(a.p_value)),
                when(Some(a.raised_at)),
            ),
        }
    }
}

/// One subreddit's assignment audit.
pub struct AuditView {
    pub subreddit: String,
    pub segments: Vec<SegmentView>,
    pub chi_square: String,
    pub degrees_of_freedom: u32,
    pub p_value: String,
    pub reading: &'static str,
}

impl AuditView {
    pub fn of(subreddit: &str, a: &AssignmentAudit) -> Self {
        let reading = match a.p_value {
            None => "No appellant in this period yet: nothing to check.",
            Some(p) if p < 0.05 => {
                "Unusual: a split this far from the configured fraction happens by chance less than once in 20 times. Worth asking an operator to check the bot's settings."
            }
            Some(_) => "Consistent with chance: the split follows the configured fraction.",
        };
        Self {
            subreddit: subreddit.to_owned(),
            segments: a.segments.iter().map(SegmentView::from).collect(),
            chi_square: format!("{:.3}", a.chi_square),
            degrees_of_freedom: a.degrees_of_freedom,
            p_value: p_value(a.p_value),
            reading,
        }
    }
}

/// Everything the page shows of one readout.
pub struct ReportView {
    pub empty: bool,
    /// The verdict on the primary outcome, first on the page.
    pub answer: AnswerView,
    pub comparisons: Vec<ContrastView>,
    pub among_completed: Vec<CompletedView>,
    pub funnel: Vec<FunnelRow>,
    pub timings: Vec<TimingView>,
    pub weeks: Vec<WeekView>,
    /// The window after which a still open appeal is counted as it stands.
    pub window_days: i64,
    /// The size the anytime-valid intervals are tuned for.
    pub planned_appeals: u64,
    pub funnel_chart: Option<Chart>,
    pub weekly_chart: Option<Chart>,
    pub form_chart: Option<Chart>,
    pub decision_chart: Option<Chart>,
}

/// One chart drawn for wide screens and for phones; the stylesheet shows one.
pub struct Chart {
    pub wide: String,
    pub narrow: String,
}

/// A chart, or none when it could not be drawn (the table beside it still shows the figures).
fn chart(draw: impl Fn(Size) -> Result<String, ChartError>) -> Option<Chart> {
    let drawn = (|| {
        Ok::<_, ChartError>(Chart {
            wide: draw(Size::Wide)?,
            narrow: draw(Size::Narrow)?,
        })
    })();
    drawn
        .map_err(|e| tracing::warn!(error = %e, "results chart left out"))
        .ok()
}

/// The three comparisons, by assigned group.
fn comparisons(r: &Readout) -> Vec<ContrastView> {
    let c = &r.comparison;
    vec![
        ContrastView::of(
            "read",
            "Appeals that reached the moderators",
            "Of all appeals of each group, the share the moderators saw in modmail: every control appeal; a treatment appeal once its form was completed, or when the bot handed it over after the last reminder, a moderator took it over, or the bot never sent a link.",
            &c.reached_moderators,
        ),
        ContrastView::of(
            "granted",
            "Grant rate",
            "Of all appeals of each group, the share where the user was unbanned.",
            &c.granted,
        ),
        ContrastView::of(
            "toxic",
            "Toxic appeals that reached moderators",
            "Of all appeals of each group, the share whose messages or answers contained abusive language and still reached a moderator.",
            &c.toxic_reached_moderators,
        ),
    ]
}

/// The funnel, weekly, form-time and decision-time charts.
fn charts(r: &Readout, funnel: &[FunnelRow], empty: bool) -> [Option<Chart>; 4] {
    let stages: Vec<Stage> = funnel
        .iter()
        .map(|f| Stage {
            label: f.stage.to_owned(),
            treatment: f.treatment,
            control: f.control,
        })
        .collect();
    let spread = |label: &str, colour, q: Option<Quartiles>| {
        q.map(|quartiles| Spread {
            label: format!("{label} (n = {})", quartiles.n),
            colour,
            quartiles,
        })
    };
    let form: Vec<Spread> = spread("Treatment", TREATMENT, r.form_seconds)
        .into_iter()
        .collect();
    let decisions: Vec<Spread> = [
        spread("Treatment", TREATMENT, r.decisions_treatment.quartiles),
        spread("Control", CONTROL, r.decisions_control.quartiles),
    ]
    .into_iter()
    .flatten()
    .collect();
    [
        (!empty)
            .then(|| chart(|size| charts::funnel(&stages, "Funnel per group", size)))
            .flatten(),
        (!r.weekly.is_empty())
            .then(|| chart(|size| charts::weekly(&r.weekly, "Appeals per week and group", size)))
            .flatten(),
        (!form.is_empty())
            .then(|| {
                chart(|size| {
                    charts::spreads(&form, Unit::Minutes, "Time to complete the form", size)
                })
            })
            .flatten(),
        (!decisions.is_empty())
            .then(|| {
                chart(|size| charts::spreads(&decisions, Unit::Days, "Time to a decision", size))
            })
            .flatten(),
    ]
}

impl ReportView {
    pub fn of(r: &Readout, rules: &Rules) -> Self {
        let funnel = funnel_rows(&r.treatment, &r.control);
        let empty = r.treatment.appeals + r.control.appeals == 0;
        let [funnel_chart, weekly_chart, form_chart, decision_chart] = charts(r, &funnel, empty);
        let forms = r.form_seconds.map_or(0, |q| q.n).to_string();
        Self {
            empty,
            answer: AnswerView::of(&r.comparison.reached_moderators),
            comparisons: comparisons(r),
            among_completed: among_completed(&r.among_completed),
            funnel,
            timings: vec![
                timing(
                    "Time to complete the form",
                    "Treatment",
                    forms,
                    r.form_seconds,
                ),
                decisions("Treatment", &r.decisions_treatment),
                decisions("Control", &r.decisions_control),
            ],
            weeks: r
                .weekly
                .iter()
                .map(|w| WeekView {
                    starts: w.starts.format("%-d %b %Y").to_string(),
                    treatment: w.treatment,
                    control: w.control,
                })
                .collect(),
            window_days: rules.window.num_days(),
            planned_appeals: rules.planned_appeals,
            funnel_chart,
            weekly_chart,
            form_chart,
            decision_chart,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_moderators_expect() {
        assert_eq!(pct(6.0 / 14.0), "42.9%");
        assert_eq!(pct(1.0), "100.0%");
        assert_eq!(signed(-0.571_4 * 100.0), "−57.1");
        assert_eq!(signed(0.0004), "0.0");
        assert_eq!(signed(3.0), "+3.0");
        assert_eq!(p_value(Some(0.000_2)), "< 0.001");
        assert_eq!(p_value(Some(0.753_906_25)), "0.754");
        assert_eq!(p_value(None), "—");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(45.0), "45 s");
        assert_eq!(duration(180.0), "3 min");
        assert_eq!(duration(255.0), "4 min 15 s");
        assert_eq!(duration(86_400.0 + 1_800.0), "24 h 30 min");
        assert_eq!(duration(2.0 * 86_400.0 + 1_800.0), "2.0 days");
        assert_eq!(duration(3.25 * 86_400.0 + 1_800.0), "3.3 days");
    }

    #[test]
    fn an_empty_readout_has_no_chart_and_says_so() {
        let rules = Rules::new(chrono::Utc::now(), chrono::Duration::days(44));
        let v = ReportView::of(&appealmod_core::readout::compute(&[], &rules), &rules);
        assert!(v.empty);
        assert!(v.funnel_chart.is_none() && v.weekly_chart.is_none());
        assert!(v.form_chart.is_none() && v.decision_chart.is_none());
        assert_eq!(v.comparisons[0].treatment.share, "—");
        assert!(v.comparisons[0].difference.is_none());
        assert_eq!(v.timings[0].median, "—");
        assert!(v.answer.sentence.starts_with("Not ready yet"));
        assert_eq!(v.answer.open, "Every appeal of this period is counted.");
    }
}
