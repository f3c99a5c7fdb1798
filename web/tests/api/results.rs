//! The readout pages and the exports over HTTP, against a fixture dataset computed by hand.
//!
//! The fixture is `appealmod_testkit::readout_fixture` (its table lists every appeal);
//! `head_mod` moderates r/pics, `other_mod` r/news, `stranger` nothing, `the_operator` is an
//! operator. Every number asserted here is worked out from that table in the comments.

use appealmod_shared::config::Secret;
use appealmod_shared::domain::{ConversationId, Group, RedditUsername};
use appealmod_shared::export::{COLUMNS, pseudonym};
use appealmod_shared::storage::{Backend, EffectKind, NewAppeal, SplitAlarm};
use appealmod_shared::token::Signer;
use appealmod_testkit::readout_fixture::{self, ReadoutFixture};
use chrono::{Duration, Utc};

use crate::console::{Console, console, console_again, console_with};
use crate::helpers::{SECRET, sub};
use crate::on_both_backends;

on_both_backends!(
    subreddit_results_match_the_hand_computation,
    a_short_window_counts_open_appeals_as_they_stand,
    a_split_alarm_shows_a_banner_until_it_is_cleared,
    a_run_minutes_old_is_not_ready_and_says_how_many_are_open,
    the_period_filter_changes_the_numbers,
    exports_are_pseudonymous_unless_a_moderator_asks,
    the_overview_is_for_operators_and_others_get_404,
    a_new_subreddit_has_no_numbers_yet,
);

/// The console with the fixture loaded, `head_mod` logged in.
async fn loaded(backend: Backend) -> (Console, ReadoutFixture) {
    let c = console(backend).await;
    let f = readout_fixture::load(&c.app.db.store, Utc::now())
        .await
        .expect("fixture");
    c.login("head_mod", "/dashboard").await;
    (c, f)
}

/// The page's text without its charts: each tag becomes one ` | `, whitespace collapses.
fn text(html: &str) -> String {
    let mut rest = html;
    let mut plain = String::new();
    while let Some(start) = rest.find("<svg") {
        plain.push_str(&rest[..start]);
        let end = rest[start..].find("</svg>").expect("closed svg") + start + 6;
        rest = &rest[end..];
    }
    plain.push_str(rest);
    let mut out = String::new();
    let mut in_tag = false;
    for ch in plain.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push_str(" | ");
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut joined = words.join(" ");
    while joined.contains("| |") {
        joined = joined.replace("| |", "|");
    }
    for (entity, ch) in [
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&amp;", "&"),
    ] {
        joined = joined.replace(entity, ch);
    }
    joined
}

/// The part of `page` between the element with `id` and the next `until`.
fn part<'a>(page: &'a str, id: &str, until: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id}"));
    let end = page[start..].find(until).map_or(page.len(), |e| e + start);
    &page[start..end]
}

fn has(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "{needle:?} not in {haystack}");
}

/// r/pics, all time: the answer and "reached the moderators".
fn check_pics_reached(html: &str) {
    // Counted as of now with the default window of 44 days (link lifetime 30 + cutoff 14):
    // the oldest appeal began at most 44 days minus 14 hours ago, so nothing has lapsed and
    // only settled appeals count. Treatment, settled: completed a1 a2 a11 a12 a15, never
    // engaged a6 (reached), abandoned a3 a14 (not): 8. Still open: waiting for the form a4
    // a13 a16 a17 and a1's second appeal, form in but not posted a5: 6.
    // Reached: 6 of 8 against 7 of 7.
    // Wilson 6/8: centre = (12 + 3.8415)/(2·(8 + 3.8415)) = 15.8415/23.6829 = 0.66890,
    //   half = 1.96·√(3.8415 + 4·8·0.75·0.25)/23.6829 = 1.96·√9.8415/23.6829 = 0.25963
    //   → 40.9% to 92.9%. 7 of 7 → 64.6% to 100.0%.
    // Newcombe: d = 0.75 − 1 = −0.25, low = d − (0.75 − 0.4093) = −0.5907,
    //   high = d + √((0.9285 − 0.75)² + (1 − 0.6457)²) = −0.25 + 0.3968 = +0.1468.
    // Anytime-valid (planned 500): ρ² = 7.936155/500, n = 15, v = 0.238085, multiplier
    //   √((1 + v)/v · ln((1 + v)/0.05²)) = 5.680433; Laplace 7/10 and 8/9, se =
    //   √(0.21/8 + 0.098765/7) = 0.200896, half 1.1412 → −1 (clamped) to +0.8912.
    let answer = text(part(html, "answer", "</section>"));
    has(
        &answer,
        "No clear difference yet in the appeals that reach the moderators: 75.0% (6 of 8) of the counted treatment appeals against 100.0% (7 of 7) of the counted control appeals, −25.0 points; the anytime-valid 95% interval (−100.0 to +89.1 points) includes 0.",
    );
    has(
        &answer,
        "Still open and not yet counted: 6 treatment and 0 control appeals.",
    );
    let read = text(part(html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 6 of 8 | 75.0% | 40.9% to 92.9% |");
    has(&read, "Control | 7 of 7 | 100.0% | 64.6% to 100.0% |");
    has(
        &read,
        "Difference: −25.0 percentage points | (anytime-valid 95% interval −100.0 to +89.1 points). Not clearly different yet",
    );
    has(
        &read,
        "Fixed-sample, valid at the planned size: −59.1 to +14.7 points.",
    );
    has(
        &read,
        "Still open and not yet counted: 6 treatment and 0 control appeals.",
    );
}

/// r/pics, all time: the grant rate, toxic appeals that reached moderators, and the
/// figures among completed forms.
fn check_pics_other_measures(html: &str) {
    // Granted: settled once granted, denied or abandoned. Treatment 3 (a1 a6 a11) of 3 + 2
    // (a2 a15) + 2 (a3 a14) = 7, open the other 7; control 2 (a8 a19) of 2 + 2 (a9 a10) = 4,
    // open a7 a18 a20. Wilson 3/7: centre (6 + 3.8415)/21.6829 = 0.45388, half
    // 1.96·√(3.8415 + 6.8571)/21.6829 = 0.29566 → 15.8% to 75.0%; 2/4: centre 0.5, half
    // 1.96·√7.8415/15.6829 = 0.34997 → 15.0% to 85.0%. d = 0.4286 − 0.5 = −0.0714; the
    // anytime-valid interval (se = √((4/9)(5/9)/7 + 0.25/4) = 0.3127, multiplier 6.4335 at
    // n = 11) spans −100 to +100 points.
    let granted = text(part(html, "contrast-granted", "contrast-toxic"));
    has(&granted, "Treatment | 3 of 7 | 42.9% | 15.8% to 75.0% |");
    has(&granted, "Control | 2 of 4 | 50.0% | 15.0% to 85.0% |");
    has(
        &granted,
        "Difference: −7.1 percentage points | (anytime-valid 95% interval −100.0 to +100.0 points). Not clearly different yet",
    );
    has(
        &granted,
        "Still open and not yet counted: 7 treatment and 3 control appeals.",
    );
    // Toxic and reached: settled when it can no longer reach them (a3 a14) or when it did
    // and its case is closed (decided a1 a2 a11 a15; a6 granted and no longer followed): 7,
    // toxic a2 a11 (messages), a15 (answer) = 3. Open: a12 (completed, no decision) and the
    // 6 open ones (a5's toxic answer and a16's message among them). Control, closed when
    // decided: a8 a9 a10 a19, toxic a8 a10 = 2 of 4. The same shares as the grant rate.
    let toxic = text(part(html, "contrast-toxic", "completed-title"));
    has(&toxic, "Treatment | 3 of 7 | 42.9% | 15.8% to 75.0% |");
    has(&toxic, "Control | 2 of 4 | 50.0% | 15.0% to 85.0% |");
    has(&toxic, "Difference: −7.1 percentage points |");
    has(
        &toxic,
        "Still open and not yet counted: 7 treatment and 3 control appeals.",
    );
    // Among the 5 completed forms (a1 a2 a11 a12 a15), labelled as such: granted a1 a11 of
    // the 4 with an outcome (a12 pending); toxic a2 a11 a15 of 5, Wilson 3/5: centre
    // (6 + 3.8415)/17.6829 = 0.55655, half 1.96·√(3.8415 + 4.8)/17.6829 = 0.32583 → 23.1%
    // to 88.2%.
    let completed = text(part(html, "completed-title", "</section>"));
    has(
        &completed,
        "not a random part of the treatment group (those likelier to succeed are likelier to complete it)",
    );
    has(
        &completed,
        "| Granted, of the completed forms with an outcome | 2 of 4 | 50.0% | 15.0% to 85.0% |",
    );
    has(
        &completed,
        "| Toxic, of the completed forms | 3 of 5 | 60.0% | 23.1% to 88.2% |",
    );
}

/// r/pics, all time: how far appeals got.
fn check_pics_funnel(html: &str) {
    // r/pics, all time: 21 appeals. Treatment a1–a6, a11–a17 and a1's second appeal: 14
    // appeals of 13 appellants. Link sent to all but a6 (taken over before any link: never
    // engaged) and a13 (no link yet): 12. Opened: completed a1 a2 a11 a12 a15, submitted
    // a5, opened a4 a17: 8. Submitted 6, completed 5. Reached the moderators: the 5
    // completed and a6 = 6. Granted a1 a6 a11 (3), denied a2 a15 (2), abandoned a3 a14
    // (2), pending 14 − 7 = 7. Control a7–a10, a18–a20: 7, all reached; granted a8 a19,
    // denied a9 a10, pending 3.
    let funnel = text(part(html, "funnel-title", "</section>"));
    for (step, t, k) in [
        ("Appellants", 13, 7),
        ("Appeals", 14, 7),
        ("Contacted", 12, 0),
        ("Link opened", 8, 0),
        ("Submitted", 6, 0),
        ("Completed", 5, 0),
        ("Handed over", 0, 0),
        ("Taken over", 0, 0),
        ("Never engaged", 1, 0),
        ("Reached the moderators", 6, 7),
        ("Granted", 3, 2),
        ("Denied", 2, 2),
        ("Abandoned", 2, 0),
        ("Pending", 7, 3),
    ] {
        has(&funnel, &format!("| {step} | {t} | {k} |"));
    }
}

/// r/pics, all time: the timings and the weeks.
fn check_pics_times_and_weeks(html: &str, f: &ReadoutFixture) {
    // Form minutes, sorted: 3 (a11) 4 (a1) 5 (a15) 6 (a2) 8 (a12) 10 (a5), n = 6. Type 7:
    // q1 at index 1.25 = 4 + 0.25·1 = 4.25 min, median at 2.5 = 5.5 min, q3 at 3.75 =
    // 6 + 0.75·2 = 7.5 min.
    let time = text(part(html, "time-title", "</section>"));
    has(
        &time,
        "Time to complete the form | Treatment | 6 | 5 min 30 s | 4 min 15 s to 7 min 30 s |",
    );
    // Decisions count over the appeals at least 44 days old: none yet.
    has(&time, "Time to a decision | Treatment | 0 of 0 | — | — |");
    has(&time, "Time to a decision | Control | 0 of 0 | — | — |");

    // Weeks from day 0: a1–a6 | a7; none (the empty week); a11–a14 | a8–a10;
    // a15 a16 a1 a17 | a18–a20.
    let weekly = text(part(html, "weekly-title", "</section>"));
    for (d, t, k) in [(0, 6, 1), (7, 0, 0), (14, 4, 3), (21, 4, 3)] {
        let starts = (f.base + Duration::days(d)).format("%-d %b %Y");
        has(&weekly, &format!("| {starts} | {t} | {k} |"));
    }
}

async fn subreddit_results_match_the_hand_computation(backend: Backend) {
    let (c, f) = loaded(backend).await;
    let (status, html) = c.page("/dashboard/r/pics/results").await;
    assert_eq!(status, 200, "{html}");

    // The answer comes first: before the period picker and the downloads.
    let answer = html.find("id=\"answer\"").expect("the answer");
    assert!(answer < html.find("id=\"period\"").expect("the period picker"));
    assert!(answer < html.find("id=\"downloads-title\"").expect("the downloads"));

    check_pics_funnel(&html);
    check_pics_reached(&html);
    check_pics_other_measures(&html);
    check_pics_times_and_weeks(&html, &f);

    // The audit: 0.5 until the change, 0.8 after. Before: a1–a10 (a1 once, drawn on day 0),
    // 6 treatment; binomial at ½: 1 − P(5) = 1 − 252/1024 = 0.754. After: a11–a20, 7 of 10
    // at 0.8: 1 − P(8) − P(9) = 1 − 0.30199 − 0.26844 = 0.430. χ² = (6−5)²/5 + (4−5)²/5 +
    // (7−8)²/8 + (3−2)²/2 = 0.4 + 0.625 = 1.025, 2 degrees of freedom: p = e^(−0.5125) = 0.599.
    let audit = text(part(&html, "audit-pics", "</section>"));
    let change = appealmod_web::console::when(Some(f.change_at()));
    has(
        &audit,
        &format!("| the start | {change} | 50.0% | 10 | 6 | 60.0% | 0.754 |"),
    );
    has(
        &audit,
        &format!("| {change} | now | 80.0% | 10 | 7 | 70.0% | 0.430 |"),
    );
    has(
        &audit,
        "chi-square 1.025 with 2 degrees of freedom, p-value 0.599. Consistent with chance",
    );
    has(
        &html,
        "The draw's random numbers come from the operating system (no <code>bot.rng_seed</code> is set)",
    );
    // The downloads, pseudonymous by default; head_mod moderates r/pics: real names offered.
    has(&html, "href=\"/dashboard/r/pics/export.csv?period=all\"");
    has(
        &html,
        "href=\"/dashboard/r/pics/export.json?period=all&amp;names=real\"",
    );
    assert!(
        !html.contains("style="),
        "no inline style: the CSP blocks it"
    );
    // Three charts (funnel, weeks, form times; no decision counts yet), each drawn for
    // wide screens and for phones.
    assert_eq!(html.matches("<svg class=\"chart-svg\"").count(), 6);

    // r/news: the configured default 0.5 and no change; b1–b8 with 4 treatment: P = 1.
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    let (status, html) = o.page("/dashboard/r/news/results").await;
    assert_eq!(status, 200);
    let audit = text(part(&html, "audit-news", "</section>"));
    has(
        &audit,
        "| the start | now | 50.0% | 8 | 4 | 50.0% | 1.000 |",
    );
    has(
        &audit,
        "chi-square 0.000 with 1 degree of freedom, p-value 1.000.",
    );
    // Reached in r/news: treatment b1 b2 completed, b3 abandoned, b4 still open (its form
    // is in, not yet posted): 2 of 3; control 4 of 4.
    let read = text(part(&html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 2 of 3 | 66.7% |");
    has(&read, "Control | 4 of 4 | 100.0% |");
    let (_, html) = o
        .page("/dashboard/r/news/results?period=since-change")
        .await;
    has(
        &html,
        "r/news has never changed its treatment fraction, so this is all time.",
    );
}

/// r/pics, the last 30 days: "reached the moderators".
fn check_last_30_days_reached(html: &str) {
    // Reached: the settled treatment appeals are a11 a12 a15 (completed) and a14
    // (abandoned): 3 of 4; a13 a16 a17 and a1's second appeal are open. Control 6 of 6.
    // (The old rule said 3 of 8, "lower by more than chance explains".)
    // Wilson 3/4: centre (6 + 3.8415)/15.6829 = 0.62753, half 1.96·√(3.8415 + 3)/15.6829
    // = 0.32690 → 30.1% to 95.4%; 6/6 → 61.0% to 100%. d = 0.75 − 1 = −0.25; the
    // anytime-valid interval (n = 10, multiplier 6.6944, se 0.2716) spans −100 to +100.
    let read = text(part(html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 3 of 4 | 75.0% | 30.1% to 95.4% |");
    has(&read, "Control | 6 of 6 | 100.0% | 61.0% to 100.0% |");
    has(
        &read,
        "(anytime-valid 95% interval −100.0 to +100.0 points). Not clearly different yet",
    );
    has(
        &read,
        "Still open and not yet counted: 4 treatment and 0 control appeals.",
    );
}

async fn the_period_filter_changes_the_numbers(backend: Backend) {
    let (c, f) = loaded(backend).await;
    // The last 30 days begin in the empty week 1: days 14 on. Treatment a11–a17 and a1's
    // second appeal: 8 appeals of 8 appellants, contacted all but a13 = 7, opened a11 a12
    // a15 a17 = 4, submitted and completed a11 a12 a15 = 3, granted a11, denied a15,
    // abandoned a14, pending 5. Control a8–a10, a18–a20: 6; granted a8 a19, denied a9 a10.
    let (status, html) = c.page("/dashboard/r/pics/results?period=30d").await;
    assert_eq!(status, 200);
    let funnel = text(part(&html, "funnel-title", "</section>"));
    for (step, t, k) in [
        ("Appellants", 8, 6),
        ("Contacted", 7, 0),
        ("Link opened", 4, 0),
        ("Completed", 3, 0),
        ("Granted", 1, 2),
        ("Denied", 1, 2),
        ("Abandoned", 1, 0),
        ("Pending", 5, 2),
    ] {
        has(&funnel, &format!("| {step} | {t} | {k} |"));
    }
    check_last_30_days_reached(&html);
    // The audit of these rows: a1 (drawn on day 0) and a8–a10 before the change, 1 of 4
    // treatment: P(0) + P(1) + P(3) + P(4) at ½ = (1 + 4 + 4 + 1)/16 = 0.625; after, 7 of 10.
    // χ² = (1−2)²/2 + (3−2)²/2 + 0.625 = 1.625: p = e^(−0.8125) = 0.444.
    let audit = text(part(&html, "audit-pics", "</section>"));
    has(&audit, "| 50.0% | 4 | 1 | 25.0% | 0.625 |");
    has(
        &audit,
        "chi-square 1.625 with 2 degrees of freedom, p-value 0.444.",
    );

    // Since the change (day 17, 09:00): the same 8 treatment appeals (3 of 4 counted), but
    // control only a18–a20: 3 of 3; 3/3 → 43.9% to 100%.
    let (_, html) = c
        .page("/dashboard/r/pics/results?period=since-change")
        .await;
    let page = text(&html);
    has(
        &page,
        &format!(
            "Appeals begun since {}, when u/head_mod changed the treatment fraction from 50.0% to 80.0%.",
            appealmod_web::console::when(Some(f.change_at()))
        ),
    );
    let read = text(part(&html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 3 of 4 | 75.0% | 30.1% to 95.4% |");
    has(&read, "Control | 3 of 3 | 100.0% | 43.9% to 100.0% |");
    has(&read, "Not clearly different yet");
    has(
        &text(part(&html, "funnel-title", "</section>")),
        "| Appellants | 8 | 3 |",
    );
    // The period form keeps the choice, and the downloads follow it.
    has(&html, "<option value=\"since-change\" selected>");
    has(
        &html,
        "href=\"/dashboard/r/pics/export.csv?period=since-change\"",
    );
    // An unknown period is all time, as the console's other filters treat odd values.
    let (status, html) = c.page("/dashboard/r/pics/results?period=forever").await;
    assert_eq!(status, 200);
    has(
        &text(part(&html, "funnel-title", "</section>")),
        "| Appeals | 14 | 7 |",
    );
}

/// A window of 7 days: every appeal of the fixture (the newest began on day 27, at least 10
/// days ago) has lapsed, so each is counted as it stands — the open ones as not reached —
/// and the decision times count every appeal. The figures are then those of all appeals.
async fn a_short_window_counts_open_appeals_as_they_stand(backend: Backend) {
    let c = console_with(backend, |s| s.defaults.readout_window_days = 7).await;
    readout_fixture::load(&c.app.db.store, Utc::now())
        .await
        .expect("fixture");
    c.login("head_mod", "/dashboard").await;
    let (status, html) = c.page("/dashboard/r/pics/results").await;
    assert_eq!(status, 200, "{html}");
    // Reached: 5 completed + a6 = 6 of 14; control 7 of 7.
    // Wilson, 6 of 14 (z = 1.96, z² = 3.8415):
    //   centre = (2·14·(6/14) + z²) / (2·(14 + z²)) = 15.8415 / 35.6829 = 0.44395
    //   half   = z·√(z² + 4·14·(6/14)·(8/14)) / 35.6829 = 1.96·√17.5558 / 35.6829 = 0.23014
    //   → 0.2138 to 0.6741, shown as 21.4% to 67.4%.
    // 7 of 7: centre = (14 + 3.8415)/21.6829 = 0.82283, half = 1.96·√3.8415/21.6829 = 0.17717
    //   → 0.6457 to 1.0000. Newcombe: d = 0.4286 − 1 = −0.5714;
    //   low  = d − √((0.4286 − 0.2138)² + (1 − 1)²)          = −0.7862,
    //   high = d + √((0.6741 − 0.4286)² + (1 − 0.6457)²)      = −0.1404.
    //   Fixed-sample, that would read "lower"; anytime-valid (n = 21, v = 0.333318,
    //   multiplier 5.011724, Laplace 7/16 and 8/9, se = √(0.246094/14 + 0.098765/7) =
    //   0.178010, half 0.892136): −1 (clamped) to +0.3207 — not yet.
    let read = text(part(&html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 6 of 14 | 42.9% | 21.4% to 67.4% |");
    has(&read, "Control | 7 of 7 | 100.0% | 64.6% to 100.0% |");
    has(
        &read,
        "Difference: −57.1 percentage points | (anytime-valid 95% interval −100.0 to +32.1 points). Not clearly different yet",
    );
    has(
        &read,
        "Fixed-sample, valid at the planned size: −78.6 to −14.0 points.",
    );
    has(&read, "Every appeal of this period is counted.");
    has(
        &read,
        "Counted though still open, with the outcome they have so far (their window has passed): 6 treatment and 0 control.",
    );
    // Toxic and reached: a2 a11 a15 of 14 against a8 a10 a18 of 7 (the old figures).
    let toxic = text(part(&html, "contrast-toxic", "completed-title"));
    has(&toxic, "Treatment | 3 of 14 | 21.4% | 7.6% to 47.6% |");
    has(&toxic, "Control | 3 of 7 | 42.9% | 15.8% to 75.0% |");
    // Decisions over every appeal: treatment 2 d (a6, a11), 3 d (a1), 5 d (a2), 6 d (a15),
    // 5 of 14 decided: q1 2 d, median 3 d, q3 5 d (+ 30 min each). Control 1 d (a19), 4 d
    // (a8), 10 d (a9, a10), 4 of 7: q1 at 0.75 = 1 + 0.75·3 = 3.25 d, median at 1.5 =
    // (4 + 10)/2 = 7 d, q3 at 2.25 = 10 d (+ 30 min: 3.27, 7.02, 10.02).
    let time = text(part(&html, "time-title", "</section>"));
    has(
        &time,
        "Time to a decision | Treatment | 5 of 14 | 3.0 days | 2.0 days to 5.0 days |",
    );
    has(
        &time,
        "Time to a decision | Control | 4 of 7 | 7.0 days | 3.3 days to 10.0 days |",
    );
    has(&time, "begun at least 7 days ago");
    // Four charts now, each drawn for wide screens and for phones.
    assert_eq!(html.matches("<svg class=\"chart-svg\"").count(), 8);
}

/// The bot raised a split alarm for r/pics (as `bot/tests/split_alarm.rs` shows it does):
/// r/pics's results page and live view show a banner, r/news's do not; cleared, it is gone.
async fn a_split_alarm_shows_a_banner_until_it_is_cleared(backend: Backend) {
    let (c, f) = loaded(backend).await;
    let store = &c.app.db.store;
    let alarm = SplitAlarm {
        subreddit: sub("pics"),
        period_from: Some(f.change_at()),
        fraction: 0.8,
        appellants: 40,
        treatment: 20,
        p_value: 0.000_02,
        raised_at: Utc::now(),
    };
    assert!(store.raise_split_alarm(&alarm).await.expect("raise"));
    assert!(
        !store.raise_split_alarm(&alarm).await.expect("once"),
        "raised once"
    );
    let (_, html) = c.page("/dashboard/r/pics/results").await;
    let banner = text(part(&html, "split-alarm-pics", "</div>"));
    has(&banner, "The random split of r/pics is off.");
    has(
        &banner,
        &format!(
            "Since {}, 20 of 40 appellants (50.0%) were put in the treatment group where 80.0% was configured.",
            appealmod_web::console::when(Some(f.change_at()))
        ),
    );
    has(&banner, "(p-value < 0.001)");
    // Above the answer.
    assert!(html.find("split-alarm-pics") < html.find("id=\"answer\""));
    let (_, live) = c.page("/dashboard/live?r=pics").await;
    has(&live, "id=\"split-alarm-pics\"");
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    let (_, news) = o.page("/dashboard/r/news/results").await;
    assert!(!news.contains("split-alarm"), "not on r/news");
    let (_, live) = o.page("/dashboard/live").await;
    assert!(!live.contains("split-alarm"), "not on r/news's live view");

    assert!(store.clear_split_alarm(&sub("pics")).await.expect("clear"));
    let (_, html) = c.page("/dashboard/r/pics/results").await;
    assert!(!html.contains("split-alarm"), "cleared");
}

/// The run of issue 22: minutes old, 8 treatment appeals whose links were just sent and 5
/// control appeals. The old rule counted the 8 as "not read" and declared a difference; now
/// none of them is counted, and the page says the comparison is not ready and why.
async fn a_run_minutes_old_is_not_ready_and_says_how_many_are_open(backend: Backend) {
    let c = console(backend).await;
    let store = &c.app.db.store;
    let now = Utc::now();
    store
        .ensure_subreddit(&sub("pics"), now - Duration::hours(1))
        .await
        .expect("sub");
    let start = now - Duration::minutes(3);
    for i in 0..13 {
        let user = RedditUsername::parse(&format!("u{i}")).expect("user");
        let conv = ConversationId::parse(&format!("m{i}")).expect("conversation");
        let group = if i < 8 {
            Group::Treatment
        } else {
            Group::Control
        };
        let contact = store
            .record_contact(&sub("pics"), &user, &conv, || group, start)
            .await
            .expect("contact");
        if group == Group::Treatment {
            let new = NewAppeal {
                appellant_id: contact.appellant.id,
                conversation_id: conv.clone(),
                token_expires_at: start + Duration::days(30),
                ban_note: "spam".to_owned(),
                ban_reason: "spam".to_owned(),
                ban_date: None,
                ban_permanent: true,
            };
            let mut tx = store.begin().await.expect("begin");
            let id = tx.create_appeal(&new, start).await.expect("appeal");
            tx.commit().await.expect("commit");
            readout_fixture::sent(
                store,
                id,
                &conv,
                EffectKind::Reply,
                start + Duration::minutes(1),
            )
            .await
            .expect("link sent");
        }
    }
    c.login("head_mod", "/dashboard").await;
    let (status, html) = c.page("/dashboard/r/pics/results").await;
    assert_eq!(status, 200, "{html}");
    let answer = text(part(&html, "answer", "</section>"));
    has(
        &answer,
        "Not ready yet: the comparison needs appeals whose outcome is settled in both groups, and the treatment group has none yet.",
    );
    has(
        &answer,
        "Still open and not yet counted: 8 treatment and 0 control appeals.",
    );
    let read = text(part(&html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 0 of 0 | — | — |");
    has(&read, "Control | 5 of 5 | 100.0% |");
    has(
        &read,
        "Not ready: both groups need counted appeals before they can be compared.",
    );
    assert!(!html.contains("Lower in the treatment group"));
}

/// The CSV's data lines.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
    lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Each row says how it reached the moderators, as the page counts it.
fn check_reach_columns(rows: &[Vec<String>]) {
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).expect("column");
    // How each reached the moderators, as the page counts it: the 5 completed, a6 never
    // engaged and the 7 control appeals reached them; a3 a14 abandoned; 6 still open.
    let reach = col("reach");
    let with = |kind: &str| rows.iter().filter(|r| r[reach] == kind).count();
    assert_eq!(
        [
            with("completed"),
            with("never_engaged"),
            with("control"),
            with("abandoned"),
            with("waiting"),
            with("submitted"),
        ],
        [5, 1, 7, 2, 5, 1]
    );
    let reached = col("reached_moderators");
    assert_eq!(rows.iter().filter(|r| r[reached] == "true").count(), 6 + 7);
}

/// The export's period filter, and who may have which export.
async fn exports_by_period_and_person(c: &Console) {
    // The period filter: the last 30 days hold 14 of r/pics's rows (8 + 6), since the change
    // 11 (8 + 3).
    for (period, n) in [("30d", 14), ("since-change", 11), ("all", 21)] {
        let (_, body) = c
            .page(&format!("/dashboard/r/pics/export.csv?period={period}"))
            .await;
        assert_eq!(csv_rows(&body).len(), n, "{period}");
    }

    // An operator (no moderator of r/pics): pseudonyms only, a request for names is a 404.
    let o = console_again(c).await;
    o.login("the_operator", "/dashboard").await;
    assert_eq!(o.page("/dashboard/r/pics/export.csv").await.0, 200);
    assert_eq!(
        o.page("/dashboard/r/pics/export.csv?names=real").await.0,
        404
    );
    assert_eq!(o.page("/dashboard/export.json?names=real").await.0, 404);
    let (_, html) = o.page("/dashboard/r/pics/results").await;
    assert!(!html.contains("names=real"), "not offered to an operator");
    // A moderator of another subreddit gets nothing of r/pics.
    let n = console_again(c).await;
    n.login("other_mod", "/dashboard").await;
    for path in [
        "/dashboard/r/pics/export.csv",
        "/dashboard/r/pics/export.json?names=real",
    ] {
        assert_eq!(n.page(path).await.0, 404, "{path}");
    }
}

/// The JSON export: the same rows as the CSV.
async fn check_json_export(c: &Console, signer: &Signer) {
    // JSON: the same rows.
    let r = c.get("/dashboard/r/pics/export.json").await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(disposition.ends_with(".json\""), "{disposition}");
    let json: serde_json::Value = r.json().await.expect("json");
    let rows = json.as_array().expect("array");
    assert_eq!(rows.len(), 21);
    let a2 = rows
        .iter()
        .find(|r| r["user"] == pseudonym(signer, "a2"))
        .expect("a2");
    assert_eq!(a2["conversation_id"], serde_json::Value::Null);
    assert_eq!(a2["decision_seconds"], 433_800.0);
    assert_eq!(a2["toxic_category"], "mean");
    // Granted of settled as on the page: 3 treatment and 2 control granted.
    let granted = |g: &str| {
        rows.iter()
            .filter(|r| r["group"] == g && r["outcome"] == "granted")
            .count()
    };
    assert_eq!((granted("treatment"), granted("control")), (3, 2));
}

/// r/pics's CSV, checked to be a download that is never cached.
async fn csv_download(c: &Console) -> String {
    let r = c.get("/dashboard/r/pics/export.csv").await;
    assert_eq!(r.status().as_u16(), 200);
    let header = |name: &str| r.headers()[name].to_str().expect("ascii").to_owned();
    assert_eq!(
        header("content-type"),
        "text/csv; charset=utf-8; header=present"
    );
    assert_eq!(header("cache-control"), "no-store");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"appealmod-pics-all-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    r.text().await.expect("body")
}

async fn exports_are_pseudonymous_unless_a_moderator_asks(backend: Backend) {
    let (c, _f) = loaded(backend).await;
    let signer = Signer::new(&Secret::new(SECRET));
    for other in ["/dashboard/r/pics/export.xml", "/dashboard/export.txt"] {
        assert_eq!(c.get(other).await.status().as_u16(), 404, "{other}");
    }
    let body = csv_download(&c).await;
    // A header and r/pics's 21 appeals (a1 twice).
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 21);
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).expect("column");
    let (user, conv, group, outcome) = (
        col("user"),
        col("conversation_id"),
        col("group"),
        col("outcome"),
    );
    // Nobody by name: every user a pseudonym, no conversation id.
    for r in &rows {
        assert!(r[user].starts_with("u_") && r[user].len() == 18, "{r:?}");
        assert_eq!(r[conv], "");
    }
    for name in ["a1", "a2", "a17", "c1"] {
        assert!(!body.contains(&format!(",{name},")), "{name} in {body}");
    }
    // a2 (conversation c1): treatment, denied; its form took 6 min = 360 s, its decision
    // 5 days and 30 minutes = 433,800 s.
    let a2 = rows
        .iter()
        .find(|r| r[user] == pseudonym(&signer, "a2"))
        .expect("a2's pseudonym");
    assert_eq!(
        (a2[group].as_str(), a2[outcome].as_str()),
        ("treatment", "denied")
    );
    assert_eq!(a2[col("form_seconds")], "360.0");
    assert_eq!(a2[col("decision_seconds")], "433800.0");
    assert_eq!(a2[col("toxic")], "true");
    // a1 appealed twice: one pseudonym on both rows.
    let a1 = pseudonym(&signer, "a1");
    assert_eq!(rows.iter().filter(|r| r[user] == a1).count(), 2);
    // The groups add up as on the page: 14 treatment, 7 control.
    assert_eq!(rows.iter().filter(|r| r[group] == "treatment").count(), 14);
    check_reach_columns(&rows);

    check_json_export(&c, &signer).await;

    // Real names only as asked, by a moderator of r/pics.
    let (status, body) = c.page("/dashboard/r/pics/export.csv?names=real").await;
    assert_eq!(status, 200);
    let rows = csv_rows(&body);
    let a2 = rows.iter().find(|r| r[user] == "a2").expect("a2 by name");
    assert_eq!(a2[conv], "c1");
    let r = c.get("/dashboard/r/pics/export.json?names=real").await;
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("-real-names.json")
    );
    let json: serde_json::Value = r.json().await.expect("json");
    assert!(
        json.as_array()
            .expect("rows")
            .iter()
            .any(|r| r["user"] == "a17")
    );
    exports_by_period_and_person(&c).await;
}

/// Every subreddit, all time: "reached the moderators".
fn check_overview_reached(html: &str) {
    // Both subreddits, all time: 29 appeals. Treatment 18 appeals of 17 appellants (a1
    // twice). Settled: 7 completed, a6 never engaged, a3 a14 b3 abandoned = 11, reached 8;
    // open a4 a5 a13 a16 a17 b4 and a1's second appeal = 7. Control 11 of 11.
    // Wilson 8/11: (16 + 3.8415 ∓ 1.96·√(3.8415 + 8.7273)) / 29.6829 = 0.4344 to 0.9025;
    // Newcombe: d = 0.7273 − 1 = −0.2727, low = d − 0.2929 = −0.5656, high = d +
    // √(0.1752² + 0.2588²) = +0.0399. Anytime-valid: n = 22, multiplier 4.9302, Laplace
    // 9/13 and 12/13, se 0.160687, half 0.7922 → −1 (clamped) to +0.5195.
    let read = text(part(html, "contrast-read", "contrast-granted"));
    has(&read, "Treatment | 8 of 11 | 72.7% | 43.4% to 90.3% |");
    has(&read, "Control | 11 of 11 | 100.0% | 74.1% to 100.0% |");
    has(
        &read,
        "(anytime-valid 95% interval −100.0 to +51.9 points). Not clearly different yet",
    );
    has(
        &read,
        "Fixed-sample, valid at the planned size: −56.6 to +4.0 points.",
    );
    has(
        &read,
        "Still open and not yet counted: 7 treatment and 0 control appeals.",
    );
}

async fn the_overview_is_for_operators_and_others_get_404(backend: Backend) {
    let (c, _f) = loaded(backend).await;
    // Not an operator: the overview and its exports are a 404, like every page one may not
    // see; so is another subreddit's results page.
    for path in [
        "/dashboard/results",
        "/dashboard/export.csv",
        "/dashboard/export.json",
        "/dashboard/r/news/results",
        "/dashboard/r/doesnotexist/results",
    ] {
        let (status, body) = c.page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Page not found"), "{path}");
    }
    let s = console_again(&c).await;
    s.login("stranger", "/dashboard").await;
    for path in [
        "/dashboard/r/pics/results",
        "/dashboard/r/pics/export.csv",
        "/dashboard/r/pics/export.json",
        "/dashboard/results",
    ] {
        assert_eq!(s.page(path).await.0, 404, "{path}");
    }
    // Not logged in: to the login, and back here afterwards.
    let anon = console_again(&c).await;
    let r = anon.get("/dashboard/r/pics/results").await;
    assert_eq!(r.status().as_u16(), 303);

    let o = console_again(&c).await;
    o.login("the_operator", "/dashboard").await;
    let (status, html) = o.page("/dashboard/results").await;
    assert_eq!(status, 200, "{html}");
    check_overview_reached(&html);
    // Granted, settled: 4 of 10 (a1 a6 a11 b1 | + a2 a15 b2 denied, a3 a14 b3 abandoned)
    // against 3 of 7 (a8 a19 b5 | a9 a10 b6 b8).
    let granted = text(part(&html, "contrast-granted", "contrast-toxic"));
    has(&granted, "Treatment | 4 of 10 | 40.0% | 16.8% to 68.7% |");
    has(&granted, "Control | 3 of 7 | 42.9% | 15.8% to 75.0% |");
    let funnel = text(part(&html, "funnel-title", "</section>"));
    has(&funnel, "| Appellants | 17 | 11 |");
    has(&funnel, "| Completed | 7 | 0 |");
    // One audit per subreddit.
    has(&html, "id=\"audit-pics\"");
    has(&html, "id=\"audit-news\"");
    // Since each subreddit's own change: r/pics from day 17 (8 + 3), r/news all (4 + 4).
    let (_, html) = o.page("/dashboard/results?period=since-change").await;
    has(
        &text(part(&html, "funnel-title", "</section>")),
        "| Appeals | 12 | 7 |",
    );
    has(&html, "r/news has never changed its treatment fraction");
    // The overview's exports: every subreddit, pseudonymous.
    let r = o.get("/dashboard/export.csv").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"appealmod-all-all-")
    );
    assert_eq!(csv_rows(&r.text().await.expect("body")).len(), 29);
    let (_, body) = o.page("/dashboard/export.json?period=30d").await;
    // The last 30 days: r/pics 14, r/news b3 b7 b4 b8 = 18.
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json.as_array().expect("rows").len(), 18);
    assert!(!body.contains("\"a2\""));
    // Another method than GET or HEAD is refused.
    let r = o
        .app
        .client
        .post(o.app.url("/dashboard/results"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 405);
}

async fn a_new_subreddit_has_no_numbers_yet(backend: Backend) {
    let c = console(backend).await;
    c.app
        .db
        .store
        .ensure_subreddit(&sub("pics"), Utc::now())
        .await
        .expect("sub");
    c.login("head_mod", "/dashboard").await;
    for period in ["all", "30d", "since-change"] {
        let (status, html) = c
            .page(&format!("/dashboard/r/pics/results?period={period}"))
            .await;
        assert_eq!(status, 200, "{period}: {html}");
        has(&html, "No appeals in this period yet");
        assert!(!html.contains("<svg"), "no empty chart");
        // The audit still shows the fraction in use, with nobody drawn yet.
        let audit = text(part(&html, "audit-pics", "</section>"));
        has(&audit, "| the start | now | 50.0% | 0 | 0 | — | — |");
        has(&audit, "No appellant in this period yet");
    }
    let (status, body) = c.page("/dashboard/r/pics/export.csv").await;
    assert_eq!(status, 200);
    assert_eq!(
        body.trim_end(),
        COLUMNS.join(","),
        "an empty export still names its columns"
    );
    let (_, body) = c.page("/dashboard/r/pics/export.json").await;
    assert_eq!(body.trim(), "[]");
}
