//! Subreddit and account endpoints: bans, moderators, moderator invites, the subreddits
//! an account moderates, and user profiles.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Auth, Outcome, serve};
use crate::model::{AccountStatus, Moderator, PERMISSIONS, Sim, Subreddit, User, base36, key};
use crate::simulator::Simulator;
use crate::types::Endpoint;

const READ: Auth = Auth::Scope("read");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/r/{sub}/about/banned", web::get().to(banned))
        .route("/r/{sub}/about/moderators", web::get().to(moderators))
        .route(
            "/api/v1/{sub}/moderators_invited",
            web::get().to(moderators_invited),
        )
        .route(
            "/r/{sub}/api/accept_moderator_invite",
            web::post().to(accept_invite),
        )
        .route("/subreddits/mine/moderator", web::get().to(mine_moderator))
        .route("/user/{name}/about", web::get().to(user_about))
        .route("/user/{name}/about.json", web::get().to(user_about));
}

#[derive(Deserialize)]
struct UserFilter {
    user: Option<String>,
}

fn epoch(d: DateTime<Utc>) -> f64 {
    d.timestamp() as f64
}

fn listing(children: Vec<Value>) -> Value {
    json!({
        "kind": "Listing",
        "data": {"modhash": null, "children": children, "after": null, "before": null},
    })
}

/// The recorded children: `date`, `note`, `name`, `id` (no `rel_id`, no `days_left`).
fn ban_children(s: &Sim, sub: &str, wanted: Option<&str>, now: DateTime<Utc>) -> Vec<Value> {
    s.bans
        .values()
        .filter(|b| b.subreddit == sub && b.active(now))
        .filter(|b| wanted.is_none_or(|w| w == b.user))
        .map(|b| {
            let u = s.users.get(&b.user);
            json!({
                "date": epoch(b.at),
                "note": b.note,
                "name": u.map_or(b.user.as_str(), |u| u.name.as_str()),
                "id": u.map(User::fullname).unwrap_or_default(),
            })
        })
        .collect()
}

/// `GET /r/{sub}/about/banned`: a moderator with `access` reads the ban list.
async fn banned(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    sub: web::Path<String>,
    q: web::Query<UserFilter>,
) -> HttpResponse {
    let sub = sub.into_inner();
    let user = q.into_inner().user;
    serve(&sim, &req, Endpoint::Banned, READ, move |s, call| {
        let sub = match s.subreddit(&sub) {
            Ok(sub) => key(&sub.name),
            Err(e) => return e.into(),
        };
        if !s.can(&sub, &call.actor, "access") {
            return Outcome::error(403);
        }
        let wanted = user.as_deref().map(key).filter(|u| !u.is_empty());
        Outcome::ok(listing(ban_children(s, &sub, wanted.as_deref(), call.now)))
    })
    .await
}

/// One entry of `about/moderators`, keys as recorded.
fn moderator_child(s: &Sim, m: &Moderator) -> Value {
    let u = s.users.get(&m.user);
    json!({
        "name": u.map_or(m.user.as_str(), |u| u.name.as_str()),
        "author_flair_text": null,
        "mod_permissions": m.permissions,
        "date": epoch(m.since),
        "rel_id": m.rel_id,
        "id": u.map(User::fullname).unwrap_or_default(),
        "author_flair_css_class": null,
    })
}

/// `GET /r/{sub}/about/moderators`: a `UserList` (not a `Listing`: no `after`/`before`)
/// anyone may read; `?user=` narrows it to one account.
async fn moderators(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    sub: web::Path<String>,
    q: web::Query<UserFilter>,
) -> HttpResponse {
    let sub = sub.into_inner();
    let wanted = q
        .into_inner()
        .user
        .map(|u| key(&u))
        .filter(|u| !u.is_empty());
    serve(&sim, &req, Endpoint::Moderators, READ, move |s, _| {
        let sub = match s.subreddit(&sub) {
            Ok(sub) => sub,
            Err(e) => return e.into(),
        };
        let children: Vec<Value> = sub
            .moderators
            .iter()
            .filter(|m| wanted.as_ref().is_none_or(|w| *w == m.user))
            .map(|m| moderator_child(s, m))
            .collect();
        Outcome::ok(json!({"kind": "UserList", "data": {"children": children}}))
    })
    .await
}

/// One pending invite in the newer user-list shape (`modPermissions` as name → bool).
fn invite_entry(s: &Sim, m: &Moderator) -> (String, Value) {
    let u = s.users.get(&m.user);
    let id = u.map(User::fullname).unwrap_or_default();
    let given = |p: &str| m.permissions.iter().any(|g| g == "all" || g == p);
    let perms: Map<String, Value> = PERMISSIONS
        .iter()
        .map(|p| ((*p).to_owned(), json!(given(p))))
        .collect();
    let entry = json!({
        "id": id,
        "username": u.map_or(m.user.as_str(), |u| u.name.as_str()),
        "accountIcon": "",
        "iconSize": [256, 256],
        "moddedAtUTC": m.since.timestamp(),
        "authorFlairText": "",
        "postKarma": 1,
        "modPermissions": perms,
    });
    (id, entry)
}

/// `GET /api/v1/{sub}/moderators_invited`: pending invites, for the subreddit's
/// moderators only (Reddit's mod tools list them there; `about/moderators` does not).
async fn moderators_invited(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    sub: web::Path<String>,
) -> HttpResponse {
    let sub = sub.into_inner();
    serve(
        &sim,
        &req,
        Endpoint::ModeratorsInvited,
        READ,
        move |s, call| {
            let sub: Subreddit = match s.subreddit(&sub) {
                Ok(sub) => sub.clone(),
                Err(e) => return e.into(),
            };
            if sub.moderator(&call.actor).is_none() {
                return Outcome::error(403);
            }
            let (ids, entries): (Vec<String>, Map<String, Value>) = sub
                .invites
                .iter()
                .map(|m| {
                    let (id, entry) = invite_entry(s, m);
                    (id.clone(), (id, entry))
                })
                .unzip();
            Outcome::ok(json!({
                "moderators": entries,
                "moderatorIds": ids,
                "allUsersLoaded": true,
                "after": null,
                "before": null,
            }))
        },
    )
    .await
}

/// `POST /r/{sub}/api/accept_moderator_invite`: 200 `{"json": {"errors": []}}`, or the
/// `NO_INVITE_FOUND` error in the same 200 shape when there is none.
async fn accept_invite(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    sub: web::Path<String>,
) -> HttpResponse {
    let sub = sub.into_inner();
    let auth = Auth::Scope("modself");
    serve(
        &sim,
        &req,
        Endpoint::AcceptInvite,
        auth,
        move |s, call| match s.accept_invite(&sub, &call.actor, call.now) {
            Ok(true) => Outcome::ok(json!({"json": {"errors": []}})),
            Ok(false) => Outcome::ok(json!({"json": {"errors": [[
                "NO_INVITE_FOUND", "there is no pending invite for that subreddit", null
            ]]}})),
            Err(e) => e.into(),
        },
    )
    .await
}

/// A `t5` child of `subreddits/mine/moderator`, with the recorded keys clients read.
fn t5(
    display: &str,
    prefixed: &str,
    num: u64,
    kind: &str,
    permissions: &[String],
    created: DateTime<Utc>,
    url: &str,
) -> Value {
    json!({"kind": "t5", "data": {
        "display_name": display,
        "display_name_prefixed": prefixed,
        "title": display,
        "name": format!("t5_{}", base36(num)),
        "id": base36(num),
        "url": url,
        "subreddit_type": kind,
        "subscribers": 1,
        "mod_permissions": permissions,
        "user_is_moderator": true,
        "user_is_subscriber": kind != "user",
        "user_is_banned": false,
        "user_is_contributor": false,
        "user_is_muted": false,
        "over18": false,
        "quarantine": false,
        "created": epoch(created),
        "created_utc": epoch(created),
        "public_description": "",
        "description": "",
        "icon_img": "",
        "community_icon": "",
        "lang": "en",
        "is_enrolled_in_new_modmail": true,
    }})
}

/// `GET /subreddits/mine/moderator`: the subreddits the token's account moderates, its own
/// profile subreddit (`u_name`, type `user`) among them, as Reddit lists it.
async fn mine_moderator(sim: web::Data<Simulator>, req: HttpRequest) -> HttpResponse {
    let auth = Auth::Scope("mysubreddits");
    serve(&sim, &req, Endpoint::MineModerator, auth, move |s, call| {
        let Some(u) = s.users.get(&call.actor) else {
            return Outcome::error(404);
        };
        let mut children: Vec<Value> = s
            .subreddits
            .values()
            .filter_map(|sub| sub.moderator(&call.actor).map(|m| (sub, m)))
            .map(|(sub, m)| {
                let prefixed = format!("r/{}", sub.name);
                let url = format!("/r/{}/", sub.name);
                t5(
                    &sub.name,
                    &prefixed,
                    sub.num,
                    "public",
                    &m.permissions,
                    sub.created,
                    &url,
                )
            })
            .collect();
        let profile = format!("u_{}", u.name);
        let all = ["all".to_owned()];
        let (prefixed, url) = (format!("u/{}", u.name), format!("/user/{}/", u.name));
        children.push(t5(
            &profile,
            &prefixed,
            u.num * 11,
            "user",
            &all,
            u.created,
            &url,
        ));
        let dist = children.len();
        Outcome::ok(json!({"kind": "Listing", "data": {
            "after": null, "dist": dist, "modhash": null, "geo_filter": "",
            "children": children, "before": null,
        }}))
    })
    .await
}

async fn user_about(
    sim: web::Data<Simulator>,
    req: HttpRequest,
    name: web::Path<String>,
) -> HttpResponse {
    let name = name.into_inner();
    serve(&sim, &req, Endpoint::UserAbout, READ, move |s, _| {
        let Some(u) = s.users.get(&key(&name)) else {
            return Outcome::error(404);
        };
        match u.status {
            AccountStatus::Deleted => Outcome::error(404),
            AccountStatus::Suspended => Outcome::ok(json!({
                "kind": "t2",
                "data": {"name": u.name, "is_suspended": true, "awardee_karma": 0, "awarder_karma": 0, "is_blocked": false, "total_karma": 0},
            })),
            AccountStatus::Active => Outcome::ok(json!({
                "kind": "t2",
                "data": {
                    "name": u.name,
                    "id": base36(u.num),
                    "created": epoch(u.created),
                    "created_utc": epoch(u.created),
                    "is_suspended": false,
                    "is_employee": false,
                    "is_mod": s.subreddits.values().any(|sub| sub.moderator(&key(&u.name)).is_some()),
                    "is_gold": false,
                    "verified": true,
                    "has_verified_email": true,
                    "link_karma": 1,
                    "comment_karma": 1,
                    "total_karma": 2,
                    "icon_img": "",
                },
            })),
        }
    })
    .await
}
