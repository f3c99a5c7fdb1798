//! The site over real HTTP, on SQLite and on PostgreSQL.

mod appeal;
mod helpers;
mod pages;
mod security;

/// Runs each listed `async fn(Backend)` once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name(appealmod_shared::storage::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name(appealmod_shared::storage::Backend::Postgres).await; })*
        }
    };
}
pub(crate) use on_both_backends;
