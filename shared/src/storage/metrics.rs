//! What `/metrics` needs from the database: the runners' reports (each runner process
//! writes its own after every pass; see `crate::metrics`) and the figures only the
//! database knows.

use chrono::{DateTime, Utc};

use super::column::{Millis, Text, read};
use super::{Result, Store, StoreError};
use crate::domain::AppealStatus;
use crate::metrics::{RunnerReport, StoreFigures, StoredReport};

#[derive(sqlx::FromRow)]
struct ReportRow {
    process: String,
    report: String,
    reported_at: Millis,
}

#[derive(sqlx::FromRow)]
struct StatusCount {
    status: Text<AppealStatus>,
    n: i64,
}

/// Every appeal status, in the order `/metrics` lists them.
const STATUSES: [AppealStatus; 4] = [
    AppealStatus::Prompted,
    AppealStatus::Submitted,
    AppealStatus::Completed,
    AppealStatus::Abandoned,
];

impl Store {
    /// Replaces `process`'s report (one row per runner process).
    pub async fn report_runner(
        &self,
        process: &str,
        report: &RunnerReport,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let json = serde_json::to_string(report).map_err(|e| StoreError::corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO runner_metrics (process, report, reported_at) VALUES ($1, $2, $3) \
             ON CONFLICT (process) DO UPDATE SET report = $2, reported_at = $3",
        )
        .bind(process)
        .bind(json)
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every runner's latest report, by process name.
    pub async fn runner_reports(&self) -> Result<Vec<StoredReport>> {
        let rows =
            sqlx::query("SELECT process, report, reported_at FROM runner_metrics ORDER BY process")
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                let row: ReportRow = read(r, "runner_metrics")?;
                let report = serde_json::from_str(&row.report).map_err(|e| {
                    StoreError::corrupt(format!("runner_metrics.report ({}): {e}", row.process))
                })?;
                Ok(StoredReport {
                    process: row.process,
                    reported_at: row.reported_at.0,
                    report,
                })
            })
            .collect()
    }

    /// Journal entries by state, appeals by status, parked conversations.
    pub async fn store_figures(&self) -> Result<StoreFigures> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM appeals GROUP BY status")
            .fetch_all(self.pool())
            .await?;
        let mut appeals: Vec<(AppealStatus, i64)> = STATUSES.iter().map(|s| (*s, 0)).collect();
        for r in &rows {
            let c: StatusCount = read(r, "appeals")?;
            if let Some(slot) = appeals.iter_mut().find(|(s, _)| *s == c.status.0) {
                slot.1 = c.n;
            }
        }
        Ok(StoreFigures {
            journal: self.journal_counts().await?,
            appeals,
            parked_conversations: self.parked_count().await?,
        })
    }
}
