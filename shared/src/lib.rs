//! What the bot and the site share: typed configuration, domain types, SQL storage,
//! appeal-link tokens and the logging fan-out.

pub mod config;
pub mod domain;
pub mod logging;
pub mod storage;
pub mod token;
