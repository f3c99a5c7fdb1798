//! The analysis plan and the public debrief over HTTP, on the readout fixture
//! (`appealmod_testkit::readout_fixture`: r/pics, treatment fraction 0.8 since day 17).
//!
//! Sizes by the formula of `core::readout::plan::sample_size` at f = 0.8 ("reached the
//! moderators": control 100 %, so only a drop): 15 points at 80 % power, p_T = 0.85,
//! p̄ = 0.8·0.85 + 0.2·1 = 0.88; 1.959964·√(0.88·0.12·(1/0.8 + 1/0.2)) = 1.592282,
//! 0.841621·√(0.85·0.15/0.8) = 0.335990; ((1.592282 + 0.335990)/0.15)² = 165.25 → 166.
//! 10 points: ((1.329312 + 0.282288)/0.10)² = 259.73 → 260. 20 points at 90 %:
//! ((1.796337 + 0.573127)/0.20)² = 140.36 → 141.

use appealmod_shared::fingerprint::Fingerprint;
use appealmod_shared::storage::{Backend, PLAN_FIELD, ReadoutFilter};
use appealmod_testkit::readout_fixture;
use chrono::{Days, Utc};

use crate::console::{Console, console, console_again};
use crate::helpers::{csrf_of, sub};
use crate::on_both_backends;

on_both_backends!(
    a_plan_is_frozen_versioned_and_audited,
    the_plan_form_refuses_bad_choices_and_strangers,
    the_public_debrief_is_404_while_off_and_its_markdown_is_aggregate,
    the_public_debrief_is_on_only_while_the_setting_is,
);

const RESULTS: &str = "/dashboard/r/pics/results";
const PLAN: &str = "/dashboard/r/pics/results/plan";

async fn loaded(backend: Backend) -> Console {
    let c = console(backend).await;
    readout_fixture::load(&c.app.db.store, Utc::now())
        .await
        .expect("fixture");
    c.login("head_mod", "/dashboard").await;
    c
}

/// The plan form's own CSRF token (the page has the logout form's too).
fn plan_csrf(html: &str) -> String {
    let at = html.find("class=\"settings plan-form").expect("plan form");
    csrf_of(&html[at..])
}

fn in_days(d: u64) -> String {
    (Utc::now().date_naive() + Days::new(d))
        .format("%Y-%m-%d")
        .to_string()
}

/// Posts the plan form with `action` and the choices; returns the status and body.
async fn send(c: &Console, action: &str, effect: &str, power: &str, ends: &str) -> (u16, String) {
    let (_, page) = c.page(RESULTS).await;
    let csrf = plan_csrf(&page);
    let r = c
        .post(
            PLAN,
            &[
                ("csrf", &csrf),
                ("action", action),
                ("metric", "reached_moderators"),
                ("baseline", "100"),
                ("effect", effect),
                ("power", power),
                ("ends_on", ends),
            ],
        )
        .await;
    (r.status().as_u16(), r.text().await.expect("body"))
}

fn has(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "{needle:?} not in the page");
}

fn unescaped(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn a_plan_is_frozen_versioned_and_audited(backend: Backend) {
    let c = loaded(backend).await;
    let store = &c.app.db.store;
    let (status, page) = c.page(RESULTS).await;
    assert_eq!(status, 200);
    has(&page, "No plan yet.");
    // The form shows what the default choices (15 points, 80 %) need at r/pics's 0.8.
    has(&page, "the comparison needs 166 appeals");
    // Calculate shows another choice's size and freezes nothing.
    let (status, page) = send(&c, "calculate", "10", "80", &in_days(60)).await;
    assert_eq!(status, 200);
    has(&page, "the comparison needs 260 appeals");
    assert!(
        store
            .analysis_plans(&sub("pics"))
            .await
            .expect("plans")
            .is_empty()
    );

    let ends = in_days(60);
    let (status, _) = send(&c, "freeze", "15", "80", &ends).await;
    assert_eq!(status, 303);
    let v1 = store
        .analysis_plan(&sub("pics"))
        .await
        .expect("read")
        .expect("plan");
    assert_eq!((v1.version, v1.planned_appeals), (1, 166));
    let (_, page) = c.page(RESULTS).await;
    has(&page, "Version 1, frozen");
    has(
        &page,
        &format!("<code id=\"plan-fingerprint\">{}</code>", v1.fingerprint()),
    );
    // The text shown is the text the fingerprint is of.
    has(&unescaped(&page), &v1.canonical_text());
    // Every fixture appeal began before the plan: none of its own yet.
    has(
        &page,
        "0 of 166 appeals; none since the plan was frozen yet, so no date can be projected.",
    );

    // The same choices again freeze nothing new.
    let (status, _) = send(&c, "freeze", "15", "80", &ends).await;
    assert_eq!(status, 303);
    assert_eq!(
        store
            .analysis_plans(&sub("pics"))
            .await
            .expect("plans")
            .len(),
        1
    );

    // A change is version 2; version 1 is kept as it was.
    let (status, _) = send(&c, "freeze", "20", "90", &ends).await;
    assert_eq!(status, 303);
    let plans = store.analysis_plans(&sub("pics")).await.expect("plans");
    assert_eq!(plans.len(), 2);
    let (v2, kept) = (&plans[0], &plans[1]);
    assert_eq!(kept, &v1);
    assert_eq!((v2.version, v2.planned_appeals), (2, 141));
    assert_eq!(
        v2.counts_from, v1.counts_from,
        "counted from the first version"
    );
    let (_, page) = c.page(RESULTS).await;
    has(&page, "Version 2, frozen");
    has(
        &page,
        &format!("<code id=\"plan-fingerprint\">{}</code>", v2.fingerprint()),
    );
    has(&page, "Version 1, frozen");
    has(&page, &v1.fingerprint());
    has(&page, "Change the plan (freezes version 3)");

    // Audited: who froze which, each version's fingerprint.
    let log = store.audit_log(&sub("pics"), 50).await.expect("log");
    let plan_lines: Vec<_> = log
        .iter()
        .filter(|e| e.change.field == PLAN_FIELD)
        .collect();
    assert_eq!(plan_lines.len(), 2);
    assert_eq!(plan_lines[0].actor, "head_mod");
    assert_eq!(
        plan_lines[0].change.old,
        Some(format!("v1 {}", v1.fingerprint()))
    );
    assert_eq!(
        plan_lines[0].change.new,
        Some(format!("v2 {}", v2.fingerprint()))
    );
    assert_eq!(plan_lines[1].change.old, None);
}

async fn the_plan_form_refuses_bad_choices_and_strangers(backend: Backend) {
    let c = loaded(backend).await;
    let store = &c.app.db.store;
    for (effect, ends, message) in [
        ("abc", in_days(30), "“abc” is not a per cent from 0 to 100"),
        (
            "0",
            in_days(30),
            "The smallest effect worth detecting must be more than 0 points.",
        ),
        ("15", in_days(0), "The end date must be after today"),
        ("15", "31/12/2030".to_owned(), "Give the end date as a date"),
    ] {
        let (status, page) = send(&c, "freeze", effect, "80", &ends).await;
        assert_eq!(status, 400, "{effect} {ends}");
        has(&page, message);
        // The form comes back as typed.
        has(&page, &format!("name=\"effect\" value=\"{effect}\""));
    }
    assert!(
        store
            .analysis_plans(&sub("pics"))
            .await
            .expect("plans")
            .is_empty()
    );

    // Without its token: refused, nothing stored.
    let r = c
        .post(
            PLAN,
            &[("csrf", "forged"), ("action", "freeze"), ("effect", "15")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    // A moderator of another subreddit: the console's 404.
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    let (status, _) = o.page(RESULTS).await;
    assert_eq!(status, 404);
    let r = o
        .post(
            PLAN,
            &[("csrf", "x"), ("action", "freeze"), ("effect", "15")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
    assert!(
        store
            .analysis_plans(&sub("pics"))
            .await
            .expect("plans")
            .is_empty()
    );
}

async fn the_public_debrief_is_404_while_off_and_its_markdown_is_aggregate(backend: Backend) {
    let c = loaded(backend).await;
    // Off by default: no page, as for a subreddit that does not exist or a bad name.
    for path in [
        "/r/pics/results",
        "/r/pics/results.md",
        "/r/nosuchsub/results",
        "/r/bad!name/results.md",
    ] {
        let (status, _) = c.app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
    }
    // The console shows the Markdown to paste, and that the page is off.
    let (_, page) = c.page(RESULTS).await;
    has(&page, "The public debrief is off");
    let md = unescaped(&page);
    let at = md.find("id=\"debrief-markdown\"").expect("textarea");
    let md = &md[at..md[at..].find("</textarea>").expect("end") + at];
    has(md, "# The ban-appeal experiment in r/pics: results so far");
    // No username and no conversation id of any appeal.
    let rows = c
        .app
        .db
        .store
        .readout_rows(&ReadoutFilter {
            subreddit: Some(sub("pics")),
            period: Default::default(),
        })
        .await
        .expect("rows");
    assert!(!rows.is_empty());
    // Whole words: the fixture's ids are short ("c7").
    let words: Vec<&str> = md
        .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-'))
        .collect();
    for r in &rows {
        for secret in [r.username.as_str(), r.conversation_id.as_str()] {
            assert!(!words.contains(&secret), "{secret} in the markdown");
        }
    }
    // r/pics: reached, 6 of 8 treatment appeals — the 2 that did not are a small count,
    // so the share is withheld; small counts read ≤5.
    assert!(!md.contains("6 of 8"), "{md}");
    has(md, "≤5");
}

/// Turns r/pics's public debrief on or off as the settings page does (audited).
async fn set_public(c: &Console, on: bool) {
    let store = &c.app.db.store;
    let mut s = store
        .subreddit(&sub("pics"))
        .await
        .expect("read")
        .expect("pics");
    s.public_debrief = Some(on);
    store
        .update_settings(&s, "head_mod", Utc::now())
        .await
        .expect("save");
}

async fn the_public_debrief_is_on_only_while_the_setting_is(backend: Backend) {
    let c = loaded(backend).await;
    let (status, _) = send(&c, "freeze", "15", "80", &in_days(60)).await;
    assert_eq!(status, 303);
    let plan = c
        .app
        .db
        .store
        .analysis_plan(&sub("pics"))
        .await
        .expect("read")
        .expect("plan");
    set_public(&c, true).await;
    // No login: the site's own client, without the console's cookie.
    let (status, page) = c.app.get_text("/r/pics/results").await;
    assert_eq!(status, 200);
    let text = unescaped(&page);
    has(&text, "The ban-appeal experiment in r/pics");
    // The readout's verdict (intention to treat, anytime-valid): no clear difference; the
    // figures are withheld because 2 of the 8 counted treatment appeals did not reach the
    // moderators, a small count.
    has(
        &text,
        "No clear difference yet in how many appeals reach the moderators (the figures are withheld: they would reveal a count of 5 or fewer); chance could explain it.",
    );
    has(&text, &plan.fingerprint());
    has(&text, "≤5");
    // The plan's progress is 0 (no appeal since it was frozen): a small count, so neither
    // shown nor given away by "none yet" or a projected date.
    has(&text, "Progress:</strong> ≤5 of 166 appeals so far.");
    assert!(!text.contains("none since the plan"));
    assert!(!text.contains("6 of 8"));
    assert!(!text.contains("head_mod"), "not even the moderator's name");
    let rows = c
        .app
        .db
        .store
        .readout_rows(&ReadoutFilter {
            subreddit: Some(sub("pics")),
            period: Default::default(),
        })
        .await
        .expect("rows");
    let words: Vec<&str> = text
        .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-'))
        .collect();
    for r in &rows {
        for secret in [r.username.as_str(), r.conversation_id.as_str()] {
            assert!(!words.contains(&secret), "{secret} on the public page");
        }
    }
    let r = c.app.get("/r/pics/results.md").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().expect("type"),
        "text/markdown; charset=utf-8"
    );
    let md = r.text().await.expect("body");
    assert!(md.starts_with("# The ban-appeal experiment in r/pics: results so far\n"));
    has(
        &md,
        "| With the form (treatment) | withheld | 6 | withheld |",
    );
    has(&md, &format!("`{}`", plan.fingerprint()));
    let (_, console_page) = c.page(RESULTS).await;
    has(&console_page, "The public debrief is on");

    // Off again: the page is gone.
    set_public(&c, false).await;
    for path in ["/r/pics/results", "/r/pics/results.md"] {
        let (status, _) = c.app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
    }
    let log = c
        .app
        .db
        .store
        .audit_log(&sub("pics"), 50)
        .await
        .expect("log");
    let toggles = log
        .iter()
        .filter(|e| e.change.field == "public_debrief")
        .count();
    assert_eq!(toggles, 2, "on and off, audited");
}
