//! Leases that let several processes of a runner share the work through the database:
//! one row per piece of work (`recent/<account>`, `started/<account>`) held by one replica
//! until it expires, and one heartbeat row per live replica (`replica/<kind>/<id>`).
//!
//! A lease is taken with one conditional upsert: the row is written only when it is free,
//! expired, or already this holder's. PostgreSQL locks the conflicting row for the upsert
//! and evaluates the condition on its latest version, so two replicas can never both hold a
//! lease (the guarantee `SELECT … FOR UPDATE SKIP LOCKED` would give, without keeping a
//! transaction open); SQLite serialises writers anyway.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::column::{Millis, get};
use super::{Result, Store};

/// What taking a lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseTake {
    /// Held by this holder now (newly or again).
    Held {
        /// It was another holder's, expired: when that holder last renewed it.
        taken_over_from: Option<(String, DateTime<Utc>)>,
    },
    /// Another holder's lease is still running.
    Busy,
}

impl Store {
    /// Takes or renews the lease `scope` for `holder` until `now + ttl`, unless another
    /// holder's lease is still running.
    pub async fn take_lease(
        &self,
        scope: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseTake> {
        let before = sqlx::query("SELECT holder, expires_at FROM runner_leases WHERE scope = $1")
            .bind(scope)
            .fetch_optional(self.pool())
            .await?
            .map(|r| {
                Ok::<_, super::StoreError>((
                    get::<String>(&r, "runner_leases", "holder")?,
                    get::<Millis>(&r, "runner_leases", "expires_at")?.0,
                ))
            })
            .transpose()?;
        let taken = sqlx::query(
            "INSERT INTO runner_leases (scope, holder, expires_at, acquired_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (scope) DO UPDATE SET holder = excluded.holder, \
               expires_at = excluded.expires_at, \
               acquired_at = CASE WHEN runner_leases.holder = excluded.holder \
                                  THEN runner_leases.acquired_at ELSE excluded.acquired_at END \
             WHERE runner_leases.holder = excluded.holder OR runner_leases.expires_at < $4",
        )
        .bind(scope)
        .bind(holder)
        .bind(Millis(now + ttl))
        .bind(Millis(now))
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1;
        if taken {
            let taken_over_from = before
                .filter(|(h, _)| h != holder)
                .map(|(h, until)| (h, until - ttl));
            return Ok(LeaseTake::Held { taken_over_from });
        }
        Ok(LeaseTake::Busy)
    }

    /// Gives a lease up (a replica that stops, or holds more than its share): another
    /// replica takes it at its next look instead of after the expiry.
    pub async fn release_lease(&self, scope: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM runner_leases WHERE scope = $1 AND holder = $2")
            .bind(scope)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Unexpired leases whose scope starts with `prefix`: the rest of the scope → holder.
    pub async fn live_leases(
        &self,
        prefix: &str,
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, String>> {
        let rows = sqlx::query(
            "SELECT scope, holder FROM runner_leases \
             WHERE substr(scope, 1, CAST($2 AS INTEGER)) = $1 AND expires_at >= $3",
        )
        .bind(prefix)
        .bind(i64::try_from(prefix.len()).unwrap_or(i64::MAX))
        .bind(Millis(now))
        .fetch_all(self.pool())
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let scope: String = get(r, "runner_leases", "scope")?;
            let holder: String = get(r, "runner_leases", "holder")?;
            if let Some(rest) = scope.strip_prefix(prefix) {
                out.insert(rest.to_owned(), holder);
            }
        }
        Ok(out)
    }
}
