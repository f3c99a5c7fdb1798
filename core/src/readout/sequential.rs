//! Anytime-valid ("peeking-safe") intervals for a difference of two proportions: the
//! results page and the live view are looked at every day, and a fixed-sample 95 % interval
//! looked at every day excludes 0 far more often than 5 % of the time when there is no
//! difference (the calibration example prints how often). A confidence sequence is a
//! sequence of intervals that all cover the true difference at once with probability 95 %,
//! however often and whenever one looks, and whenever one stops.
//!
//! The boundary is Robbins' two-sided normal mixture: with `S_n` a sum of `n` standardised
//! increments and a N(0, ρ²) mixture over the tilt λ, the martingale
//! `M_n = ∫ exp(λ S_n − λ² n / 2) dN(0, ρ²)(λ) = (1 + nρ²)^(−1/2) · exp(ρ² S_n² / (2(1 + nρ²)))`
//! exceeds `1/α` with probability at most α at any time (Ville's inequality), which gives
//! `|S_n| < √((n + 1/ρ²) · ln((1 + nρ²)/α²))` for all n at once.
//!
//! - H. Robbins (1970), "Statistical methods related to the law of the iterated logarithm",
//!   Ann. Math. Statist. 41(5):1397–1409 (the normal mixture).
//! - S. R. Howard, A. Ramdas, J. McAuliffe, J. Sekhon (2021), "Time-uniform, nonparametric,
//!   nonasymptotic confidence sequences", Ann. Statist. 49(2):1055–1080 (the two-sided
//!   normal-mixture boundary and how its ρ sets where it is narrowest).
//! - I. Waudby-Smith, D. Arnold, S. Wu, A. Ramdas (2024), "Time-uniform central limit theory
//!   and asymptotic confidence sequences", Ann. Statist. 52(6) (the same boundary with an
//!   estimated variance — an asymptotic confidence sequence — and the ρ that makes it
//!   narrowest at a chosen sample size).
//! - R. Johari, P. Koomen, L. Pekelis, D. Walsh (2022), "Always valid inference: continuous
//!   monitoring of A/B tests", Operations Research 70(3):1806–1821 (the mSPRT for two
//!   binomial streams: it rejects θ₀ exactly when this sequence excludes θ₀; a test below
//!   checks the equivalence).
//!
//! Here the increments are the difference of the two groups' shares: the estimate is
//! `p̂_T − p̂_C` and its standard error `√(p̃_T(1 − p̃_T)/n_T + p̃_C(1 − p̃_C)/n_C)` with
//! n = n_T + n_C appeals. `p̃ = (k + 1)/(n + 2)` (Laplace) in the variance only: a group
//! whose appeals all went one way would otherwise claim no variance at all, and 3 of 3
//! against 0 of 3 would look certain.

use super::stats::{Difference, Interval, Proportion};

/// The error rate of every interval the readout shows: 95 % intervals.
pub const ALPHA: f64 = 0.05;

/// ρ² that makes the boundary narrowest at `planned` observations: `(−2 ln α + ln(1 − 2 ln α))
/// / planned` (Waudby-Smith et al. 2024, after Howard et al. 2021).
pub fn mixture_rho2(planned: f64, alpha: f64) -> f64 {
    let l = -2.0 * alpha.ln();
    (l + (l + 1.0).ln()) / planned.max(1.0)
}

/// How many standard errors wide the sequence is on either side at `n` observations: for a
/// mean of `n` standardised increments, `√((1 + nρ²)/(nρ²) · ln((1 + nρ²)/α²))`. (A
/// fixed-sample 95 % interval is 1.96 standard errors; this is about 3 at the planned size
/// and more before and after it: the price of looking at any time.)
pub fn boundary_multiplier(n: f64, rho2: f64, alpha: f64) -> f64 {
    let v = n * rho2;
    if v <= 0.0 {
        return f64::INFINITY;
    }
    ((1.0 + v) / v * ((1.0 + v) / (alpha * alpha)).ln()).sqrt()
}

/// The anytime-valid 95 % interval for `a − b`, tuned for `planned` appeals of both groups
/// together; `None` while a group has nothing to count. Clamped to [−1, 1].
pub fn difference(a: &Proportion, b: &Proportion, planned: u64) -> Option<Difference> {
    let (pa, pb) = (a.estimate?, b.estimate?);
    let (na, nb) = (a.trials as f64, b.trials as f64);
    let laplace = |k: u64, n: f64| (k as f64 + 1.0) / (n + 2.0);
    let (ta, tb) = (laplace(a.successes, na), laplace(b.successes, nb));
    let se = (ta * (1.0 - ta) / na + tb * (1.0 - tb) / nb).sqrt();
    let n = na + nb;
    let half = se * boundary_multiplier(n, mixture_rho2(planned as f64, ALPHA), ALPHA);
    let d = pa - pb;
    Some(Difference {
        estimate: d,
        interval: Interval {
            low: (d - half).max(-1.0),
            high: (d + half).min(1.0),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mixture martingale at standardised sum `s` after `n` steps, integrated over λ
    /// numerically (trapezoid rule over ±12 standard deviations of the mixing N(0, ρ²)),
    /// independently of the closed form.
    fn mixture_by_quadrature(s: f64, n: f64, rho2: f64) -> f64 {
        let sd = rho2.sqrt();
        let steps = 20_000;
        let (from, to) = (-12.0 * sd, 12.0 * sd);
        let h = (to - from) / steps as f64;
        let density =
            |l: f64| (-l * l / (2.0 * rho2)).exp() / (2.0 * std::f64::consts::PI * rho2).sqrt();
        let f = |l: f64| (l * s - l * l * n / 2.0).exp() * density(l);
        let inner: f64 = (1..steps).map(|i| f(from + i as f64 * h)).sum();
        h * (inner + (f(from) + f(to)) / 2.0)
    }

    /// Where the numerically integrated martingale reaches 1/α, by bisection on `s`.
    fn crossing_by_quadrature(n: f64, rho2: f64, alpha: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 10.0 * n.sqrt() + 50.0);
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if mixture_by_quadrature(mid, n, rho2) < 1.0 / alpha {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    }

    #[test]
    fn boundary_is_where_the_mixture_martingale_reaches_one_over_alpha() {
        for (n, planned, alpha) in [
            (10.0, 500.0, 0.05),
            (100.0, 500.0, 0.05),
            (500.0, 500.0, 0.05),
            (2_000.0, 300.0, 0.05),
            (250.0, 1_000.0, 0.01),
        ] {
            let rho2 = mixture_rho2(planned, alpha);
            // The standardised sum's boundary is √n times the mean's multiplier.
            let closed = boundary_multiplier(n, rho2, alpha) * f64::sqrt(n);
            let numeric = crossing_by_quadrature(n, rho2, alpha);
            assert!(
                (closed - numeric).abs() < 1e-6 * closed,
                "n={n}: closed form {closed}, quadrature {numeric}"
            );
        }
    }

    #[test]
    fn tuning_constant_and_width_at_the_planned_size() {
        // −2 ln 0.05 = 5.991465, ln(6.991465) = 1.944690: ρ²·500 = 7.936155.
        let rho2 = mixture_rho2(500.0, 0.05);
        assert!((rho2 * 500.0 - 7.936_155).abs() < 1e-6, "{}", rho2 * 500.0);
        // At n = 500: v = 7.936155, √(8.936155/7.936155 · ln(8.936155/0.0025)) =
        // √(1.126006 · 8.181570) = √9.212501 = 3.035209.
        let m = boundary_multiplier(500.0, rho2, 0.05);
        assert!((m - 3.035_209).abs() < 1e-5, "{m}");
        assert_eq!(boundary_multiplier(0.0, rho2, 0.05), f64::INFINITY);
    }

    /// Johari et al. (2022), §3: with per-observation variance V and mixing N(0, τ²), the
    /// mSPRT statistic after n observations of the difference is
    /// Λ_n = √(V/(V + nτ²)) · exp(n²τ²(θ̂ − θ₀)² / (2V(V + nτ²))), and it rejects θ₀ when
    /// Λ_n ≥ 1/α. With ρ² = τ²/V the sequence excludes θ₀ exactly then.
    #[test]
    fn excludes_exactly_what_the_msprt_of_johari_et_al_rejects() {
        let alpha = 0.05;
        let (v, tau2): (f64, f64) = (0.45, 0.003);
        let rho2 = tau2 / v;
        let mut disagreements = 0;
        for n in [20.0, 80.0, 300.0, 1_500.0] {
            for step in 0..200 {
                let gap = step as f64 * 0.002; // θ̂ − θ₀
                let lambda = (v / (v + n * tau2)).sqrt()
                    * (n * n * tau2 * gap * gap / (2.0 * v * (v + n * tau2))).exp();
                let rejects = lambda >= 1.0 / alpha;
                let half = (v / n).sqrt() * boundary_multiplier(n, rho2, alpha);
                let excludes = gap >= half;
                // Equal up to rounding at the very edge.
                if rejects != excludes && (gap - half).abs() > 1e-9 {
                    disagreements += 1;
                }
            }
        }
        assert_eq!(disagreements, 0);
    }

    /// A Gaussian random walk with no drift stays inside the boundary at every one of 1,000
    /// steps in at least 95 % of 2,000 walks (seeded; a Box–Muller over a 64-bit LCG, so the
    /// test needs no random source).
    #[test]
    fn a_driftless_walk_crosses_rarely_however_often_one_looks() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut uniform = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let rho2 = mixture_rho2(1_000.0, ALPHA);
        let bounds: Vec<f64> = (1..=1_000)
            .map(|n| boundary_multiplier(n as f64, rho2, ALPHA) * f64::sqrt(n as f64))
            .collect();
        let mut crossed = 0;
        for _ in 0..2_000 {
            let mut s = 0.0;
            for b in &bounds {
                let (u1, u2) = (uniform(), uniform());
                s += (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                if s.abs() >= *b {
                    crossed += 1;
                    break;
                }
            }
        }
        assert!(crossed <= 100, "{crossed} of 2,000 walks crossed");
    }

    #[test]
    fn differences_are_wider_than_newcombe_and_none_without_appeals() {
        let (t, c) = (Proportion::new(8, 18), Proportion::new(11, 11));
        let seq = difference(&t, &c, 500).expect("interval");
        let fixed = super::super::stats::newcombe(&t, &c).expect("interval");
        assert!((seq.estimate - fixed.estimate).abs() < 1e-12);
        assert!(seq.interval.low < fixed.interval.low && seq.interval.high > fixed.interval.high);
        // 3 of 3 against 0 of 3 is not certain: the Laplace variance keeps it wide.
        let tiny = difference(&Proportion::new(0, 3), &Proportion::new(3, 3), 500).expect("d");
        assert!(tiny.interval.high > 0.0 && tiny.interval.low == -1.0);
        assert_eq!(difference(&Proportion::new(0, 0), &c, 500), None);
    }
}
