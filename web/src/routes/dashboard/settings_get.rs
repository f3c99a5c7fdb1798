use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_core::domain::Language;
use appealmod_shared::storage::{AuditEntry, FRACTION_FIELD, SubredditSettings};

use super::{ConsoleNav, StatusView};
use crate::console::access::{Cleared, clear_page};
use crate::console::decision_form;
use crate::console::form_preview;
use crate::console::preview::{Sample, render as preview};
use crate::console::settings_form::{AnswerKind, FieldError, SettingsView, view_of};
use crate::console::{form_id, when};
use crate::errors::{PageError, render};
use crate::middleware::with_own_script;
use crate::routes::static_files::SETTINGS_JS;
use crate::startup::AppState;

/// One message's preview, rendered as Reddit would show it.
pub struct Preview {
    pub id: &'static str,
    pub label: &'static str,
    /// The template as in the form.
    pub value: String,
    pub html: String,
}

/// A one-line field of the dialogue section.
pub struct SimpleField {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
}

/// One line of the audit log, formatted.
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub is_fraction: bool,
}

impl From<&AuditEntry> for AuditRow {
    fn from(e: &AuditEntry) -> Self {
        let show = |v: &Option<String>| {
            let v = v.clone().unwrap_or_else(|| "(default)".to_owned());
            if v.chars().count() > 300 {
                format!("{}…", v.chars().take(300).collect::<String>())
            } else {
                v
            }
        };
        Self {
            at: when(Some(e.at)),
            actor: e.actor.clone(),
            field: e.change.field.replace('_', " "),
            old: show(&e.change.old),
            new: show(&e.change.new),
            is_fraction: e.change.field == FRACTION_FIELD,
        }
    }
}

#[derive(Template)]
#[template(path = "console_settings.html")]
pub struct SettingsPage {
    pub nav: ConsoleNav,
    pub status: StatusView,
    pub csrf: String,
    pub csrf_state: String,
    pub view: SettingsView,
    pub errors: Vec<FieldError>,
    pub previews: Vec<Preview>,
    pub simple: Vec<SimpleField>,
    pub kinds: [AnswerKind; 4],
    pub audit: Vec<AuditRow>,
    /// After a save: what was saved.
    pub saved: Option<String>,
    /// The page shows posted values that are not stored (a preview, a move, a problem).
    pub unsaved: bool,
    /// The page's address, which its buttons post to (some with a `#section` to come back to).
    pub base: String,
    /// `/static/settings.js?v=…`: a new script is a new URL, so it can be cached for long.
    pub script_version: String,
}

/// What the bar at the bottom says while the page holds changes not saved yet.
pub const UNSAVED: &str = "You have changes that are not saved yet.";

impl SettingsPage {
    pub fn err(&self, anchor: &str) -> Option<&str> {
        self.view.error_of(&self.errors, anchor)
    }

    pub fn saved_text(saved: Option<usize>) -> Option<String> {
        saved.map(|n| match n {
            0 => "Nothing changed.".to_owned(),
            n => format!(
                "Saved ({n} change{}). The bot uses the new settings from its next pass, within a minute or two.",
                if n == 1 { "" } else { "s" }
            ),
        })
    }

    pub fn q_err(&self, index: &usize, field: &str) -> Option<&str> {
        self.err(&format!("q{index}_{field}"))
    }

    /// Whether any field of question `index` has a problem (its editor then shows open).
    pub fn q_has_err(&self, index: &usize) -> bool {
        let prefix = format!("q{index}_");
        self.errors.iter().any(|e| e.anchor.starts_with(&prefix))
    }

    pub fn unsaved_text(&self) -> &'static str {
        UNSAVED
    }

    /// The languages the select offers, as each names itself.
    pub fn languages(&self) -> [Language; 5] {
        Language::ALL
    }

    pub fn d_err(&self, index: &usize, field: &str) -> Option<&str> {
        self.err(&format!("d{index}_{field}"))
    }

    /// The grant and reduce messages: field id, label, text.
    pub fn decision_texts(&self) -> [(&'static str, &'static str, &str); 2] {
        let d = &self.view.decisions;
        [
            ("decision_grant", "Grant (the ban is lifted)", &d.grant),
            (
                "decision_reduce",
                "Reduce (the ban becomes temporary)",
                &d.reduce,
            ),
        ]
    }

    /// A decision message rendered for the example appeal, as the user would see it.
    pub fn decision_html(&self, text: &str) -> String {
        decision_form::preview(text, &self.status.name)
    }
}

/// What every rendering of the settings page needs besides the form itself; `unsaved` when
/// `view` holds posted values that are not stored.
pub async fn page_for(
    state: &AppState,
    cleared: &Cleared,
    view: SettingsView,
    errors: Vec<FieldError>,
    saved: Option<usize>,
    unsaved: bool,
    now: DateTime<Utc>,
) -> Result<SettingsPage, PageError> {
    let name = &cleared.subreddit.name;
    let user = &cleared.user.user;
    let link = format!("{}/appeal/EXAMPLE-PERSONAL-LINK", state.public_origin);
    let sample = Sample {
        username: "example_user",
        subreddit: name.as_str(),
        link: &link,
        expires: "31 December 2026 (UTC)",
    };
    let message = |id, label, value: &String| Preview {
        id,
        label,
        value: value.clone(),
        html: preview(value, &sample),
    };
    let previews = vec![
        message("initial", "First message", &view.initial),
        message("reminder", "Reminder", &view.reminder),
        message("final", "Final message", &view.final_),
    ];
    let simple = simple_fields(&view);
    let audit = state.store.audit_log(name, 50).await?;
    Ok(SettingsPage {
        nav: ConsoleNav::new(state, &cleared.user, now),
        status: StatusView::of(&cleared.subreddit, &state.bot_names),
        csrf: state
            .csrf
            .issue(&form_id(&format!("settings:{}", name.key()), user), now),
        csrf_state: state
            .csrf
            .issue(&form_id(&format!("state:{}", name.key()), user), now),
        view,
        errors,
        previews,
        simple,
        kinds: AnswerKind::ALL,
        audit: audit.iter().map(AuditRow::from).collect(),
        saved: SettingsPage::saved_text(saved),
        unsaved,
        base: format!("/dashboard/r/{name}/settings"),
        script_version: SETTINGS_JS.version(),
    })
}

/// The settings shown as one text field each.
fn simple_fields(view: &SettingsView) -> Vec<SimpleField> {
    let field = |id, label, hint, value: &String| SimpleField {
        id,
        label,
        hint,
        value: value.clone(),
    };
    vec![
        field(
            "cooldown_days",
            "Cooldown after a denied appeal (days)",
            "The same user is not asked for a new form for this long.",
            &view.cooldown_days,
        ),
        field(
            "max_reminders",
            "Reminders with the link (at most)",
            "After that the bot stops reminding.",
            &view.max_reminders,
        ),
        field(
            "link_ttl_days",
            "Link lifetime (days)",
            "How long a new personal link works.",
            &view.link_ttl_days,
        ),
        field(
            "marker",
            "Unappealable marker",
            "A ban whose reason or note contains this (e.g. #noappeal) gets no form. Empty: none.",
            &view.marker,
        ),
    ]
}

/// The stored settings of a cleared subreddit (a subreddit row always exists for it).
pub async fn stored(state: &AppState, cleared: &Cleared) -> Result<SubredditSettings, PageError> {
    Ok(state
        .store
        .subreddit(&cleared.subreddit.name)
        .await?
        .unwrap_or_else(|| SubredditSettings::new(cleared.subreddit.name.clone())))
}

pub async fn page(
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = format!("/dashboard/r/{sub}/settings");
    let cleared = clear_page(&state, &session, &sub, &here, now).await?;
    let view = view_of(&stored(&state, &cleared).await?, &state.defaults);
    let page = page_for(&state, &cleared, view, Vec::new(), None, false, now).await?;
    // The page runs one script, its own from this site (the "not saved yet" notice).
    Ok(with_own_script(render(StatusCode::OK, &page)))
}

/// The questions in effect (the subreddit's own, else the shipped ones in its language) as
/// the appeal form shows them to an appellant, for an example ban.
pub async fn form_preview(
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
