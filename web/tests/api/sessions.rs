//! The console's server-side sessions and the login's limits, over HTTP on both backends
//! against the Reddit simulator: a logout and a removal found by the bot end every copy of
//! the cookie, an idle session ends, and a login flood reaches Reddit no more often than
//! the limits allow (the simulator counts every token request).

use std::time::Instant;

use appealmod_shared::clock::Clock;
use appealmod_shared::domain::*;
use appealmod_shared::storage::{Backend, CheckRecord};
use chrono::{Duration, Utc};
use reddit_sim::Endpoint;

use crate::console::{
    Console, console, console_again, console_with, location, logout_csrf, signed_up_pics,
};
use crate::helpers::{BOT, sub};
use crate::on_both_backends;

on_both_backends!(
    session_cookie_copied_before_logout_is_refused_after_it,
    session_idle_beyond_the_timeout_ends,
    session_of_a_moderator_removed_by_the_bot_ends_in_every_browser,
    login_flood_is_limited_per_client_and_reaches_reddit_at_most_the_limit,
    login_token_exchanges_have_a_site_wide_ceiling,
    login_callback_with_a_bad_state_makes_no_token_request,
);

/// A GET with `cookie` as it was copied, whatever the browser holds now.
async fn get_with(c: &Console, path: &str, cookie: &str) -> reqwest::Response {
    c.app
        .client
        .get(c.app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("GET")
}

/// Status and `Location` of a GET of `path` with `cookie`.
async fn answer_with(c: &Console, path: &str, cookie: &str) -> (u16, Option<String>) {
    let r = get_with(c, path, cookie).await;
    let to = r.headers().contains_key("location").then(|| location(&r));
    (r.status().as_u16(), to)
}

fn to_login(path: &str) -> (u16, Option<String>) {
    let mut next = String::new();
    next.extend(url::form_urlencoded::byte_serialize(path.as_bytes()));
    (303, Some(format!("/login?next={next}")))
}

fn token_requests(c: &Console) -> u64 {
    c.sim.counters().calls_of(Endpoint::Token)
}

fn retry_after(r: &reqwest::Response) -> u64 {
    let v = r.headers().get("retry-after").expect("a 429 says when");
    v.to_str().expect("ascii").parse().expect("seconds")
}

/// The `state` of the consent-page address a `/login` answered with.
fn state_of(authorize: &str) -> String {
    let after = authorize.split("state=").nth(1).expect("state");
    after.split('&').next().expect("state").to_owned()
}

async fn session_cookie_copied_before_logout_is_refused_after_it(backend: Backend) {
    let c = console(backend).await;
    c.login("head_mod", "/dashboard").await;
    let copy = c.cookie().expect("a session cookie");
    assert_eq!(answer_with(&c, "/dashboard", &copy).await.0, 200);

    let (_, page) = c.page("/dashboard").await;
    let r = c.post("/logout", &[("csrf", &logout_csrf(&page))]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/".to_owned()));
    assert_eq!(c.cookie(), None, "the browser's cookie is removed");

    // The copy names a session the server has ended.
    for path in ["/dashboard", "/signup", "/dashboard/r/pics"] {
        assert_eq!(answer_with(&c, path, &copy).await, to_login(path), "{path}");
    }
    // Logging in again is a new session.
    c.login("head_mod", "/dashboard").await;
    assert_eq!(c.page("/dashboard").await.0, 200);
    assert_ne!(c.cookie().as_deref(), Some(copy.as_str()));
    assert_eq!(
        answer_with(&c, "/dashboard", &copy).await,
        to_login("/dashboard")
    );
}

/// The site's clock is moved, not waited for: a session in use every 15 minutes outlives an
/// idle timeout of 20 (all within the hour its list of moderated subreddits stays fresh).
async fn session_idle_beyond_the_timeout_ends(backend: Backend) {
    let clock = Clock::default();
    let c = console_with(backend, |a| {
        a.login.session_idle = Duration::minutes(20);
        a.clock = clock.clone();
    })
    .await;
    c.login("head_mod", "/dashboard").await;
    let cookie = c.cookie().expect("a session cookie");
    assert_eq!(answer_with(&c, "/dashboard", &cookie).await.0, 200);
    // In use: each request keeps it alive past the timeout counted from the login.
    for _ in 0..2 {
        clock.advance(Duration::minutes(15));
        assert_eq!(answer_with(&c, "/dashboard", &cookie).await.0, 200);
    }
    clock.advance(Duration::minutes(21));
    assert_eq!(
        answer_with(&c, "/dashboard", &cookie).await,
        to_login("/dashboard"),
        "unused for longer than the idle timeout"
    );
}

async fn session_of_a_moderator_removed_by_the_bot_ends_in_every_browser(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let mut browsers = Vec::new();
    for _ in 0..2 {
        let m = console_again(&c).await;
        m.login("mail_mod", "/dashboard").await;
        browsers.push(m.cookie().expect("a session cookie"));
    }
    for cookie in &browsers {
        assert_eq!(answer_with(&c, "/dashboard/r/pics", cookie).await.0, 200);
    }
    // The bot's check reads r/pics' moderators without mail_mod.
    c.sim.remove_moderator("pics", "mail_mod").expect("remove");
    let mods = vec![SubredditModerator {
        name: RedditUsername::parse("head_mod").expect("u"),
        permissions: ModPermissions::full(),
        since: None,
    }];
    let check = CheckRecord {
        name: &sub("pics"),
        standing: &BotStanding::NotModerator,
        new_state: None,
        failed_checks: 1,
        next_check_at: Utc::now(),
        moderators: Some(&mods),
        actor: BOT,
    };
    let store = &c.app.db.store;
    store.record_check(&check, Utc::now()).await.expect("check");
    for cookie in &browsers {
        assert_eq!(
            answer_with(&c, "/dashboard", cookie).await,
            to_login("/dashboard")
        );
    }
    assert_eq!(c.page("/dashboard/r/pics").await.0, 200, "head_mod stays");
}

/// 60 rounds of `/login` plus a callback with this round's `state` and a junk code, as
/// fast as one client can: the 31st login in the minute answers 429 with `Retry-After`,
/// and Reddit sees one token request per login let through, at most 30 (plus what the
/// bucket refilled while the flood lasted, one per 2 s).
async fn login_flood_is_limited_per_client_and_reaches_reddit_at_most_the_limit(backend: Backend) {
    let c = console(backend).await;
    c.sim.reset_counters();
    let started = Instant::now();
    let mut logins = Vec::new();
    let mut callbacks = Vec::new();
    let mut first_refusal = None;
    for round in 0..60 {
        let r = c.get("/login").await;
        logins.push(r.status().as_u16());
        let state = match r.status().as_u16() {
            303 => state_of(&location(&r)),
            429 => {
                first_refusal.get_or_insert((round, retry_after(&r), started.elapsed()));
                "stale".to_owned()
            }
            other => panic!("/login answered {other}"),
        };
        let callback = format!("/auth/reddit/callback?state={state}&code=junk{round}");
        callbacks.push(c.get(&callback).await.status().as_u16());
    }
    let elapsed = started.elapsed();
    let (round, wait, at) = first_refusal.expect("a login refused");
    assert_eq!(
        round, 30,
        "the 31st login is refused (reached after {at:?})"
    );
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    assert!(
        logins[..30].iter().all(|s| *s == 303),
        "the first 30 pass: {logins:?}"
    );
    let passed = logins.iter().filter(|s| **s == 303).count() as u64;
    let refilled = elapsed.as_secs() / 2 + 1;
    let seen = token_requests(&c);
    println!(
        "login flood: 60 rounds in {elapsed:?}, {passed} logins let through, \
         {seen} token requests seen by the simulator, callbacks {callbacks:?}"
    );
    assert!(seen <= passed, "{seen} token requests for {passed} logins");
    assert!(seen <= 30 + refilled, "{seen} token requests");
    assert!(
        callbacks.contains(&429),
        "callbacks are limited too: {callbacks:?}"
    );
}

/// Many logins, each with its valid `state` (one client with a high limit here): the
/// site exchanges at most `token_exchanges_per_minute` codes and refuses the next with 429.
async fn login_token_exchanges_have_a_site_wide_ceiling(backend: Backend) {
    let c = console_with(backend, |a| {
        a.login.per_client_per_minute = 1000;
        a.login.token_exchanges_per_minute = 5;
    })
    .await;
    c.sim.reset_counters();
    let mut answers = Vec::new();
    for round in 0..8 {
        let r = c.get("/login").await;
        assert_eq!(r.status().as_u16(), 303);
        let state = state_of(&location(&r));
        let r = c
            .get(&format!(
                "/auth/reddit/callback?state={state}&code=junk{round}"
            ))
            .await;
        let wait = (r.status().as_u16() == 429).then(|| retry_after(&r));
        answers.push((r.status().as_u16(), wait));
    }
    assert!(
        answers[..5].iter().all(|a| a.0 == 400),
        "Reddit refused the junk codes: {answers:?}"
    );
    assert_eq!(answers[5].0, 429, "{answers:?}");
    assert!(
        answers[5].1.is_some_and(|w| (1..=12).contains(&w)),
        "{answers:?}"
    );
    assert_eq!(token_requests(&c), 5, "{answers:?}");
}

async fn login_callback_with_a_bad_state_makes_no_token_request(backend: Backend) {
    let c = console(backend).await;
    c.sim.reset_counters();
    // No login started in this browser.
    let (status, _) = c.page("/auth/reddit/callback?state=forged&code=x").await;
    assert_eq!(status, 400);
    // A login started, and Reddit's answer tampered with: another state, or none.
    let r = c.get("/login").await;
    let authorize = location(&r);
    let r = c.get(&format!("{authorize}&sim_user=head_mod")).await;
    let callback = location(&r);
    for bad in [
        callback.replace("state=", "state=x"),
        callback.replace("state=", "s="),
    ] {
        assert_eq!(c.page(&bad).await.0, 400, "{bad}");
    }
    assert_eq!(token_requests(&c), 0, "nothing reached Reddit");
    // The counter does see a login that checks out.
    let (_, _, status, _) = c.login("head_mod", "/dashboard").await;
    assert_eq!(status, 303);
    assert_eq!(token_requests(&c), 1);
}
