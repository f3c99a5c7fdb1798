//! The analysis plan on the results page: the plan in force with its fingerprint and
//! progress, the versions before it, and the form that freezes the next version with the
//! number of appeals it needs (`core::readout::plan` computes; this only formats and reads
//! the form).

use chrono::{Days, NaiveDate};

use appealmod_core::readout::debrief::Shown;
use appealmod_core::readout::definitions::Metric;
use appealmod_core::readout::plan::{
    Permille, Plan, PlanChoice, PlanError, Power, Progress, planned_appeals,
};

use appealmod_shared::fingerprint::Fingerprint;

use super::debrief::count;
use super::view::pct;
use crate::console::when;
use crate::form::FormData;

/// A new plan's end date when the form is first shown: a season of appeals.
const DEFAULT_DAYS: u64 = 90;
/// A new plan's smallest effect: the 15-point drop the calibration example detects.
const DEFAULT_EFFECT: &str = "15";

/// "17 Mar 2027".
pub fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// One line of the plan's description.
pub struct PlanLine {
    pub what: &'static str,
    pub value: String,
}

/// The plan in force, as the results page and the public page show it.
pub struct PlanView {
    pub version: u32,
    /// When it was frozen.
    pub frozen: String,
    /// "u/head_mod": the console says who froze it; the public page names no one.
    pub by: String,
    pub lines: Vec<PlanLine>,
    pub fingerprint: String,
    pub canonical: String,
    /// "12 of 95 appeals; at this rate about 3 Mar 2027."
    pub progress: String,
    /// Said when the projection passes the end date.
    pub late: Option<String>,
}

/// The progress sentence. `done` is the count as it may be shown: the public page hides a
/// count of 5 or fewer, and then the projection too (a date and the time since the plan
/// give the count back).
fn progress_sentence(p: &Progress, done: Shown) -> String {
    let Shown::Count(n) = done else {
        return format!("{} of {} appeals so far.", count(done), p.planned);
    };
    if p.complete() {
        return format!(
            "{n} of {} appeals: the planned number has begun. The readout at the planned size is due once they are all counted.",
            p.planned
        );
    }
    match p.projected {
        Some(t) => format!(
            "{n} of {} appeals; at this rate about {}.",
            p.planned,
            day(t.date_naive())
        ),
        None => format!(
            "{n} of {} appeals; none since the plan was frozen yet, so no date can be projected.",
            p.planned
        ),
    }
}

impl PlanView {
    /// `done` is the progress count as it may be shown (the public page hides a small one).
    pub fn of(plan: &Plan, progress: &Progress, done: Shown) -> Self {
        let c = &plan.choice;
        let mut lines = vec![
            PlanLine {
                what: "Primary comparison",
                value: format!(
                    "{}, by the group drawn (intention to treat)",
                    c.metric.label()
                ),
            },
            PlanLine {
                what: "Control share expected",
                value: format!("{}%", c.baseline.percent()),
            },
            PlanLine {
                what: "Smallest effect worth detecting",
                value: format!("{} percentage points, either direction", c.effect.percent()),
            },
            PlanLine {
                what: "Power",
                value: format!(
                    "{}% (two-sided test at 5%, at the planned size)",
                    c.power.percent()
                ),
            },
            PlanLine {
                what: "Treatment fraction",
                value: pct(plan.fraction),
            },
            PlanLine {
                what: "Planned appeals",
                value: plan.planned_appeals.to_string(),
            },
            PlanLine {
                what: "Counts appeals begun from",
                value: when(Some(plan.counts_from)),
            },
            PlanLine {
                what: "Ends on",
                value: day(c.ends_on),
            },
        ];
        if c.metric.fixed_control_share().is_some() {
            lines[1]
                .value
                .push_str(" (every control appeal reaches the moderators)");
        }
        Self {
            version: plan.version,
            frozen: when(Some(plan.frozen_at)),
            by: format!("u/{}", plan.frozen_by),
            lines,
            fingerprint: plan.fingerprint(),
            canonical: plan.canonical_text(),
            progress: progress_sentence(progress, done),
            late: (progress.late && done.count().is_some()).then(|| {
                format!(
                    "At this rate the planned number comes after the plan's end date, {}.",
                    day(c.ends_on)
                )
            }),
        }
    }
}

/// An earlier version, kept.
pub struct VersionView {
    pub version: u32,
    pub frozen: String,
    pub fingerprint: String,
}

impl VersionView {
    pub fn of(p: &Plan) -> Self {
        Self {
            version: p.version,
            frozen: format!("{} by u/{}", when(Some(p.frozen_at)), p.frozen_by),
            fingerprint: p.fingerprint(),
        }
    }
}

/// One choice of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The plan form, filled in, with its errors and the size the choices need.
pub struct PlanFormView {
    pub csrf: String,
    pub metrics: Vec<Choice>,
    pub powers: Vec<Choice>,
    pub baseline: String,
    pub effect: String,
    pub ends_on: String,
    /// Per field id: `baseline`, `effect`, `ends_on`, `form`.
    pub errors: Vec<(&'static str, String)>,
    /// "With these choices the comparison needs 95 appeals …", when they are valid.
    pub needs: Option<String>,
    /// The version the form freezes.
    pub next_version: u32,
}

impl PlanFormView {
    pub fn error(&self, id: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, e)| e.as_str())
    }
}

/// What the form holds, as typed.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub metric: String,
    pub baseline: String,
    pub effect: String,
    pub power: String,
    pub ends_on: String,
}

impl PlanInput {
    /// The form's first values: the plan in force, else a plan for the primary comparison.
    pub fn initial(plan: Option<&Plan>, today: NaiveDate) -> Self {
        match plan {
            Some(p) => Self {
                metric: p.choice.metric.key().to_owned(),
                baseline: p.choice.baseline.percent(),
                effect: p.choice.effect.percent(),
                power: p.choice.power.percent().to_string(),
                ends_on: p.choice.ends_on.format("%Y-%m-%d").to_string(),
            },
            None => Self {
                metric: Metric::Reached.key().to_owned(),
                baseline: "100".to_owned(),
                effect: DEFAULT_EFFECT.to_owned(),
                power: Power::P80.percent().to_string(),
                ends_on: (today + Days::new(DEFAULT_DAYS))
                    .format("%Y-%m-%d")
                    .to_string(),
            },
        }
    }

    pub fn from_form(f: &FormData) -> Self {
        let get = |k: &str| f.get(k).unwrap_or_default().trim().to_owned();
        Self {
            metric: get("metric"),
            baseline: get("baseline"),
            effect: get("effect"),
            power: get("power"),
            ends_on: get("ends_on"),
        }
    }

    /// The choice, or each field's error. The control share is not asked for a metric
    /// that fixes it.
    pub fn parse(&self) -> Result<PlanChoice, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let metric = Metric::parse(&self.metric);
        if metric.is_none() {
            errors.push(("metric", "Choose one of the comparisons.".to_owned()));
        }
        let fixed = metric.and_then(Metric::fixed_control_share);
        let baseline = match fixed {
            Some(b) => Some(b),
            None => percent(&self.baseline, "baseline", &mut errors),
        };
        let effect = percent(&self.effect, "effect", &mut errors);
        let power = self.power.parse::<u8>().ok().and_then(Power::from_percent);
        if power.is_none() {
            errors.push(("power", "Choose 80% or 90%.".to_owned()));
        }
        let ends_on = NaiveDate::parse_from_str(&self.ends_on, "%Y-%m-%d").ok();
        if ends_on.is_none() {
            errors.push((
                "ends_on",
                "Give the end date as a date, e.g. 2027-03-31.".to_owned(),
            ));
        }
        match (metric, baseline, effect, power, ends_on) {
            (Some(metric), Some(baseline), Some(effect), Some(power), Some(ends_on))
                if errors.is_empty() =>
            {
                Ok(PlanChoice {
                    metric,
                    baseline,
                    effect,
                    power,
                    ends_on,
                })
            }
            _ => Err(errors),
        }
    }

    /// The form view: `errors` from a post, the size the choices need when they parse.
    pub fn view(
        &self,
        csrf: String,
        fraction: f64,
        next_version: u32,
        mut errors: Vec<(&'static str, String)>,
    ) -> PlanFormView {
        let needs = match self.parse() {
            Ok(choice) => match planned_appeals(&choice, fraction) {
                Ok(n) => Some(needs_sentence(&choice, fraction, n)),
                Err(e) => {
                    if errors.is_empty() {
                        errors.push(plan_error(&e));
                    }
                    None
                }
            },
            Err(parse_errors) => {
                if errors.is_empty() {
                    errors = parse_errors;
                }
                None
            }
        };
        PlanFormView {
            csrf,
            metrics: Metric::ALL
                .iter()
                .map(|m| Choice {
                    value: m.key().to_owned(),
                    label: m.label().to_owned(),
                    selected: m.key() == self.metric,
                })
                .collect(),
            powers: Power::ALL
                .iter()
                .map(|p| Choice {
                    value: p.percent().to_string(),
                    label: format!("{}%", p.percent()),
                    selected: p.percent().to_string() == self.power,
                })
                .collect(),
            baseline: self.baseline.clone(),
            effect: self.effect.clone(),
            ends_on: self.ends_on.clone(),
            errors,
            needs,
            next_version,
        }
    }
}

fn percent(
    s: &str,
    id: &'static str,
    errors: &mut Vec<(&'static str, String)>,
) -> Option<Permille> {
    Permille::parse_percent(s)
        .map_err(|e| errors.push((id, capitalised(&e.to_string()))))
        .ok()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    let first = c.next().map(|f| f.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), c.as_str())
}

/// The form field a plan error belongs to.
fn field_of(e: &PlanError) -> &'static str {
    match e {
        PlanError::Percent(_) | PlanError::NoEffect | PlanError::EffectTooLarge { .. } => "effect",
        PlanError::Fraction(_) => "form",
        PlanError::EndsTooSoon(_) => "ends_on",
    }
}

/// The error of a plan that cannot be frozen, as the form shows it.
pub fn plan_error(e: &PlanError) -> (&'static str, String) {
    (field_of(e), capitalised(&e.to_string()))
}

fn needs_sentence(choice: &PlanChoice, fraction: f64, n: u64) -> String {
    let choice = choice.normalised();
    format!(
        "With these choices the comparison needs {n} appeals (both groups; {} of them in the treatment group) to find a difference of {} points from a control share of {}% with {}% power, in a two-sided test at 5%.",
        pct(fraction),
        choice.effect.percent(),
        choice.baseline.percent(),
        choice.power.percent()
    )
}
