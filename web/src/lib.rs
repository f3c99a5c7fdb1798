//! The sign-up website and the personal appeal form.
//!
//! `startup` builds an [`Application`](startup::Application); `routes` has one file per page
//! and verb; `csrf`, `rate_limit` and `middleware` hold the security measures every request
//! goes through. Only this crate knows HTML; it reaches the database only through
//! `appealmod_shared::storage`.

pub mod console;
pub mod csrf;
pub mod errors;
pub mod form;
pub mod i18n;
pub mod middleware;
pub mod rate_limit;
pub mod routes;
pub mod startup;
