//! `GET /dashboard/r/{sub}/results` (the subreddit's moderators and operators) and
//! `GET /dashboard/results` (operators only): the readout of the chosen period.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Duration, Utc};

use appealmod_core::readout::debrief::Shown;
use appealmod_core::readout::plan::{Plan, progress};
use appealmod_core::readout::{self, ReadoutRow};

use super::data::{
    PeriodChoice, ResultsQuery, SubredditRows, all_rows, all_time_rows, fraction_now, rules,
    subreddit_rows,
};
use super::debrief::DebriefView;
use super::plan::{PlanFormView, PlanInput, PlanView, VersionView};
use super::public_get::public_debrief;
use super::view::{AlarmView, AuditView, ReportView, pct};
use super::{PLAN_FORM, may_see_real_names, require_operator};
use crate::console::access::{Cleared, clear_page, require_login};
use crate::console::{form_id, when};
use crate::errors::{PageError, render};
use crate::routes::dashboard::ConsoleNav;
use crate::startup::AppState;

/// A choice of the period form.
pub struct PeriodOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console_results.html")]
pub struct ResultsPage {
    pub nav: ConsoleNav,
    /// The subreddit, or `None` on the operators' overview.
    pub sub: Option<String>,
    /// `/dashboard/r/{sub}` or `/dashboard`: where results and exports live.
    pub base: String,
    pub periods: Vec<PeriodOption>,
    /// `all`, `30d` or `since-change`.
    pub period: &'static str,
    /// Which appeals the numbers count, in a sentence.
    pub period_note: String,
    /// Per subreddit, on the overview with "since change".
    pub period_details: Vec<String>,
    /// The viewer moderates this subreddit and may download real usernames.
    pub real_names: bool,
    pub operator: bool,
    pub report: ReportView,
    pub audits: Vec<AuditView>,
    /// Split alarms the bot raised for the subreddits shown.
    pub alarms: Vec<AlarmView>,
    /// `bot.rng_seed`, when the operator fixed the draw (the site reads the same file).
    pub seed: Option<u64>,
    /// A subreddit's analysis plan and the form that freezes the next version (not on the
    /// operators' overview).
    pub plan: Option<PlanSection>,
    /// A subreddit's public debrief: its Markdown, and whether the public page is on.
    pub debrief: Option<DebriefSection>,
}

/// The plan in force (if any), its earlier versions and the form.
pub struct PlanSection {
    pub current: Option<PlanView>,
    pub earlier: Vec<VersionView>,
    pub form: PlanFormView,
}

/// The debrief as the console shows it to the subreddit's moderators.
pub struct DebriefSection {
    /// The public page is on (the subreddit's setting).
    pub public: bool,
    pub markdown: String,
}

/// The plan form as posted: what was typed and what was wrong with it.
pub type PostedPlan = (PlanInput, Vec<(&'static str, String)>);

fn periods(choice: PeriodChoice) -> Vec<PeriodOption> {
    PeriodChoice::ALL
        .iter()
        .map(|p| PeriodOption {
            value: p.as_str(),
            label: p.label(),
            selected: *p == choice,
        })
        .collect()
}

/// The sentence under the period form for one subreddit.
fn subreddit_note(d: &SubredditRows, choice: PeriodChoice, now: DateTime<Utc>) -> String {
    match (choice, &d.last_change) {
        (PeriodChoice::All, _) => format!("All appeals in r/{}.", d.name),
        (PeriodChoice::Last30Days, _) => format!(
            "Appeals begun in the last 30 days, since {}.",
            when(Some(now - Duration::days(30)))
        ),
        (PeriodChoice::SinceChange, Some(c)) => format!(
            "Appeals begun since {}, when u/{} changed the treatment fraction from {} to {}.",
            when(Some(c.at)),
            c.actor,
            pct(c.from),
            pct(c.to)
        ),
        (PeriodChoice::SinceChange, None) => format!(
            "r/{} has never changed its treatment fraction, so this is all time.",
            d.name
        ),
    }
}

/// The readout of `rows` as counted at `now`.
fn report(state: &AppState, rows: &[ReadoutRow], now: DateTime<Utc>) -> ReportView {
    let rules = rules(state, now);
    ReportView::of(&readout::compute(rows, &rules), &rules)
}

/// One subreddit's results.
pub async fn subreddit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    sub: web::Path<String>,
    q: web::Query<ResultsQuery>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = req.uri().to_string();
    let cleared = clear_page(&state, &session, &sub, &here, now).await?;
    let page = subreddit_page(&state, &cleared, q.period(), now, None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// One subreddit's results page, with the plan form as posted when it comes back from a
/// post (`posted`), else filled in from the plan in force.
pub async fn subreddit_page(
    state: &AppState,
    cleared: &Cleared,
    choice: PeriodChoice,
    now: DateTime<Utc>,
    posted: Option<PostedPlan>,
) -> Result<ResultsPage, PageError> {
    let name = &cleared.subreddit.name;
    let d = subreddit_rows(state, name, choice, now).await?;
    // The debrief and the plan count every appeal, whatever the period shown.
    let all = match choice {
        PeriodChoice::All => d.rows.clone(),
        _ => all_time_rows(state, name).await?,
    };
    let fraction = fraction_now(state, &d.segments);
    let plans = state.store.analysis_plans(name).await?;
    let rules = rules(state, now);
    let whole = readout::compute(&all, &rules);
    let debrief = DebriefView::of(name.as_str(), &all, &whole, &rules, plans.first());
    Ok(ResultsPage {
        nav: ConsoleNav::new(state, &cleared.user, now),
        sub: Some(name.to_string()),
        base: format!("/dashboard/r/{name}"),
        periods: periods(choice),
        period: choice.as_str(),
        period_note: subreddit_note(&d, choice, now),
        period_details: Vec::new(),
        real_names: may_see_real_names(state, &cleared.user.user, name, now).await?,
        seed: state.rng_seed,
        operator: cleared.is_operator,
        report: report(state, &d.rows, now),
        audits: vec![AuditView::of(
            name.as_str(),
            &readout::assignment_audit(&d.rows, &d.segments),
        )],
        alarms: d.alarm.iter().map(AlarmView::of).collect(),
        plan: Some(plan_section(
            state, cleared, &plans, &all, fraction, now, posted,
        )),
        debrief: Some(DebriefSection {
            public: public_debrief(state, name).await?,
            markdown: debrief.markdown,
        }),
    })
}

/// The plan in force with its progress over `rows` (the subreddit's, all time), the
/// earlier versions, and the form.
fn plan_section(
    state: &AppState,
    cleared: &Cleared,
    plans: &[Plan],
    rows: &[ReadoutRow],
    fraction: f64,
    now: DateTime<Utc>,
    posted: Option<PostedPlan>,
) -> PlanSection {
    let current = plans.first();
    let csrf = state.csrf.issue(
        &form_id(
            &format!("{PLAN_FORM}:{}", cleared.subreddit.name.key()),
            &cleared.user.user,
        ),
        now,
    );
    let (input, errors) =
        posted.unwrap_or_else(|| (PlanInput::initial(current, now.date_naive()), Vec::new()));
    PlanSection {
        current: current.map(|p| {
            let pr = progress(p, rows, now);
            PlanView::of(p, &pr, Shown::Count(pr.appeals))
        }),
        earlier: plans.iter().skip(1).map(VersionView::of).collect(),
        form: input.view(csrf, fraction, current.map_or(1, |p| p.version + 1), errors),
    }
}

/// Every subreddit together (operators).
pub async fn overall(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    q: web::Query<ResultsQuery>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let here = req.uri().to_string();
    let who = require_login(&state, &session, &here, now).await?;
    require_operator(&state, &who)?;
    let choice = q.period();
    let subs = all_rows(&state, choice, now).await?;
    let rows: Vec<ReadoutRow> = subs.iter().flat_map(|d| d.rows.iter().cloned()).collect();
    let (period_note, period_details) = match choice {
        PeriodChoice::All => ("All appeals in every subreddit.".to_owned(), Vec::new()),
        PeriodChoice::Last30Days => (
            format!(
                "Appeals begun in the last 30 days, since {}, in every subreddit.",
                when(Some(now - Duration::days(30)))
            ),
            Vec::new(),
        ),
        // Subreddits change their fractions at different times: each counts from its own.
        PeriodChoice::SinceChange => (
            "Each subreddit counts from its own last change of the treatment fraction; one that never changed it counts with all its appeals.".to_owned(),
            subs.iter().map(|d| subreddit_note(d, choice, now)).collect(),
        ),
    };
    let page = ResultsPage {
        nav: ConsoleNav::new(&state, &who, now),
        sub: None,
        base: "/dashboard".to_owned(),
        periods: periods(choice),
        period: choice.as_str(),
        period_note,
        period_details,
        real_names: false,
        seed: state.rng_seed,
        operator: true,
        report: report(&state, &rows, now),
        alarms: subs
            .iter()
            .filter_map(|d| d.alarm.as_ref())
            .map(AlarmView::of)
            .collect(),
        plan: None,
        debrief: None,
        // The draw follows each subreddit's own fractions: one audit per subreddit.
        audits: subs
            .iter()
            .map(|d| {
                AuditView::of(
                    d.name.as_str(),
                    &readout::assignment_audit(&d.rows, &d.segments),
                )
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
