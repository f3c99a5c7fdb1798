//! Fresh databases for tests: an SQLite file in a temporary directory, or a new PostgreSQL
//! database (created on `APPEALMOD_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) that is dropped afterwards.

use std::path::PathBuf;

use rand::Rng;
use sqlx::{Connection, Executor};

use appealmod_shared::storage::{Backend, Store};

pub const POSTGRES_ENV: &str = "APPEALMOD_TEST_POSTGRES_URL";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated, empty database that removes itself when dropped.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique_suffix() -> String {
    let n: u64 = rand::rng().random();
    format!("{}_{n:016x}", std::process::id())
}

/// The admin URL for PostgreSQL tests.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("appealmod-test-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let url = format!("sqlite://{}/appealmod.sqlite", dir.display());
        let store = Store::open(&url, 4)
            .await
            .expect("open SQLite test database");
        Self {
            store,
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// Panics with instructions when PostgreSQL does not answer: the suite needs it.
    pub async fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        let name = format!("appealmod_test_{}", unique_suffix());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {admin_url} ({e}). The tests need it: start it \
                 (e.g. `pg_ctlcluster 15 main start`) or set {POSTGRES_ENV}."
                )
            });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let (base, _) = admin_url
            .rsplit_once('/')
            .unwrap_or((admin_url.as_str(), ""));
        let url = format!("{base}/{name}");
        let store = Store::open(&url, 4)
            .await
            .expect("open PostgreSQL test database");
        Self {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

impl TestDb {
    /// Everything the database holds, as text: on SQLite the bytes of its files (the
    /// write-ahead log and free pages included), on PostgreSQL every row of every table.
    /// For tests that assert what must never be stored.
    pub async fn stored_text(&self) -> String {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let mut all = Vec::new();
                for name in ["appealmod.sqlite", "appealmod.sqlite-wal"] {
                    if let Ok(bytes) = std::fs::read(dir.join(name)) {
                        all.extend_from_slice(&bytes);
                        all.push(b'\n');
                    }
                }
                String::from_utf8_lossy(&all).into_owned()
            }
            Cleanup::Postgres { .. } => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to the test database");
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                )
                .fetch_all(&mut c)
                .await
                .expect("list tables");
                let mut all = String::new();
                for t in tables {
                    let rows: Vec<String> =
                        sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM \"{t}\" t"))
                            .fetch_all(&mut c)
                            .await
                            .expect("read table");
                    for r in rows {
                        all.push_str(&r);
                        all.push('\n');
                    }
                }
                let _ = c.close().await;
                all
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop runs outside any async context we can rely on: use a private runtime
                // on its own thread. FORCE disconnects the pool that may still be open.
                let admin_url = admin_url.clone();
                let name = name.clone();
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = c
                                .execute(
                                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                                )
                                .await;
                            let _ = c.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
