use actix_session::Session;
use actix_web::{HttpResponse, web};

use crate::console::access::clear_page;
use crate::console::form_preview;
use crate::errors::PageError;
use crate::startup::AppState;

/// The questions in effect (the subreddit's own, else the shipped ones in its language) as
/// the appeal form shows them to an appellant, for an example ban.
pub async fn preview(
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = format!("/dashboard/r/{sub}/settings/preview");
    let cleared = clear_page(&state, &session, &sub, &here, now).await?;
    let name = &cleared.subreddit.name;
    let effective = state.settings_in_effect(name).await?;
    form_preview::page(name, &effective.questions, effective.language, now)
}
