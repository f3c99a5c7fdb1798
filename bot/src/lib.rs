//! appealmod's bot: the pure decision core, the side-effect journal sender and the two
//! runners (recent conversations, started conversations).

pub mod cli;
/// The clock lives in `appealmod-shared` (the site reads it too); named here as before.
pub use appealmod_shared::clock;
pub mod context;
pub mod decisions;
pub mod failpoints;
pub mod pool;
pub mod process;
pub mod replicas;
pub mod runners;
pub mod sender;
pub mod split_alarm;
pub mod verify;

pub use context::BotContext;
pub use runners::{PassReport, RecentRunner, StartedRunner};
