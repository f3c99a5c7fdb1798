use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use appealmod_shared::domain::{Case, CaseStatus, Group};
use appealmod_shared::storage::CaseFilter;

use super::{ConsoleNav, StatusView, bot_name};
use crate::console::access::clear_page;
use crate::console::{form_id, when};
use crate::errors::{PageError, render};
use crate::startup::AppState;

/// Lines per page of the appeal list.
pub const PAGE_SIZE: u32 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    group: Option<String>,
    page: Option<u64>,
}

/// One line of the list, formatted.
pub struct CaseRow {
    pub user: String,
    pub group: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub modmail: Option<String>,
    pub first_seen: String,
    pub link_sent: String,
    pub opened: String,
    pub submitted: String,
    pub completed: String,
    pub reminders: i64,
}

impl From<&Case> for CaseRow {
    fn from(c: &Case) -> Self {
        Self {
            user: c.username.to_string(),
            group: c.group.as_str(),
            status: c.status.as_str(),
            status_label: c.status.label(),
            modmail: c.conversation_id.as_ref().map(|id| id.modmail_url()),
            first_seen: when(Some(c.first_seen)),
            link_sent: when(c.link_sent),
            opened: when(c.opened),
            submitted: when(c.submitted),
            completed: when(c.completed),
            reminders: c.reminders,
        }
    }
}

/// A choice of the filter form.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console_appeals.html")]
pub struct AppealsPage {
    pub nav: ConsoleNav,
    pub status: StatusView,
    pub csrf_state: String,
    pub rows: Vec<CaseRow>,
    pub total: i64,
    pub page: u64,
    pub pages: u64,
    pub statuses: Vec<Choice>,
    pub groups: Vec<Choice>,
    /// `status=…&group=…&` for the pagination links.
    pub filter_query: String,
    pub left_alone: i64,
}

/// A subreddit's appeals, newest first, filtered and paginated.
pub async fn page(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = req.uri().to_string();
    let cleared = clear_page(&state, &session, &sub, &here, now).await?;
    let status = q.status.as_deref().and_then(CaseStatus::parse);
    let group = match q.group.as_deref() {
        Some("treatment") => Some(Group::Treatment),
        Some("control") => Some(Group::Control),
        _ => None,
    };
    let page = q.page.unwrap_or(1).max(1);
    let name = &cleared.subreddit.name;
    let filter = CaseFilter { status, group };
    let found = state
        .store
        .cases(name, filter, PAGE_SIZE, (page - 1) * u64::from(PAGE_SIZE))
        .await?;
    let pages = u64::try_from(found.total)
        .unwrap_or(0)
        .div_ceil(u64::from(PAGE_SIZE))
        .max(1);
    let statuses = CaseStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: s.label(),
            selected: status == Some(*s),
        })
        .collect();
    let groups = [
        ("treatment", "Treatment (got the form)"),
        ("control", "Control (recorded only)"),
    ]
    .iter()
    .map(|(v, l)| Choice {
        value: v,
        label: l,
        selected: q.group.as_deref() == Some(*v),
    })
    .collect();
    let mut filter_query = String::new();
    if let Some(s) = status {
        filter_query.push_str(&format!("status={}&", s.as_str()));
    }
    if let Some(g) = group {
        filter_query.push_str(&format!("group={}&", g.as_str()));
    }
    let page_view = AppealsPage {
        nav: ConsoleNav::new(&state, &cleared.user, now),
        status: StatusView::of(&cleared.subreddit, &bot_name(&state)),
        csrf_state: state.csrf.issue(
            &form_id(&format!("state:{}", name.key()), &cleared.user.user),
            now,
        ),
        rows: found.cases.iter().map(CaseRow::from).collect(),
        total: found.total,
        page,
        pages,
        statuses,
        groups,
        filter_query,
        left_alone: state.store.left_alone_count(name, None).await?,
    };
    Ok(render(StatusCode::OK, &page_view))
}
