//! The site over real HTTP, on SQLite and on PostgreSQL.

mod appeal;
mod console;
mod helpers;
mod http;
mod live;
mod pages;
mod results;
mod security;
mod sessions;
mod status;
mod texts;
mod unavailable;

pub(crate) use appealmod_testkit::on_both_backends;
