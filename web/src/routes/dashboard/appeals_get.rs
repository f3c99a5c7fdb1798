//! `GET /dashboard/r/{sub}`: the subreddit's appeals, one line each — sorted by waiting
//! time (the appeals awaiting a decision first, the longest waiting on top) or newest first,
//! searched by username, filtered by status, group and toxicity, 50 to a page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use appealmod_shared::config::ModmailLinks;
use askama::Template;
use chrono::{DateTime, Utc};

use appealmod_shared::domain::{Case, CaseOrder, CaseStatus, Group};

use super::list_query::{ListQuery, PAGE_SIZE, PageNumber, QueryError};
use super::moment::Moment;
use super::{ConsoleNav, StatusView};
use crate::console::access::clear_page;
use crate::console::form_id;
use crate::errors::{PageError, render};
use crate::startup::AppState;

/// The list's label of a group.
pub fn group_label(g: Group) -> &'static str {
    match g {
        Group::Treatment => "Treatment",
        Group::Control => "Control",
    }
}

/// The console's page of a line: the appeal's, or the appellant's when there is none.
pub fn case_href(sub: &str, c: &Case) -> String {
    match c.appeal_id {
        Some(id) => format!("/dashboard/r/{sub}/appeals/{}", id.0),
        None => format!("/dashboard/r/{sub}/appellants/{}", c.appellant_id.0),
    }
}

/// The latest step of a line, as the list names it.
pub struct Latest {
    pub label: &'static str,
    pub at: Moment,
}

/// One line of the list, formatted.
pub struct CaseRow {
    pub href: String,
    pub user: String,
    pub group: &'static str,
    /// The status's name (a CSS class too) and label.
    pub status: &'static str,
    pub status_label: &'static str,
    pub toxic: bool,
    pub reminders: i64,
    /// Since when the moderators owe a decision.
    pub waiting: Option<Moment>,
    pub wrote: Moment,
    pub latest: Option<Latest>,
    pub modmail: Option<String>,
}

impl CaseRow {
    fn of(sub: &str, c: &Case, links: &ModmailLinks, now: DateTime<Utc>) -> Self {
        let decided = match c.status {
            CaseStatus::Granted => "Granted",
            _ => "Denied",
        };
        let latest = [
            (c.link_sent, "Link sent"),
            (c.opened, "Form opened"),
            (c.submitted, "Form submitted"),
            (c.completed, "Answers in modmail"),
            (c.decided, decided),
        ]
        .into_iter()
        .filter_map(|(t, label)| t.map(|t| (t, label)))
        .max_by_key(|(t, _)| *t)
        .map(|(t, label)| Latest {
            label,
            at: Moment::new(t, now),
        });
        Self {
            href: case_href(sub, c),
            user: c.username.to_string(),
            group: group_label(c.group),
            status: c.status.as_str(),
            status_label: c.status.label(),
            toxic: c.toxic,
            reminders: c.reminders,
            waiting: Moment::of(c.waiting_since(), now),
            wrote: Moment::new(c.first_seen, now),
            latest,
            modmail: c.conversation_id.as_ref().map(|id| links.conversation(id)),
        }
    }
}

/// A choice of the filter form.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn choices<T: Copy + PartialEq>(all: &[(T, &'static str, &'static str)], chosen: T) -> Vec<Choice> {
    all.iter()
        .map(|&(v, value, label)| Choice {
            value,
            label,
            selected: v == chosen,
        })
        .collect()
}

/// The filter form's options, the current ones selected.
pub struct FilterForm {
    pub sorts: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub groups: Vec<Choice>,
    pub toxic: Vec<Choice>,
    pub user: String,
}

impl FilterForm {
    fn of(q: &ListQuery) -> Self {
        let f = &q.filter;
        let sorts: Vec<_> = CaseOrder::ALL
            .iter()
            .map(|o| (*o, o.as_str(), o.label()))
            .collect();
        let mut statuses = vec![(None, "", "Any")];
        statuses.extend(
            CaseStatus::ALL
                .iter()
                .map(|s| (Some(*s), s.as_str(), s.label())),
        );
        let groups = [
            (None, "", "Both"),
            (Some(Group::Treatment), "treatment", "Treatment"),
            (Some(Group::Control), "control", "Control"),
        ];
        let toxic = [
            (None, "", "Any"),
            (Some(true), "yes", "Toxic"),
            (Some(false), "no", "Not toxic"),
        ];
        Self {
            sorts: choices(&sorts, f.order),
            statuses: choices(&statuses, f.status),
            groups: choices(&groups, f.group),
            toxic: choices(&toxic, f.toxic),
            user: f
                .user
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console_appeals.html")]
pub struct AppealsPage {
    pub nav: ConsoleNav,
    pub status: StatusView,
    pub csrf_state: String,
    pub form: FilterForm,
    pub rows: Vec<CaseRow>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    /// The query strings of the previous and next pages.
    pub prev: Option<String>,
    pub next: Option<String>,
    pub filtered: bool,
    pub newest_first: bool,
    pub left_alone: i64,
}

/// The 400 page: what was wrong with the address, and the way back to the whole list.
#[derive(Template)]
#[template(path = "console_bad_query.html")]
struct BadQueryPage<'a> {
    heading: &'static str,
    message: String,
    sub: &'a str,
    back: String,
}

/// 400 for a query string the list does not take, with a link to the whole list.
fn bad_query(sub: &str, e: &QueryError) -> HttpResponse {
    let page = BadQueryPage {
        heading: "This list cannot show that",
        message: e.to_string(),
        sub,
        back: format!("/dashboard/r/{sub}"),
    };
    render(StatusCode::BAD_REQUEST, &page)
}

/// A subreddit's appeals, filtered, sorted and paginated.
pub async fn page(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = req.uri().to_string();
    // Access first: someone else learns nothing, not even which parameters exist.
    let cleared = clear_page(&state, &session, &sub, &here, now).await?;
    let name = &cleared.subreddit.name;
    let q = match ListQuery::parse(req.query_string()) {
        Ok(q) => q,
        Err(e) => return Ok(bad_query(name.as_str(), &e)),
    };
    let mut found = state
        .store
        .cases(name, &q.filter, PAGE_SIZE, q.page.offset())
        .await?;
    let pages = u32::try_from(
        u64::try_from(found.total)
            .unwrap_or(0)
            .div_ceil(u64::from(PAGE_SIZE)),
    )
    .unwrap_or(u32::MAX)
    .max(1);
    // Past the end (the list got shorter, or a hand-made address): the last page.
    let page = q.page.at_most(pages);
    if page != q.page {
        found = state
            .store
            .cases(name, &q.filter, PAGE_SIZE, page.offset())
            .await?;
    }
    let link = |n: u32| PageNumber::parse(&n.to_string()).map(|p| q.to_query(p));
    let page_view = AppealsPage {
        nav: ConsoleNav::new(&state, &cleared.user, now),
        status: StatusView::of(&cleared.subreddit, &state.bot_names),
        csrf_state: state.csrf.issue(
            &form_id(&format!("state:{}", name.key()), &cleared.user.user),
            now,
        ),
        form: FilterForm::of(&q),
        rows: found
            .cases
            .iter()
            .map(|c| CaseRow::of(name.as_str(), c, &state.modmail, now))
            .collect(),
        total: found.total,
        page: page.get(),
        pages,
        prev: (page.get() > 1).then(|| link(page.get() - 1)).flatten(),
        next: (page.get() < pages).then(|| link(page.get() + 1)).flatten(),
        filtered: q.is_filtered(),
        newest_first: q.filter.order == CaseOrder::Newest,
        left_alone: state.store.left_alone_count(name, None).await?,
    };
    Ok(render(StatusCode::OK, &page_view))
}
