//! Named points where a test can make a runner stop dead, as if the process crashed there.
//!
//! The crash tests arm a point, run a pass (which returns [`Crash`] at that point, leaving
//! the database exactly as a killed process would), then build a fresh runner — a restart —
//! and check that every Reddit effect still happens exactly once. In production nothing is
//! armed and a check is one uncontended lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Every place a crash can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failpoint {
    /// The decision and its journal entries are built, not committed.
    DecideBeforeCommit,
    /// Committed, nothing sent.
    DecideAfterCommit,
    /// An entry is claimed (in flight), Reddit not called.
    SendAfterClaim,
    /// Reddit answered, the entry is still in flight.
    SendAfterCall,
    /// The entry is done, the pass has not moved on.
    SendAfterComplete,
}

impl Failpoint {
    /// In the order a conversation passes them.
    pub const ALL: [Failpoint; 5] = [
        Self::DecideBeforeCommit,
        Self::DecideAfterCommit,
        Self::SendAfterClaim,
        Self::SendAfterCall,
        Self::SendAfterComplete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DecideBeforeCommit => "decide.before_commit",
            Self::DecideAfterCommit => "decide.after_commit",
            Self::SendAfterClaim => "send.after_claim",
            Self::SendAfterCall => "send.after_call",
            Self::SendAfterComplete => "send.after_complete",
        }
    }
}

impl std::fmt::Display for Failpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("injected crash at {0}")]
pub struct Crash(pub Failpoint);

#[derive(Clone, Debug, Default)]
pub struct Failpoints {
    armed: Arc<Mutex<HashMap<Failpoint, u32>>>,
}

impl Failpoints {
    /// The next `times` passes through `point` crash.
    pub fn arm(&self, point: Failpoint, times: u32) {
        if let Ok(mut m) = self.armed.lock() {
            m.insert(point, times);
        }
    }

    pub fn hit(&self, point: Failpoint) -> Result<(), Crash> {
        let Ok(mut m) = self.armed.lock() else {
            return Ok(());
        };
        match m.get_mut(&point) {
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
