//! The readout on a fixture dataset, on both backends: 29 appeals over two subreddits, both
//! groups, every status and outcome, toxic messages and answers, a change of the treatment
//! fraction. Loaded through the storage API as the bot and the site write it; every number
//! of the readout, the audit and the export is compared with a hand computation below.

use appealmod_core::readout::stats::{Interval, Quartiles};
use appealmod_core::readout::{
    self, CaseOutcome, Contrast, Funnel, Period, Reach, ReadoutRow, Rules, Verdict,
};
use appealmod_core::toxicity::{self, AssessedForm, Category, Finding, Severity, TextRef};
use appealmod_shared::config::Secret;
use appealmod_shared::domain::*;
use appealmod_shared::export::{self, Names};
use appealmod_shared::storage::*;
use appealmod_shared::token::Signer;
use appealmod_testkit::readout_fixture::{conversation, form, sent};
use appealmod_testkit::{Backend, TestDb};
use chrono::{DateTime, Duration, TimeZone, Utc};

appealmod_testkit::on_both_backends!(
    fixture_readout_matches_the_hand_computation,
    hand_overs_and_take_overs_read_back_as_reached,
);

/// Day `d` at 10:00 UTC; day 0 is Monday 2026-03-02.
fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("time")
        + Duration::days(d)
}

const CHANGE_DAY: i64 = 14;

/// How far a treatment appeal got.
#[derive(Clone, Copy)]
enum Stage {
    /// Created; the first message is not on Reddit yet.
    Prompted,
    /// The link was sent.
    Sent,
    Opened,
    /// Submitted after `form` minutes; not completed.
    Submitted,
    /// Submitted after `form` minutes and completed.
    Completed,
    /// Sent, never opened, abandoned after a week.
    Abandoned,
}

#[derive(Clone, Copy)]
enum Spec {
    /// A treatment appeal: stage, minutes on the form, outcome after days, reminders,
    /// toxic answer.
    Treated(Stage, i64, Option<(Outcome, i64)>, i64, bool),
    /// A treatment appellant a moderator took over before any link, unbanned two days later.
    TakenOver,
    /// A control appellant: outcome after days.
    Control(Option<(Outcome, i64)>),
}

use Spec::*;
use Stage::*;

/// (subreddit, user, start day, toxic first message, case). A1 appeals twice.
fn fixture() -> Vec<(&'static str, &'static str, i64, bool, Spec)> {
    let g = |d| Some((Outcome::Granted, d));
    let n = |d| Some((Outcome::Denied, d));
    vec![
        // alpha, fraction 0.5 until day 14: 6 treatment, 4 control appellants.
        (
            "alpha",
            "a1",
            1,
            false,
            Treated(Completed, 4, g(3), 0, false),
        ),
        (
            "alpha",
            "a2",
            2,
            true,
            Treated(Completed, 6, n(5), 0, false),
        ),
        (
            "alpha",
            "a3",
            3,
            false,
            Treated(Abandoned, 0, None, 2, false),
        ),
        ("alpha", "a4", 4, false, Treated(Opened, 0, None, 1, false)),
        (
            "alpha",
            "a5",
            5,
            false,
            Treated(Submitted, 10, None, 0, true),
        ),
        ("alpha", "a6", 6, false, TakenOver),
        ("alpha", "a7", 7, false, Control(None)),
        ("alpha", "a8", 8, true, Control(g(4))),
        ("alpha", "a9", 9, false, Control(n(10))),
        ("alpha", "a10", 10, true, Control(n(10))),
        // alpha, fraction 0.8 from day 14: 7 treatment, 3 control appellants.
        (
            "alpha",
            "a11",
            14,
            true,
            Treated(Completed, 3, g(2), 0, false),
        ),
        (
            "alpha",
            "a12",
            15,
            false,
            Treated(Completed, 8, None, 0, false),
        ),
        (
            "alpha",
            "a13",
            16,
            false,
            Treated(Prompted, 0, None, 0, false),
        ),
        (
            "alpha",
            "a14",
            17,
            false,
            Treated(Abandoned, 0, None, 3, false),
        ),
        (
            "alpha",
            "a15",
            18,
            false,
            Treated(Completed, 5, n(6), 0, true),
        ),
        ("alpha", "a16", 19, true, Treated(Sent, 0, None, 0, false)),
        ("alpha", "a1", 20, false, Treated(Sent, 0, None, 0, false)),
        (
            "alpha",
            "a17",
            21,
            false,
            Treated(Opened, 0, None, 0, false),
        ),
        ("alpha", "a18", 22, true, Control(None)),
        ("alpha", "a19", 23, false, Control(g(1))),
        ("alpha", "a20", 24, false, Control(None)),
        // beta, fraction 0.5 throughout: 4 and 4.
        (
            "beta",
            "b1",
            2,
            false,
            Treated(Completed, 2, g(1), 0, false),
        ),
        (
            "beta",
            "b2",
            9,
            true,
            Treated(Completed, 12, n(4), 0, false),
        ),
        (
            "beta",
            "b3",
            16,
            false,
            Treated(Abandoned, 0, None, 1, false),
        ),
        (
            "beta",
            "b4",
            23,
            false,
            Treated(Submitted, 7, None, 0, false),
        ),
        ("beta", "b5", 3, true, Control(g(2))),
        ("beta", "b6", 10, false, Control(n(10))),
        ("beta", "b7", 17, false, Control(None)),
        ("beta", "b8", 24, true, Control(n(10))),
    ]
}

async fn load_appeal(
    store: &Store,
    appellant: AppellantId,
    conv: &ConversationId,
    start: DateTime<Utc>,
    case: Spec,
) {
    let Treated(stage, minutes, outcome, reminders, toxic_answer) = case else {
        return;
    };
    let new = NewAppeal {
        appellant_id: appellant,
        conversation_id: conv.clone(),
        token_expires_at: start + Duration::days(30),
        ban_note: "spam".to_owned(),
        ban_reason: "spam".to_owned(),
        ban_date: Some(start - Duration::hours(2)),
        ban_permanent: true,
    };
    let mut tx = store.begin().await.expect("begin");
    let id = tx.create_appeal(&new, start).await.expect("appeal");
    for _ in 0..reminders {
        tx.count_reminder(id, start + Duration::days(1))
            .await
            .expect("reminder");
    }
    tx.commit().await.expect("commit");
    if matches!(stage, Prompted) {
        return;
    }
    sent(
        store,
        id,
        conv,
        EffectKind::Reply,
        start + Duration::minutes(5),
    )
    .await
    .expect("link sent");
    let opened = start + Duration::hours(1);
    if matches!(stage, Opened | Submitted | Completed) {
        store.mark_appeal_opened(id, opened).await.expect("opened");
    }
    if matches!(stage, Submitted | Completed) {
        let f = form(opened, minutes, toxic_answer);
        assert_eq!(
            store
                .submit_form(id, &AssessedForm::of(f))
                .await
                .expect("submit"),
            SubmitOutcome::Accepted
        );
    }
    if matches!(stage, Completed) {
        let at = opened + Duration::minutes(minutes + 10);
        sent(store, id, conv, EffectKind::Note, at)
            .await
            .expect("note sent");
    }
    let mut tx = store.begin().await.expect("begin");
    if matches!(stage, Abandoned) {
        tx.set_appeal_status(id, AppealStatus::Abandoned, start + Duration::days(7))
            .await
            .expect("abandon");
    }
    if let Some((o, days)) = outcome {
        tx.set_appeal_outcome(id, o, start + Duration::days(days))
            .await
            .expect("outcome");
    }
    tx.commit().await.expect("commit");
}

async fn load_appellant_outcome(
    store: &Store,
    appellant: AppellantId,
    start: DateTime<Utc>,
    case: Spec,
) {
    let outcome = match case {
        Control(o) => o,
        TakenOver => {
            let ignored = StatusUpdate {
                ignored: Some(true),
                ..Default::default()
            };
            store
                .update_appellant(appellant, &ignored, start + Duration::hours(1))
                .await
                .expect("ignore");
            Some((Outcome::Granted, 2))
        }
        Treated(..) => None,
    };
    match outcome {
        Some((Outcome::Granted, days)) => {
            let unbanned = StatusUpdate {
                still_banned: Some(false),
                ..Default::default()
            };
            store
                .update_appellant(appellant, &unbanned, start + Duration::days(days))
                .await
                .expect("unban");
        }
        Some((Outcome::Denied, days)) => {
            let at = start + Duration::days(days);
            let mut tx = store.begin().await.expect("begin");
            assert!(
                tx.retire_appellant(appellant, at, at)
                    .await
                    .expect("retire")
            );
            tx.commit().await.expect("commit");
        }
        None => {}
    }
}

async fn load(store: &Store) {
    for s in ["alpha", "beta"] {
        let sub = SubredditName::parse(s).expect("sub");
        store
            .ensure_subreddit(&sub, day(0) - Duration::days(1))
            .await
            .expect("subreddit");
    }
    for (i, (s, user, d, toxic, case)) in fixture().into_iter().enumerate() {
        let sub = SubredditName::parse(s).expect("sub");
        let name = RedditUsername::parse(user).expect("user");
        let conv = ConversationId::parse(&format!("c{i}")).expect("conversation");
        let start = day(d);
        let group = if matches!(case, Control(_)) {
            Group::Control
        } else {
            Group::Treatment
        };
        let contact = store
            .record_contact(&sub, &name, &conv, || group, start)
            .await
            .expect("contact");
        let appellant = contact.appellant.id;
        // The appellant's first message was written half an hour before the bot read it.
        let c = conversation(&conv, &sub, user, start - Duration::minutes(30), toxic);
        let texts = toxicity::assess_conversation(&c);
        store
            .record_conversation_findings(appellant, c.id(), &texts, start)
            .await
            .expect("findings");
        assert_eq!(toxicity::combined(&texts).toxic, toxic, "{user}");
        load_appeal(store, appellant, &conv, start, case).await;
        load_appellant_outcome(store, appellant, start, case).await;
    }
}

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn interval(i: Option<Interval>) -> (f64, f64) {
    let i = i.expect("interval");
    (r4(i.low), r4(i.high))
}

/// `(successes, trials, Wilson low, high)` per group, then the difference and its interval.
fn check(
    c: &Contrast,
    t: (u64, u64, f64, f64),
    k: (u64, u64, f64, f64),
    d: (f64, f64, f64),
    what: &str,
) {
    assert_eq!(
        (c.treatment.successes, c.treatment.trials),
        (t.0, t.1),
        "{what}: treatment"
    );
    assert_eq!(
        interval(c.treatment.interval),
        (t.2, t.3),
        "{what}: treatment interval"
    );
    assert_eq!(
        (c.control.successes, c.control.trials),
        (k.0, k.1),
        "{what}: control"
    );
    assert_eq!(
        interval(c.control.interval),
        (k.2, k.3),
        "{what}: control interval"
    );
    let diff = c.difference.expect("difference");
    assert_eq!(
        (
            r4(diff.estimate),
            r4(diff.interval.low),
            r4(diff.interval.high)
        ),
        d,
        "{what}: difference"
    );
}

fn quartiles(q: Option<Quartiles>) -> (usize, f64, f64, f64) {
    let q = q.expect("quartiles");
    (q.n, q.q1, q.median, q.q3)
}

async fn fixture_readout_matches_the_hand_computation(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = &db.store;
    load(store).await;
    let all = store
        .readout_rows(&ReadoutFilter::default())
        .await
        .expect("rows");
    assert_eq!(all.len(), 29, "20 + 1 alpha appeals (a1 twice), 8 beta");
    check_funnels(&all);
    check_settled_comparison(&all);
    check_lapsed_comparison(&all);
    check_timings_and_weeks(&all);
    check_toxicity(store, &all).await;
    check_periods_and_audit(store).await;
    check_export(&all);
}

/// The readout a day after the last appeal's last event (day 35), with the default window
/// of 44 days (link lifetime 30 + cutoff 14): no appeal has lapsed yet.
fn settled_rules() -> Rules {
    Rules::new(day(35), Rules::default_window(30, 14))
}

/// Day 70: every appeal (the last began on day 24) is at least 44 days old.
fn lapsed_rules() -> Rules {
    Rules::new(day(70), Rules::default_window(30, 14))
}

fn check_funnels(all: &[ReadoutRow]) {
    let r = readout::compute(all, &settled_rules());
    // Treatment: 18 appeals of 17 appellants (a1 twice). Link sent: all but a6 (taken over)
    // and a13 (prompted) = 16. Opened: the completed (a1 a2 a11 a12 a15 b1 b2), submitted
    // (a5 b4) and opened (a4 a17) = 11. Submitted: 9. Completed: 7. a6 was never engaged
    // (a moderator wrote before any link): reached = 7 + 1 = 8. Granted a1 a6 a11 b1;
    // denied a2 a15 b2; abandoned a3 a14 b3; pending the other 8.
    let treatment = Funnel {
        appeals: 18,
        appellants: 17,
        contacted: 16,
        link_opened: 11,
        submitted: 9,
        completed: 7,
        handed_over: 0,
        taken_over: 0,
        never_engaged: 1,
        reached: 8,
        granted: 4,
        denied: 3,
        abandoned: 3,
        pending: 8,
    };
    assert_eq!(r.treatment, treatment);
    // Control: 11 appellants, never contacted, all reached; granted a8 a19 b5, denied a9
    // a10 b6 b8.
    let control = Funnel {
        appeals: 11,
        appellants: 11,
        reached: 11,
        granted: 3,
        denied: 4,
        pending: 4,
        ..Funnel::default()
    };
    assert_eq!(r.control, control);
}

/// Settled only (day 35). Treatment appeals and where they stand: completed a1 a2 a11 a12
/// a15 b1 b2 (7), never engaged a6, abandoned a3 a14 b3 — settled, 11; still open: waiting
/// for the form a4 a13 a16 a17 and a1's second appeal, form in but not posted a5 b4 — 7.
fn check_settled_comparison(all: &[ReadoutRow]) {
    let r = readout::compute(all, &settled_rules());
    let c = &r.comparison;
    // Reached: treatment 7 completed + a6 = 8 of the 11 settled; control 11 of 11.
    // (The old rule counted the 7 open ones as "not read": 8 of 18.)
    // Wilson 8/11: centre = (2·8 + z²) / (2(11 + z²)) = 19.8415 / 29.6829 = 0.66845,
    //   half = 1.96·√(z² + 4·11·(8/11)(3/11)) / 29.6829 = 1.96·√12.5688 / 29.6829 = 0.23410
    //   → 0.4344 to 0.9025; 11/11 → 0.7412 to 1.
    // Newcombe: d = 0.7273 − 1 = −0.2727, low = d − (0.7273 − 0.4344) = −0.5656,
    //   high = d + √((0.9025 − 0.7273)² + (1 − 0.7412)²) = d + 0.3126 = +0.0399.
    check(
        &c.reached_moderators,
        (8, 11, 0.4344, 0.9025),
        (11, 11, 0.7412, 1.0),
        (-0.2727, -0.5656, 0.0399),
        "reached",
    );
    assert_eq!(open(&c.reached_moderators), ((7, 0), (0, 0)));
    // Sequential (planned 500 appeals): ρ² = (−2 ln 0.05 + ln(1 − 2 ln 0.05))/500
    //   = 7.936155/500 = 0.0158723; n = 22, v = nρ² = 0.349191,
    //   multiplier = √((1 + v)/v · ln((1 + v)/0.05²)) = √(3.86376 · 6.29097) = 4.93020;
    //   Laplace shares 9/13 and 12/13: se = √(0.6923·0.3077/11 + 0.9231·0.0769/11)
    //   = √(0.019367 + 0.006455) = 0.160687; half = 0.792219:
    //   −0.2727 ± 0.7922 = −1 (clamped) to +0.5195. Includes 0: not clear.
    check_sequential(&c.reached_moderators, (-1.0, 0.5195), Verdict::NotClear);
    // Granted: settled = granted, denied or abandoned: treatment 4 of 4 + 3 + 3 = 10
    // (a1 a6 a11 b1), control 3 of 3 + 4 = 7 (a8 a19 b5); open 8 and 4 (pending).
    check(
        &c.granted,
        (4, 10, 0.1682, 0.6873),
        (3, 7, 0.1582, 0.7495),
        (-0.0286, -0.4245, 0.3659),
        "granted",
    );
    assert_eq!(open(&c.granted), ((8, 4), (0, 0)));
    // Toxic and reached: settled when it can no longer reach them (abandoned a3 a14 b3) or
    // when it reached them and its case is closed (decided, or no longer followed).
    // Treatment: a1 a2 a11 a15 b1 b2 (decided, completed), a6 (granted), a3 a14 b3 = 10; of
    // them toxic a2 a11 (messages), a15 (answer), b2 = 4. Open: a12 (completed, no decision
    // yet) and the 7 open ones = 8. Control: decided a8 a9 a10 a19 b5 b6 b8 = 7, toxic a8
    // a10 b5 b8 = 4; open a7 a18 a20 b7.
    // Wilson 4/7: centre (8 + 3.8415)/21.6829 = 0.54612, half 1.96·√(3.8415 + 6.8571)/21.6829
    //   = 0.29566 → 0.2505 to 0.8418; d = 0.4 − 0.5714 = −0.1714,
    //   low = d − √((0.4 − 0.1682)² + (0.8418 − 0.5714)²) = −0.5276,
    //   high = d + √((0.6873 − 0.4)² + (0.5714 − 0.2505)²) = +0.2594.
    check(
        &c.toxic_reached_moderators,
        (4, 10, 0.1682, 0.6873),
        (4, 7, 0.2505, 0.8418),
        (-0.1714, -0.5276, 0.2594),
        "toxic",
    );
    assert_eq!(open(&c.toxic_reached_moderators), ((8, 4), (0, 0)));
    // Among the completed forms (not a comparison): granted a1 a11 b1 of the 6 with a
    // settled outcome (a12 is pending); toxic a2 a11 a15 b2 of the 7.
    let a = &r.among_completed;
    assert_eq!((a.granted.successes, a.granted.trials), (3, 6));
    assert_eq!((a.toxic.successes, a.toxic.trials), (4, 7));
    // No appeal is 44 days old: no decision time is counted yet.
    assert_eq!(
        (
            r.decisions_treatment.cohort,
            r.decisions_treatment.quartiles
        ),
        (0, None)
    );
    assert_eq!(
        (r.decisions_control.cohort, r.decisions_control.quartiles),
        (0, None)
    );
}

/// Day 70: every window has passed, so every appeal is counted as it stands — the open
/// ones as not reached, not toxic-reached and not granted (the old figures: all appeals).
fn check_lapsed_comparison(all: &[ReadoutRow]) {
    let r = readout::compute(all, &lapsed_rules());
    let c = &r.comparison;
    // Reached 8 of 18 against 11 of 11; the 7 open treatment appeals lapsed.
    // Wilson 8/18: (16 + 3.8415 ∓ 1.96·√(3.8415 + 17.7778)) / 43.6830 = 0.2456 … 0.6628;
    // Newcombe: d = 0.4444 − 1 = −0.5556, low = d − (0.4444 − 0.2456) = −0.7544,
    // high = d + √((0.6628 − 0.4444)² + (1 − 0.7412)²) = −0.2169: fixed-sample "lower".
    check(
        &c.reached_moderators,
        (8, 18, 0.2456, 0.6628),
        (11, 11, 0.7412, 1.0),
        (-0.5556, -0.7544, -0.2169),
        "reached",
    );
    assert_eq!(open(&c.reached_moderators), ((0, 0), (7, 0)));
    // Sequential: n = 29, v = 0.460297, multiplier √(3.17251 · 6.37011) = 4.49547; Laplace
    //   9/20 and 12/13: se = √(0.45·0.55/18 + 0.9231·0.0769/11) = 0.142145; half = 0.639006:
    //   −0.5556 ± 0.6390 = −1 (clamped) to +0.0835. Still includes 0: with 29 appeals the
    //   peeking-safe interval cannot tell yet what the fixed-sample one claims.
    check_sequential(&c.reached_moderators, (-1.0, 0.0835), Verdict::NotClear);
    // Granted 4 of 18 against 3 of 11 (pending counted as not granted).
    assert_eq!(share(&c.granted), ((4, 18), (3, 11)));
    assert_eq!(open(&c.granted), ((0, 0), (8, 4)));
    // Toxic and reached: a2 a11 a15 b2 of 18 (a5's toxic answer and a16's message never
    // reached them); control a8 a10 a18 b5 b8 of 11.
    check(
        &c.toxic_reached_moderators,
        (4, 18, 0.09, 0.4521),
        (5, 11, 0.2127, 0.7199),
        (-0.2323, -0.5288, 0.1014),
        "toxic",
    );
    // Decisions: the whole cohort. Treatment 18, decided 7: days 1 (b1) 2 (a6, a11) 3 (a1)
    // 4 (b2) 5 (a2) 6 (a15) from the first message (30 min before the start): q1 at index
    // 1.5 = 2 d, median at 3 = 3 d, q3 at 4.5 = 4.5 d; each + 1,800 s.
    let d = 86_400.0;
    let t = r.decisions_treatment;
    assert_eq!((t.cohort, t.decided), (18, 7));
    assert_eq!(
        quartiles(t.quartiles),
        (7, 2.0 * d + 1800.0, 3.0 * d + 1800.0, 4.5 * d + 1800.0)
    );
    // Control 11, decided 7: days 1 (a19) 2 (b5) 4 (a8) 10 10 10 10 (a9 a10 b6 b8): q1 =
    // (2 + 4)/2 = 3 d, median = q3 = 10 d.
    let k = r.decisions_control;
    assert_eq!((k.cohort, k.decided), (11, 7));
    assert_eq!(
        quartiles(k.quartiles),
        (7, 3.0 * d + 1800.0, 10.0 * d + 1800.0, 10.0 * d + 1800.0)
    );
    // Among the completed: a12 lapsed without a decision, so 3 granted of 7.
    assert_eq!(
        (
            r.among_completed.granted.successes,
            r.among_completed.granted.trials
        ),
        (3, 7)
    );
}

/// `((treatment successes, trials), (control successes, trials))`.
fn share(c: &Contrast) -> ((u64, u64), (u64, u64)) {
    (
        (c.treatment.successes, c.treatment.trials),
        (c.control.successes, c.control.trials),
    )
}

/// `((open treatment, open control), (lapsed treatment, lapsed control))`.
fn open(c: &Contrast) -> ((u64, u64), (u64, u64)) {
    (
        (c.open.treatment, c.open.control),
        (c.lapsed.treatment, c.lapsed.control),
    )
}

fn check_sequential(c: &Contrast, (low, high): (f64, f64), verdict: Verdict) {
    let s = c.sequential.expect("sequential interval");
    assert_eq!((r4(s.interval.low), r4(s.interval.high)), (low, high));
    assert_eq!(c.verdict, verdict);
}

fn check_timings_and_weeks(all: &[ReadoutRow]) {
    let r = readout::compute(all, &settled_rules());
    // Form minutes, sorted: 2 3 4 5 6 7 8 10 12 (n = 9). Type 7: q1 at index 2 = 4 min,
    // median at 4 = 6 min, q3 at 6 = 8 min.
    assert_eq!(quartiles(r.form_seconds), (9, 240.0, 360.0, 480.0));
    // Weeks from Monday 2026-03-02: days 0–6 a1–a6 b1 | b5; 7–13 b2 | a7–a10 b6;
    // 14–20 a11–a16 a1 b3 | b7; 21–27 a17 b4 | a18–a20 b8.
    let weeks: Vec<(String, u64, u64)> = r
        .weekly
        .iter()
        .map(|w| (w.starts.to_string(), w.treatment, w.control))
        .collect();
    let want = [
        ("2026-03-02", 7, 1),
        ("2026-03-09", 1, 5),
        ("2026-03-16", 8, 1),
        ("2026-03-23", 2, 4),
    ];
    let want: Vec<(String, u64, u64)> = want
        .iter()
        .map(|(s, t, c)| ((*s).to_owned(), *t, *c))
        .collect();
    assert_eq!(weeks, want);
}

async fn check_toxicity(store: &Store, all: &[ReadoutRow]) {
    let a2 = all
        .iter()
        .find(|r| r.username.as_str() == "a2")
        .expect("a2");
    let mean = Some(Finding {
        category: Category::Mean,
        severity: Severity::Moderate,
    });
    assert!(a2.toxicity.toxic);
    assert_eq!(a2.toxicity.highest, mean);
    assert_eq!(a2.toxic_texts, [TextRef::Message("m-c1-1".to_owned())]);
    // The accessor the moderators' note uses says the same.
    let stored = store
        .appeal_toxicity(a2.appeal_id.expect("appeal"))
        .await
        .expect("toxicity");
    assert!(stored.is_toxic());
    assert_eq!(
        (stored.toxicity, stored.toxic_texts.clone()),
        (a2.toxicity, a2.toxic_texts.clone())
    );
    // a15: only its answer; the moderator's "idiot" in the conversation is not the appellant's.
    let a15 = all
        .iter()
        .find(|r| r.username.as_str() == "a15")
        .expect("a15");
    assert_eq!(a15.toxic_texts, [TextRef::Answer("steps".to_owned())]);
    assert_eq!(
        a15.toxicity.highest.map(|f| f.category),
        Some(Category::Profane)
    );
    // a1's second appeal is its own conversation: polite.
    let a1: Vec<&ReadoutRow> = all.iter().filter(|r| r.username.as_str() == "a1").collect();
    assert_eq!(a1.len(), 2);
    assert!(a1.iter().all(|r| !r.toxicity.toxic));
    // Control appellants are assessed from their messages too.
    let b8 = all
        .iter()
        .find(|r| r.username.as_str() == "b8")
        .expect("b8");
    assert_eq!(
        (b8.group, b8.toxicity.toxic, b8.outcome),
        (Group::Control, true, CaseOutcome::Denied)
    );
    // Reading the conversation again stores nothing twice.
    let toxic_again = store
        .appeal_toxicity(a2.appeal_id.expect("appeal"))
        .await
        .expect("toxicity");
    assert_eq!(toxic_again.toxic_texts.len(), 1);
}

async fn check_periods_and_audit(store: &Store) {
    let alpha = SubredditName::parse("alpha").expect("sub");
    // Since the change of fraction in alpha: a11–a17 and a1's second appeal (treatment, 8),
    // a18–a20 (control, 3).
    let since = ReadoutFilter {
        subreddit: Some(alpha.clone()),
        period: Period::since(day(CHANGE_DAY) - Duration::hours(1)),
    };
    let rows = store.readout_rows(&since).await.expect("rows");
    let r = readout::compute(&rows, &settled_rules());
    assert_eq!(
        (
            r.treatment.appeals,
            r.treatment.appellants,
            r.control.appeals
        ),
        (8, 8, 3)
    );
    // Completed a11 a12 a15; granted a11, denied a15, abandoned a14.
    assert_eq!(
        (
            r.treatment.completed,
            r.treatment.granted,
            r.treatment.denied,
            r.treatment.abandoned
        ),
        (3, 1, 1, 1)
    );
    // The last 30 days on day 33 start on day 3: a1 (day 1), a2 and b1 (day 2) fall out.
    let recent = ReadoutFilter {
        subreddit: None,
        period: Period::last_days(day(33), 30),
    };
    assert_eq!(store.readout_rows(&recent).await.expect("rows").len(), 26);
    // A bounded period: days 7–13 hold a7–a10, b2 and b6.
    let week = ReadoutFilter {
        subreddit: None,
        period: Period {
            from: Some(day(7) - Duration::hours(1)),
            until: Some(day(14) - Duration::hours(1)),
        },
    };
    assert_eq!(store.readout_rows(&week).await.expect("rows").len(), 6);

    // The audit of alpha over all time, with the change on day 14.
    let rows = store
        .readout_rows(&ReadoutFilter {
            subreddit: Some(alpha),
            period: Period::ALL_TIME,
        })
        .await
        .expect("rows");
    let changes = [(day(CHANGE_DAY) - Duration::hours(1), 0.8)];
    let audit = readout::assignment_audit(&rows, &readout::segments(0.5, &changes));
    let seg: Vec<(u64, u64)> = audit
        .segments
        .iter()
        .map(|s| (s.appellants, s.treatment))
        .collect();
    // a1–a10 (a1 counted once, drawn on day 1): 6 treatment; a11–a20: 7 treatment.
    assert_eq!(seg, [(10, 6), (10, 7)]);
    // Binomial, 6 of 10 at ½: 1 − P(5) = 1 − 252/1024 = 0.75390625.
    let p0 = audit.segments[0].p_value.expect("p");
    assert!((p0 - 0.753_906_25).abs() < 1e-9, "{p0}");
    // 7 of 10 at 0.8: every outcome but 8 and 9 is no more likely than 7:
    // 1 − 0.301989888 − 0.268435456 = 0.429574656.
    let p1 = audit.segments[1].p_value.expect("p");
    assert!((p1 - 0.429_574_656).abs() < 1e-9, "{p1}");
    // χ² = (6−5)²/5 + (4−5)²/5 + (7−8)²/8 + (3−2)²/2 = 0.4 + 0.625 = 1.025 with 2 degrees of
    // freedom, whose tail is e^(−x/2) = e^(−0.5125) = 0.598996.
    assert!((audit.chi_square - 1.025).abs() < 1e-12);
    assert_eq!(audit.degrees_of_freedom, 2);
    let p = audit.p_value.expect("p");
    assert!((p - (-0.5125f64).exp()).abs() < 1e-9, "{p}");
}

/// Each exported row says how the appeal reached the moderators, as the readout counts it.
fn check_export_reach(rows: &[serde_json::Value], signer: &Signer, lines: &[&str]) {
    // Each row says how it reached the moderators, as the readout counts it: 8 treatment
    // rows (7 completed, a6 never engaged) and the 11 control rows.
    let by = |user: &str| {
        rows.iter()
            .find(|r| r["user"] == export::pseudonym(signer, user))
            .unwrap_or_else(|| panic!("{user}"))
    };
    for (user, reach, reached) in [
        ("a3", "abandoned", false),
        ("a4", "waiting", false),
        ("a5", "submitted", false),
        ("a6", "never_engaged", true),
        ("a13", "waiting", false),
        ("b8", "control", true),
    ] {
        assert_eq!(
            (by(user)["reach"].as_str(), &by(user)["reached_moderators"]),
            (Some(reach), &serde_json::Value::Bool(reached)),
            "{user}"
        );
    }
    let reached = rows
        .iter()
        .filter(|r| r["reached_moderators"] == true)
        .count();
    assert_eq!(reached, 8 + 11);
    // a6's moderator stepped in an hour after the start: the bot stopped following then;
    // a9 was let go at its denial (day 9 + 10).
    assert_eq!(by("a6")["stopped_at"], "2026-03-08T11:00:00.000Z");
    assert_eq!(by("a9")["stopped_at"], "2026-03-21T10:00:00.000Z");
    assert_eq!(by("a4")["stopped_at"], serde_json::Value::Null);
    // The CSV carries the same column.
    let reach = export::COLUMNS
        .iter()
        .position(|c| *c == "reach")
        .expect("column");
    let waiting = lines[1..]
        .iter()
        .filter(|l| l.split(',').nth(reach) == Some("waiting"))
        .count();
    // a4 a13 a16 a17 and a1's second appeal.
    assert_eq!(waiting, 5);
}

fn check_export(all: &[ReadoutRow]) {
    let signer = Signer::new(&Secret::new("a readout test key of some length"));
    let csv = String::from_utf8(export::to_csv(all, Names::Pseudonymous(&signer)).expect("csv"))
        .expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 30, "a header and 29 rows");
    assert_eq!(lines[0], export::COLUMNS.join(","));
    // No username, no conversation id leaves with a pseudonymised export.
    for user in ["a2", "b8"] {
        assert!(!csv.contains(&format!(",{user},")), "{user} in {csv}");
    }
    assert!(!csv.contains(",c1,"));
    let real = String::from_utf8(export::to_csv(all, Names::Real).expect("csv")).expect("utf-8");
    assert!(real.contains(",a2,c1,treatment,"));

    let json: serde_json::Value =
        serde_json::from_slice(&export::to_json(all, Names::Pseudonymous(&signer)).expect("json"))
            .expect("parse");
    let rows = json.as_array().expect("array");
    assert_eq!(rows.len(), 29);
    let a2 = rows
        .iter()
        .find(|r| r["user"] == export::pseudonym(&signer, "a2"))
        .expect("a2's row");
    assert_eq!(a2["group"], "treatment");
    assert_eq!(a2["status"], "completed");
    assert_eq!(a2["outcome"], "denied");
    assert_eq!(a2["toxic"], true);
    assert_eq!(a2["toxic_category"], "mean");
    assert_eq!(a2["toxic_severity"], "moderate");
    assert_eq!(a2["toxic_texts"], "message:m-c1-1");
    assert_eq!(a2["form_seconds"], 360.0);
    assert_eq!(a2["decision_seconds"], 5.0 * 86_400.0 + 1800.0);
    assert_eq!(a2["first_message_at"], "2026-03-04T09:30:00.000Z");
    assert_eq!(a2["link_sent_at"], "2026-03-04T10:05:00.000Z");
    assert_eq!(a2["conversation_id"], serde_json::Value::Null);
    assert_eq!(a2["reached_moderators"], true);
    assert_eq!(a2["reach"], "completed");
    check_export_reach(rows, &signer, &lines);
}

/// The gamma subreddit of [`hand_overs_and_take_overs_read_back_as_reached`].
async fn load_hand_over_and_take_over(store: &Store) {
    let sub = SubredditName::parse("gamma").expect("sub");
    store
        .ensure_subreddit(&sub, day(0))
        .await
        .expect("subreddit");
    let mut ids = Vec::new();
    for (i, (user, group)) in [
        ("handed", Group::Treatment),
        ("taken", Group::Treatment),
        ("waits", Group::Treatment),
        ("ctrl", Group::Control),
    ]
    .into_iter()
    .enumerate()
    {
        let conv = ConversationId::parse(&format!("g{i}")).expect("conversation");
        let name = RedditUsername::parse(user).expect("user");
        let contact = store
            .record_contact(&sub, &name, &conv, || group, day(1))
            .await
            .expect("contact");
        ids.push((contact.appellant.id, conv));
    }
    for (appellant, conv) in &ids[..3] {
        load_appeal(
            store,
            *appellant,
            conv,
            day(1),
            Treated(Sent, 0, None, 2, false),
        )
        .await;
    }
    let stop = StatusUpdate {
        ignored: Some(true),
        ..Default::default()
    };
    // The hand-over: its note decided on day 2 (the journal's hand-over step; it need not be
    // on Reddit yet — the user's message already brought the conversation back), in the
    // step that stops following.
    let (handed, conv) = &ids[0];
    let appeal = store.appeals_of(*handed).await.expect("appeals")[0].id;
    let note = NewEffect {
        appeal_id: Some(appeal),
        conversation_id: conv.clone(),
        kind: EffectKind::Note,
        body: Some("…".to_owned()),
        marker: format!("appeal-{}-handover-note", appeal.0),
        step: Some(StepKind::HandOver),
        completes_appeal: false,
    };
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.enqueue_effect(&note, day(2)).await.expect("note"));
    tx.commit().await.expect("commit");
    store
        .update_appellant(*handed, &stop, day(2))
        .await
        .expect("stop");
    // The take-over: a moderator wrote on day 2.
    store
        .update_appellant(ids[1].0, &stop, day(2))
        .await
        .expect("stop");
}

/// The two kinds the fixture lacks, written as the bot writes them: a hand-over (the
/// hand-over note in the journal, the appellant no longer followed, the appeal still
/// prompted) and a moderator's take-over (no longer followed, no note), and a third appeal
/// still waiting. Settled (a day later): both handed-over and taken-over reached the
/// moderators, the waiting one is open; the control appeal counts: 2 of 2 and 1 of 1.
async fn hand_overs_and_take_overs_read_back_as_reached(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = &db.store;
    load_hand_over_and_take_over(store).await;
    let rows = store
        .readout_rows(&ReadoutFilter::default())
        .await
        .expect("rows");
    let reach: Vec<(&str, Reach)> = rows
        .iter()
        .map(|r| (r.username.as_str(), r.reach()))
        .collect();
    assert_eq!(
        reach,
        [
            ("handed", Reach::HandedOver),
            ("taken", Reach::TakenOver),
            ("waits", Reach::Waiting),
            ("ctrl", Reach::Control),
        ]
    );
    assert_eq!(rows[0].handed_over_at, Some(day(2)));
    assert_eq!(rows[1].stopped_at, Some(day(2)));
    let r = readout::compute(&rows, &Rules::new(day(3), Rules::default_window(30, 14)));
    let c = r.comparison.reached_moderators;
    assert_eq!(share(&c), ((2, 2), (1, 1)));
    assert_eq!(open(&c), ((1, 0), (0, 0)));
    assert_eq!(
        (
            r.treatment.handed_over,
            r.treatment.taken_over,
            r.treatment.reached
        ),
        (1, 1, 2)
    );
}
