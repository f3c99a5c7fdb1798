//! `/api/mod/notes`: Reddit's Mod Notes on a user in a subreddit. Both calls need the
//! `modnote` scope; adding a note needs a moderator with Manage Users (`access`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{Auth, Outcome, serve};
use crate::model::{ModNoteQuery, NewModNote};
use crate::simulator::Simulator;
use crate::types::Endpoint;
use crate::wire;

const MODNOTE: Auth = Auth::Scope("modnote");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/mod/notes", web::get().to(list))
        .route("/api/mod/notes", web::post().to(add));
}

#[derive(Deserialize)]
struct AddForm {
    subreddit: Option<String>,
    user: Option<String>,
    note: Option<String>,
    label: Option<String>,
    reddit_id: Option<String>,
}

/// An empty field counts as not sent, as Reddit's form handling does.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `POST /api/mod/notes` → 200 `{"created": {note}}`.
async fn add(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    form: web::Form<AddForm>,
) -> HttpResponse {
    let form = form.into_inner();
    serve(&sim, &req, Endpoint::AddModNote, MODNOTE, move |s, call| {
        let note = NewModNote {
            subreddit: form.subreddit.as_deref().unwrap_or_default(),
            user: form.user.as_deref().unwrap_or_default(),
            note: form.note.as_deref().unwrap_or_default(),
            label: given(&form.label),
            reddit_id: given(&form.reddit_id),
        };
        match s.api_add_mod_note(&call.actor, &note, call.now) {
            Ok(made) => Outcome::ok(json!({"created": wire::mod_note(s, &made, false)})),
            Err(e) => e.into(),
        }
    })
    .await
}

#[derive(Deserialize)]
struct ListQuery {
    subreddit: Option<String>,
    user: Option<String>,
    filter: Option<String>,
    limit: Option<usize>,
    before: Option<String>,
}

/// `GET /api/mod/notes?subreddit&user[&filter][&limit][&before]`, newest first.
async fn list(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> HttpResponse {
    let q = q.into_inner();
    serve(&sim, &req, Endpoint::ModNotes, MODNOTE, move |s, call| {
        let before = match given(&q.before) {
            None => None,
            Some(c) => match wire::mod_note_cursor_time(c) {
                Some(t) => Some(t),
                // Reddit's answer to a forged cursor is not documented: a plain 400.
                None => return Outcome::error(400),
            },
        };
        let query = ModNoteQuery {
            subreddit: q.subreddit.as_deref().unwrap_or_default(),
            user: q.user.as_deref().unwrap_or_default(),
            filter: given(&q.filter),
            limit: q.limit,
            before,
        };
        match s.api_mod_notes(&call.actor, &query) {
            Ok(page) => Outcome::ok(wire::mod_notes_page(s, &page)),
            Err(e) => e.into(),
        }
    })
    .await
}
