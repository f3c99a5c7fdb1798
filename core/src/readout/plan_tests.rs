//! The plan's sample size against R and against exact binomial power, its canonical text,
//! versions, and the progress projection.

use chrono::TimeZone;

use super::*;
use crate::domain::{AppellantId, ConversationId, Group};
use crate::readout::CaseOutcome;
use crate::toxicity::Toxicity;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("time")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn pct(s: &str) -> Permille {
    Permille::parse_percent(s).expect("percent")
}

fn choice(metric: Metric, baseline: &str, effect: &str, power: Power) -> PlanChoice {
    PlanChoice {
        metric,
        baseline: pct(baseline),
        effect: pct(effect),
        power,
        ends_on: day(2026, 6, 30),
    }
}

#[test]
fn percents_parse_exactly_and_nonsense_is_refused() {
    for (input, tenths) in [
        ("15", 150),
        ("15.0", 150),
        (" 12.5 ", 125),
        ("12,5", 125),
        ("7%", 70),
        ("0", 0),
        ("100", 1000),
        ("0.1", 1),
    ] {
        assert_eq!(
            Permille::parse_percent(input),
            Ok(Permille(tenths)),
            "{input}"
        );
    }
    for bad in [
        "", "abc", "-5", "100.1", "12.55", "1e2", "15.", ".5", "1000",
    ] {
        assert!(Permille::parse_percent(bad).is_err(), "{bad:?}");
    }
    assert_eq!(pct("12.5").percent(), "12.5");
    assert_eq!(pct("100").percent(), "100.0");
}

#[test]
fn sample_size_matches_r_power_prop_test() {
    // R's documentation of power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)
    // => n = 76.7 in each group (strict = FALSE, the default). Our total at f = ½ is twice.
    let n = sample_size(0.50, 0.75, 0.5, Power::P90).expect("size") / 2.0;
    assert!((n - 76.706_93).abs() < 1e-4, "{n}");
    // The same equation worked by hand at 80 %: p̄ = 0.625, √(2·0.625·0.375) = 0.684653,
    // √(0.25 + 0.1875) = 0.661438; (1.959964·0.684653 + 0.841621·0.661438)/0.25 = 7.594504,
    // squared 57.676 a group.
    let n = sample_size(0.50, 0.75, 0.5, Power::P80).expect("size") / 2.0;
    assert!((n - 57.676).abs() < 1e-2, "{n}");
    // Symmetric in the groups at f = ½, and no size for no difference or an empty group.
    assert_eq!(
        sample_size(0.75, 0.50, 0.5, Power::P90),
        sample_size(0.50, 0.75, 0.5, Power::P90)
    );
    assert_eq!(sample_size(0.5, 0.5, 0.5, Power::P80), None);
    assert_eq!(sample_size(0.4, 0.5, 0.0, Power::P80), None);
    assert_eq!(sample_size(0.4, 0.5, 1.0, Power::P80), None);
}

/// The binomial distribution of `n` trials at `p`, by the ratio of successive terms.
fn binomial(n: u64, p: f64) -> Vec<f64> {
    let mut pmf = vec![(1.0 - p).powi(n as i32)];
    for k in 0..n {
        let next = pmf[k as usize] * (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
        pmf.push(next);
    }
    pmf
}

/// The exact power of the pooled two-sided 5 % z-test with `n_t` and `n_c` appeals: every
/// pair of counts weighted by its binomial probability. Independent of the formula.
fn exact_power(p_t: f64, p_c: f64, n_t: u64, n_c: u64) -> f64 {
    let (bt, bc) = (binomial(n_t, p_t), binomial(n_c, p_c));
    let mut power = 0.0;
    for (x, pt) in bt.iter().enumerate() {
        for (y, pc) in bc.iter().enumerate() {
            let pooled = (x + y) as f64 / (n_t + n_c) as f64;
            let se = (pooled * (1.0 - pooled) * (1.0 / n_t as f64 + 1.0 / n_c as f64)).sqrt();
            let z = (x as f64 / n_t as f64 - y as f64 / n_c as f64) / se;
            if se > 0.0 && z.abs() > Z_95 {
                power += pt * pc;
            }
        }
    }
    power
}

#[test]
fn the_planned_size_has_the_planned_power_by_exact_enumeration() {
    for (p_t, p_c, f, power) in [
        (0.50, 0.75, 0.5, Power::P90),
        (0.30, 0.20, 0.3, Power::P80),
        (0.05, 0.20, 0.5, Power::P80),
        (0.65, 0.80, 0.7, Power::P90),
    ] {
        let total = sample_size(p_t, p_c, f, power).expect("size").ceil();
        let n_t = (f * total).round() as u64;
        let n_c = total as u64 - n_t;
        let exact = exact_power(p_t, p_c, n_t, n_c);
        let wanted = f64::from(power.percent()) / 100.0;
        // The normal approximation is within two points of the exact power, or errs on the
        // safe side (5 % against 20 %: 82.2 % for the planned 80 %, shares near 0 are where
        // the normal approximation is worst).
        assert!(
            exact > wanted - 0.02 && exact < wanted + 0.03,
            "{p_t} vs {p_c} at {f}: {n_t}+{n_c} give {exact:.4}"
        );
    }
}

#[test]
fn planned_appeals_take_the_worse_direction_and_check_the_choice() {
    // Reached: the control share is 100 % by definition, so only a drop is possible; from
    // the formula at f = ½: 94.41 → 95 (80 %), 125.38 → 126 (90 %).
    let reached = choice(Metric::Reached, "40", "15", Power::P80);
    assert_eq!(reached.normalised().baseline, Permille::WHOLE);
    assert_eq!(planned_appeals(&reached, 0.5), Ok(95));
    let reached90 = choice(Metric::Reached, "100", "15", Power::P90);
    assert_eq!(planned_appeals(&reached90, 0.5), Ok(126));
    // Granted at 20 %, 10 points: up (30 %) needs more than down (10 %), so up decides.
    let up = sample_size(0.30, 0.20, 0.5, Power::P80).expect("up");
    let down = sample_size(0.10, 0.20, 0.5, Power::P80).expect("down");
    assert!(up > down);
    let granted = choice(Metric::Granted, "20", "10", Power::P80);
    assert_eq!(planned_appeals(&granted, 0.5), Ok(up.ceil() as u64));
    // An unequal split needs more appeals than an even one.
    assert!(planned_appeals(&granted, 0.2).expect("0.2") > up.ceil() as u64);
    assert_eq!(
        planned_appeals(&choice(Metric::Granted, "20", "0", Power::P80), 0.5),
        Err(PlanError::NoEffect)
    );
    assert!(matches!(
        planned_appeals(&choice(Metric::Granted, "50", "60", Power::P80), 0.5),
        Err(PlanError::EffectTooLarge { .. })
    ));
    assert!(matches!(
        planned_appeals(&granted, 1.0),
        Err(PlanError::Fraction(_))
    ));
}

fn pics() -> SubredditName {
    SubredditName::parse("pics").expect("sub")
}

fn head_mod() -> RedditUsername {
    RedditUsername::parse("head_mod").expect("user")
}

#[test]
fn a_change_is_a_new_version_counted_from_the_first() {
    let first = Plan::freeze(
        &pics(),
        choice(Metric::Reached, "100", "10", Power::P80),
        0.5,
        None,
        &head_mod(),
        t0(),
    )
    .expect("valid")
    .expect("new");
    assert_eq!((first.version, first.counts_from), (1, t0()));
    let later = t0() + Duration::days(7);
    let second = Plan::freeze(
        &pics(),
        choice(Metric::Reached, "100", "15", Power::P80),
        0.5,
        Some(&first),
        &head_mod(),
        later,
    )
    .expect("valid")
    .expect("new");
    assert_eq!(
        (second.version, second.counts_from, second.frozen_at),
        (2, t0(), later)
    );
    assert_ne!(first.canonical_text(), second.canonical_text());
    // The same choice again freezes nothing.
    let again = Plan::freeze(
        &pics(),
        second.choice,
        0.5,
        Some(&second),
        &head_mod(),
        later,
    );
    assert_eq!(again, Ok(None));
    // An end date of today or before is refused.
    let mut past = second.choice;
    past.ends_on = later.date_naive();
    assert_eq!(
        Plan::freeze(&pics(), past, 0.5, None, &head_mod(), later),
        Err(PlanError::EndsTooSoon(later.date_naive()))
    );
}

fn example() -> Plan {
    Plan {
        subreddit: pics(),
        version: 2,
        choice: choice(Metric::Reached, "100", "15", Power::P80),
        fraction: 0.5,
        planned_appeals: 95,
        counts_from: t0(),
        frozen_at: t0() + Duration::days(7),
        frozen_by: head_mod(),
    }
}

#[test]
fn the_canonical_text_says_every_fact_one_a_line() {
    let plan = example();
    assert_eq!(
        plan.canonical_text(),
        "appealmod analysis plan, format 1\n\
         subreddit: r/pics\n\
         version: 2\n\
         primary comparison: reached_moderators (Appeals that reached the moderators)\n\
         groups: as drawn (intention to treat)\n\
         control share expected: 100.0%\n\
         smallest effect worth detecting: 15.0 percentage points, either direction\n\
         test: two-sided, 5% significance, fixed-sample at the planned size\n\
         power: 80%\n\
         treatment fraction: 0.5\n\
         planned appeals: 95\n\
         appeals begun from: 2026-03-02T10:00:00Z\n\
         ends on: 2026-06-30\n\
         frozen at: 2026-03-09T10:00:00Z\n"
    );
}

fn started(id: i64, at: DateTime<Utc>) -> ReadoutRow {
    ReadoutRow {
        appellant_id: AppellantId(id),
        appeal_id: None,
        subreddit: pics(),
        username: RedditUsername::parse(&format!("user{id}")).expect("user"),
        group: Group::Control,
        conversation_id: ConversationId::parse(&format!("c{id}")).expect("id"),
        assigned_at: at,
        started_at: at,
        first_message_at: None,
        link_sent_at: None,
        form_opened_at: None,
        submitted_at: None,
        completed_at: None,
        decided_at: None,
        status: None,
        outcome: CaseOutcome::Pending,
        reminders: 0,
        toxicity: Toxicity::CLEAN,
        toxic_texts: vec![],
        handed_over_at: None,
        stopped_at: None,
    }
}

#[test]
fn progress_projects_the_rate_so_far() {
    let plan = example();
    // Two appeals before the plan (not its), 19 in the 10 days since: 1.9 a day, so the
    // remaining 76 take 40 days: day 50 after t0, 2026-04-21 10:00, before the end date.
    let mut rows: Vec<ReadoutRow> = (0..2)
        .map(|i| started(i, t0() - Duration::days(1)))
        .collect();
    rows.extend((0..19).map(|i| started(10 + i, t0() + Duration::hours(12 * i))));
    let now = t0() + Duration::days(10);
    let p = progress(&plan, &rows, now);
    assert_eq!((p.appeals, p.planned), (19, 95));
    assert_eq!(p.projected, Some(t0() + Duration::days(50)));
    assert!(!p.late && !p.complete());
    // At a tenth of that rate the projection passes the end date.
    let slow = progress(&plan, &rows[..4], now);
    assert_eq!(slow.appeals, 2);
    assert_eq!(slow.projected, Some(now + Duration::days(5 * 93)));
    assert!(slow.late);
    // No appeal yet: no rate, no date; the planned number reached: no date either.
    let none = progress(&plan, &rows[..2], now);
    assert_eq!((none.appeals, none.projected), (0, None));
    let many: Vec<ReadoutRow> = (0..95).map(|i| started(100 + i, t0())).collect();
    let done = progress(&plan, &many, now);
    assert!(done.complete() && done.projected.is_none());
}
