//! `GET /dashboard/r/{sub}/export.csv|json` (the subreddit's moderators and operators) and
//! `GET /dashboard/export.csv|json` (operators): the rows of the chosen period for download.
//!
//! Usernames are pseudonyms (a keyed hash, the same user the same pseudonym in every export)
//! unless `?names=real` is asked by a moderator of that subreddit; anyone else asking for
//! real names gets the console's 404. Operators' downloads stay pseudonymous: they are for
//! research across subreddits, which needs users told apart, not named.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use appealmod_core::readout::ReadoutRow;
use appealmod_shared::export::{Names, to_csv, to_json};

use super::data::{PeriodChoice, ResultsQuery, all_rows, subreddit_rows};
use super::{may_see_real_names, require_operator};
use crate::console::access::{clear_page, require_login};
use crate::errors::PageError;
use crate::startup::AppState;

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// The file extension of the path (`export.csv`, `export.json`); others are not ours.
    fn of_extension(ext: &str) -> Result<Self, PageError> {
        match ext {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            _ => Err(PageError::NotFound),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8; header=present",
            Self::Json => "application/json",
        }
    }
}

/// `appealmod-pics-30d-2026-12-02.csv`; `-real-names` when it names users.
fn filename(
    scope: &str,
    period: PeriodChoice,
    real: bool,
    format: Format,
    now: DateTime<Utc>,
) -> String {
    format!(
        "appealmod-{scope}-{}-{}{}.{}",
        period.as_str(),
        now.format("%Y-%m-%d"),
        if real { "-real-names" } else { "" },
        format.extension()
    )
}

fn download(
    state: &AppState,
    rows: &[ReadoutRow],
    real: bool,
    format: Format,
    filename: &str,
) -> Result<HttpResponse, PageError> {
    let names = if real {
        Names::Real
    } else {
        Names::Pseudonymous(&state.pseudonyms)
    };
    let body = match format {
        Format::Csv => to_csv(rows, names).map_err(anyhow::Error::new),
        Format::Json => to_json(rows, names).map_err(anyhow::Error::new),
    }
    .map_err(|e| PageError::Unexpected(e.context("the export could not be written")))?;
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        // Personal data: neither shared caches nor the browser keep a copy.
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body))
}

/// `/dashboard/r/{sub}/export.{ext}`: that subreddit's appeals, for its moderators and
/// operators.
pub async fn subreddit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<ResultsQuery>,
) -> Result<HttpResponse, PageError> {
    let (sub, ext) = path.into_inner();
    let format = Format::of_extension(&ext)?;
    let now = state.clock.now();
    let here = req.uri().to_string();
    let cleared = clear_page(&state, &session, &sub, &here, now).await?;
    let name = &cleared.subreddit.name;
    let real = q.wants_real_names();
    if real && !may_see_real_names(&state, &cleared.user.user, name, now).await? {
        return Err(PageError::NotFound);
    }
    let choice = q.period();
    let d = subreddit_rows(&state, name, choice, now).await?;
    let file = filename(&name.key(), choice, real, format, now);
    download(&state, &d.rows, real, format, &file)
}

/// `/dashboard/export.{ext}`: every subreddit's appeals, for operators, pseudonymous.
pub async fn overall(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    ext: web::Path<String>,
    q: web::Query<ResultsQuery>,
) -> Result<HttpResponse, PageError> {
    let format = Format::of_extension(&ext)?;
    let now = state.clock.now();
    let here = req.uri().to_string();
    let who = require_login(&state, &session, &here, now).await?;
    require_operator(&state, &who)?;
    if q.wants_real_names() {
        return Err(PageError::NotFound);
    }
    let choice = q.period();
    let rows: Vec<ReadoutRow> = all_rows(&state, choice, now)
        .await?
        .into_iter()
        .flat_map(|d| d.rows)
        .collect();
    let file = filename("all", choice, false, format, now);
    download(&state, &rows, false, format, &file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn filenames_say_what_is_inside() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 2, 4, 56, 0)
            .single()
            .expect("time");
        assert_eq!(
            filename("pics", PeriodChoice::Last30Days, false, Format::Csv, now),
            "appealmod-pics-30d-2026-12-02.csv"
        );
        assert_eq!(
            filename("all", PeriodChoice::SinceChange, true, Format::Json, now),
            "appealmod-all-since-change-2026-12-02-real-names.json"
        );
    }
}
