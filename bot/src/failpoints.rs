//! Named points where a test can make a runner stop dead, as if the process crashed there.
//!
//! The crash tests arm a point, run a pass (which returns [`Crash`] at that point, leaving
//! the database exactly as a killed process would), then build a fresh runner — a restart —
//! and check that every Reddit effect still happens exactly once. In production nothing is
//! armed and a check is one uncontended lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Every place a crash can be injected, in the order a conversation passes them.
pub const POINTS: &[&str] = &[
    "decide.before_commit",
    "decide.after_commit",
    "send.after_claim",
    "send.after_call",
    "send.after_complete",
];

#[derive(Debug, thiserror::Error)]
#[error("injected crash at {0}")]
pub struct Crash(pub &'static str);

#[derive(Clone, Debug, Default)]
pub struct Failpoints {
    armed: Arc<Mutex<HashMap<&'static str, u32>>>,
}

impl Failpoints {
    /// The next `times` passes through `point` crash.
    pub fn arm(&self, point: &'static str, times: u32) {
        if let Ok(mut m) = self.armed.lock() {
            m.insert(point, times);
        }
    }

    pub fn hit(&self, point: &'static str) -> Result<(), Crash> {
        let Ok(mut m) = self.armed.lock() else {
            return Ok(());
        };
        match m.get_mut(point) {
            Some(n) if *n > 0 => {
                *n -= 1;
                Err(Crash(point))
            }
            _ => Ok(()),
        }
    }
}

/// True when a runner step failed because of an injected crash, which must end the pass
/// (as a real crash would) instead of being logged and skipped like an ordinary error.
pub fn is_crash(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Crash>().is_some()
}
