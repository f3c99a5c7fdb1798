//! How the readout's intervals behave when someone looks every day: simulated experiments,
//! seeded, printed. Not a timed test; run it with
//!
//! ```text
//! cargo run --release -p appealmod-core --example calibration
//! ```
//!
//! - **A/A** (no difference between the groups): 2,000 experiments of 90 days at an r/pics-
//!   like volume (Poisson, 15 appeals a day), treatment fraction 0.5, each looked at once a
//!   day. The share of experiments in which some look says "different" is the false-verdict
//!   rate: at most 5 % for the anytime-valid interval; far more for the fixed-sample one
//!   (which is valid once, at the planned size — the last day — as its own line shows).
//! - **A/B** (a known difference): every control appeal reaches the moderators, 85 % of the
//!   treatment appeals do (a 15-point drop). Coverage of the 95 % intervals on the last day
//!   (goal 94–96 % for the fixed-sample one; at least 95 % for the anytime-valid one, which
//!   must also cover at every look at once), and the days until each says "lower".
//!
//! Outcomes are known the day an appeal arrives: the settling rule of the readout delays
//! both groups' appeals alike and is not what this measures.

use appealmod_core::readout::sequential;
use appealmod_core::readout::stats::{Difference, Proportion, newcombe};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const EXPERIMENTS: usize = 2_000;
const DAYS: usize = 90;
const PER_DAY: f64 = 15.0;
const FRACTION: f64 = 0.5;
const SEED: u64 = 20_261_207;

/// One experiment's running counts: successes and trials per group.
#[derive(Default, Clone, Copy)]
struct Counts {
    t: (u64, u64),
    c: (u64, u64),
}

impl Counts {
    fn proportions(&self) -> (Proportion, Proportion) {
        (
            Proportion::new(self.t.0, self.t.1),
            Proportion::new(self.c.0, self.c.1),
        )
    }
}

/// Knuth's Poisson draw (fine for a mean of 15).
fn poisson(rng: &mut StdRng, mean: f64) -> u64 {
    let limit = (-mean).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p < limit {
            return k;
        }
        k += 1;
    }
}

/// One day's appeals added to `n`.
fn one_day(rng: &mut StdRng, n: &mut Counts, p_treatment: f64, p_control: f64) {
    for _ in 0..poisson(rng, PER_DAY) {
        if rng.random::<f64>() < FRACTION {
            n.t.1 += 1;
            n.t.0 += u64::from(rng.random::<f64>() < p_treatment);
        } else {
            n.c.1 += 1;
            n.c.0 += u64::from(rng.random::<f64>() < p_control);
        }
    }
}

fn excludes(d: Option<Difference>, value: f64) -> bool {
    d.is_some_and(|d| d.interval.low > value || d.interval.high < value)
}

/// What one experiment showed over its daily looks.
#[derive(Default)]
struct Run {
    /// A look where the interval excluded the true difference (or 0, for "different").
    sequential_missed: bool,
    fixed_missed: bool,
    /// The same, on the last day only.
    sequential_missed_last: bool,
    fixed_missed_last: bool,
    /// First day the interval said "lower" (excluded 0 from above).
    sequential_lower: Option<usize>,
    fixed_lower: Option<usize>,
}

/// One experiment, looked at daily; `truth` is the true difference, `planned` the size the
/// sequential interval is tuned for.
fn run(rng: &mut StdRng, p_t: f64, p_c: f64, planned: u64) -> Run {
    let truth = p_t - p_c;
    let mut n = Counts::default();
    let mut out = Run::default();
    for day in 1..=DAYS {
        one_day(rng, &mut n, p_t, p_c);
        let (t, c) = n.proportions();
        let seq = sequential::difference(&t, &c, planned);
        let fixed = newcombe(&t, &c);
        out.sequential_missed |= excludes(seq, truth);
        out.fixed_missed |= excludes(fixed, truth);
        if day == DAYS {
            out.sequential_missed_last = excludes(seq, truth);
            out.fixed_missed_last = excludes(fixed, truth);
        }
        let lower = |d: Option<Difference>| d.is_some_and(|d| d.interval.high < 0.0);
        if out.sequential_lower.is_none() && lower(seq) {
            out.sequential_lower = Some(day);
        }
        if out.fixed_lower.is_none() && lower(fixed) {
            out.fixed_lower = Some(day);
        }
    }
    out
}

fn share(runs: &[Run], f: impl Fn(&Run) -> bool) -> f64 {
    100.0 * runs.iter().filter(|r| f(r)).count() as f64 / runs.len() as f64
}

fn median_day(runs: &[Run], f: impl Fn(&Run) -> Option<usize>) -> String {
    let mut days: Vec<usize> = runs.iter().filter_map(f).collect();
    let detected = 100.0 * days.len() as f64 / runs.len() as f64;
    days.sort_unstable();
    // The median over all runs: undetected ones count as later than day 90.
    match days.get(runs.len() / 2) {
        Some(d) => format!("day {d} ({detected:.1}% detected within {DAYS} days)"),
        None => format!("after day {DAYS} ({detected:.1}% detected within {DAYS} days)"),
    }
}

fn simulate(rng: &mut StdRng, p_t: f64, p_c: f64, planned: u64) -> Vec<Run> {
    (0..EXPERIMENTS)
        .map(|_| run(rng, p_t, p_c, planned))
        .collect()
}

fn main() {
    let planned = (PER_DAY * DAYS as f64).round() as u64;
    let mut rng = StdRng::seed_from_u64(SEED);
    println!(
        "{EXPERIMENTS} experiments x {DAYS} daily looks, ~{PER_DAY} appeals a day (Poisson), \
         fraction {FRACTION}, seed {SEED}; anytime-valid intervals tuned for {planned} appeals.\n"
    );
    println!("A/A: no difference. Share of experiments with a false \"different\" verdict:");
    for p in [0.5, 0.2, 0.9] {
        let runs = simulate(&mut rng, p, p, planned);
        println!(
            "  outcome share {p:.1}: anytime-valid, any look {:>5.1}% | fixed-sample, any look {:>5.1}% | fixed-sample, day {DAYS} only {:>4.1}%",
            share(&runs, |r| r.sequential_missed),
            share(&runs, |r| r.fixed_missed),
            share(&runs, |r| r.fixed_missed_last),
        );
    }
    println!("\nA/B: a 15-point drop in \"reached the moderators\".");
    for (p_t, p_c) in [(0.85, 1.0), (0.75, 0.9)] {
        let runs = simulate(&mut rng, p_t, p_c, planned);
        println!("  treatment {p_t:.2} against control {p_c:.2}:");
        println!(
            "    coverage of the true difference on day {DAYS}: fixed-sample {:.1}%, anytime-valid {:.1}%; anytime-valid at every look at once {:.1}%",
            100.0 - share(&runs, |r| r.fixed_missed_last),
            100.0 - share(&runs, |r| r.sequential_missed_last),
            100.0 - share(&runs, |r| r.sequential_missed),
        );
        println!(
            "    median day of the first \"lower\" verdict: anytime-valid {}; fixed-sample {}",
            median_day(&runs, |r| r.sequential_lower),
            median_day(&runs, |r| r.fixed_lower),
        );
    }
}
