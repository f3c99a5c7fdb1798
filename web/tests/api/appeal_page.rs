//! The console's page of one appeal over HTTP, on both backends, over the readout fixture
//! (see `queue.rs` and `appealmod_testkit::readout_fixture`): answers as the moderators' note
//! shows them, the ban, toxicity by question or message, the timeline, the appellant's
//! other appeals, the modmail link and the decision section; an appellant without an
//! appeal; and the same 404 for another subreddit's moderator and for an id of another
//! subreddit.

use appealmod_shared::domain::{AppealId, RedditUsername, SubredditName};
use appealmod_shared::storage::{Backend, Store};
use chrono::{Duration, Utc};

use crate::console::{console_again, location};
use crate::on_both_backends;
use crate::queue::{appeal_of, completed_appeal, loaded};

on_both_backends!(
    an_appeal_shows_answers_toxicity_and_its_timeline,
    each_appeal_of_one_user_names_the_others,
    a_fast_fill_waiting_for_a_decision_is_flagged,
    a_control_appellant_has_a_page_too,
    another_subreddits_moderator_or_appeal_gets_404,
);

/// The ids of every appeal of u/`user` in `sub`, oldest first.
async fn appeals(store: &Store, sub: &str, user: &str) -> Vec<AppealId> {
    let a = store
        .appellant(
            &SubredditName::parse(sub).expect("sub"),
            &RedditUsername::parse(user).expect("user"),
        )
        .await
        .expect("read")
        .expect("appellant");
    store
        .appeals_of(a.id)
        .await
        .expect("appeals")
        .iter()
        .map(|p| p.id)
        .collect()
}

/// Where each of `needles` is in `body`, checking they come in that order.
fn in_order(body: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        let at = body[from..]
            .find(n)
            .unwrap_or_else(|| panic!("{n:?} missing, or out of order, in\n{body}"));
        from += at + n.len();
    }
}

async fn an_appeal_shows_answers_toxicity_and_its_timeline(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    // a15: completed in 5 minutes with a toxic answer, denied six days later (conversation
    // c14, the fifteenth row of the fixture).
    let a15 = appeal_of(store, "pics", "a15").await;
    let (status, body) = c
        .page(&format!("/dashboard/r/pics/appeals/{}", a15.0))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&format!("appeal #{}", a15.0)));
    assert!(body.contains("badge-case-denied\">Denied</span>"), "{body}");
    assert!(body.contains("badge-toxic\">Toxic language</span>"));
    // The answers as the note shows them (its markdown, rendered).
    in_order(
        &body,
        &[
            "<h2 id=\"answers-title\">Answers</h2>",
            "Filled in 5 min 0 s.",
            "<strong>ban_reason</strong> I posted something off topic.",
            "<strong>steps</strong> Your rules are",
            "<strong>pledge</strong> Yes",
        ],
    );
    // Which text was toxic, by its question; its words only where the answers are.
    assert!(
        body.contains("<strong>The answer to “steps”</strong>: "),
        "{body}"
    );
    assert_eq!(body.matches("Your rules are").count(), 1);
    assert!(
        body.contains("Of 4 texts assessed."),
        "2 messages and 2 free-text answers: {body}"
    );
    // The ban, as told and as noted.
    in_order(
        &body,
        &[
            "Permanent, since",
            "Reason the user was told</dt><dd>spam",
            "Moderators' ban note</dt><dd>spam",
        ],
    );
    // The timeline, oldest first.
    in_order(
        &body,
        &[
            "Wrote in modmail",
            "The bot sent the link to the form",
            "Opened the form",
            "Submitted the form",
            "Answers posted in modmail for the moderators",
            "Denied: still banned when the bot stopped following",
        ],
    );
    assert!(!body.contains("Waiting for a decision"), "decided");
    assert!(body.contains("href=\"https://mod.reddit.com/mail/all/c14\""));
    assert!(body.contains("<section id=\"decision\""));
    assert!(body.contains("Denied by the bot on "), "{body}");
    assert!(body.contains("None: this is u/a15's first appeal in r/pics."));
}

/// a1 appealed twice (granted, then a link sent): each page names the other, with its
/// outcome.
async fn each_appeal_of_one_user_names_the_others(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let a1 = appeals(&c.app.db.store, "pics", "a1").await;
    assert_eq!(a1.len(), 2);
    let (_, second) = c
        .page(&format!("/dashboard/r/pics/appeals/{}", a1[1].0))
        .await;
    assert!(
        second.contains(&format!(
            "<a href=\"/dashboard/r/pics/appeals/{}\">Earlier appeal, ",
            a1[0].0
        )),
        "{second}"
    );
    in_order(
        &second,
        &["Earlier appeal, ", "badge-case-granted\">Granted</span>"],
    );
    assert!(second.contains("badge-case-contacted\">Contacted</span>"));
    assert!(second.contains("None yet: the form has not been submitted."));
    let (_, first) = c
        .page(&format!("/dashboard/r/pics/appeals/{}", a1[0].0))
        .await;
    assert!(first.contains(&format!(
        "<a href=\"/dashboard/r/pics/appeals/{}\">Later appeal, ",
        a1[1].0
    )));
    in_order(
        &first,
        &["Answers posted in modmail", "Granted: the ban was lifted"],
    );
}

async fn a_fast_fill_waiting_for_a_decision_is_flagged(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let now = Utc::now();
    let id = completed_appeal(
        &c.app.db.store,
        "pics",
        "quick_one",
        now - Duration::hours(6),
        12,
        now - Duration::hours(4),
    )
    .await;
    let (status, body) = c.page(&format!("/dashboard/r/pics/appeals/{}", id.0)).await;
    assert_eq!(status, 200);
    assert!(body.contains("badge-fast\">Filled fast</span>"), "{body}");
    assert!(
        body.contains("Filled in 12 s, <strong>faster than 30 s</strong>"),
        "{body}"
    );
    assert!(
        body.contains("Waiting for a decision for <strong>4 h</strong>"),
        "{body}"
    );
    assert!(body.contains("badge-case-completed\">Completed</span>"));
    in_order(&body, &["Temporary, since", "Rule 3: be civil", "rule 3"]);
    in_order(
        &body,
        &[
            "Submitted the form",
            "Answers posted in modmail",
            "Waiting for a decision</span> for 4 h",
        ],
    );
    assert!(
        body.contains("No toxic language in the 2 texts assessed"),
        "{body}"
    );
}

async fn a_control_appellant_has_a_page_too(backend: Backend) {
    let (c, _) = loaded(backend).await;
    // a8: control, a toxic first message, unbanned four days later (conversation c7).
    let (_, list) = c.page("/dashboard/r/pics?user=a8").await;
    let href = list
        .split("class=\"case-link\" href=\"")
        .nth(1)
        .and_then(|r| r.split_once('"'))
        .map(|(h, _)| h.to_owned())
        .expect("a8's line links somewhere");
    assert!(href.starts_with("/dashboard/r/pics/appellants/"), "{href}");
    let (status, body) = c.page(&href).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("recorded without an appeal"));
    assert!(body.contains("u/a8 is in the control group"), "{body}");
    assert!(body.contains("badge-case-granted\">Granted</span>"));
    assert!(
        body.contains("<strong>A message in modmail</strong>: "),
        "{body}"
    );
    in_order(&body, &["Wrote in modmail", "Seen unbanned (granted)"]);
    assert!(body.contains("href=\"https://mod.reddit.com/mail/all/c7\""));
    assert!(body.contains("<section id=\"decision\""));
}

async fn another_subreddits_moderator_or_appeal_gets_404(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let pics = appeal_of(store, "pics", "a15").await;
    let news = appeal_of(store, "news", "b1").await;
    let b5 = store
        .appellant(
            &SubredditName::parse("news").expect("sub"),
            &RedditUsername::parse("b5").expect("user"),
        )
        .await
        .expect("read")
        .expect("b5");
    // head_mod (r/pics): an id of r/news under r/pics, r/news itself, ids that are none.
    for path in [
        format!("/dashboard/r/pics/appeals/{}", news.0),
        format!("/dashboard/r/news/appeals/{}", pics.0),
        format!("/dashboard/r/news/appeals/{}", news.0),
        format!("/dashboard/r/pics/appellants/{}", b5.id.0),
        "/dashboard/r/pics/appeals/999999".to_owned(),
        "/dashboard/r/pics/appeals/abc".to_owned(),
        "/dashboard/r/pics/appeals/-1".to_owned(),
        "/dashboard/r/pics/appellants/0".to_owned(),
    ] {
        let (status, body) = c.page(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Page not found"), "{path}");
    }
    // other_mod (r/news): r/pics's appeal, under either subreddit.
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    for path in [
        format!("/dashboard/r/pics/appeals/{}", pics.0),
        format!("/dashboard/r/news/appeals/{}", pics.0),
    ] {
        assert_eq!(o.page(&path).await.0, 404, "{path}");
    }
    assert_eq!(
        o.page(&format!("/dashboard/r/news/appeals/{}", news.0))
            .await
            .0,
        200
    );
    // The operator sees both, each under its own subreddit only.
    let op = console_again(&c).await;
    op.login("the_operator", "/dashboard").await;
    assert_eq!(
        op.page(&format!("/dashboard/r/news/appeals/{}", news.0))
            .await
            .0,
        200
    );
    assert_eq!(
        op.page(&format!("/dashboard/r/pics/appeals/{}", news.0))
            .await
            .0,
        404
    );
    // Not logged in: to the login, and back to the page afterwards.
    let anon = console_again(&c).await;
    let r = anon
        .get(&format!("/dashboard/r/pics/appeals/{}", pics.0))
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        location(&r),
        format!("/login?next=%2Fdashboard%2Fr%2Fpics%2Fappeals%2F{}", pics.0)
    );
}
