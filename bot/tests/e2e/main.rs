//! The unchanged runners against the Reddit simulator over HTTP, on SQLite and PostgreSQL.

mod accounts;
mod console;
mod decisions;
mod dialogue;
mod helpers;
mod listing;
mod reliability;
mod signups;
mod standing;
mod texts;
mod toxicity;
