//! Politeness per host, across every crawl of the process: at most a few requests to one host
//! in flight, and a pause between two requests to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The hosts being crawled, each with its slots and its next free moment.
#[derive(Debug)]
pub struct HostGate {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

#[derive(Debug)]
struct Host {
    slots: Arc<Semaphore>,
    /// The earliest moment the next request may start.
    next: Mutex<Instant>,
}

/// A request's turn at a host; the slot frees when dropped.
#[derive(Debug)]
pub struct Turn {
    _slot: Option<OwnedSemaphorePermit>,
}

impl HostGate {
    pub fn new(per_host: usize) -> HostGate {
        HostGate {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot at `host` and for `delay` since the previous request to it started.
    pub async fn turn(&self, host: &str, delay: Duration) -> Turn {
        let entry = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // Hosts no crawl holds a slot of and whose pause is over are forgotten, so the map
            // stays small.
            let now = Instant::now();
            hosts.retain(|_, h| {
                h.slots.available_permits() < self.per_host
                    || *h.next.lock().unwrap_or_else(|p| p.into_inner()) > now
            });
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| {
                    Arc::new(Host {
                        slots: Arc::new(Semaphore::new(self.per_host)),
                        next: Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        // The semaphore is never closed; if it were, the request would only go unlimited.
        let slot = entry.slots.clone().acquire_owned().await.ok();
        // Each request reserves its start time, then waits for it without holding the lock.
        let start = {
            let mut next = entry.next.lock().unwrap_or_else(|p| p.into_inner());
            let start = (*next).max(Instant::now());
            *next = start + delay;
            start
        };
        tokio::time::sleep_until(start).await;
        Turn { _slot: slot }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_to_one_host_are_spaced_and_others_are_not() {
        let gate = HostGate::new(2);
        let start = Instant::now();
        let delay = Duration::from_millis(100);
        drop(gate.turn("shop.example", delay).await);
        drop(gate.turn("shop.example", delay).await);
        drop(gate.turn("shop.example", delay).await);
        assert!(start.elapsed() >= Duration::from_millis(200));
        let other = Instant::now();
        drop(gate.turn("docs.example", delay).await);
        assert!(other.elapsed() < Duration::from_millis(50));
    }
}
