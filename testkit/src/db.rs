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
