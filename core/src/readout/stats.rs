//! The few statistics the readout needs, written out so that each can be checked against
//! published values: Wilson score intervals, Newcombe's hybrid score interval for a
//! difference of proportions (method 10 of Newcombe 1998), sample quartiles, the exact
//! binomial test and the chi-square distribution.

use serde::Serialize;

/// The 97.5 % point of the standard normal distribution: 95 % two-sided intervals.
pub const Z_95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// `successes` of `trials`, with its estimate and 95 % Wilson interval (none of `0` trials).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
    pub estimate: Option<f64>,
    pub interval: Option<Interval>,
}

impl Proportion {
    pub fn new(successes: u64, trials: u64) -> Self {
        Self {
            successes,
            trials,
            estimate: (trials > 0).then(|| successes as f64 / trials as f64),
            interval: wilson(successes, trials),
        }
    }
}

/// Wilson's score interval without continuity correction (Newcombe 1998a, method 3): it
/// stays inside [0, 1] and keeps its coverage for small counts and proportions near 0 or 1,
/// which is what a subreddit's few dozen appeals are.
pub fn wilson(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let centre = (2.0 * n * p + z2) / (2.0 * (n + z2));
    let half = Z_95 * (z2 + 4.0 * n * p * (1.0 - p)).sqrt() / (2.0 * (n + z2));
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// A difference of two proportions (first minus second) with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub estimate: f64,
    pub interval: Interval,
}

/// Newcombe's hybrid score interval for `a − b` (1998b, method 10): each proportion's
/// Wilson limits, combined like a square-and-add of their distances.
pub fn newcombe(a: &Proportion, b: &Proportion) -> Option<Difference> {
    let (p1, w1) = (a.estimate?, a.interval?);
    let (p2, w2) = (b.estimate?, b.interval?);
    let d = p1 - p2;
    let low = d - ((p1 - w1.low).powi(2) + (w2.high - p2).powi(2)).sqrt();
    let high = d + ((w1.high - p1).powi(2) + (p2 - w2.low).powi(2)).sqrt();
    Some(Difference {
        estimate: d,
        interval: Interval { low, high },
    })
}

/// Median and quartiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quartiles {
    pub n: usize,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
}

/// Quartiles by linear interpolation between order statistics (Hyndman & Fan type 7, the
/// default of R and NumPy): easy to recompute by hand from a sorted list.
pub fn quartiles(values: &[f64]) -> Option<Quartiles> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let h = (v.len() - 1) as f64 * q;
        let lo = h.floor();
        let i = lo as usize;
        let next = v.get(i + 1).copied().unwrap_or(v[i]);
        v[i] + (h - lo) * (next - v[i])
    };
    Some(Quartiles {
        n: v.len(),
        q1: at(0.25),
        median: at(0.5),
        q3: at(0.75),
    })
}

/// Two-sided exact binomial test of `k` successes in `n` trials against `p`: the probability
/// of every outcome no more likely than the one observed (as R's `binom.test`).
pub fn binomial_test(k: u64, n: u64, p: f64) -> Option<f64> {
    if k > n || !(0.0..=1.0).contains(&p) {
        return None;
    }
    if p == 0.0 || p == 1.0 {
        let expected = if p == 0.0 { 0 } else { n };
        return Some(if k == expected { 1.0 } else { 0.0 });
    }
    let ln_pmf = |i: u64| ln_choose(n, i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln();
    let observed = ln_pmf(k);
    // The relative tolerance R uses, so that ties in exact arithmetic stay ties.
    let limit = observed + (1.0f64 + 1e-7).ln();
    // One minus the more likely outcomes: exactly 1 when none is more likely.
    let more_likely: f64 = (0..=n)
        .map(ln_pmf)
        .filter(|&l| l > limit)
        .map(f64::exp)
        .sum();
    Some((1.0 - more_likely).clamp(0.0, 1.0))
}

/// P(X ≥ x) for a chi-square variable with `df` degrees of freedom.
pub fn chi_square_sf(x: f64, df: u32) -> Option<f64> {
    if df == 0 || !x.is_finite() || x < 0.0 {
        return None;
    }
    Some(gamma_q(f64::from(df) / 2.0, x / 2.0))
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms: about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised upper incomplete gamma function Q(a, x): a series below `a + 1`, a
/// continued fraction (modified Lentz) above, as in Numerical Recipes.
fn gamma_q(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-15;
    const TINY: f64 = 1e-300;
    if x <= 0.0 {
        return 1.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        return (1.0 - sum * front).clamp(0.0, 1.0);
    }
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        d = if d.abs() < TINY { TINY } else { d };
        c = b + an / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    (front * h).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r4(x: f64) -> f64 {
        (x * 10_000.0).round() / 10_000.0
    }

    /// Newcombe RG (1998a), "Two-sided confidence intervals for the single proportion:
    /// comparison of seven methods", Stat Med 17:857–872, Table I, method 3 (score, no
    /// continuity correction).
    #[test]
    fn wilson_matches_newcombe_1998a_table_i() {
        let cases = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ];
        for (k, n, low, high) in cases {
            let w = wilson(k, n).expect("interval");
            assert_eq!((r4(w.low), r4(w.high)), (low, high), "{k}/{n}");
        }
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 2), None);
        let all = wilson(10, 10).expect("interval");
        assert_eq!(all.high, 1.0);
    }

    /// Newcombe RG (1998b), "Interval estimation for the difference between independent
    /// proportions: comparison of eleven methods", Stat Med 17:873–890, Table II, method 10
    /// (hybrid score, no continuity correction), examples (a)–(h).
    #[test]
    fn newcombe_matches_newcombe_1998b_table_ii() {
        let cases = [
            ((56, 70), (48, 80), 0.0524, 0.3339),
            ((9, 10), (3, 10), 0.1705, 0.8090),
            ((6, 7), (2, 7), 0.0582, 0.8062),
            ((5, 56), (0, 29), -0.0381, 0.1926),
            ((0, 10), (0, 20), -0.1611, 0.2775),
            ((0, 10), (0, 10), -0.2775, 0.2775),
            ((10, 10), (0, 20), 0.6791, 1.0),
            ((10, 10), (0, 10), 0.6075, 1.0),
        ];
        for ((x1, n1), (x2, n2), low, high) in cases {
            let d =
                newcombe(&Proportion::new(x1, n1), &Proportion::new(x2, n2)).expect("difference");
            assert_eq!(
                (r4(d.interval.low), r4(d.interval.high)),
                (low, high),
                "{x1}/{n1} − {x2}/{n2}"
            );
            assert!((d.estimate - (x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64)).abs() < 1e-12);
        }
        assert_eq!(
            newcombe(&Proportion::new(1, 2), &Proportion::new(0, 0)),
            None
        );
    }

    #[test]
    fn quartiles_interpolate_like_r_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(.25, .5, .75)) = 2, 3, 4
        let q = quartiles(&[10.0, 1.0, 3.0, 2.0, 4.0]).expect("q");
        assert_eq!((q.n, q.q1, q.median, q.q3), (5, 2.0, 3.0, 4.0));
        // R: quantile(c(60, 90, 120, 300), c(.25, .5, .75)) = 82.5, 105, 165
        let q = quartiles(&[60.0, 90.0, 120.0, 300.0]).expect("q");
        assert_eq!((q.q1, q.median, q.q3), (82.5, 105.0, 165.0));
        let one = quartiles(&[7.0]).expect("q");
        assert_eq!((one.q1, one.median, one.q3), (7.0, 7.0, 7.0));
        assert_eq!(quartiles(&[]), None);
    }

    #[test]
    fn binomial_test_matches_r() {
        // R: binom.test(7, 20)$p.value = 0.2631760
        let p = binomial_test(7, 20, 0.5).expect("p");
        assert!((p - 0.263_176_0).abs() < 1e-6, "{p}");
        // R: binom.test(c(682, 243), p = 3/4)$p.value = 0.3824916
        let p = binomial_test(682, 925, 0.75).expect("p");
        assert!((p - 0.382_491_6).abs() < 1e-6, "{p}");
        assert_eq!(binomial_test(10, 20, 0.5), Some(1.0));
        assert_eq!(binomial_test(0, 5, 0.0), Some(1.0));
        assert_eq!(binomial_test(1, 5, 0.0), Some(0.0));
        assert_eq!(binomial_test(6, 5, 0.5), None);
    }

    #[test]
    fn chi_square_tail_matches_tables() {
        let cases = [
            (3.841_458_820_694_124, 1, 0.05),
            (6.634_896_601_021_214, 1, 0.01),
            (5.991_464_547_107_979, 2, 0.05),
            (0.0, 3, 1.0),
            (18.307_038_053_275_14, 10, 0.05),
        ];
        for (x, df, p) in cases {
            let got = chi_square_sf(x, df).expect("p");
            assert!((got - p).abs() < 1e-9, "χ²={x} df={df}: {got}");
        }
        assert_eq!(chi_square_sf(1.0, 0), None);
    }
}
