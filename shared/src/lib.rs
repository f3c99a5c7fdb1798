//! What the bot and the site share: typed configuration, domain types, SQL storage,
//! appeal-link tokens, the logging fan-out, the readout's export and `/metrics`.

pub mod clock;
pub mod config;
pub mod effects;
/// The domain types live in `appealmod-core`; re-exported so that every crate names them the same way.
pub use appealmod_core::domain;
/// The numbers the bot acts on and the site prints (reminders, permissions, form duration).
pub use appealmod_core::policy;
pub mod export;
pub mod fingerprint;
pub mod logging;
pub mod metrics;
pub mod storage;
pub mod token;
