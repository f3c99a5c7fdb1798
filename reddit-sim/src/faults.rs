//! Queued failures for the next calls of an endpoint.

use std::collections::{HashMap, VecDeque};

use crate::types::{Endpoint, FaultMode};

#[derive(Debug, Default)]
pub struct Faults {
    queued: HashMap<Endpoint, VecDeque<(u32, FaultMode)>>,
}

impl Faults {
    pub fn add(&mut self, endpoint: Endpoint, count: u32, mode: FaultMode) {
        if count > 0 {
            self.queued
                .entry(endpoint)
                .or_default()
                .push_back((count, mode));
        }
    }

    /// The fault for the call being made now, if any.
    pub fn take(&mut self, endpoint: Endpoint) -> Option<FaultMode> {
        let queue = self.queued.get_mut(&endpoint)?;
        let (left, mode) = queue.front_mut()?;
        let mode = *mode;
        *left -= 1;
        if *left == 0 {
            queue.pop_front();
        }
        Some(mode)
    }

    pub fn clear(&mut self) {
        self.queued.clear();
    }
}
