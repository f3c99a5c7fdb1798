//! Real HTTP against a simulator on a free port.

// A failed unwrap is a failed test, with the location in the panic message.
#![allow(clippy::unwrap_used)]

mod auth;
mod behaviour;
mod contract;
mod facts;
mod faults;
mod helpers;
mod listing;
mod mod_notes;
mod ratelimit;
mod shapes;
mod webapp;
