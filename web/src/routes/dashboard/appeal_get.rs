//! `GET /dashboard/r/{sub}/appeals/{id}`: one appeal, with what a moderator needs to decide
//! it (answers, ban, toxicity, timeline, other appeals, the modmail conversation); and
//! `GET /dashboard/r/{sub}/appellants/{id}`: an appellant the bot recorded without an appeal
//! (the control group, or one a moderator took over first). An id of another subreddit is
//! the same 404 as one that does not exist.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use appealmod_core::decide::verdict::{DecisionState, DecisionTemplates};
use appealmod_core::settings::Effective;
use appealmod_shared::domain::{Appeal, AppealId, AppellantId, FormQuestions, Group};
use appealmod_shared::storage::Appellant;

use super::ConsoleNav;
use super::appeal_view::{AppealFile, CaseFile, CaseView};
use super::decision_view::{DecisionOf, DecisionView};
use crate::console::access::{Cleared, clear_page};
use crate::console::form_id;
use crate::errors::{PageError, render};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "console_appeal.html")]
pub struct AppealPage {
    pub nav: ConsoleNav,
    pub sub: String,
    /// The appeal's number, or none for an appellant without an appeal.
    pub number: Option<i64>,
    pub v: CaseView,
    /// The decision section of an appeal's page (none on an appellant's page).
    pub decision: Option<DecisionView>,
}

/// A page id: digits only, else the page does not exist.
fn id_of(s: &str) -> Result<i64, PageError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(PageError::NotFound)
}

/// Reads what the page shows of `appellant` (and `appeal`, when it is an appeal's page);
/// `questions` are the subreddit's form questions in effect, resolved once by the handler.
async fn case_file(
    state: &AppState,
    appellant: Appellant,
    appeal: Option<Appeal>,
    questions: FormQuestions,
) -> Result<CaseFile, PageError> {
    let store = &state.store;
    let appeal = match appeal {
        Some(a) => Some(AppealFile {
            steps: store.appeal_steps(a.id).await?,
            answers: store.form_answers(a.id).await?,
            decision: store.decision_record(a.id).await?,
            appeal: a,
        }),
        None => None,
    };
    let findings = match &appeal {
        Some(f) => store.appeal_findings(f.appeal.id).await?,
        None => store.appellant_findings(appellant.id).await?,
    };
    Ok(CaseFile {
        steps: store.appellant_steps(appellant.id).await?,
        appeals: store.appeals_of(appellant.id).await?,
        appellant,
        appeal,
        findings,
        questions,
    })
}

fn page_of(
    state: &AppState,
    cleared: &Cleared,
    file: &CaseFile,
    decision: Option<DecisionView>,
) -> HttpResponse {
    let now = state.clock.now();
    let sub = cleared.subreddit.name.as_str();
    let page = AppealPage {
        nav: ConsoleNav::new(state, &cleared.user, now),
        sub: sub.to_owned(),
        number: file.appeal.as_ref().map(|f| f.appeal.id.0),
        v: CaseView::of(
            file,
            sub,
            state.defaults.fast_fill_secs,
            &state.modmail,
            now,
        ),
        decision,
    };
    render(StatusCode::OK, &page)
}

/// The decision section of `file`'s page: what the store says of the appeal's decision
/// and claim (none yet for a control appellant no moderator acted on), who issued the ban
/// and the subreddit's `recusal` rule, a CSRF token for the decision form, and the notice
/// of the last post.
async fn decision_of(
    state: &AppState,
    cleared: &Cleared,
    file: &CaseFile,
    recusal: bool,
    templates: &DecisionTemplates,
    req: &HttpRequest,
) -> Result<DecisionView, PageError> {
    let now = state.clock.now();
    let me = &cleared.user.user;
    let sub = &cleared.subreddit.name;
    let appellant = &file.appellant;
    let appeal = file.appeal.as_ref().map(|f| &f.appeal);
    let form = format!("decide:{}", sub.key());
    let csrf = state.csrf.issue(&form_id(&form, me), now);
    let notice = web::Query::<NoticeQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().notice);
    let mut decided = match appeal {
        Some(a) => state.store.decision_state(a.id).await?,
        None => DecisionState {
            banned_by: match state.store.conversations_of(appellant.id).await?.last() {
                Some(c) => state.store.banned_by(c).await?,
                None => None,
            },
            ..DecisionState::default()
        },
    };
    decided.recusal = recusal;
    let action = match appeal {
        Some(a) => format!("/dashboard/r/{sub}/appeals/{}/decide", a.id.0),
        None => format!("/dashboard/r/{sub}/appellants/{}/decide", appellant.id.0),
    };
    let on = DecisionOf {
        appeal,
        action,
        control: appellant.group == Group::Control,
        state: &decided,
    };
    Ok(DecisionView::of(
        &on,
        me,
        csrf,
        templates,
        notice.as_deref(),
        now,
    ))
}

/// `?notice=`: what the last decision post did.
#[derive(serde::Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// One appeal of the subreddit.
pub async fn appeal(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (sub, id) = path.into_inner();
    let now = state.clock.now();
    let cleared = clear_page(&state, &session, &sub, req.uri().path(), now).await?;
    let name = &cleared.subreddit.name;
    let appeal = state
        .store
        .appeal(AppealId(id_of(&id)?))
        .await?
        .filter(|a| a.subreddit == *name)
        .ok_or(PageError::NotFound)?;
    let appellant = state
        .store
        .appellant_by_id(appeal.appellant_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let Effective {
        questions,
        recusal,
        decision_templates,
        ..
    } = state.settings_in_effect(name).await?;
    let file = case_file(&state, appellant, Some(appeal), questions).await?;
    let decision = decision_of(&state, &cleared, &file, recusal, &decision_templates, &req).await?;
    Ok(page_of(&state, &cleared, &file, Some(decision)))
}

/// One appellant of the subreddit recorded without an appeal (with one, the list links
/// the appeal's page; this page then lists their appeals). A control appellant still
/// followed (no outcome found yet) can be decided here: the first decision or claim
/// records their control appeal.
pub async fn appellant(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (sub, id) = path.into_inner();
    let now = state.clock.now();
    let cleared = clear_page(&state, &session, &sub, req.uri().path(), now).await?;
    let name = &cleared.subreddit.name;
    let appellant = state
        .store
        .appellant_by_id(AppellantId(id_of(&id)?))
        .await?
        .filter(|a| a.subreddit == *name)
        .ok_or(PageError::NotFound)?;
    let Effective {
        questions,
        recusal,
        decision_templates,
        ..
    } = state.settings_in_effect(name).await?;
    // The case file already lists the appellant's appeals: no second read to see none.
    let file = case_file(&state, appellant, None, questions).await?;
    let open_control = file.appellant.group == Group::Control
        && !file.appellant.ignored
        && file.appellant.still_banned != Some(false)
        && file.appeals.is_empty();
    let decision = match open_control {
        true => {
            Some(decision_of(&state, &cleared, &file, recusal, &decision_templates, &req).await?)
        }
        false => None,
    };
    Ok(page_of(&state, &cleared, &file, decision))
}
