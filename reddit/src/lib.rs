//! Reddit's OAuth and modmail API for the bot: the only code in the project that knows
//! Reddit's JSON.
//!
//! - [`RedditClient`]: one bot account. Logs in with the script-app password grant, renews
//!   its token before it expires and once on a 401, paces every request by Reddit's
//!   `x-ratelimit-*` headers (one budget shared by all clones), retries reads with capped
//!   exponential backoff, and never blindly retries a write whose outcome is unknown.
//! - [`wire`]: serde structs shaped like Reddit's JSON and `TryFrom` conversions into
//!   [`appealmod_core::domain`] types.
//! - [`web_login::WebLogin`]: the console's login (a Reddit "web app", authorization code):
//!   the moderator's own token, used only to learn who they are and what they moderate.
//! - [`CallCounters`]: calls by [`Endpoint`] and [`CallOutcome`], and the lowest rate-limit
//!   remainder seen.
//!
//! Architecture invariant: nothing here decides what the bot does; callers get domain types
//! and a [`RedditError`] they can branch on.

mod client;
mod counters;
mod error;
mod limiter;
pub mod web_login;
pub mod wire;

pub use client::{
    ChangedSince, ClientConfig, ClientOptions, Credentials, Endpoint, MAX_PAGE, Now, Page,
    RedditClient,
};
pub use counters::{CallCounters, CallOutcome};
pub use error::{AuthError, RedditError};
pub use limiter::RateHeaders;
