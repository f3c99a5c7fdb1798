//! `POST /dashboard/r/{sub}/appeals/{id}/decide`: a moderator claims, grants, denies or
//! reduces an appeal in the console. The decision is stored with the journal entries that
//! carry it out (unban or temporary ban, the message, archive) in one transaction, once:
//! the bot's sender applies them at its next pass, exactly once, like every other write.
//! The answer is the appeal's page again, with a notice saying what happened; a second
//! click, or a second moderator, is told whose decision stands (the page shows it).

use actix_session::Session;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};

use appealmod_core::decide::verdict::{Channel, Refusal, TEMP_BAN_DAYS, Verdict, decide_appeal};
use appealmod_core::decide::{Action, Body, MODMAIL_MAX_CHARS, StepMarker};
use appealmod_shared::domain::{Appeal, AppealId, AppellantId, Group, RedditUsername};
use appealmod_shared::effects::{self, decision_entries};
use appealmod_shared::storage::{ControlBan, Recorded};

use super::subreddit_post;
use crate::errors::PageError;
use crate::startup::AppState;

/// How long a claim from the console holds an appeal (as a `!claim` in modmail).
pub const CLAIM_MINUTES: i64 = 30;

/// What the form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asked {
    Claim,
    /// A message to the user without a decision (e.g. asking for more): sent by the bot in
    /// the conversation, which stays with the moderators (not archived).
    Reply(String),
    Decide {
        verdict: Verdict,
        template: Option<String>,
    },
}

/// The form's fields, checked: `action` is claim, grant, deny or reduce; `days` (reduce)
/// 1–999; `template` (deny) a template name. Anything else is a bad request.
fn asked(form: &crate::form::FormData) -> Result<Asked, PageError> {
    let template = form
        .get("template")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok(match form.get("action") {
        Some("claim") => Asked::Claim,
        Some("reply") => {
            let text = form.get("message").map(str::trim).unwrap_or_default();
            let length = text.chars().count();
            if length == 0 || length > MODMAIL_MAX_CHARS - 100 {
                return Err(PageError::BadBody);
            }
            Asked::Reply(text.to_owned())
        }
        Some("grant") => Asked::Decide {
            verdict: Verdict::Grant,
            template: None,
        },
        Some("deny") => Asked::Decide {
            verdict: Verdict::Deny,
            template,
        },
        Some("reduce") => {
            let days = form
                .get("days")
                .and_then(|d| d.trim().parse::<u16>().ok())
                .filter(|d| TEMP_BAN_DAYS.contains(d))
                .ok_or(PageError::BadBody)?;
            Asked::Decide {
                verdict: Verdict::Reduce { days },
                template: None,
            }
        }
        _ => return Err(PageError::BadBody),
    })
}

/// The notice the appeal's page shows after the post (`?notice=`).
fn notice_of(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::AlreadyDecided { .. } => "already-decided",
        Refusal::NotComplete => "not-complete",
        Refusal::ClaimedByOther { .. } => "claimed-by-other",
        Refusal::BadDays => "bad-days",
        Refusal::UnknownTemplate(_) => "unknown-template",
        Refusal::Recused { .. } => "recused",
    }
}

pub async fn decide(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (sub, id) = path.into_inner();
    let here = format!("/dashboard/r/{sub}/appeals/{id}");
    let (form, cleared, now) =
        subreddit_post(&req, payload, &session, &state, &sub, &here, "decide").await?;
    let id = id.parse::<i64>().map_err(|_| PageError::NotFound)?;
    let appeal = state
        .store
        .appeal(AppealId(id))
        .await?
        .filter(|a| a.subreddit == cleared.subreddit.name)
        .ok_or(PageError::NotFound)?;
    let notice = act(&state, &cleared.user.user, &appeal, asked(&form)?, now).await?;
    Ok(back_to(&here, notice))
}

/// `POST /dashboard/r/{sub}/appellants/{id}/decide`: a decision (or claim) on a control
/// appellant no moderator has acted on yet. Their control appeal is recorded first
/// (`Store::control_appeal`: no link, no form), then decided like any other; the answer is
/// that appeal's page. Anyone else — a treatment appellant, another subreddit's — is 404.
pub async fn decide_control(
    req: HttpRequest,
    payload: web::Payload,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (sub, id) = path.into_inner();
    let here = format!("/dashboard/r/{sub}/appellants/{id}");
    let (form, cleared, now) =
        subreddit_post(&req, payload, &session, &state, &sub, &here, "decide").await?;
    let asked = asked(&form)?;
    let id = id.parse::<i64>().map_err(|_| PageError::NotFound)?;
    let appellant = state
        .store
        .appellant_by_id(AppellantId(id))
        .await?
        .filter(|a| a.subreddit == cleared.subreddit.name && a.group == Group::Control)
        .ok_or(PageError::NotFound)?;
    // Their latest conversation: where the moderators read them, and where the bot answers.
    let conversation = state
        .store
        .conversations_of(appellant.id)
        .await?
        .pop()
        .ok_or(PageError::NotFound)?;
    let appeal = match state
        .store
        .control_appeal(appellant.id, &conversation, &ControlBan::default(), now)
        .await?
    {
        Some(id) => state.store.appeal(id).await?,
        None => None,
    }
    .ok_or(PageError::NotFound)?;
    let notice = act(&state, &cleared.user.user, &appeal, asked, now).await?;
    let page = format!("/dashboard/r/{sub}/appeals/{}", appeal.id.0);
    Ok(back_to(&page, notice))
}

fn back_to(page: &str, notice: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{page}?notice={notice}#decision")))
        .finish()
}

/// Does what the form asks on `appeal`; the notice code says what happened.
async fn act(
    state: &AppState,
    by: &RedditUsername,
    appeal: &Appeal,
    asked: Asked,
    now: DateTime<Utc>,
) -> Result<&'static str, PageError> {
    Ok(match asked {
        Asked::Reply(text) => {
            // In the control group the bot writes only to carry out a decision; only a
            // reply needs to know the group.
            let control = state
                .store
                .appellant_by_id(appeal.appellant_id)
                .await?
                .is_some_and(|a| a.group == Group::Control);
            match control {
                true => "control-reply",
                false => reply(state, appeal, &text, now).await?,
            }
        }
        Asked::Claim => {
            let until = now + Duration::minutes(CLAIM_MINUTES);
            match state.store.claim_appeal(appeal.id, by, until, now).await? {
                Ok(()) => "claimed",
                Err(_) => "claimed-by-other",
            }
        }
        Asked::Decide { verdict, template } => {
            decide_verdict(state, by, appeal, verdict, template.as_deref(), now).await?
        }
    })
}

/// A grant, denial or reduction: planned by the core (refusals included: decided already,
/// claimed by another, the recusal rule), stored with its journal entries once.
async fn decide_verdict(
    state: &AppState,
    by: &RedditUsername,
    appeal: &Appeal,
    verdict: Verdict,
    template: Option<&str>,
    now: DateTime<Utc>,
) -> Result<&'static str, PageError> {
    let effective = state.settings_in_effect(&appeal.subreddit).await?;
    let mut decision_state = state.store.decision_state(appeal.id).await?;
    decision_state.recusal = effective.recusal;
    let plan = effective
        .decision_templates
        .render_in(verdict, template, appeal, effective.language)
        .and_then(|m| decide_appeal(appeal, &decision_state, verdict, m, by, now));
    let plan = match plan {
        Err(refusal) => return Ok(notice_of(&refusal)),
        Ok(plan) => plan,
    };
    let effects = decision_entries(&plan, &appeal.conversation_id);
    Ok(
        match state
            .store
            .record_decision(&plan, &effects, by, Channel::Console, now)
            .await?
        {
            Recorded::Stored => {
                tracing::info!(slack = "steps", subreddit = %appeal.subreddit, appeal = appeal.id.0, decision = verdict.as_str(), moderator = %by, "an appeal was decided in the console");
                "decided"
            }
            Recorded::AlreadyDecided(_) => "already-decided",
        },
    )
}

/// Queues the moderator's message for the bot's sender. Its marker is the appeal and a
/// hash of the text, so a double click (or a resent form) sends it once.
async fn reply(
    state: &AppState,
    appeal: &Appeal,
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<&'static str, PageError> {
    let key = effects::text_key(text);
    let marker = StepMarker::Command(format!("reply-{}-{key}", appeal.id.0));
    let entry = effects::written(
        &Action::Reply(Body::Text(text.to_owned())),
        Some(appeal.id),
        &appeal.conversation_id,
        &marker,
    );
    let mut tx = state.store.begin().await?;
    let new = tx.enqueue_effect(&entry, now).await?;
    tx.commit().await?;
    Ok(if new { "replied" } else { "already-replied" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_have_a_notice_each() {
        let all = [
            Refusal::AlreadyDecided {
                outcome: "granted",
                by: "x".into(),
                at: chrono::DateTime::UNIX_EPOCH,
            },
            Refusal::NotComplete,
            Refusal::BadDays,
            Refusal::UnknownTemplate("x".into()),
            Refusal::Recused {
                by: RedditUsername::parse("x").expect("name"),
            },
        ];
        let notices: std::collections::BTreeSet<_> = all.iter().map(notice_of).collect();
        assert_eq!(notices.len(), all.len());
    }
}
