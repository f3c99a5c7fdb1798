//! Plain HTML pages for people watching the sandbox: no JavaScript, every user-supplied
//! string escaped.

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};

use crate::model::{Conversation, Entry, Sim, key};
use crate::simulator::Simulator;
use crate::types::ModActionKind;

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sim", web::get().to(index))
        .route("/_sim/view/{id}", web::get().to(view))
        .route("/_sim/user/{name}", web::get().to(user_view))
        .route("/_sim/message/", web::get().to(user_messages))
        .route("/_sim/message/{legacy}", web::get().to(user_message));
}

const STYLE: &str = "body{font-family:sans-serif;max-width:60em;margin:1em auto}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}\
.msg{border:1px solid #ccc;margin:.5em 0;padding:.5em}\
.internal{background:#fff6c8;border-color:#d9b500}.action{color:#666;font-style:italic}\
pre{white-space:pre-wrap;margin:.3em 0}";

/// A whole page around `body` (already HTML); `title` is escaped here.
pub fn page_html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page_html(title, body))
}

fn state_label(c: &Conversation) -> &'static str {
    if c.is_internal {
        "mod discussion"
    } else {
        c.state.label()
    }
}

fn newest_first(sim: &Sim) -> Vec<&Conversation> {
    let mut convs: Vec<&Conversation> = sim.conversations.values().collect();
    convs.sort_by(|a, b| {
        (b.last_updated, b.id.len(), &b.id).cmp(&(a.last_updated, a.id.len(), &a.id))
    });
    convs
}

async fn index(sim: web::Data<Simulator>) -> HttpResponse {
    let s = sim.lock();
    let mut body = String::from("<h1>Reddit simulator</h1><h2>Subreddits</h2><ul>");
    for sub in s.subreddits.values() {
        let named = |m: &crate::model::Moderator| {
            format!(
                "{} ({})",
                escape(&s.display_name(&m.user)),
                escape(&m.permissions.join(", "))
            )
        };
        let mods: Vec<String> = sub.moderators.iter().map(named).collect();
        let invited: Vec<String> = sub.invites.iter().map(named).collect();
        let _ = write!(
            body,
            "<li>r/{} — moderators: {}{}</li>",
            escape(&sub.name),
            mods.join(", "),
            if invited.is_empty() {
                String::new()
            } else {
                format!("; invited: {}", invited.join(", "))
            }
        );
    }
    body.push_str("</ul><h2>Conversations</h2><table><tr><th>subreddit</th><th>subject</th><th>participant</th><th>state</th><th>last updated</th></tr>");
    for c in newest_first(&s) {
        let participant = c
            .participant
            .as_deref()
            .map(|p| s.display_name(p))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>r/{}</td><td><a href=\"/_sim/view/{}\">{}</a></td><td><a href=\"/_sim/user/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
            escape(&c.subreddit),
            escape(&c.id),
            escape(&c.subject),
            escape(&participant),
            escape(&participant),
            state_label(c),
            c.last_updated.format("%Y-%m-%d %H:%M:%S UTC"),
        );
    }
    body.push_str("</table><p><a href=\"/_sim/ledger\">ledger (JSON)</a> · <a href=\"/_sim/counters\">counters (JSON)</a> · <a href=\"/_sim/mod_notes\">mod notes (JSON)</a></p>");
    page("Reddit simulator", &body)
}

fn render_conversation(s: &Sim, c: &Conversation, as_moderator: bool) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h2>{}</h2><p>r/{} · {} · {} message(s){}</p>",
        escape(&c.subject),
        escape(&c.subreddit),
        state_label(c),
        c.messages().count(),
        if c.is_highlighted {
            " · highlighted"
        } else {
            ""
        },
    );
    for e in &c.entries {
        match e {
            Entry::Messages(m) if m.is_internal && !as_moderator => {}
            Entry::Messages(m) => {
                let who = if m.is_hidden && !as_moderator {
                    format!(
                        "r/{}",
                        s.subreddits
                            .get(&c.subreddit)
                            .map_or(c.subreddit.as_str(), |x| x.name.as_str())
                    )
                } else {
                    s.display_name(&m.author)
                };
                let _ = write!(
                    body,
                    "<div class=\"msg{}\"><b>{}</b>{}{} <small>{}</small><pre>{}</pre></div>",
                    if m.is_internal { " internal" } else { "" },
                    escape(&who),
                    if m.is_internal {
                        " <em>(private moderator note)</em>"
                    } else {
                        ""
                    },
                    if m.is_hidden && as_moderator {
                        " <em>(as subreddit)</em>"
                    } else {
                        ""
                    },
                    m.date.format("%Y-%m-%d %H:%M:%S UTC"),
                    escape(&m.body),
                );
            }
            Entry::ModActions(a) if as_moderator => {
                let _ = write!(
                    body,
                    "<p class=\"action\">{} {} this conversation · {}</p>",
                    escape(&a.author),
                    ModActionKind::label(a.action_type_id),
                    a.date.format("%Y-%m-%d %H:%M:%S UTC"),
                );
            }
            Entry::ModActions(_) => {}
        }
    }
    body
}

async fn view(sim: web::Data<Simulator>, id: web::Path<String>) -> HttpResponse {
    let s = sim.lock();
    let Ok(c) = s.conversation(&id) else {
        return HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(format!("<p>No conversation {}</p>", escape(&id)));
    };
    let participant = c
        .participant
        .as_deref()
        .map(|p| s.display_name(p))
        .unwrap_or_default();
    let mut body = format!(
        "<p><a href=\"/_sim\">all conversations</a></p><p>Moderator view · participant: <a href=\"/_sim/user/{0}\">{0}</a></p>",
        escape(&participant)
    );
    body.push_str(&render_conversation(&s, c, true));
    if let Some(user) = c.participant.as_deref() {
        body.push_str(&render_mod_notes(&s, &c.subreddit, user));
    }
    page(&c.subject, &body)
}

/// The participant's Mod Notes in the conversation's subreddit, newest first, as a
/// moderator sees them beside a conversation on Reddit.
fn render_mod_notes(s: &Sim, subreddit: &str, user: &str) -> String {
    let notes: Vec<_> = s
        .all_mod_notes()
        .iter()
        .rev()
        .filter(|n| n.subreddit == subreddit && n.user == user)
        .collect();
    if notes.is_empty() {
        return String::new();
    }
    let mut body = String::from("<h3>Mod notes</h3>");
    for n in notes {
        let _ = write!(
            body,
            "<div class=\"msg internal\"><b>{}</b>{} <small>{}</small><pre>{}</pre></div>",
            escape(&s.display_name(&n.operator)),
            n.label
                .as_deref()
                .map(|l| format!(" · {}", escape(l)))
                .unwrap_or_default(),
            n.created.format("%Y-%m-%d %H:%M:%S UTC"),
            escape(&n.note),
        );
    }
    body
}

/// A user's view of one conversation, found as Reddit's user-side address finds it:
/// `reddit.com/message/messages/{legacyFirstMessageId}` (internal notes hidden).
async fn user_message(sim: web::Data<Simulator>, legacy: web::Path<String>) -> HttpResponse {
    let s = sim.lock();
    let Some(c) = newest_first(&s)
        .into_iter()
        .find(|c| c.legacy_first_message_id == legacy.as_str())
    else {
        return HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(format!("<p>No message {}</p>", escape(&legacy)));
    };
    let body = format!(
        "<p><a href=\"/_sim\">all conversations</a></p><p>User view</p>{}",
        render_conversation(&s, c, false)
    );
    page(&c.subject, &body)
}

/// The user-side address without a conversation: their messages (the simulator's list).
async fn user_messages() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", "/_sim"))
        .finish()
}

async fn user_view(sim: web::Data<Simulator>, name: web::Path<String>) -> HttpResponse {
    let s = sim.lock();
    let k = key(&name);
    let mut body = format!(
        "<p><a href=\"/_sim\">all conversations</a></p><h1>Modmail of u/{}</h1>",
        escape(&s.display_name(&k))
    );
    let mut any = false;
    for c in newest_first(&s)
        .into_iter()
        .filter(|c| c.participant.as_deref() == Some(k.as_str()))
    {
        any = true;
        body.push_str(&render_conversation(&s, c, false));
        body.push_str("<hr>");
    }
    if !any {
        body.push_str("<p>No conversations.</p>");
    }
    page(&format!("u/{}", name), &body)
}
