//! A subreddit's own decision messages, over HTTP on both backends: edited in the console's
//! settings (every problem named, a preview for an example appeal, "keep default" until
//! changed), then used by a decision taken in the console.

use appealmod_shared::domain::SubredditName;
use appealmod_shared::storage::{Backend, EffectKind};
use chrono::{Duration, Utc};

use crate::console::{Console, form_fields, location, post_pairs};
use crate::helpers::csrf_of;
use crate::on_both_backends;
use crate::queue::{completed_appeal, loaded};

on_both_backends!(decision_messages_are_checked_previewed_saved_and_used);

const SETTINGS: &str = "/dashboard/r/pics/settings";

/// The settings form as shown, with `changes` (a value of `None` drops the field).
async fn form_with(c: &Console, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let (status, page) = c.page(SETTINGS).await;
    assert_eq!(status, 200, "{page}");
    let mut f = form_fields(&page);
    for (k, v) in changes {
        f.retain(|(n, _)| n != k);
        if let Some(v) = v {
            f.push(((*k).to_owned(), (*v).to_owned()));
        }
    }
    f
}

async fn stored(c: &Console) -> Option<appealmod_core::decide::verdict::DecisionTemplates> {
    let pics = SubredditName::parse("pics").expect("sub");
    let s = c.app.db.store.subreddit(&pics).await.expect("get");
    s.expect("row").decision_templates
}

async fn decision_messages_are_checked_previewed_saved_and_used(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let (_, page) = c.page(SETTINGS).await;
    assert!(page.contains("Decision messages"), "{page}");
    assert!(
        page.contains("The moderators of r/pics have reviewed your appeal"),
        "the shipped texts are previewed"
    );
    assert!(page.contains("Hi u/example_user."), "an example appeal");
    // The shipped denials (default, rules, too-soon) and the empty slot: d3.
    let long = "x".repeat(2_001);
    let bad = form_with(
        &c,
        &[
            ("decision_grant", Some("Welcome back {user}")),
            ("decision_reduce", Some(&long)),
            ("d1_name", Some("Rules!")),
            ("d3_name", Some("spam")),
            ("action", Some("save")),
        ],
    )
    .await;
    let (status, body) = post_pairs(&c, SETTINGS, bad).await;
    assert_eq!(status, 400, "{body}");
    for anchor in ["decision_grant", "decision_reduce", "d1_name", "d3_text"] {
        assert!(
            body.contains(&format!("href=\"#{anchor}\"")),
            "{anchor}: {body}"
        );
    }
    assert!(body.contains("uses {user}, which the bot does not fill in"));
    assert!(body.contains("at most 2,000 characters"));
    assert!(body.contains("lowercase letters, digits or"));
    assert!(
        body.contains("The denial &#34;spam&#34; cannot be empty")
            || body.contains("The denial &quot;spam&quot; cannot be empty"),
        "{body}"
    );
    // Removing `default` (no box offers it; a forged post) and a second "rules".
    let forged = form_with(
        &c,
        &[
            ("d0_remove", Some("on")),
            ("d3_name", Some("rules")),
            ("d3_text", Some("Again.")),
            ("action", Some("save")),
        ],
    )
    .await;
    let (status, body) = post_pairs(&c, SETTINGS, forged).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("is required: a plain denial uses it"),
        "{body}"
    );
    assert!(body.contains("names are unique"), "{body}");
    // {days} outside the reduce message.
    let days = form_with(&c, &[("d2_text", Some("Wait {days} days."))]).await;
    let (status, body) = post_pairs(&c, SETTINGS, days).await;
    assert_eq!(status, 400);
    assert!(body.contains("href=\"#d2_text\""), "{body}");
    assert!(body.contains("only the reduce message has"), "{body}");
    assert_eq!(stored(&c).await, None, "nothing saved");

    // The preview shows the posted text for the example appeal and saves nothing.
    let preview = form_with(
        &c,
        &[
            ("decision_grant", Some("Welcome back, **u/{username}**.")),
            ("action", Some("preview")),
        ],
    )
    .await;
    let (status, body) = post_pairs(&c, SETTINGS, preview).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<strong>u/example_user</strong>"), "{body}");
    assert_eq!(stored(&c).await, None, "a preview saves nothing");

    // An unchanged form keeps the defaults (nothing stored).
    let same = form_with(&c, &[("action", Some("save"))]).await;
    let (status, body) = post_pairs(&c, SETTINGS, same).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stored(&c).await, None, "keep default");

    let text = "Your ban for {reason} stands, u/{username}.";
    let save = form_with(
        &c,
        &[
            ("d3_name", Some("Spam")),
            ("d3_text", Some(text)),
            ("action", Some("save")),
        ],
    )
    .await;
    let (status, body) = post_pairs(&c, SETTINGS, save).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Saved (3 changes)"), "{body}");
    assert!(body.contains("Denial: spam"), "{body}");
    let own = stored(&c).await.expect("stored");
    assert_eq!(own.deny.len(), 4);
    assert_eq!(own.denial(Some("spam")), Some(text));

    // A console decision uses the subreddit's text.
    let now = Utc::now();
    let id = completed_appeal(
        &c.app.db.store,
        "pics",
        "to_deny",
        now - Duration::hours(5),
        300,
        now - Duration::hours(4),
    )
    .await;
    let page = format!("/dashboard/r/pics/appeals/{}", id.0);
    let (_, body) = c.page(&page).await;
    assert!(
        body.contains("<option value=\"spam\">spam</option>"),
        "{body}"
    );
    let r = c
        .post(
            &format!("{page}/decide"),
            &[
                ("csrf", &csrf_of(&body)),
                ("action", "deny"),
                ("template", "spam"),
            ],
        )
        .await;
    assert!(
        location(&r).ends_with("?notice=decided#decision"),
        "{}",
        location(&r)
    );
    let appeal = c
        .app
        .db
        .store
        .appeal(id)
        .await
        .expect("read")
        .expect("appeal");
    let replies: Vec<String> = c
        .app
        .db
        .store
        .effects_of(&appeal.conversation_id)
        .await
        .expect("journal")
        .into_iter()
        .filter(|e| e.marker.contains("-decision-") && e.kind == EffectKind::Reply)
        .filter_map(|e| e.body)
        .collect();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(
        replies[0].starts_with("Your ban for Rule 3: be civil stands, u/to_deny.\n"),
        "the subreddit's own text, filled in (then the bot's marker): {replies:?}"
    );
}
