//! What the bot and the site share: typed configuration, domain types, SQL storage,
//! appeal-link tokens and the logging fan-out.

pub mod config;
/// The domain types live in `appealmod-core`; re-exported so that every crate names them the same way.
pub use appealmod_core::domain;
pub mod logging;
pub mod storage;
pub mod token;
