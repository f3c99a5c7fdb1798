//! The live view (`/dashboard/live`, its Server-Sent Events) and `/metrics`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
