//! A flood of sign-ups whose moderators never invite the bot, over HTTP against the
//! simulator: the Reddit calls their checks cost are bounded per pass, fall to one check a
//! day each, and stop after a week (issue 19, item 8c: 37 of 54 calls a minute went to
//! pending sign-ups re-checked hourly forever).

use appealmod_core::decide::verify::PENDING_CHECKS_PER_PASS;
use appealmod_shared::domain::{RedditUsername, SubredditName, SubredditState};
use appealmod_shared::storage::{Backend, NewSignup};
use appealmod_testkit::world::{HUMAN_MOD, World, WorldOptions};
use chrono::Duration;
use reddit_sim::{Endpoint, NewSubreddit};

use super::helpers::*;

appealmod_testkit::on_both_backends!(a_sign_up_flood_costs_bounded_calls_per_pass_and_then_none);

const SIGNUPS: usize = 12;

/// The calls a standing check makes.
fn check_calls(w: &World) -> u64 {
    let c = w.sim.state().counters();
    c.calls_of(Endpoint::Moderators)
        + c.calls_of(Endpoint::AcceptInvite)
        + c.calls_of(Endpoint::ModeratorsInvited)
}

/// `SIGNUPS` subreddits signed up on the console whose moderators never invite the bot.
async fn flood(w: &World) -> Vec<SubredditName> {
    let names: Vec<SubredditName> = (0..SIGNUPS)
        .map(|i| SubredditName::parse(&format!("flood{i}")).expect("name"))
        .collect();
    for name in &names {
        w.sim
            .state()
            .add_subreddit(NewSubreddit {
                name: name.to_string(),
                moderators: vec![HUMAN_MOD.into()],
                bot_is_mod: false,
            })
            .expect("sub");
        let signup = NewSignup {
            name: HUMAN_MOD.into(),
            email: None,
            reddit_username: RedditUsername::parse(HUMAN_MOD).expect("user"),
            subreddit: name.clone(),
        };
        w.store
            .create_signup(&signup, w.clock.now())
            .await
            .expect("signup");
    }
    names
}

async fn a_sign_up_flood_costs_bounded_calls_per_pass_and_then_none(b: Backend) {
    let o = WorldOptions {
        subreddits: Vec::new(),
        ..WorldOptions::default()
    };
    let (_db, w) = world(b, o).await;
    let names = flood(&w).await;

    // Nine days of passes, one every ten minutes of test clock.
    let step = Duration::minutes(10);
    let passes_a_day = 24 * 6;
    let mut per_day = vec![0u64; 9];
    let mut most_in_a_pass = 0;
    for pass in 0..9 * passes_a_day {
        let before = check_calls(&w);
        w.pass().await.expect("pass");
        let calls = check_calls(&w) - before;
        most_in_a_pass = most_in_a_pass.max(calls);
        per_day[pass / passes_a_day] += calls;
        w.advance(step);
    }
    eprintln!(
        "{SIGNUPS} pending sign-ups: at most {most_in_a_pass} calls in a pass; calls per day {per_day:?}"
    );
    // Two calls a check (the moderator list, the invite looked for), two checks a pass.
    assert!(
        most_in_a_pass <= 2 * u64::from(PENDING_CHECKS_PER_PASS),
        "{most_in_a_pass} calls in one pass"
    );
    // From the third day on, about one check a day each (hourly before: 576 calls a day).
    let sign_ups = u64::try_from(SIGNUPS).expect("small");
    for (day, calls) in per_day.iter().enumerate().take(7).skip(2) {
        assert!(*calls <= 2 * 2 * sign_ups, "day {day}: {calls} calls");
    }
    assert_eq!(per_day[8], 0, "no checks after a week: {per_day:?}");

    // The console says the bot stopped checking; "Check now" starts one over.
    for name in &names {
        let st = w
            .store
            .subreddit_status(name)
            .await
            .expect("q")
            .expect("row");
        assert_eq!(st.state, SubredditState::Pending);
        assert!(st.checks_stopped(), "{name}: {st:?}");
    }
    w.store
        .request_check(&names[0], w.clock.now())
        .await
        .expect("check now");
    let before = check_calls(&w);
    w.pass().await.expect("pass");
    assert_eq!(check_calls(&w) - before, 2, "one check, two calls");
    let st = w
        .store
        .subreddit_status(&names[0])
        .await
        .expect("q")
        .expect("row");
    assert!(
        !st.checks_stopped(),
        "checked again, on the schedule from the start"
    );
}
