//! Suppression of small counts on hand-made tables (checked by a reader who subtracts), and
//! the debrief of readouts: a run minutes old, a settled one, one with a small complement.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::domain::{AppealId, AppealStatus, AppellantId, ConversationId, Group};
use crate::domain::{RedditUsername, SubredditName};
use crate::readout::{CaseOutcome, ReadoutRow, Rules, compute};
use crate::toxicity::Toxicity;

fn cell(value: u64, rank: u8) -> Cell {
    Cell {
        value,
        displayed: true,
        public: false,
        rank,
    }
}

fn hidden(value: u64) -> Cell {
    Cell {
        displayed: false,
        rank: u8::MAX,
        ..cell(value, 0)
    }
}

fn rel(sum: usize, parts: &[usize]) -> Relation {
    Relation {
        sum,
        parts: parts.to_vec(),
    }
}

/// A reader with the published counts and the relations learns no count of 5 or fewer.
fn nothing_small_recoverable(cells: &[Cell], relations: &[Relation], shown: &[Shown]) {
    let published: Vec<bool> = shown.iter().map(|s| s.count().is_some()).collect();
    let known = derive(cells, &published, relations);
    for (i, c) in cells.iter().enumerate() {
        if sensitive(c) {
            assert!(
                known[i].is_none(),
                "cell {i} ({}) recoverable: {shown:?}",
                c.value
            );
            assert!(!published[i], "cell {i} published");
        }
    }
}

#[test]
fn small_counts_and_what_gives_them_away_are_withheld() {
    // (cells, relations, expected)
    let table: Vec<(Vec<Cell>, Vec<Relation>, Vec<Shown>)> = vec![
        // Nothing small: everything shown.
        (
            vec![cell(20, 0), cell(12, 2), cell(8, 2)],
            vec![rel(0, &[1, 2])],
            vec![Shown::Count(20), Shown::Count(12), Shown::Count(8)],
        ),
        // 20 = 17 + 3: the 3 is "≤5", and the total goes (rank 0) so 17 cannot give it away.
        (
            vec![cell(20, 0), cell(17, 2), cell(3, 2)],
            vec![rel(0, &[1, 2])],
            vec![Shown::Withheld, Shown::Count(17), Shown::Small],
        ),
        // A hidden complement: 40 counted, 37 reached, 3 not (never shown): one of the
        // shown two must go, the lower rank.
        (
            vec![cell(40, 2), cell(37, 3), hidden(3)],
            vec![rel(0, &[1, 2])],
            vec![Shown::Withheld, Shown::Count(37), Shown::Small],
        ),
        // A complement that is 0 by definition is no disclosure.
        (
            vec![
                cell(40, 2),
                cell(40, 3),
                Cell {
                    public: true,
                    ..hidden(0)
                },
            ],
            vec![rel(0, &[1, 2])],
            vec![Shown::Count(40), Shown::Count(40), Shown::Withheld],
        ),
        // Zero is a small count too.
        (vec![cell(0, 3)], vec![], vec![Shown::Small]),
    ];
    for (cells, relations, expected) in table {
        let shown = protect(&cells, &relations);
        assert_eq!(shown, expected, "{cells:?}");
        nothing_small_recoverable(&cells, &relations, &shown);
    }
}

#[test]
fn a_total_shared_by_several_tables_is_followed_through_them() {
    // T = a + b + o for two tables with the same total: o₁ = 2 is small. Withholding T
    // alone is not enough (the second table gives T back), so the second table's open count
    // goes too; the comparison's own counts stay.
    let cells = vec![
        cell(50, 0),
        cell(20, 2),
        cell(28, 2),
        cell(2, 1),
        cell(21, 2),
        cell(20, 2),
        cell(9, 1),
    ];
    let relations = vec![rel(0, &[1, 2, 3]), rel(0, &[4, 5, 6])];
    let shown = protect(&cells, &relations);
    assert_eq!(
        shown,
        vec![
            Shown::Withheld,
            Shown::Count(20),
            Shown::Count(28),
            Shown::Small,
            Shown::Count(21),
            Shown::Count(20),
            Shown::Withheld,
        ]
    );
    nothing_small_recoverable(&cells, &relations, &shown);
}

#[test]
fn no_table_of_a_grid_of_values_gives_a_small_count_away() {
    // Every combination of small and large values in a two-group table with margins.
    let values = [0, 3, 5, 6, 9, 30];
    for a in values {
        for b in values {
            for c in values {
                for d in values {
                    let cells = vec![
                        cell(a + b + c + d, 0),
                        cell(a + b, 2),
                        cell(a, 3),
                        hidden(b),
                        cell(c + d, 2),
                        cell(c, 3),
                        hidden(d),
                    ];
                    let relations = vec![rel(1, &[2, 3]), rel(4, &[5, 6]), rel(0, &[1, 4])];
                    let shown = protect(&cells, &relations);
                    nothing_small_recoverable(&cells, &relations, &shown);
                    for (s, cell) in shown.iter().zip(&cells) {
                        if cell.displayed && cell.value > SMALL_COUNT {
                            assert_ne!(*s, Shown::Small);
                        }
                    }
                }
            }
        }
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("time")
}

fn row(id: i64, group: Group) -> ReadoutRow {
    ReadoutRow {
        appellant_id: AppellantId(id),
        appeal_id: None,
        subreddit: SubredditName::parse("sub").expect("sub"),
        username: RedditUsername::parse(&format!("user{id}")).expect("user"),
        group,
        conversation_id: ConversationId::parse(&format!("c{id}")).expect("id"),
        assigned_at: t0(),
        started_at: t0(),
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

fn treatment(id: i64, status: AppealStatus, outcome: CaseOutcome) -> ReadoutRow {
    ReadoutRow {
        appeal_id: Some(AppealId(id)),
        status: Some(status),
        outcome,
        link_sent_at: Some(t0() + Duration::minutes(1)),
        completed_at: (status == AppealStatus::Completed).then(|| t0() + Duration::hours(1)),
        ..row(id, Group::Treatment)
    }
}

fn control(id: i64, outcome: CaseOutcome) -> ReadoutRow {
    ReadoutRow {
        outcome,
        ..row(id, Group::Control)
    }
}

fn rules(minutes: i64) -> Rules {
    Rules::new(t0() + Duration::minutes(minutes), Duration::days(44))
}

#[test]
fn a_run_minutes_old_is_not_ready_and_shows_the_open_count() {
    // 8 treatment appeals waiting for their form, 5 control ones (pending outcomes).
    let mut rows: Vec<ReadoutRow> = (0..8)
        .map(|i| treatment(i, AppealStatus::Prompted, CaseOutcome::Pending))
        .collect();
    rows.extend((8..13).map(|i| control(i, CaseOutcome::Pending)));
    let d = debrief(&compute(&rows, &rules(3)), Metric::Reached, None);
    let p = &d.contrasts[0];
    assert_eq!(p.metric, Metric::Reached);
    assert_eq!(p.verdict, Verdict::NotReady);
    assert_eq!(d.appeals, Shown::Count(13));
    // Open 8 (treatment); counted: 0 treatment, 5 control — both small.
    assert_eq!(p.open, Shown::Count(8));
    assert_eq!(
        (p.treatment.counted, p.control.counted),
        (Shown::Small, Shown::Small)
    );
    assert!(p.treatment.share.is_none() && p.difference.is_none() && p.sequential.is_none());
}

/// 40 treatment appeals (`reached` completed, the rest abandoned; 12 of the completed
/// granted, the others denied), 40 control (10 granted, 30 denied), all settled.
fn settled(reached: i64) -> Vec<ReadoutRow> {
    let mut rows: Vec<ReadoutRow> = (0..40)
        .map(|i| match i {
            i if i < 12 => treatment(i, AppealStatus::Completed, CaseOutcome::Granted),
            i if i < reached => treatment(i, AppealStatus::Completed, CaseOutcome::Denied),
            i => treatment(i, AppealStatus::Abandoned, CaseOutcome::Abandoned),
        })
        .collect();
    rows.extend((40..80).map(|i| {
        control(
            i,
            if i < 50 {
                CaseOutcome::Granted
            } else {
                CaseOutcome::Denied
            },
        )
    }));
    rows
}

#[test]
fn a_settled_run_shows_its_figures_and_hides_only_small_ones() {
    let readout = compute(&settled(30), &rules(60 * 24 * 60));
    let d = debrief(&readout, Metric::Reached, Some(80));
    let p = &d.contrasts[0];
    // Reached: 30 of 40 against 40 of 40 (the control's 0 not reached is by definition).
    assert_eq!(p.treatment.counted, Shown::Count(40));
    assert_eq!(p.treatment.hits, Shown::Count(30));
    assert_eq!(p.control.hits, Shown::Count(40));
    assert_eq!(
        p.treatment.share,
        Some(readout.comparison.reached_moderators.treatment)
    );
    assert_eq!(
        p.sequential,
        readout.comparison.reached_moderators.sequential
    );
    assert_eq!(p.verdict, readout.comparison.reached_moderators.verdict);
    // Nothing is open (0, small) in any comparison: the total would give each 0 away, so
    // the total goes, and with it the plan's count (all the appeals here).
    assert_eq!(p.open, Shown::Small);
    assert_eq!(d.appeals, Shown::Withheld);
    assert_eq!(d.plan_appeals, Some(Shown::Withheld));
    // Granted second, then toxic: no appeal was toxic, so 0 and 0 are "≤5" and their
    // shares withheld; the counted 40s stay.
    assert_eq!(d.contrasts[1].metric, Metric::Granted);
    assert_eq!(d.contrasts[1].treatment.hits, Shown::Count(12));
    let toxic = &d.contrasts[2];
    assert_eq!(toxic.treatment.hits, Shown::Small);
    assert_eq!(toxic.treatment.counted, Shown::Count(40));
    assert!(toxic.treatment.share.is_none() && toxic.difference.is_none());
}

#[test]
fn a_small_complement_withholds_the_share_that_would_give_it_away() {
    // 37 of 40 reached: the 3 that did not are a small count.
    let readout = compute(&settled(37), &rules(60 * 24 * 60));
    let d = debrief(&readout, Metric::Reached, None);
    let p = &d.contrasts[0];
    assert_eq!(p.treatment.hits, Shown::Count(37));
    assert_eq!(p.treatment.counted, Shown::Withheld);
    assert!(p.treatment.share.is_none() && p.difference.is_none());
    // The grant rate is another comparison: 12 of 40 shows if its own counts allow.
    let granted = &d.contrasts[1];
    assert_eq!(granted.treatment.hits, Shown::Count(12));
    assert_eq!(granted.treatment.counted, Shown::Count(40));
}
