//! The system of record: SQL through sqlx, on SQLite (default, embedded) or PostgreSQL.
//!
//! Only this module knows SQL. Both backends run the same statements through sqlx's Any
//! driver, which is why the schema uses `BIGINT` milliseconds for times and 0/1 integers for
//! flags, and why statements use `$n` placeholders (SQLite accepts them too). Aggregates
//! whose type differs between the backends (e.g. `SUM`) are cast to `BIGINT`.
//!
//! Rows are read by column name into private row structs and converted to the public types
//! at the edge of this module; `column.rs` holds the one mapping of each stored value (times,
//! flags, enums, names, JSON), and a value that does not read back is an error naming its
//! table and column, never a default.

mod accounts;
mod activity;
mod appeals;
mod appellants;
mod audit;
mod cases;
mod column;
mod cursors;
mod decisions;
mod journal;
mod leases;
mod left_alone;
mod metrics;
mod moderators;
mod parked;
mod plans;
mod queue;
mod readout;
mod sessions;
mod signups;
mod subreddits;
mod toxicity;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use accounts::*;
pub use activity::*;
pub use appeals::*;
pub use appellants::*;
pub use audit::*;
pub use cases::*;
pub use decisions::*;
pub use journal::*;
pub use leases::*;
pub use moderators::*;
pub use parked::*;
pub use plans::*;
pub use queue::*;
pub use readout::*;
pub use sessions::*;
pub use signups::*;
pub use subreddits::*;
pub use toxicity::*;

/// Errors callers branch on; everything else is `Unexpected` with its cause chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unreachable ({0}); check database.url and that the server is running")]
    Unavailable(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Unexpected(#[from] sqlx::Error),
}

impl StoreError {
    fn corrupt(msg: impl Into<String>) -> Self {
        Self::Corrupt(msg.into())
    }

    /// The database did not answer in time: unreachable, shut down, refusing connections,
    /// or no pooled connection free within the acquire timeout. Trying again in a minute may
    /// work; a transaction that did not commit was rolled back.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Corrupt(_) => false,
            Self::Unexpected(e) => match e {
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_) => true,
                // PostgreSQL's connection exceptions (class 08), shutdowns (57P01–57P03) and
                // too many connections (53300).
                sqlx::Error::Database(d) => d.code().is_some_and(|c| {
                    c.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&&*c)
                }),
                _ => false,
            },
        }
    }

    /// A unique constraint refused the write: another process did the same thing first
    /// (e.g. a second runner opened the same appeal). The caller's transaction is void.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Unexpected(sqlx::Error::Database(e))
            if e.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How a process's connection pool is sized, and how long a request waits for one of its
/// connections before it gives up ([`StoreError::is_unavailable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl PoolSettings {
    /// The runners' pool: a pass may wait a while for a busy or restarting database. The
    /// site waits much less (`database.web_acquire_timeout_ms`): a person is waiting.
    pub fn new(max_connections: u32) -> Self {
        Self {
            max_connections,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// A connection pool plus the knowledge of which backend it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Store {
    /// Connects (creating an SQLite file and its directory when needed) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_with(url, PoolSettings::new(max_connections)).await
    }

    /// [`Store::connect`] with a pool of its own settings.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or(path);
            let dir = Path::new(file)
                .parent()
                .filter(|d| !d.as_os_str().is_empty());
            if let Some(dir) = dir.filter(|_| !file.is_empty() && file != ":memory:") {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let url = if path.contains("mode=") {
                format!("sqlite://{path}")
            } else if path.contains('?') {
                format!("sqlite://{path}&mode=rwc")
            } else {
                format!("sqlite://{path}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::Unavailable(
                "database.url must start with sqlite:// or postgres://".to_owned(),
            ));
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::Unavailable(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets the site read while a runner writes; the busy timeout
                        // makes writers from other processes wait instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self { pool, backend })
    }

    /// Connects and applies pending migrations: what every binary does at start.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self> {
        Self::open_with(url, PoolSettings::new(max_connections)).await
    }

    /// [`Store::open`] with a pool of its own settings (the site's short acquire timeout).
    pub async fn open_with(url: &str, settings: PoolSettings) -> Result<Self> {
        let store = Self::connect_with(url, settings).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Unexpected(sqlx::Error::Migrate(Box::new(e))))?;
        // Data, not schema: links written in clear by an older version are taken out.
        self.strip_stored_links().await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True when a trivial query answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so that two processes never both read a snapshot and then fail to upgrade it.
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { tx })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A write transaction: the state change and the journal entries it causes commit together.
pub struct Tx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
