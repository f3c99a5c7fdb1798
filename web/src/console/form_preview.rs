//! The appeal form as an appellant of the subreddit will see it, for the settings page: the
//! real form page ([`AppealPage`], `appeal_form.html`) for an example appeal, with a line
//! above it saying it is a preview, served with a policy that lets nothing be sent from it.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use anyhow::Context as _;
use askama::Template;
use chrono::{DateTime, Duration, Utc};

use appealmod_core::domain::Language;
use appealmod_shared::domain::{
    Appeal, AppealId, AppealStatus, AppellantId, ConversationId, FormQuestions, RedditUsername,
    SubredditName,
};

// The ban the preview is for: the one the decision messages' previews fill in.
use super::decision_form::EXAMPLE_REASON;
use crate::errors::PageError;
use crate::routes::appeal::{AppealPage, questions};

/// The preview's policy: the site's [`crate::middleware::CSP`] except that the form it shows
/// may be sent nowhere (it is the appeal form for an example ban, shown to moderators).
pub const PREVIEW_CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; \
                               img-src 'self'; form-action 'none'; frame-ancestors 'none'; \
                               base-uri 'none'";

/// What the preview says above the form.
const BANNER: &str = "This is a preview for moderators: the form as appellants will see it, \
                      for an example ban. Nothing can be sent from here.";

/// An appeal of u/example_user, banned yesterday, waiting for the form.
fn example_appeal(subreddit: &SubredditName, now: DateTime<Utc>) -> anyhow::Result<Appeal> {
    Ok(Appeal {
        id: AppealId(0),
        appellant_id: AppellantId(0),
        subreddit: subreddit.clone(),
        username: RedditUsername::parse("example_user").context("example user")?,
        conversation_id: ConversationId::parse("example").context("example conversation")?,
        token_expires_at: now + Duration::days(30),
        ban_note: String::new(),
        ban_reason: EXAMPLE_REASON.to_owned(),
        ban_date: Some(now - Duration::days(1)),
        ban_permanent: true,
        status: AppealStatus::Prompted,
        reminders: 0,
        outcome: None,
        created_at: now,
        opened_at: None,
        completed_at: None,
        submitted_at: None,
    })
}

/// The form page asking `qs` in `language`, as the appellant sees it, with the preview's notice at the
/// top of the main content.
pub fn page(
    subreddit: &SubredditName,
    qs: &FormQuestions,
    language: Language,
    now: DateTime<Utc>,
) -> Result<HttpResponse, PageError> {
    let appeal = example_appeal(subreddit, now).map_err(PageError::Unexpected)?;
    let form = AppealPage::new(
        &appeal,
        String::new(),
        questions::blank(qs, language),
        language,
    );
    let html = form
        .render()
        .context("rendering the form preview")
        .map_err(PageError::Unexpected)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((CONTENT_SECURITY_POLICY, PREVIEW_CSP))
        .body(with_banner(&html)))
}

/// `html` with the preview's notice first in `<main>` (at the very top if the page had no
/// `<main>`, which the base template always has).
fn with_banner(html: &str) -> String {
    let notice =
        format!("\n<div class=\"notice preview-banner\" role=\"note\"><p>{BANNER}</p></div>");
    let at = html
        .find("<main")
        .and_then(|m| html[m..].find('>').map(|end| m + end + 1))
        .or_else(|| html.find("<body>").map(|b| b + "<body>".len()))
        .unwrap_or(0);
    format!("{}{notice}{}", &html[..at], &html[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_opens_the_main_content() {
        let html = "<body><header></header><main id=\"main\" class=\"wrap\">\n<h1>x</h1></main>";
        let out = with_banner(html);
        let main = out.find("<main").expect("main");
        let notice = out.find("preview-banner").expect("notice");
        assert!(
            notice > main && notice < out.find("<h1>").expect("h1"),
            "{out}"
        );
    }
}
