use chrono::TimeZone;

use super::*;

fn day(d: u32) -> DateTime<Utc> {
    // 2026-03-02 is a Monday.
    Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0)
        .single()
        .expect("time")
}

fn row(id: i64, group: Group, started: DateTime<Utc>) -> ReadoutRow {
    ReadoutRow {
        appellant_id: AppellantId(id),
        appeal_id: None,
        subreddit: SubredditName::parse("sub").expect("sub"),
        username: RedditUsername::parse(&format!("user{id}")).expect("user"),
        group,
        conversation_id: ConversationId::parse(&format!("c{id}")).expect("id"),
        assigned_at: started,
        started_at: started,
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
fn outcomes_follow_the_stored_facts() {
    use AppealStatus::*;
    assert_eq!(
        CaseOutcome::of_appeal(Completed, Some(Outcome::Granted)),
        CaseOutcome::Granted
    );
    assert_eq!(
        CaseOutcome::of_appeal(Abandoned, Some(Outcome::Granted)),
        CaseOutcome::Granted
    );
    assert_eq!(
        CaseOutcome::of_appeal(Completed, Some(Outcome::Denied)),
        CaseOutcome::Denied
    );
    assert_eq!(
        CaseOutcome::of_appeal(Abandoned, None),
        CaseOutcome::Abandoned
    );
    assert_eq!(
        CaseOutcome::of_appeal(Submitted, None),
        CaseOutcome::Pending
    );
    assert_eq!(
        CaseOutcome::of_appellant(Some(false), true),
        CaseOutcome::Granted
    );
    assert_eq!(
        CaseOutcome::of_appellant(Some(true), true),
        CaseOutcome::Denied
    );
    assert_eq!(CaseOutcome::of_appellant(None, true), CaseOutcome::Denied);
    assert_eq!(
        CaseOutcome::of_appellant(Some(true), false),
        CaseOutcome::Pending
    );
}

#[test]
fn periods_are_half_open() {
    let p = Period {
        from: Some(day(2)),
        until: Some(day(9)),
    };
    assert!(p.contains(day(2)));
    assert!(p.contains(day(8)));
    assert!(!p.contains(day(9)));
    assert!(!p.contains(day(1)));
    assert!(Period::ALL_TIME.contains(day(1)));
    assert_eq!(Period::last_days(day(31), 30).from, Some(day(1)));
    assert!(Period::since(day(5)).contains(day(20)));
}

#[test]
fn weeks_start_on_monday_and_gaps_are_kept() {
    let rows = [
        row(1, Group::Treatment, day(2)),
        row(2, Group::Control, day(8)),
        row(3, Group::Treatment, day(23)),
    ];
    let weeks = weekly(&rows);
    let starts: Vec<u32> = weeks.iter().map(|w| w.starts.day()).collect();
    assert_eq!(starts, [2, 9, 16, 23]);
    let counts: Vec<(u64, u64)> = weeks.iter().map(|w| (w.treatment, w.control)).collect();
    assert_eq!(counts, [(1, 1), (0, 0), (0, 0), (1, 0)]);
    assert!(weekly(&[]).is_empty());
}

#[test]
fn segments_follow_the_changes() {
    let s = segments(0.5, &[(day(10), 0.8)]);
    assert_eq!(s.len(), 2);
    assert_eq!(
        (s[0].period.from, s[0].period.until, s[0].fraction),
        (None, Some(day(10)), 0.5)
    );
    assert_eq!(
        (s[1].period.from, s[1].period.until, s[1].fraction),
        (Some(day(10)), None, 0.8)
    );
}

#[test]
fn audit_counts_each_appellant_once_in_the_segment_of_the_draw() {
    let mut rows = vec![
        row(1, Group::Treatment, day(2)),
        row(2, Group::Control, day(3)),
        row(3, Group::Treatment, day(12)),
        row(4, Group::Treatment, day(13)),
    ];
    // A second appeal of appellant 1, later: still drawn on day 2.
    let mut again = row(1, Group::Treatment, day(14));
    again.assigned_at = day(2);
    rows.push(again);
    let audit = assignment_audit(&rows, &segments(0.5, &[(day(10), 1.0)]));
    assert_eq!(audit.segments[0].appellants, 2);
    assert_eq!(audit.segments[0].treatment, 1);
    assert_eq!(audit.segments[0].p_value, Some(1.0));
    assert_eq!(audit.segments[1].appellants, 2);
    assert_eq!(audit.segments[1].treatment, 2);
    assert_eq!(audit.segments[1].p_value, Some(1.0));
    assert_eq!((audit.chi_square, audit.degrees_of_freedom), (0.0, 2));
    assert_eq!(audit.p_value, Some(1.0));

    // A control appellant drawn when every appellant should be treated: impossible.
    rows.push(row(5, Group::Control, day(15)));
    let audit = assignment_audit(&rows, &segments(0.5, &[(day(10), 1.0)]));
    assert_eq!(audit.p_value, Some(0.0));
}

#[test]
fn empty_readout_has_no_intervals() {
    let r = compute(&[], &Rules::new(day(2), chrono::Duration::days(44)));
    assert_eq!(r.treatment, Funnel::default());
    assert_eq!(r.comparison.granted.difference, None);
    assert_eq!(r.comparison.granted.verdict, Verdict::NotReady);
    assert_eq!(r.form_seconds, None);
    assert_eq!(r.decisions_control.quartiles, None);
    assert!(r.weekly.is_empty());
}

#[test]
fn the_split_alarm_needs_p_below_one_in_a_thousand() {
    // 30 of 40 at ½: P(X ≥ 30) + P(X ≤ 10) = 2 · 0.0011107 = 0.0022214 (R: binom.test(30,
    // 40)): unusual, not an alarm. 32 of 40: 2 · 0.0000911 = 0.0001822: an alarm.
    let draws = |treated: i64, of: i64| -> Vec<(DateTime<Utc>, Group)> {
        (0..of)
            .map(|i| {
                let g = if i < treated {
                    Group::Treatment
                } else {
                    Group::Control
                };
                (day(2), g)
            })
            .collect()
    };
    let halves = segments(0.5, &[]);
    let calm = audit_draws(&draws(30, 40), &halves);
    let p = calm.segments[0].p_value.expect("p");
    assert!((p - 0.002_221_4).abs() < 1e-6, "{p}");
    assert_eq!(calm.split_alarm(), None);
    let off = audit_draws(&draws(32, 40), &halves);
    let p = off.segments[0].p_value.expect("p");
    assert!((p - 0.000_182_2).abs() < 1e-6, "{p}");
    assert_eq!(off.split_alarm().map(|s| s.treatment), Some(32));
    // The period of 0.8 from day 10 holds 32 of 40 as expected: no alarm there, one before.
    let mut both = draws(32, 40);
    both.extend(draws(32, 40).into_iter().map(|(_, g)| (day(12), g)));
    let audit = audit_draws(&both, &segments(0.5, &[(day(10), 0.8)]));
    assert_eq!(audit.split_alarm().map(|s| s.segment.fraction), Some(0.5));
}
