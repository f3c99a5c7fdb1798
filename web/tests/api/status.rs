//! The personal link after submission (where the appeal stands, at each stage and after the
//! link's time is up), the expired and the replaced link, and what the form shows of the ban.

use appealmod_core::toxicity::AssessedForm;
use appealmod_shared::config::ModmailLinks;
use appealmod_shared::domain::{AppealId, AppealStatus, ConversationId, FormAnswers, Outcome};
use appealmod_shared::storage::{Backend, SubredditSettings};
use chrono::{Duration, Utc};

use crate::helpers::{TestApp, complete_answers, spawn_app, spawn_with, sub};
use crate::on_both_backends;

on_both_backends!(
    status_page_follows_the_appeal_through_each_stage,
    status_page_outlives_the_links_expiry,
    expired_link_says_a_fresh_one_comes_or_the_moderators_take_over,
    replaced_link_is_told_apart_from_a_never_valid_one,
    dead_links_lead_to_the_configured_modmail_view,
    form_shows_the_ban_messages_reason_never_the_private_note,
    failed_submit_focuses_the_summary_and_links_each_question,
);

/// Private: must never reach the appellant's pages.
const NOTE: &str = "PRIVATE mod note: known troll, see r/modteam thread";
const REASON: &str = "Rule 2: no personal attacks.";

async fn complete(app: &TestApp, id: AppealId) {
    let mut tx = app.db.store.begin().await.expect("tx");
    tx.set_appeal_status(id, AppealStatus::Completed, Utc::now())
        .await
        .expect("complete");
    tx.commit().await.expect("commit");
}

async fn grant(app: &TestApp, id: AppealId) {
    let mut tx = app.db.store.begin().await.expect("tx");
    tx.set_appeal_outcome(id, Outcome::Granted, Utc::now())
        .await
        .expect("grant");
    tx.commit().await.expect("commit");
}

/// Today as the status page opens a time: "7 December 2026, " (the hour follows, in UTC).
fn today() -> String {
    Utc::now().format("%-d %B %Y, ").to_string()
}

/// What the page says between `<main>` and `</main>`, tags left in.
fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("a main element");
    let end = page.find("</main>").expect("its end");
    &page[start..end]
}

/// A page for a link that no longer opens the form: it names the subreddit, links the
/// appellant's own modmail conversation (u/bob's is `cbob`), says it in one sentence and
/// shows no status code.
/// Appellants get the conversation as they read it (`url`), never the moderators' address.
fn assert_says_where_to_write(page: &str, url: &str) {
    let main = main_of(page);
    let link = format!("<a href=\"{url}\">your modmail conversation with r/pics</a>");
    assert!(main.contains(&link), "{main}");
    assert!(!page.contains("mod.reddit.com"), "moderators only: {page}");
    assert!(!page.contains("/_sim/view/"), "moderators only: {page}");
    for code in ["404", "410"] {
        assert!(!main.contains(code), "a raw status code: {main}");
    }
    let lead = main.split("<p class=\"lead\">").nth(1).expect("a lead");
    let lead = &lead[..lead.find("</p>").expect("its end")];
    assert_eq!(lead.matches(". ").count(), 0, "one sentence: {lead}");
    assert_eq!(
        main.matches("<p").count(),
        1,
        "nothing else to read: {main}"
    );
}

fn assert_private_nothing(page: &str) {
    assert!(!page.contains("PRIVATE"), "the ban note leaked:\n{page}");
    assert!(
        !page.contains("known troll"),
        "the ban note leaked:\n{page}"
    );
}

async fn status_page_follows_the_appeal_through_each_stage(backend: Backend) {
    let app = spawn_app(backend).await;
    let expires = Utc::now() + Duration::days(7);
    let (id, path) = app.create_appeal_with("bob", NOTE, REASON, expires).await;

    let (status, page) = app.submit(&path, &complete_answers()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>Thank you, your appeal was received</h1>"));

    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Your appeal was received</h1>"), "{page}");
    assert!(page.contains(&format!(">{}", today())), "{page}");
    assert!(page.contains(" UTC</time>"), "the time zone is said");
    assert!(page.contains("<time datetime=\""), "and machine-readable");
    assert!(page.contains("<a href=\"https://www.reddit.com/r/pics/\">Back to r/pics</a>"));
    assert!(page.contains(
        "<a href=\"https://www.reddit.com/message/messages/\">Your modmail conversation with r/pics</a>"
    ));
    assert!(page.contains("Appeal received"));
    assert!(page.contains("step step-current\" aria-current=\"step\""));
    assert!(page.contains("usually within a few minutes"));
    assert!(!page.contains("<form"), "nothing to fill any more");
    assert_private_nothing(&page);

    complete(&app, id).await;
    let (_, page) = app.get_text(&path).await;
    assert!(
        page.contains("<h1>Your appeal is with the moderators</h1>"),
        "{page}"
    );
    assert_eq!(page.matches(&format!(">{}", today())).count(), 2);
    assert!(page.contains("Passed to the moderators"));
    assert!(page.contains("If the moderators answer you, it will be in your modmail"));
    assert!(!page.contains("Ban lifted"));
    assert_private_nothing(&page);

    grant(&app, id).await;
    let (_, page) = app.get_text(&path).await;
    assert!(page.contains("<h1>You are no longer banned</h1>"), "{page}");
    assert!(page.contains("You are no longer banned from r/pics."));
    assert!(!page.contains("aria-current"), "every step done");
    assert_private_nothing(&page);
}

async fn status_page_outlives_the_links_expiry(backend: Backend) {
    let app = spawn_app(backend).await;
    let past = Utc::now() - Duration::minutes(1);
    let (id, path) = app.create_appeal_with("bob", NOTE, REASON, past).await;
    // Submitted while the link still worked (stored directly: the link is past its time).
    let answers = FormAnswers {
        answers: Vec::new(),
        opened_at: None,
        submitted_at: Utc::now() - Duration::days(2),
    };
    app.db
        .store
        .submit_form(id, &AssessedForm::of(answers))
        .await
        .expect("submit");
    complete(&app, id).await;
    let (status, page) = app.get_text(&path).await;
    assert_eq!(
        status, 200,
        "the signature is valid; expiry only ends new submissions"
    );
    assert!(
        page.contains("<h1>Your appeal is with the moderators</h1>"),
        "{page}"
    );
    assert_private_nothing(&page);
    // A late POST still sends nothing new.
    let (status, _) = app.post_form(&path, &complete_answers()).await;
    assert_ne!(status, 200);
}

async fn expired_link_says_a_fresh_one_comes_or_the_moderators_take_over(backend: Backend) {
    let app = spawn_app(backend).await;
    let past = Utc::now() - Duration::minutes(1);
    let (id, path) = app.create_appeal_with("bob", NOTE, REASON, past).await;
    // What the bot records from Reddit's `legacyFirstMessageId`.
    app.db
        .store
        .record_user_message_id(&conv("cbob"), "12tz1li")
        .await
        .expect("record");
    let user_view = "https://www.reddit.com/message/messages/12tz1li";
    for (method_post, label) in [(false, "GET"), (true, "POST")] {
        let (status, page) = if method_post {
            app.post_form(&path, &complete_answers()).await
        } else {
            app.get_text(&path).await
        };
        assert_eq!(status, 410, "{label}");
        assert!(page.contains("<h1>This link has expired</h1>"), "{label}");
        assert!(
            page.contains("the bot will answer with a new link to the form."),
            "{label}"
        );
        assert_says_where_to_write(&page, user_view);
        assert_private_nothing(&page);
    }
    assert!(app.db.store.form_answers(id).await.expect("get").is_none());

    // Three reminders sent already (the default limit): writing again reaches the moderators.
    let mut tx = app.db.store.begin().await.expect("tx");
    for _ in 0..3 {
        tx.count_reminder(id, Utc::now()).await.expect("remind");
    }
    tx.commit().await.expect("commit");
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 410);
    assert!(page.contains("The form is closed"), "{page}");
    assert!(page.contains("goes straight to its moderators."));
    assert_says_where_to_write(&page, user_view);

    // A subreddit that allows more reminders still gets a fresh link.
    let mut settings = SubredditSettings::new(sub("pics"));
    settings.max_reminders = Some(5);
    app.db
        .store
        .save_subreddit(&settings, Utc::now())
        .await
        .expect("save");
    let (_, page) = app.get_text(&path).await;
    assert!(page.contains("will answer with a new link"), "{page}");
}

async fn replaced_link_is_told_apart_from_a_never_valid_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let soon = Utc::now() + Duration::hours(1);
    let (id, old) = app.create_appeal_with("bob", NOTE, REASON, soon).await;
    // What the bot does when it renews a link: a new token's hash replaces the old one.
    let renewed_until = Utc::now() + Duration::days(30);
    let fresh = app.signer.sign(id, renewed_until);
    let mut tx = app.db.store.begin().await.expect("tx");
    tx.renew_appeal_link(id, &fresh.hash(), renewed_until)
        .await
        .expect("renew");
    tx.commit().await.expect("commit");

    let (status, page) = app.get_text(&old).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("<h1>This link was replaced</h1>"));
    assert!(page.contains("Please use the newest link the bot sent you in "));
    // Before the bot has seen Reddit's user-side id: the appellant's messages.
    assert_says_where_to_write(&page, ModmailLinks::REDDIT_USER);
    assert_private_nothing(&page);
    let (status, _) = app.post_form(&old, &complete_answers()).await;
    assert_eq!(status, 410, "the old link sends nothing");

    let new_path = format!("/appeal/{}", fresh.expose());
    let (status, page) = app.get_text(&new_path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Submit my appeal"),
        "the new link is the form"
    );

    // Never valid: signed for no appeal at all, or not signed by us.
    let stranger = app.signer.sign(AppealId(987_654), renewed_until);
    let (status, page) = app
        .get_text(&format!("/appeal/{}", stranger.expose()))
        .await;
    assert_eq!(status, 404);
    assert!(page.contains("<h1>This link is not valid</h1>"));
    let main = main_of(&page);
    assert!(
        !main.contains("<a "),
        "no appeal, so no conversation: {main}"
    );
    assert!(!main.contains("404"), "{main}");
    let mut forged: Vec<char> = new_path.chars().collect();
    let last = forged.len() - 2;
    forged[last] = if forged[last] == 'A' { 'B' } else { 'A' };
    let (status, _) = app.get_text(&forged.into_iter().collect::<String>()).await;
    assert_eq!(status, 404);
}

async fn form_shows_the_ban_messages_reason_never_the_private_note(backend: Backend) {
    let app = spawn_app(backend).await;
    let week = Utc::now() + Duration::days(7);
    let (_, path) = app
        .create_appeal_with(
            "bob",
            NOTE,
            "Rule 2: no personal attacks.\n\nYou called someone an idiot.",
            week,
        )
        .await;
    let (_, page) = app.get_text(&path).await;
    assert!(page.contains("The reason in your ban message"));
    assert!(
        page.contains("<p>Rule 2: no personal attacks.</p><p>You called someone an idiot.</p>")
    );
    assert_private_nothing(&page);
    // A failed submit renders the form again: still the reason, still no note.
    let (status, page) = app.submit(&path, &[("q_rule", "")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("The reason in your ban message"));
    assert_private_nothing(&page);

    // Only the private note exists (the user opened a conversation of their own and no
    // ban message with a reason was found): nothing of the note, no empty quote, and the
    // form says the moderators did not state a reason.
    let (_, path) = app.create_appeal_with("carol", NOTE, "", week).await;
    let (_, page) = app.get_text(&path).await;
    assert!(
        page.contains(
            "<p class=\"ban-note\" id=\"no-ban-reason\">The moderators did not state a reason for your ban.</p>"
        ),
        "{page}"
    );
    assert!(!page.contains("The reason in your ban message"), "{page}");
    assert!(!page.contains("<blockquote>"), "{page}");
    assert_private_nothing(&page);
    // A "reason" that is the private note itself (Reddit's banStatus.reason) is not shown.
    let (_, path) = app.create_appeal_with("dave", NOTE, NOTE, week).await;
    let (_, page) = app.get_text(&path).await;
    assert!(!page.contains("ban-note"), "{page}");
    assert_private_nothing(&page);
}

async fn failed_submit_focuses_the_summary_and_links_each_question(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", NOTE).await;
    let (status, page) = app.submit(&path, &[]).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\" autofocus"),
        "{page}"
    );
    assert_eq!(
        page.matches("autofocus").count(),
        1,
        "one thing takes focus"
    );
    // Each link names the question's first field, which exists on the page.
    for target in ["q0-0", "q1", "q2-0", "q3-0", "q4"] {
        assert!(page.contains(&format!("href=\"#{target}\"")), "{target}");
        assert!(page.contains(&format!("id=\"{target}\"")), "{target}");
    }
    assert!(!page.contains("<script"), "no script: the CSP allows none");
    // A first visit has no summary and takes no focus.
    let (_, fresh) = app.get_text(&path).await;
    assert!(!fresh.contains("autofocus"));
}

async fn dead_links_lead_to_the_configured_modmail_view(backend: Backend) {
    // The sandbox's configuration: modmail links open the simulator's view.
    let app = spawn_with(backend, |s| {
        s.modmail = ModmailLinks::parse("http://127.0.0.1:9/_sim/view").expect("valid");
        s.user_mail = ModmailLinks::parse("http://127.0.0.1:9/_sim/message").expect("valid");
    })
    .await;
    let past = Utc::now() - Duration::minutes(1);
    let (_, path) = app.create_appeal_with("bob", NOTE, REASON, past).await;
    app.db
        .store
        .record_user_message_id(&conv("cbob"), "b7")
        .await
        .expect("record");
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 410);
    assert_says_where_to_write(&page, "http://127.0.0.1:9/_sim/message/b7");
}

fn conv(id: &str) -> ConversationId {
    ConversationId::parse(id).expect("conversation id")
}
