//! The bounded hand-off between a logging call (which must never wait) and a background
//! sender (which may wait for the network as long as it likes).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

pub(crate) struct BoundedQueue<T> {
    items: Mutex<VecDeque<T>>,
    capacity: usize,
    /// Pushes that wake the sender early; below it the sender's timer picks lines up.
    wake_at: usize,
    dropped: AtomicU64,
    pub wake: Notify,
    closing: Mutex<Option<Instant>>,
    finished: AtomicBool,
    finished_notify: Notify,
}

impl<T> BoundedQueue<T> {
    pub fn new(capacity: usize, wake_at: usize) -> Arc<Self> {
        Arc::new(Self {
            items: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
            wake_at: wake_at.max(1),
            dropped: AtomicU64::new(0),
            wake: Notify::new(),
            closing: Mutex::new(None),
            finished: AtomicBool::new(false),
            finished_notify: Notify::new(),
        })
    }

    fn items(&self) -> MutexGuard<'_, VecDeque<T>> {
        // A panic while holding this lock cannot leave the deque inconsistent.
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Never blocks on I/O. When full, the oldest line goes: while a sink is down the most
    /// recent lines are the ones worth keeping.
    pub fn push(&self, item: T) {
        let len = {
            let mut q = self.items();
            if q.len() >= self.capacity {
                q.pop_front();
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            q.push_back(item);
            q.len()
        };
        if len >= self.wake_at {
            self.wake.notify_one();
        }
    }

    pub fn pop_batch(&self, max: usize) -> Vec<T> {
        let mut q = self.items();
        let n = q.len().min(max);
        q.drain(..n).collect()
    }

    /// Puts a batch that could not be sent back in front, keeping capacity: if newer lines
    /// filled the queue meanwhile, the batch's oldest lines are the ones dropped.
    pub fn requeue_front(&self, batch: Vec<T>) {
        let mut q = self.items();
        let room = self.capacity.saturating_sub(q.len());
        let skip = batch.len().saturating_sub(room);
        if skip > 0 {
            self.dropped.fetch_add(skip as u64, Ordering::Relaxed);
        }
        for item in batch.into_iter().skip(skip).rev() {
            q.push_front(item);
        }
    }

    pub fn len(&self) -> usize {
        self.items().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn add_dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn take_dropped(&self) -> u64 {
        self.dropped.swap(0, Ordering::Relaxed)
    }

    /// When the sender must give up, if it is closing.
    pub fn deadline(&self) -> Option<Instant> {
        *self.closing.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn past_deadline(&self) -> bool {
        self.deadline().is_some_and(|d| Instant::now() >= d)
    }

    /// Time left to sleep before the closing deadline (all of `want` when not closing).
    pub fn sleep_budget(&self, want: Duration) -> Duration {
        match self.deadline() {
            Some(d) => want.min(d.saturating_duration_since(Instant::now())),
            None => want,
        }
    }
}

/// What the sink runtime needs to stop a sender of any item type.
pub(crate) trait SinkControl: Send + Sync {
    fn close(&self, deadline: Instant);
    fn is_finished(&self) -> bool;
    fn finished_notify(&self) -> &Notify;
}

impl<T: Send> SinkControl for BoundedQueue<T> {
    fn close(&self, deadline: Instant) {
        let mut c = self.closing.lock().unwrap_or_else(|e| e.into_inner());
        // A second, later close must not extend an earlier deadline.
        *c = Some(c.map_or(deadline, |old| old.min(deadline)));
        drop(c);
        self.wake.notify_one();
    }
    fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }
    fn finished_notify(&self) -> &Notify {
        &self.finished_notify
    }
}

/// Held by a sender task; marks the queue finished however the task ends (return, panic,
/// or its runtime being shut down).
pub(crate) struct FinishGuard<T>(pub Arc<BoundedQueue<T>>);

impl<T> Drop for FinishGuard<T> {
    fn drop(&mut self) {
        self.0.finished.store(true, Ordering::Release);
        self.0.finished_notify.notify_waiters();
    }
}

/// Waits until the sender behind `control` has finished, or the deadline passes.
pub(crate) async fn wait_finished(control: &dyn SinkControl, deadline: Instant) -> bool {
    loop {
        let notified = control.finished_notify().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if control.is_finished() {
            return true;
        }
        let at = tokio::time::Instant::from_std(deadline);
        if tokio::time::timeout_at(at, notified).await.is_err() {
            return control.is_finished();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_oldest_and_counts() {
        let q = BoundedQueue::new(3, 100);
        for i in 0..5 {
            q.push(i);
        }
        assert_eq!(q.dropped(), 2);
        assert_eq!(q.pop_batch(10), vec![2, 3, 4]);
    }

    #[test]
    fn requeue_keeps_newest_within_capacity() {
        let q = BoundedQueue::new(4, 100);
        for i in 0..4 {
            q.push(i);
        }
        let batch = q.pop_batch(3); // 0,1,2
        q.push(10);
        q.push(11); // queue: 3,10,11
        q.requeue_front(batch);
        assert_eq!(q.pop_batch(10), vec![2, 3, 10, 11]);
        assert_eq!(q.take_dropped(), 2);
        assert_eq!(q.dropped(), 0);
    }
}
