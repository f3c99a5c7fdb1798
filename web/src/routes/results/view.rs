//! What the results page prints: `core::readout`'s numbers, formatted for moderators who are
//! not statisticians (shares in per cent with one decimal, differences in percentage points,
//! durations in minutes, hours or days). Formatting only: every number comes from
//! [`Readout`] and [`AssignmentAudit`].

use chrono::{DateTime, Utc};

use appealmod_core::readout::stats::{Proportion, Quartiles};
use appealmod_core::readout::{AssignmentAudit, Contrast, Funnel, Readout, SegmentAudit};

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
    /// "21.4% to 67.4%".
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
    /// "−78.6 to −27.3 points".
    pub difference_interval: Option<String>,
    /// What the interval of the difference allows one to say.
    pub reading: &'static str,
}

impl ContrastView {
    /// Treatment, then control: the rows of its table.
    pub fn groups(&self) -> [&ShareView; 2] {
        [&self.treatment, &self.control]
    }

    fn of(id: &'static str, title: &'static str, meaning: &'static str, c: &Contrast) -> Self {
        let reading = match c.difference {
            None => "Both groups need appeals before they can be compared.",
            Some(d) if d.interval.high < 0.0 => {
                "Lower in the treatment group, by more than chance explains (the interval of the difference is below 0)."
            }
            Some(d) if d.interval.low > 0.0 => {
                "Higher in the treatment group, by more than chance explains (the interval of the difference is above 0)."
            }
            Some(_) => {
                "Not clearly different yet: the interval of the difference includes 0, so chance could explain it."
            }
        };
        Self {
            id,
            title,
            meaning,
            treatment: ShareView::of("Treatment", &c.treatment),
            control: ShareView::of("Control", &c.control),
            difference: c
                .difference
                .map(|d| format!("{} percentage points", signed(d.estimate * 100.0))),
            difference_interval: c.difference.map(|d| {
                format!(
                    "{} to {} points",
                    signed(d.interval.low * 100.0),
                    signed(d.interval.high * 100.0)
                )
            }),
            reading,
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
        row("Granted", "The user was unbanned.", |f| f.granted),
        row(
            "Denied",
            "Still banned when the bot stopped following the user.",
            |f| f.denied,
        ),
        row("Abandoned", "The form was never sent.", |f| f.abandoned),
        row("Pending", "Not settled yet.", |f| f.pending),
    ]
}

/// One line of the timings table.
pub struct TimingView {
    pub what: &'static str,
    pub group: &'static str,
    pub n: usize,
    pub median: String,
    /// "4 min 15 s to 7 min 30 s".
    pub middle: String,
}

fn timing(what: &'static str, group: &'static str, q: Option<Quartiles>) -> TimingView {
    match q {
        Some(q) => TimingView {
            what,
            group,
            n: q.n,
            median: duration(q.median),
            middle: format!("{} to {}", duration(q.q1), duration(q.q3)),
        },
        None => TimingView {
            what,
            group,
            n: 0,
            median: "—".to_owned(),
            middle: "—".to_owned(),
        },
    }
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
    pub comparisons: Vec<ContrastView>,
    pub funnel: Vec<FunnelRow>,
    pub timings: Vec<TimingView>,
    pub weeks: Vec<WeekView>,
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

impl ReportView {
    pub fn of(r: &Readout) -> Self {
        let c = &r.comparison;
        let funnel = funnel_rows(&r.treatment, &r.control);
        let empty = r.treatment.appeals + r.control.appeals == 0;
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
            spread("Treatment", TREATMENT, r.decision_seconds_treatment),
            spread("Control", CONTROL, r.decision_seconds_control),
        ]
        .into_iter()
        .flatten()
        .collect();
        Self {
            empty,
            comparisons: vec![
                ContrastView::of(
                    "read",
                    "Appeals moderators had to read",
                    "Of all appeals, the share that ended up in front of a moderator: every control appeal does; a treatment appeal only once its form was completed (or a moderator took it over before the bot).",
                    &c.read_by_moderators,
                ),
                ContrastView::of(
                    "granted",
                    "Grant rate",
                    "Of the appeals that are settled (granted, denied or abandoned), the share where the user was unbanned.",
                    &c.granted,
                ),
                ContrastView::of(
                    "toxic",
                    "Toxic appeals that reached moderators",
                    "Of all appeals, the share whose messages or answers contained abusive language and still reached a moderator.",
                    &c.toxic_reached_moderators,
                ),
            ],
            funnel,
            timings: vec![
                timing("Time to complete the form", "Treatment", r.form_seconds),
                timing(
                    "Time to a decision",
                    "Treatment",
                    r.decision_seconds_treatment,
                ),
                timing("Time to a decision", "Control", r.decision_seconds_control),
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
            funnel_chart: (!empty)
                .then(|| chart(|size| charts::funnel(&stages, "Funnel per group", size)))
                .flatten(),
            weekly_chart: (!r.weekly.is_empty())
                .then(|| {
                    chart(|size| charts::weekly(&r.weekly, "Appeals per week and group", size))
                })
                .flatten(),
            form_chart: (!form.is_empty())
                .then(|| {
                    chart(|size| {
                        charts::spreads(&form, Unit::Minutes, "Time to complete the form", size)
                    })
                })
                .flatten(),
            decision_chart: (!decisions.is_empty())
                .then(|| {
                    chart(|size| {
                        charts::spreads(&decisions, Unit::Days, "Time to a decision", size)
                    })
                })
                .flatten(),
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
        let v = ReportView::of(&appealmod_core::readout::compute(&[]));
        assert!(v.empty);
        assert!(v.funnel_chart.is_none() && v.weekly_chart.is_none());
        assert!(v.form_chart.is_none() && v.decision_chart.is_none());
        assert_eq!(v.comparisons[0].treatment.share, "—");
        assert!(v.comparisons[0].difference.is_none());
        assert_eq!(v.timings[0].median, "—");
    }
}
