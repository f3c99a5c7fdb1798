//! The site over real HTTP, on SQLite and on PostgreSQL.

mod appeal;
mod appeal_page;
mod console;
mod decide;
mod decision_messages;
mod helpers;
mod http;
mod live;
mod pages;
mod plan;
mod queue;
mod results;
mod security;
mod sessions;
mod settings_page;
mod status;
mod texts;
mod unavailable;

pub(crate) use appealmod_testkit::on_both_backends;
