//! `/api/mod/conversations…`: listings by folder, one conversation in full, replies,
//! archive/unarchive and new conversations. Every call needs the `modmail` scope and a
//! moderator with the `mail` permission in the conversation's subreddit.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Auth, Call, Outcome, serve, truthy};
use crate::model::{Conversation, Folder, NewConversation, Sim, SimError, key};
use crate::simulator::Simulator;
use crate::types::Endpoint;
use crate::wire;

const MODMAIL: Auth = Auth::Scope("modmail");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/mod/conversations", web::get().to(list))
        .route("/api/mod/conversations", web::post().to(create))
        .route("/api/mod/conversations/{id}", web::get().to(get))
        .route("/api/mod/conversations/{id}", web::post().to(reply))
        .route(
            "/api/mod/conversations/{id}/archive",
            web::post().to(archive),
        )
        .route(
            "/api/mod/conversations/{id}/unarchive",
            web::post().to(unarchive),
        )
        .route("/api/mod/conversations/{id}/unban", web::post().to(unban))
        .route(
            "/api/mod/conversations/{id}/temp_ban",
            web::post().to(temp_ban),
        );
}

#[derive(Deserialize)]
struct ListQuery {
    entity: Option<String>,
    sort: Option<String>,
    state: Option<String>,
    limit: Option<usize>,
    after: Option<String>,
}

/// The subreddits a listing covers: those named in `entity` (without it, every subreddit
/// `actor` moderates, as `r/all`'s modmail) where `actor` has modmail access — the `mail`
/// permission or full permissions; an invite not yet accepted gives none.
fn listed_subreddits(
    s: &Sim,
    actor: &str,
    entity: Option<&str>,
) -> Result<HashSet<String>, SimError> {
    let allowed = |k: &String| s.can(k, actor, "mail");
    let subs: HashSet<String> = match entity {
        Some(e) => e
            .split(',')
            .map(key)
            .filter(|k| !k.is_empty())
            .filter(allowed)
            .collect(),
        None => s
            .subreddits
            .keys()
            .filter(|k| allowed(k))
            .cloned()
            .collect(),
    };
    if entity.is_some() && subs.is_empty() {
        return Err(SimError::Forbidden(
            "no modmail access to any named subreddit".into(),
        ));
    }
    Ok(subs)
}

/// The sort key of `sort`; newest first, equal times by the newer (longer, larger) id.
fn sort_key<'a>(c: &'a Conversation, sort: &str) -> (Option<DateTime<Utc>>, usize, &'a str) {
    let at = match sort {
        "mod" => c.last_mod_update,
        "user" => c.last_user_update,
        "unread" => c.last_unread,
        _ => Some(c.last_updated),
    };
    (at, c.id.len(), c.id.as_str())
}

fn select<'a>(s: &'a Sim, q: &ListQuery, actor: &str) -> Result<Vec<&'a Conversation>, SimError> {
    let subs = listed_subreddits(s, actor, q.entity.as_deref())?;
    // No `state` is the default listing; an unknown one is refused, never read as `all`.
    let folder = match q.state.as_deref().filter(|v| !v.is_empty()) {
        None => Folder::All,
        Some(v) => v
            .parse()
            .map_err(|()| SimError::bad("INVALID_OPTION", "state", "that option is not valid"))?,
    };
    let sort = q.sort.as_deref().unwrap_or("recent");
    let mut convs: Vec<&Conversation> = s
        .conversations
        .values()
        .filter(|c| subs.contains(&c.subreddit) && folder.holds(c))
        .collect();
    convs.sort_by(|a, b| sort_key(b, sort).cmp(&sort_key(a, sort)));
    if let Some(after) = q.after.as_deref().filter(|a| !a.is_empty()) {
        // Pages continue below the `after` conversation's place in the order, even if it
        // has left the folder since. Reddit's API documentation writes the id as
        // `ModmailConversation_<id>`; clients (PRAW) send the bare base36 id: both work.
        let after = after.strip_prefix("ModmailConversation_").unwrap_or(after);
        let cursor = s.conversations.get(after).ok_or(SimError::Api {
            status: 404,
            reason: "CONVERSATION_NOT_FOUND",
            field: Some("after"),
            explanation: Some("No conversation found."),
        })?;
        let below = sort_key(cursor, sort);
        convs.retain(|c| sort_key(c, sort) < below);
    }
    convs.truncate(q.limit.unwrap_or(25).clamp(1, 100));
    Ok(convs)
}

async fn list(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> HttpResponse {
    let q = q.into_inner();
    serve(
        &sim,
        &req,
        Endpoint::List,
        MODMAIL,
        move |s, call| match select(s, &q, &call.actor) {
            Ok(convs) => Outcome::ok(wire::listing(s, &convs, &call.actor)),
            Err(e) => e.into(),
        },
    )
    .await
}

async fn get(sim: web::Data<Simulator>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    serve(&sim, &req, Endpoint::Get, MODMAIL, move |s, call| {
        match s.access(&call.actor, &id) {
            Ok(c) => Outcome::ok(wire::conversation_get(s, c, call.now)),
            Err(e) => e.into(),
        }
    })
    .await
}

#[derive(Deserialize)]
struct ReplyForm {
    body: Option<String>,
    #[serde(rename = "isAuthorHidden")]
    is_author_hidden: Option<String>,
    #[serde(rename = "isInternal")]
    is_internal: Option<String>,
}

async fn reply(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<ReplyForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let form = form.into_inner();
    serve(&sim, &req, Endpoint::Reply, MODMAIL, move |s, call| {
        let body = form.body.unwrap_or_default();
        let hidden = truthy(form.is_author_hidden.as_deref());
        let internal = truthy(form.is_internal.as_deref());
        if let Err(e) = s.api_reply(&call.actor, &id, &body, hidden, internal, call.now) {
            return e.into();
        }
        match s.conversation(&id) {
            Ok(c) => Outcome::json(
                StatusCode::CREATED,
                wire::conversation_reply(s, c, call.now),
            ),
            Err(e) => e.into(),
        }
    })
    .await
}

async fn archive(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let id = id.into_inner();
    serve(
        &sim,
        &req,
        Endpoint::Archive,
        MODMAIL,
        move |s, call| match s.api_archive(&call.actor, &id, true, call.now) {
            Ok(_) => Outcome::empty(StatusCode::NO_CONTENT),
            Err(e) => e.into(),
        },
    )
    .await
}

async fn unarchive(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let id = id.into_inner();
    serve(&sim, &req, Endpoint::Unarchive, MODMAIL, move |s, call| {
        if let Err(e) = s.api_archive(&call.actor, &id, false, call.now) {
            return e.into();
        }
        match s.conversation(&id) {
            Ok(c) => Outcome::ok(wire::conversation_unarchive(s, c)),
            Err(e) => e.into(),
        }
    })
    .await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(rename = "srName")]
    sr_name: Option<String>,
    to: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    #[serde(rename = "isAuthorHidden")]
    is_author_hidden: Option<String>,
}

fn created(s: &mut Sim, form: &CreateForm, call: &Call) -> Outcome {
    let req = NewConversation {
        subreddit: form.sr_name.as_deref().unwrap_or_default(),
        to: form.to.as_deref().unwrap_or_default(),
        subject: form.subject.as_deref().unwrap_or_default(),
        body: form.body.as_deref().unwrap_or_default(),
        hidden: truthy(form.is_author_hidden.as_deref()),
    };
    let id = match s.api_create(&call.actor, &req, call.now) {
        Ok(id) => id,
        Err(e) => return e.into(),
    };
    match s.conversation(&id) {
        Ok(c) => Outcome::json(StatusCode::CREATED, wire::conversation_created(s, c)),
        Err(e) => e.into(),
    }
}

async fn create(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    form: web::Form<CreateForm>,
) -> HttpResponse {
    let form = form.into_inner();
    serve(&sim, &req, Endpoint::Create, MODMAIL, move |s, call| {
        created(s, &form, call)
    })
    .await
}

#[derive(Deserialize)]
struct TempBanForm {
    duration: Option<String>,
}

async fn unban(sim: web::Data<Simulator>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    serve(&sim, &req, Endpoint::Unban, MODMAIL, move |s, call| {
        if let Err(e) = s.api_unban(&call.actor, &id, call.now) {
            return e.into();
        }
        match s.conversation(&id) {
            Ok(c) => Outcome::ok(wire::conversation_unarchive(s, c)),
            Err(e) => e.into(),
        }
    })
    .await
}

async fn temp_ban(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<TempBanForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let days = form
        .into_inner()
        .duration
        .and_then(|d| d.trim().parse().ok())
        .unwrap_or(0);
    serve(&sim, &req, Endpoint::TempBan, MODMAIL, move |s, call| {
        if let Err(e) = s.api_temp_ban(&call.actor, &id, days, call.now) {
            return e.into();
        }
        match s.conversation(&id) {
            Ok(c) => Outcome::ok(wire::conversation_unarchive(s, c)),
            Err(e) => e.into(),
        }
    })
    .await
}
