//! Several processes of one runner share the work through the database: each bot account's
//! passes are a lease (`recent/<account>`, `started/<account>` in `runner_leases`) that
//! one replica holds at a time, renewed every third of its length. A replica that dies stops
//! renewing; another takes its leases over once they expire — within one lease period and a
//! third of one of its last renewal. Which leases to take, keep or give up is decided by
//! [`appealmod_core::share::plan`] from what the replica sees.
//!
//! A lease only spreads the work: nothing here is needed for exactly-once. Two replicas
//! that both think they hold an account (one paused past its lease, then woken) decide
//! each step once (the journal's markers and the one-open-appeal index) and send each entry
//! once (the journal's claim).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

use appealmod_core::share::{self, View};
use appealmod_shared::storage::{Backend, LeaseTake, ServingAccount, Store};

use crate::clock::Clock;

/// One process of a runner kind (`recent` or `started`), among its replicas.
pub struct Replica {
    store: Store,
    kind: &'static str,
    id: String,
    accounts: Vec<ServingAccount>,
    ttl: Duration,
    clock: Clock,
    /// SQLite: one machine and one writer, so one replica works and the others wait.
    single_writer: bool,
}

/// A lease this replica took over from another holder that stopped renewing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Takeover {
    pub account: ServingAccount,
    pub from: String,
    /// From the other holder's last renewal to this takeover.
    pub after: Duration,
}

/// What one look found: the accounts this replica works for now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Look {
    pub held: Vec<ServingAccount>,
    pub took_over: Vec<Takeover>,
    /// Live replicas of this kind, this one included.
    pub replicas: usize,
}

impl Replica {
    pub fn new(
        store: Store,
        kind: &'static str,
        id: String,
        accounts: Vec<ServingAccount>,
        ttl: Duration,
        clock: Clock,
    ) -> Self {
        let single_writer = store.backend() == Backend::Sqlite;
        Self {
            store,
            kind,
            id,
            accounts,
            ttl,
            clock,
            single_writer,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// How often to look: a third of the lease, so that two looks can fail before it ends.
    pub fn every(&self) -> std::time::Duration {
        (self.ttl / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1))
    }

    fn scope(&self, account: &ServingAccount) -> String {
        format!("{}/{}", self.kind, account.label())
    }

    fn heartbeat_scope(&self) -> String {
        format!("replica/{}/{}", self.kind, self.id)
    }

    /// One look: the heartbeat first (so that it expires before this replica's leases if it
    /// dies, and survivors stop counting it by then), then the leases the plan says.
    pub async fn look(&self) -> anyhow::Result<Look> {
        let now = self.clock.now();
        self.store
            .take_lease(&self.heartbeat_scope(), &self.id, now, self.ttl)
            .await?;
        let replicas = self
            .store
            .live_leases(&format!("replica/{}/", self.kind), now)
            .await?
            .len()
            .max(1);
        let holders = self
            .store
            .live_leases(&format!("{}/", self.kind), now)
            .await?;
        // The plan works on the accounts' labels (what the lease scopes name).
        let labels: Vec<String> = self.accounts.iter().map(ServingAccount::label).collect();
        let held: BTreeSet<&String> = labels
            .iter()
            .filter(|l| holders.get(*l).is_some_and(|h| *h == self.id))
            .collect();
        let taken: BTreeSet<&String> = labels
            .iter()
            .filter(|l| holders.get(*l).is_some_and(|h| *h != self.id))
            .collect();
        let plan = share::plan(&View {
            work: &labels,
            held,
            taken,
            replicas,
            single_writer: self.single_writer,
        });
        let account = |label: &String| {
            self.accounts
                .iter()
                .find(|a| a.label() == *label)
                .cloned()
                .unwrap_or(ServingAccount::Default)
        };
        let mut look = Look {
            replicas,
            ..Look::default()
        };
        for a in plan.renew.into_iter().chain(plan.take).map(account) {
            self.hold(&a, now, &mut look).await?;
        }
        for a in plan.release.into_iter().map(account) {
            self.store.release_lease(&self.scope(&a), &self.id).await?;
            info!(runner = self.kind, account = %a.label(), replicas, "gave a lease up for another replica");
        }
        Ok(look)
    }

    async fn hold(
        &self,
        account: &ServingAccount,
        now: DateTime<Utc>,
        look: &mut Look,
    ) -> anyhow::Result<()> {
        match self
            .store
            .take_lease(&self.scope(account), &self.id, now, self.ttl)
            .await?
        {
            LeaseTake::Held { taken_over_from } => {
                if let Some((from, renewed)) = taken_over_from {
                    let after = now - renewed;
                    warn!(
                        runner = self.kind,
                        account = %account.label(),
                        from = %from,
                        after_ms = after.num_milliseconds(),
                        "took over the work of a replica that stopped renewing its lease"
                    );
                    look.took_over.push(Takeover {
                        account: account.clone(),
                        from,
                        after,
                    });
                }
                look.held.push(account.clone());
            }
            LeaseTake::Busy => {}
        }
        Ok(())
    }

    /// A replica that stops cleanly hands its work over at once.
    pub async fn stop(&self) {
        for a in &self.accounts {
            if let Err(e) = self.store.release_lease(&self.scope(a), &self.id).await {
                warn!(error = %e, "could not release a lease; it expires on its own");
            }
        }
        let _ = self
            .store
            .release_lease(&self.heartbeat_scope(), &self.id)
            .await;
    }
}

/// A replica id unique across machines and restarts: host, process and a random part.
pub fn replica_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let random: u32 = rand::random();
    format!("{host}-{}-{random:08x}", std::process::id())
}
