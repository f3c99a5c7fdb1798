//! `/_sim/` JSON routes: script the world and inspect what the bot did. No auth.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde_json::json;

use crate::config::WebApp;
use crate::model::SimError;
use crate::simulator::Simulator;
use crate::types::{
    BanRequest, ClockAdvance, FaultRequest, ModActionRequest, ModDiscussion, ModMessage,
    ModeratorRequest, NewSubreddit, NewUser, RateLimitConfig, UnbanRequest, UserMessage,
};

impl ResponseError for SimError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Api { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({"error": self.to_string()}))
    }
}

type Sim = web::Data<Simulator>;
type Res = Result<HttpResponse, SimError>;

fn ok() -> Res {
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sim/subreddits", web::post().to(subreddits))
        .route("/_sim/users", web::post().to(users))
        .route("/_sim/users/{name}/delete", web::post().to(delete_user))
        .route("/_sim/users/{name}/suspend", web::post().to(suspend_user))
        .route("/_sim/bans", web::post().to(bans))
        .route("/_sim/unban", web::post().to(unban))
        .route("/_sim/modmail/user", web::post().to(modmail_user))
        .route("/_sim/modmail/mod", web::post().to(modmail_mod))
        .route("/_sim/modmail/mod_action", web::post().to(modmail_action))
        .route(
            "/_sim/modmail/discussion",
            web::post().to(modmail_discussion),
        )
        .route("/_sim/subreddits/{sub}", web::get().to(subreddit))
        .route(
            "/_sim/subreddits/{sub}/moderators",
            web::post().to(set_moderator),
        )
        .route(
            "/_sim/subreddits/{sub}/moderators/{name}/remove",
            web::post().to(remove_moderator),
        )
        .route("/_sim/subreddits/{sub}/invites", web::post().to(invite))
        .route(
            "/_sim/subreddits/{sub}/invites/{name}/revoke",
            web::post().to(revoke_invite),
        )
        .route("/_sim/webapp", web::post().to(web_app))
        .route("/_sim/faults", web::post().to(faults))
        .route("/_sim/faults", web::delete().to(clear_faults))
        .route("/_sim/clock/advance", web::post().to(clock_advance))
        .route("/_sim/clock", web::get().to(clock))
        .route("/_sim/ratelimit", web::post().to(ratelimit))
        .route("/_sim/tokens/expire_all", web::post().to(expire_tokens))
        .route("/_sim/counters", web::get().to(counters))
        .route("/_sim/counters/reset", web::post().to(reset_counters))
        .route("/_sim/ledger", web::get().to(ledger))
        .route("/_sim/ledger/{id}", web::get().to(ledger_for))
        .route("/_sim/mod_notes", web::get().to(mod_notes))
        .route("/_sim/conversations", web::get().to(conversation_ids))
        .route("/_sim/conversations/{id}", web::get().to(conversation));
}

async fn subreddits(sim: Sim, body: web::Json<NewSubreddit>) -> Res {
    sim.add_subreddit(body.into_inner())?;
    ok()
}

async fn users(sim: Sim, body: web::Json<NewUser>) -> Res {
    sim.add_user(&body.name)?;
    ok()
}

async fn delete_user(sim: Sim, name: web::Path<String>) -> Res {
    sim.delete_user(&name)?;
    ok()
}

async fn suspend_user(sim: Sim, name: web::Path<String>) -> Res {
    sim.suspend_user(&name)?;
    ok()
}

async fn bans(sim: Sim, body: web::Json<BanRequest>) -> Res {
    Ok(HttpResponse::Ok().json(sim.ban(body.into_inner())?))
}

async fn unban(sim: Sim, body: web::Json<UnbanRequest>) -> Res {
    sim.unban(&body.subreddit, &body.user)?;
    ok()
}

async fn modmail_user(sim: Sim, body: web::Json<UserMessage>) -> Res {
    Ok(HttpResponse::Ok().json(sim.user_message(body.into_inner())?))
}

async fn modmail_mod(sim: Sim, body: web::Json<ModMessage>) -> Res {
    Ok(HttpResponse::Ok().json(sim.mod_message(body.into_inner())?))
}

async fn modmail_action(sim: Sim, body: web::Json<ModActionRequest>) -> Res {
    let req = body.into_inner();
    let conversation_id = req.conversation_id.clone();
    let action_id = sim.mod_action(req)?;
    Ok(
        HttpResponse::Ok()
            .json(json!({"conversation_id": conversation_id, "action_id": action_id})),
    )
}

async fn modmail_discussion(sim: Sim, body: web::Json<ModDiscussion>) -> Res {
    Ok(HttpResponse::Ok().json(sim.mod_discussion(body.into_inner())?))
}

async fn subreddit(sim: Sim, sub: web::Path<String>) -> Res {
    Ok(HttpResponse::Ok().json(sim.subreddit(&sub)?))
}

async fn set_moderator(sim: Sim, sub: web::Path<String>, body: web::Json<ModeratorRequest>) -> Res {
    sim.set_moderator(&sub, &body.name, &body.permissions)?;
    ok()
}

async fn remove_moderator(sim: Sim, path: web::Path<(String, String)>) -> Res {
    let (sub, name) = path.into_inner();
    sim.remove_moderator(&sub, &name)?;
    ok()
}

async fn invite(sim: Sim, sub: web::Path<String>, body: web::Json<ModeratorRequest>) -> Res {
    sim.invite_moderator(&sub, &body.name, &body.permissions)?;
    ok()
}

async fn revoke_invite(sim: Sim, path: web::Path<(String, String)>) -> Res {
    let (sub, name) = path.into_inner();
    sim.revoke_invite(&sub, &name)?;
    ok()
}

async fn web_app(sim: Sim, body: web::Json<WebApp>) -> Res {
    sim.set_web_app(body.into_inner());
    ok()
}

async fn faults(sim: Sim, body: web::Json<FaultRequest>) -> Res {
    sim.inject_fault(body.into_inner());
    ok()
}

async fn clear_faults(sim: Sim) -> Res {
    sim.clear_faults();
    ok()
}

async fn clock_advance(sim: Sim, body: web::Json<ClockAdvance>) -> Res {
    sim.advance_clock(body.seconds);
    Ok(HttpResponse::Ok().json(json!({"now": sim.now()})))
}

async fn clock(sim: Sim) -> Res {
    Ok(HttpResponse::Ok().json(json!({"now": sim.now()})))
}

async fn ratelimit(sim: Sim, body: web::Json<RateLimitConfig>) -> Res {
    sim.set_rate_limit(body.budget, body.window_secs);
    ok()
}

async fn expire_tokens(sim: Sim) -> Res {
    sim.expire_all_tokens();
    ok()
}

async fn counters(sim: Sim) -> Res {
    Ok(HttpResponse::Ok().json(sim.counters()))
}

async fn reset_counters(sim: Sim) -> Res {
    sim.reset_counters();
    ok()
}

async fn ledger(sim: Sim) -> Res {
    Ok(HttpResponse::Ok().json(sim.ledger()))
}

async fn ledger_for(sim: Sim, id: web::Path<String>) -> Res {
    Ok(HttpResponse::Ok().json(sim.ledger_for(&id)))
}

async fn mod_notes(sim: Sim) -> Res {
    Ok(HttpResponse::Ok().json(sim.mod_notes()))
}

async fn conversation_ids(sim: Sim) -> Res {
    Ok(HttpResponse::Ok().json(sim.conversation_ids()))
}

async fn conversation(sim: Sim, id: web::Path<String>) -> Res {
    Ok(HttpResponse::Ok().json(sim.conversation(&id)?))
}
