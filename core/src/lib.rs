//! appealmod's core: the domain types every crate agrees on and the pure decision core.
//!
//! No I/O, no clock, no randomness: `Cargo.toml` lists no async runtime, database, HTTP or
//! random crate, and chrono comes without `clock`, so `Utc::now()` does not compile here.
//! Time comes in as an argument; effects go out as data.

pub mod decide;
pub mod domain;
pub mod i18n;
pub mod policy;
pub mod readout;
pub mod settings;
pub mod share;
pub mod toxicity;
