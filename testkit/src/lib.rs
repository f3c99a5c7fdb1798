//! What only tests, benchmarks and the sandbox's in-process test use: a fresh database per
//! test ([`TestDb`]), the unchanged bot wired to an in-process Reddit simulator
//! ([`world::World`]), the readout's fixture dataset ([`readout_fixture`]), a TCP proxy that
//! takes a server away and brings it back ([`TcpProxy`]), [`on_both_backends!`], and what
//! the benchmarks share: Reddit's faults, appellants' acts and the ledger comparison
//! ([`chaos`], [`ledger`]), their command line and runner binary ([`mod@bench`]).
//!
//! Production crates take this crate as a dev-dependency only.

pub mod bench;
pub mod chaos;
pub mod db;
pub mod ledger;
pub mod proxy;
pub mod readout_fixture;
pub mod world;

pub use appealmod_shared::storage::Backend;
pub use db::{POSTGRES_ENV, TestDb, postgres_admin_url};
pub use proxy::TcpProxy;

/// Runs each listed `async fn(Backend)` once per backend, as `sqlite::NAME` and
/// `postgres::NAME`: every test that needs a database runs on both.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name($crate::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name($crate::Backend::Postgres).await; })*
        }
    };
}
