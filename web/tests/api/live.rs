//! The live view, its Server-Sent Events, and `/metrics` over HTTP.

use std::time::{Duration, Instant};

use appealmod_core::readout::{self, Period, Rules};
use appealmod_shared::config::{Config, Secret};
use appealmod_shared::domain::{ConversationId, Group, RedditUsername};
use appealmod_shared::metrics::RunnerReport;
use appealmod_shared::storage::{Backend, EffectKind, NewEffect, ReadoutFilter, StepKind};
use appealmod_testkit::readout_fixture;
use appealmod_web::startup::{AppSettings, Application};
use chrono::Utc;

use crate::console::{Console, console};
use crate::helpers::{TestApp, spawn_app, spawn_console_on, spawn_with, sub};
use crate::on_both_backends;

on_both_backends!(
    the_live_page_shows_the_readouts_numbers_on_the_fixture,
    the_stream_sends_an_event_after_a_store_write_and_resumes_by_id,
    others_get_404_and_the_stream_never_redirects,
    only_the_live_page_may_run_scripts_and_only_its_own,
    the_stream_limit_answers_503,
    accounts_with_many_tabs_leave_room_for_new_users,
    a_user_with_nothing_to_watch_gets_no_stream,
    metrics_are_404_when_disabled,
    metrics_need_the_token_and_count_requests_by_route_pattern,
    metrics_on_a_listener_of_their_own_are_not_on_the_site,
);

/// The text of the figure `key` (`totals.appeals`) on a rendered live page.
fn figure(html: &str, key: &str) -> u64 {
    let marker = format!("data-live=\"{key}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no figure {key}"))
        + marker.len();
    let end = html[start..].find('<').expect("closing tag") + start;
    html[start..end]
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// The totals and last-30-day figures a page shows, in the template's order.
fn figures(html: &str) -> [u64; 11] {
    [
        "totals.appeals",
        "totals.treatment",
        "totals.control",
        "totals.links_sent",
        "totals.submitted",
        "totals.completed",
        "totals.granted",
        "totals.denied",
        "totals.pending",
        "last30.appeals",
        "last30.completed",
    ]
    .map(|k| figure(html, k))
}

/// The console with the readout fixture loaded, logged in as `user`.
async fn fixture_console(backend: Backend, user: &str) -> Console {
    let c = console(backend).await;
    readout_fixture::load(&c.app.db.store, Utc::now())
        .await
        .expect("fixture");
    let (_, _, _, end) = c.login(user, "/dashboard/live").await;
    assert_eq!(end, "/dashboard/live");
    c
}

async fn the_live_page_shows_the_readouts_numbers_on_the_fixture(backend: Backend) {
    // By hand from the fixture's table (testkit/src/readout_fixture.rs). r/pics: 14
    // treatment appeals (a1 twice), 7 control; links sent to all treatment but a6 (taken
    // over) and a13 (no link yet); submitted a1 a2 a5 a11 a12 a15, completed the same but
    // a5; granted a1 a6 a11 + a8 a19; denied a2 a15 + a9 a10; pending the other 10
    // (a3 and a14 were abandoned). Days 14–27 are the last 30 days: 14 appeals, of them
    // a11 a12 a15 completed.
    let head = fixture_console(backend, "head_mod").await;
    let (status, html) = head.page("/dashboard/live").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(figures(&html), [21, 14, 7, 12, 6, 5, 5, 4, 10, 14, 3]);
    let (status, one) = head.page("/dashboard/live?r=pics").await;
    assert_eq!(status, 200);
    assert_eq!(
        figures(&one),
        figures(&html),
        "head_mod moderates r/pics only"
    );
    // The headline, counted as the results page counts (window 44 days: nothing of the
    // fixture has lapsed). Settled treatment appeals: completed a1 a2 a11 a12 a15, never
    // engaged a6 (reached), abandoned a3 a14 (not): 6 of 8; open a4 a5 a13 a16 a17 and a1's
    // second appeal. Control 7 of 7. d = 0.75 − 1 = −0.25; anytime-valid (planned 500):
    // n = 15, v = 15·7.936155/500 = 0.238085, multiplier √((1 + v)/v · ln((1 + v)/0.05²))
    // = 5.680433; Laplace 7/10 and 8/9: se = √(0.7·0.3/8 + (8/9)(1/9)/7) = 0.200896; half
    // = 1.141178: −1 (clamped) to +0.8912.
    assert!(
        html.contains(
            "No clear difference yet in the appeals that reach the moderators: 75.0% (6 of 8) of the counted treatment appeals against 100.0% (7 of 7) of the counted control appeals, −25.0 points; the anytime-valid 95% interval (−100.0 to +89.1 points) includes 0."
        ),
        "{html}"
    );
    assert!(html.contains("Still open and not yet counted: 6 treatment and 0 control appeals."));

    // The newest events of r/pics: on day 27 at 10:00 a19 was unbanned and a20 wrote.
    let activity = &html[html.find("id=\"live-activity\"").expect("list")..];
    let items: Vec<&str> = activity.split("<li class=\"live-item").skip(1).collect();
    assert_eq!(items.len(), 20, "the 20 newest");
    let modmail = |i: usize| format!("href=\"https://mod.reddit.com/mail/all/c{i}\"");
    // Same time: ties go by kind, so the grant comes first.
    for (item, (kind, user, conversation)) in items
        .iter()
        .zip([(">Granted<", "u/a19 ", 19), (">New appeal<", "u/a20 ", 20)])
    {
        assert!(item.contains(kind), "{item}");
        assert!(item.contains(user), "{item}");
        assert!(item.contains(&modmail(conversation)), "{item}");
    }
    assert!(!activity.contains("u/b"), "nothing of r/news");

    // An operator sees both subreddits, or one. r/news: 4 + 4 appeals; links b1–b4;
    // submitted b1 b2 b4; completed b1 b2; granted b1 b5; denied b2 b6 b8; pending b4 b7;
    // last 30 days b3 b7 b4 b8, none completed.
    let op = crate::console::console_again(&head).await;
    op.login("the_operator", "/dashboard/live").await;
    let (_, all) = op.page("/dashboard/live").await;
    assert_eq!(figures(&all), [29, 18, 11, 16, 9, 7, 7, 7, 12, 18, 3]);
    assert!(all.contains("Every subreddit, live"));
    let (_, news) = op.page("/dashboard/live?r=news").await;
    assert_eq!(figures(&news), [8, 4, 4, 4, 3, 2, 2, 3, 2, 4, 0]);

    // The same numbers as the readout computes them.
    let store = &head.app.db.store;
    let filter = |period| ReadoutFilter {
        subreddit: None,
        period,
    };
    let rules = Rules::new(Utc::now(), Rules::default_window(30, 14));
    let total = readout::compute(
        &store
            .readout_rows(&filter(Period::ALL_TIME))
            .await
            .expect("rows"),
        &rules,
    );
    let last30 = filter(Period::last_days(Utc::now(), 30));
    let recent = readout::compute(&store.readout_rows(&last30).await.expect("rows"), &rules);
    assert_eq!(
        figures(&all)[..4],
        [
            total.treatment.appeals + total.control.appeals,
            total.treatment.appeals,
            total.control.appeals,
            total.treatment.contacted
        ]
    );
    assert_eq!(
        figures(&all)[9..],
        [
            recent.treatment.appeals + recent.control.appeals,
            recent.treatment.completed
        ]
    );
}

/// Reads a live stream until a frame satisfies `want` (or the deadline passes); returns it.
async fn frame_where(
    r: &mut reqwest::Response,
    buf: &mut String,
    within: Duration,
    want: impl Fn(&str) -> bool,
) -> Option<String> {
    let deadline = Instant::now() + within;
    loop {
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if want(&frame) {
                return Some(frame);
            }
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, r.chunk()).await {
            Ok(Ok(Some(bytes))) => buf.push_str(std::str::from_utf8(&bytes).expect("utf-8")),
            Ok(Ok(None)) => panic!("the stream ended"),
            Ok(Err(e)) => panic!("reading the stream: {e}"),
            Err(_) => return None,
        }
    }
}

fn is_event(frame: &str) -> bool {
    frame.contains("event: live\n")
}

fn id_of(frame: &str) -> String {
    frame
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("an id")
        .to_owned()
}

async fn the_stream_sends_an_event_after_a_store_write_and_resumes_by_id(backend: Backend) {
    let c = console(backend).await;
    let store = &c.app.db.store;
    store
        .ensure_subreddit(&sub("pics"), Utc::now())
        .await
        .expect("sub");
    c.login("head_mod", "/dashboard/live").await;

    let mut r = c.get("/dashboard/live/events?r=pics").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let mut buf = String::new();
    let first = frame_where(&mut r, &mut buf, Duration::from_secs(10), is_event)
        .await
        .expect("the current view at once");
    assert!(first.contains("\"appeals\":0"), "{first}");

    // A runner (another process) records a new appellant: the stream tells.
    store
        .record_contact(
            &sub("pics"),
            &RedditUsername::parse("Fresh_Appellant").expect("user"),
            &ConversationId::parse("cfresh").expect("id"),
            || Group::Treatment,
            Utc::now(),
        )
        .await
        .expect("contact");
    let next = frame_where(&mut r, &mut buf, Duration::from_secs(15), is_event)
        .await
        .expect("an event after the write");
    assert!(next.contains("\"appeals\":1"), "{next}");
    assert!(next.contains("\"user\":\"Fresh_Appellant\""), "{next}");
    assert!(
        next.contains("\"modmail\":\"https://mod.reddit.com/mail/all/cfresh\""),
        "{next}"
    );
    assert!(next.contains("\"kind\":\"new_appeal\""), "{next}");
    let id = id_of(&next);
    assert_ne!(id, id_of(&first));

    // Nothing changed: no further event, only (eventually) heartbeats.
    let quiet = frame_where(&mut r, &mut buf, Duration::from_secs(3), is_event).await;
    assert!(quiet.is_none(), "an event without a change: {quiet:?}");

    // A browser reconnecting with the id of what it shows gets nothing new; with an older
    // id it gets the current view at once.
    let cookie = login_cookie(&c, "head_mod").await;
    let resume = |last: String| {
        c.app
            .client
            .get(c.app.url("/dashboard/live/events?r=pics"))
            .header("last-event-id", last)
            .header("cookie", cookie.clone())
            .send()
    };
    let mut again = resume(id.clone()).await.expect("resume");
    let mut buf2 = String::new();
    let none = frame_where(&mut again, &mut buf2, Duration::from_secs(3), is_event).await;
    assert!(none.is_none(), "resumed at the same view: {none:?}");
    let mut older = resume(id_of(&first)).await.expect("resume");
    let mut buf3 = String::new();
    let current = frame_where(&mut older, &mut buf3, Duration::from_secs(10), is_event)
        .await
        .expect("the newer view");
    assert_eq!(id_of(&current), id);
}

/// Logs `user` in again through `c` (the simulator approves at once) and returns the
/// session cookie, for a request with a header `Console::get` does not send.
async fn login_cookie(c: &Console, user: &str) -> String {
    let to = |r: &reqwest::Response| r.headers()["location"].to_str().expect("ascii").to_owned();
    let r = c.get("/login?next=/dashboard/live").await;
    let r = c.get(&format!("{}&sim_user={user}", to(&r))).await;
    let r = c.get(&to(&r)).await;
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find(|p| p.starts_with("appealmod_session=") && *p != "appealmod_session=")
        .expect("a session cookie")
        .to_owned()
}

async fn others_get_404_and_the_stream_never_redirects(backend: Backend) {
    let c = console(backend).await;
    for s in ["pics", "news"] {
        c.app
            .db
            .store
            .ensure_subreddit(&sub(s), Utc::now())
            .await
            .expect("sub");
    }
    // Not logged in: the page goes to the login, the stream (which cannot follow) is 404.
    let r = c.get("/dashboard/live").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(c.get("/dashboard/live/events").await.status().as_u16(), 404);

    c.login("stranger", "/dashboard/live").await;
    for path in [
        "/dashboard/live?r=pics",
        "/dashboard/live/events?r=pics",
        "/dashboard/live?r=nosuchsub",
        "/dashboard/live?r=not%20a%20name",
    ] {
        assert_eq!(c.get(path).await.status().as_u16(), 404, "{path}");
    }
    let (status, page) = c.page("/dashboard/live").await;
    assert_eq!(status, 200, "their own (empty) view");
    assert!(page.contains("nothing to show"), "{page}");
    assert_eq!(figure(&page, "totals.appeals"), 0);

    let other = crate::console::console_again(&c).await;
    other.login("other_mod", "/dashboard/live").await;
    assert_eq!(
        other.get("/dashboard/live?r=pics").await.status().as_u16(),
        404
    );
    assert_eq!(
        other
            .get("/dashboard/live/events?r=pics")
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        other.get("/dashboard/live?r=news").await.status().as_u16(),
        200
    );
}

fn csp(r: &reqwest::Response) -> String {
    r.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

async fn only_the_live_page_may_run_scripts_and_only_its_own(backend: Backend) {
    let c = console(backend).await;
    let store = &c.app.db.store;
    store
        .ensure_subreddit(&sub("pics"), Utc::now())
        .await
        .expect("sub");
    c.login("head_mod", "/dashboard/live").await;

    let r = c.get("/dashboard/live").await;
    assert_eq!(r.status().as_u16(), 200);
    let policy = csp(&r);
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("script-src 'none'"), "{policy}");
    assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"));
    let html = r.text().await.expect("body");
    let src = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page loads its script")
        .to_owned();
    assert!(src.starts_with("/static/live.js?v="), "{src}");
    assert!(!html.contains("<script>"), "no inline script");

    let js = c.get(&src).await;
    assert_eq!(js.status().as_u16(), 200);
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(
        js.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert!(js.text().await.expect("js").contains("EventSource"));

    // Every other page, errors included, still runs no script at all.
    for path in [
        "/",
        "/dashboard",
        "/dashboard/r/pics",
        "/dashboard/live?r=news",
        "/dashboard/live/events?r=news",
        "/no/such/page",
    ] {
        let r = c.get(path).await;
        assert!(
            csp(&r).contains("script-src 'none'"),
            "{path} ({}): {}",
            r.status(),
            csp(&r)
        );
    }
}

async fn the_stream_limit_answers_503(backend: Backend) {
    let c = console(backend).await;
    c.app
        .db
        .store
        .ensure_subreddit(&sub("pics"), Utc::now())
        .await
        .expect("sub");
    c.login("head_mod", "/dashboard/live").await;
    // One account gets a few streams (tabs), never every slot of the process (the
    // process-wide cap is the unit test `slots_are_bounded_and_freed_when_dropped`).
    let max = appealmod_web::startup::LiveSettings::default().max_streams_per_user;
    let mut open = Vec::new();
    for _ in 0..max {
        let r = c.get("/dashboard/live/events").await;
        assert_eq!(r.status().as_u16(), 200);
        open.push(r);
    }
    let r = c.get("/dashboard/live/events").await;
    assert_eq!(r.status().as_u16(), 503, "one stream too many");
    assert_eq!(r.headers()["retry-after"], "30");
    // The page itself is not limited.
    assert_eq!(c.get("/dashboard/live").await.status().as_u16(), 200);

    // Streams whose browser left give their place back, without waiting for a heartbeat
    // (15 s) to find the socket dead.
    drop(open);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = c.get("/dashboard/live/events").await;
        if r.status().as_u16() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "slots never freed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `user`'s session cookie after the login round trip through the simulator (which
/// approves at once), in a browser of its own.
async fn log_in(app: &TestApp, user: &str) -> String {
    let cookie_of = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next())
            .find(|p| p.starts_with("appealmod_session=") && *p != "appealmod_session=")
            .map(str::to_owned)
    };
    let to = |r: &reqwest::Response| r.headers()["location"].to_str().expect("ascii").to_owned();
    let r = app.get("/login?next=/dashboard/live").await;
    let pending = cookie_of(&r).expect("the login's state cookie");
    let authorize = format!("{}&sim_user={user}", to(&r));
    let r = app.client.get(authorize).send().await.expect("consent");
    let callback = to(&r);
    let r = app
        .client
        .get(callback)
        .header("cookie", pending)
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status().as_u16(), 303, "{user} logged in");
    cookie_of(&r).expect("a session cookie")
}

async fn open_stream(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url("/dashboard/live/events"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("GET events")
}

/// 16 accounts with four tabs each once held every slot of a process (64). Streams beyond
/// an account's first are capped together (`max_extra_streams`), so a 17th account still
/// gets its stream.
async fn accounts_with_many_tabs_leave_room_for_new_users(backend: Backend) {
    let sim = reddit_sim::SimServer::start(reddit_sim::SimConfig::default())
        .await
        .expect("sim");
    let pairs: Vec<(String, String)> = (0..17)
        .map(|i| (format!("sub{i}"), format!("mod{i}")))
        .collect();
    let subs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(s, m)| (s.as_str(), m.as_str()))
        .collect();
    let app = spawn_console_on(backend, &sim, &subs, Vec::new(), |_| {}).await;
    for (name, _) in &subs {
        app.db
            .store
            .ensure_subreddit(&sub(name), Utc::now())
            .await
            .expect("signed up");
    }
    let limits = appealmod_web::startup::LiveSettings::default();
    let (mut open, mut refused) = (Vec::new(), 0);
    for (_, user) in &subs[..16] {
        let cookie = log_in(&app, user).await;
        for _ in 0..limits.max_streams_per_user {
            let r = open_stream(&app, &cookie).await;
            match r.status().as_u16() {
                200 => open.push(r),
                503 => refused += 1,
                other => panic!("{user}: {other}"),
            }
        }
    }
    assert_eq!(
        open.len(),
        16 + limits.max_extra_streams,
        "a first each, and the extras"
    );
    assert_eq!(refused, 16 * limits.max_streams_per_user - open.len());
    let newcomer = log_in(&app, subs[16].1).await;
    let r = open_stream(&app, &newcomer).await;
    assert_eq!(
        r.status().as_u16(),
        200,
        "a new account still gets a stream"
    );
}

/// A logged-in Reddit user who moderates nothing signed up has nothing to watch: the
/// stream is 404 (no slot taken, no database polling), whatever they try.
async fn a_user_with_nothing_to_watch_gets_no_stream(backend: Backend) {
    let c = console(backend).await;
    c.app
        .db
        .store
        .ensure_subreddit(&sub("pics"), Utc::now())
        .await
        .expect("sub");
    c.login("stranger", "/dashboard/live").await;
    for _ in 0..3 {
        let r = c.get("/dashboard/live/events").await;
        assert_eq!(r.status().as_u16(), 404);
    }
    assert_eq!(
        c.get("/dashboard/live/events?r=pics")
            .await
            .status()
            .as_u16(),
        404
    );
}

async fn metrics_are_404_when_disabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status().as_u16(), 404);
}

const TOKEN: &str = "metrics-token-0123456789abcdef";

async fn metrics_need_the_token_and_count_requests_by_route_pattern(backend: Backend) {
    let app = spawn_with(backend, |s| {
        s.metrics.enabled = true;
        s.metrics.token = Some(Secret::new(TOKEN));
    })
    .await;
    let (id, path) = app.create_appeal("metric_user", "Rule 1").await;
    let store = &app.db.store;
    let mut tx = store.begin().await.expect("tx");
    tx.enqueue_effect(
        &NewEffect {
            appeal_id: Some(id),
            conversation_id: ConversationId::parse("cmetricuser").expect("id"),
            kind: EffectKind::Reply,
            body: Some("…".into()),
            marker: "metrics-test-reply".into(),
            step: Some(StepKind::Start),
            completes_appeal: false,
        },
        Utc::now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let mut report = RunnerReport::default();
    report.set_calls([("modmail_list", "200", 3)], Some(590.0));
    report.record_pass(Duration::from_millis(250));
    store
        .report_runner("recent", &report, Utc::now())
        .await
        .expect("report");
    assert_eq!(app.get(&path).await.status().as_u16(), 200);
    assert_eq!(app.get("/no/such/page").await.status().as_u16(), 404);

    let r = app.get("/metrics").await;
    assert_eq!(r.status().as_u16(), 401, "no token");
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-0123456789abcdeX")
        .send()
        .await
        .expect("GET");
    assert_eq!(wrong.status().as_u16(), 401, "wrong token");

    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.expect("body");
    for line in [
        "appealmod_appeals{status=\"prompted\"} 1",
        "appealmod_appeals{status=\"completed\"} 0",
        "appealmod_journal_entries{state=\"pending\"} 1",
        "appealmod_journal_entries{state=\"done\"} 0",
        "appealmod_parked_conversations 0",
        "appealmod_runner_passes_total{process=\"recent\"} 1",
        "appealmod_reddit_calls_total{process=\"recent\",endpoint=\"modmail_list\",status=\"200\"} 3",
        "appealmod_web_requests_total{route=\"/appeal/{token}\",status=\"200\"} 1",
        "appealmod_web_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "appealmod_web_requests_total{route=\"/metrics\",status=\"401\"} 2",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    let token = path.trim_start_matches("/appeal/");
    assert!(!text.contains(token), "no appeal token in a label");
    assert!(!text.contains("/no/such/page"), "no raw path in a label");
}

async fn metrics_on_a_listener_of_their_own_are_not_on_the_site(backend: Backend) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = appealmod_testkit::TestDb::new(backend).await;
    let yaml = format!(
        "web:\n  bind: 127.0.0.1:0\n  link_secret: {}\nmetrics:\n  enabled: true\n  \
         bind: 127.0.0.1:0\n",
        crate::helpers::SECRET
    );
    let config = Config::from_yaml_and_env(&yaml, "test", std::iter::empty()).expect("config");
    let settings = AppSettings::from_config(&config).expect("settings");
    let app = Application::build(settings, db.store.clone())
        .await
        .expect("build");
    let (site, metrics) = (app.port(), app.metrics_port().expect("its own listener"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let get = |port: u16, path: &str| client.get(format!("http://127.0.0.1:{port}{path}")).send();

    assert_eq!(
        get(site, "/metrics").await.expect("GET").status().as_u16(),
        404
    );
    assert_eq!(
        get(site, "/healthz").await.expect("GET").status().as_u16(),
        200
    );
    // A loopback listener without a token: whoever reaches it may read.
    let r = get(metrics, "/metrics").await.expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("appealmod_appeals{status=\"prompted\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("appealmod_web_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "the site's requests, not the scrapes: {text}"
    );
    assert_eq!(
        get(metrics, "/healthz")
            .await
            .expect("GET")
            .status()
            .as_u16(),
        404
    );
    assert_eq!(get(metrics, "/").await.expect("GET").status().as_u16(), 404);
}
