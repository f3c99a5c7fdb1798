//! The experiment's readout for moderators (their subreddit) and operators (all):
//! `/dashboard/results`, `/dashboard/r/{sub}/results` and the exports.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
