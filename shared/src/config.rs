//! The one typed configuration: a YAML file, then `APPEALMOD__SECTION__KEY` environment
//! overrides. Unknown keys are refused, every error names its key path, secrets never print.
//!
//! By job: `schema.rs` (the sections and their defaults), `loading.rs` (file, YAML,
//! environment, errors), `validation.rs` (values that cannot work, placeholders) and
//! `secrets.rs` (what never prints and what hands secrets out).

mod loading;
mod modmail;
mod placeholders;
mod problem;
mod schema;
mod secrets;
mod strength;
mod url_mask;
mod validation;

pub use loading::ConfigError;
pub use modmail::ModmailLinks;
pub use problem::{Problem, Source};
pub use schema::*;
pub use secrets::{ConsoleLogin, RedditCredentials, Secret};

/// Default location of the configuration file.
pub const DEFAULT_CONFIG_PATH: &str = "certs/config.yaml";
/// Environment variable naming another configuration file.
pub const CONFIG_PATH_ENV: &str = "APPEALMOD_CONFIG";
/// Prefix of environment overrides: `APPEALMOD__REDDIT__USERNAME=...`.
pub const ENV_PREFIX: &str = "APPEALMOD__";

#[cfg(test)]
mod tests;
