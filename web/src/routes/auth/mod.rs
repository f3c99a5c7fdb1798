//! The console's Reddit login: `/login`, `/auth/reddit/callback`, `POST /logout`.

pub mod callback_get;
pub mod login_get;
pub mod logout_post;
