//! One truth in the texts: the numbers and names the pages print are the ones the bot acts
//! on (`appealmod_core::policy`), found on the rendered pages.

use appealmod_shared::policy::{
    FORM_DURATION, MAX_REMINDERS, bot_permissions_text, count_in_words,
};
use appealmod_shared::storage::Backend;

use crate::helpers::spawn_app;
use crate::on_both_backends;

on_both_backends!(
    landing_and_faq_print_the_bots_own_numbers,
    the_form_prints_the_form_duration,
);

/// The text of a page without its tags, whitespace collapsed: what a reader reads.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn landing_and_faq_print_the_bots_own_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    let page = text_of(&html);
    let reminders = format!("up to {} times", count_in_words(MAX_REMINDERS));
    assert_eq!(
        page.matches(&reminders).count(),
        2,
        "users' steps and the FAQ: {page}"
    );
    let permissions = format!("the {} permissions", bot_permissions_text());
    assert_eq!(
        page.matches(&permissions).count(),
        2,
        "moderators' steps and the FAQ: {page}"
    );
    assert!(page.contains("The bot accepts the invitation by itself"));
    assert_eq!(page.matches(FORM_DURATION).count(), 2, "{page}");
    // The old texts that disagreed with the code are gone.
    for stale in [
        "once more",
        "with Mail (modmail) permission",
        "two to three minutes",
    ] {
        assert!(!page.contains(stale), "still says {stale:?}");
    }
}

async fn the_form_prints_the_form_duration(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    let (_, html) = app.get_text(&path).await;
    assert!(
        text_of(&html).contains(&format!("It takes {FORM_DURATION}.")),
        "{html}"
    );
}
