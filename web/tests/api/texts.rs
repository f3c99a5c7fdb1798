//! One truth in the texts: the numbers and names the pages and the README print are the ones
//! the bot acts on (`appealmod_core::policy`), found on the rendered pages; the sign-up and
//! the console are described as they work; an appellant's error page sends them to modmail,
//! not to the moderators' home page.

use appealmod_shared::domain::{CONSOLE_PERMISSIONS_TEXT, ModPermission};
use appealmod_shared::policy::{
    FORM_DURATION, MAX_REMINDERS, bot_permissions_text, count_in_words,
};
use appealmod_shared::storage::Backend;
use chrono::{Duration, Utc};

use crate::helpers::spawn_app;
use crate::on_both_backends;

on_both_backends!(
    landing_and_faq_print_the_bots_own_numbers,
    the_form_prints_the_form_duration,
    appellants_error_pages_point_to_modmail_not_the_home_page,
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
    // Who may sign up and use the console, in the words `may_use_console` is tied to.
    let console = format!("{CONSOLE_PERMISSIONS_TEXT} permissions");
    assert_eq!(
        page.matches(&console).count(),
        2,
        "the sign-up step and the settings FAQ: {page}"
    );
    assert!(page.contains("The bot accepts the invitation by itself"));
    assert_eq!(page.matches(FORM_DURATION).count(), 2, "{page}");
    // Reddit's newer tools call Access "Manage Users": the Mod Notes need no other one.
    assert!(
        page.contains(&format!(
            "{} (Reddit's Manage Users)",
            ModPermission::Access.label()
        )),
        "{page}"
    );
    // The sign-up as it is: logged in with Reddit, pending until the bot has checked.
    for now_true in [
        "Log in with Reddit and sign up a subreddit you moderate",
        "It stays pending until the bot has checked that it is a moderator there",
        "Pause it in the console",
        "open your subreddit's settings in the console",
        "if you turn it on in your console, it also adds a Reddit Mod Note on the user",
    ] {
        assert!(page.contains(now_true), "missing {now_true:?}: {page}");
    }
    // The old texts that disagreed with the code are gone.
    for stale in [
        "once more",
        "with Mail (modmail) permission",
        "two to three minutes",
        "Sign up your subreddit on this site",
        "Your sign-up e-mail",
        "ask the operator",
        "Ask the operator",
        "remove the bot to stop",
    ] {
        assert!(!page.contains(stale), "still says {stale:?}");
    }
}

/// The README says what the pages say: the same numbers and names, from the same constants.
#[test]
fn the_readme_states_the_bots_own_numbers() {
    let readme = include_str!("../../../README.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for said in [
        format!(
            "After the last reminder ({} by default)",
            count_in_words(MAX_REMINDERS)
        ),
        format!("The user fills the form ({FORM_DURATION})"),
        format!("a moderator there with **{}**", bot_permissions_text()),
        format!(
            "the permissions **{}** (read and answer modmail, archive) and **{}**, which Reddit's newer tools call *Manage Users*",
            ModPermission::Mail.label(),
            ModPermission::Access.label()
        ),
    ] {
        assert!(readme.contains(&said), "the README lacks {said:?}");
    }
    assert!(
        !readme.contains("the bot then needs Manage Users too"),
        "stale"
    );
}

/// The home page is the moderators' sign-up site: a banned user whose link does not work
/// is told to write in modmail, and is not sent there. Moderators still get their way on.
async fn appellants_error_pages_point_to_modmail_not_the_home_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, expired) = app
        .create_appeal_expiring("bob", "note", Utc::now() - Duration::minutes(1))
        .await;
    for (path, status, modmail) in [
        (
            expired.as_str(),
            410,
            "Write again in your modmail conversation with r/pics",
        ),
        (
            "/appeal/not-a-token",
            404,
            "message in your modmail conversation",
        ),
    ] {
        let (got, html) = app.get_text(path).await;
        assert_eq!(got, status, "{path}");
        let page = text_of(&html);
        assert!(page.contains(modmail), "{path}: {page}");
        assert!(!page.contains("home page"), "{path}: {page}");
        assert!(!html.contains("Moderators: go to the console"), "{path}");
    }
    // A page either may meet says which link is for moderators.
    let (got, html) = app.get_text("/no-such-page").await;
    assert_eq!(got, 404);
    assert!(text_of(&html).contains("copied the whole link"), "{html}");
    assert!(
        html.contains("<a href=\"/dashboard\">Moderators: go to the console</a>"),
        "{html}"
    );
    assert!(!text_of(&html).contains("home page"), "{html}");
    // Console errors keep a link that helps a moderator (no console here: the home page).
    let (got, html) = app.get_text("/login").await;
    assert_eq!(got, 404);
    assert!(
        html.contains("The moderator console is not set up"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/\">Go to the home page</a>"),
        "{html}"
    );
}

async fn the_form_prints_the_form_duration(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    let (_, html) = app.get_text(&path).await;
    assert!(
        text_of(&html).contains(&format!("This takes {FORM_DURATION};")),
        "{html}"
    );
}
