//! The scripted sandbox: a few subreddits signed up on the website, then banned users who
//! write to modmail, fill the appeal form, forget it, write toxic messages, get taken over
//! by a moderator; then the moderator grants one appeal in the console and denies one with
//! a `!deny` note in modmail — all through the running simulator's control API and the
//! running website's pages, exactly as people would.
//!
//! `./run.sh sandbox` runs it against separate processes; `tests/scenario.rs` runs it
//! in-process against the same code, faster.

pub mod decisions;
pub mod form;
pub mod scenario;
pub mod sim;
