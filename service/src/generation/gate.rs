//! Admission to a generator: a bounded number of replies generate at once in a process, a
//! bounded number wait, and the waiting are served round-robin by tenant.
//!
//! The local model takes every core for one reply, so replies beyond the gate's capacity
//! wait for a slot instead of slowing each other down. When a slot frees, the next tenant in
//! turn (not the next request) gets it: a tenant with a hundred waiting replies and one with
//! a single one alternate. A tenant may hold at most half of the waiting places, so a flood
//! from one never leaves another without a place; past the bounds a request is refused at
//! once (503 `busy`, with `Retry-After`) rather than queued without end.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::Tenant;

type TenantKey = (String, companin_entity::Environment);

/// Why a reply cannot wait for the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Replies waiting when it was refused.
    pub waiting: usize,
}

/// A gate in front of one generator.
pub struct Gate {
    capacity: usize,
    max_waiting: usize,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    running: usize,
    waiting: usize,
    /// Tenants with waiting replies, in the order they get the next slots.
    turn: VecDeque<TenantKey>,
    queues: HashMap<TenantKey, VecDeque<oneshot::Sender<Permit>>>,
}

/// A slot of the gate, given back when dropped.
pub struct Permit {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Permit")
    }
}

impl Gate {
    /// `capacity` replies at once (at least one), `max_waiting` more waiting.
    pub fn new(capacity: usize, max_waiting: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            max_waiting,
            state: Arc::default(),
        }
    }

    /// Most replies one tenant may have waiting.
    fn tenant_share(&self) -> usize {
        (self.max_waiting / 2).max(1)
    }

    /// A slot for one of `tenant`'s replies: at once when one is free and nobody waits,
    /// else in the tenant's turn; refused when the waiting places (or the tenant's share of
    /// them) are taken.
    pub async fn enter(&self, tenant: &Tenant) -> Result<Permit, Busy> {
        let key = (tenant.org_id.to_string(), tenant.environment);
        let admitted = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.running < self.capacity && state.waiting == 0 {
                state.running += 1;
                None
            } else {
                let queued = state.queues.get(&key).map_or(0, VecDeque::len);
                if state.waiting >= self.max_waiting || queued >= self.tenant_share() {
                    return Err(Busy {
                        waiting: state.waiting,
                    });
                }
                let (tx, rx) = oneshot::channel();
                if queued == 0 {
                    state.turn.push_back(key.clone());
                }
                state.queues.entry(key).or_default().push_back(tx);
                state.waiting += 1;
                Some(rx)
            }
        };
        match admitted {
            None => Ok(Permit {
                state: self.state.clone(),
            }),
            // The permit travels through the channel; a closed channel cannot happen while
            // the gate lives, and reads as a refusal if it does.
            Some(rx) => rx.await.map_err(|_| Busy { waiting: 0 }),
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let next = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                let Some(key) = state.turn.pop_front() else {
                    // Nobody waits: the slot is free.
                    state.running = state.running.saturating_sub(1);
                    return;
                };
                let Some(queue) = state.queues.get_mut(&key) else {
                    continue;
                };
                let next = queue.pop_front();
                if queue.is_empty() {
                    state.queues.remove(&key);
                } else {
                    state.turn.push_back(key);
                }
                if let Some(next) = next {
                    state.waiting -= 1;
                    break next;
                }
            }
        };
        // The slot passes to the next reply in turn. If its client left (the receiver is
        // gone), the permit comes back and, dropped here, outside the lock, passes it on.
        if let Err(unused) = next.send(Permit {
            state: self.state.clone(),
        }) {
            drop(unused);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgId;

    fn tenant(org: &str) -> Tenant {
        Tenant {
            org_id: OrgId::from_db(org.to_owned()),
            environment: companin_entity::Environment::Production,
        }
    }

    #[tokio::test]
    async fn waiting_tenants_take_turns_and_a_flood_keeps_to_its_share() {
        let gate = Arc::new(Gate::new(1, 8));
        let (a, b) = (tenant("org_a"), tenant("org_b"));
        let first = gate.enter(&a).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        // Tenant A queues four replies, then B one: B is served second, not fifth.
        for (i, who) in [(0, &a), (1, &a), (2, &a), (3, &a), (4, &b)] {
            let (gate, who, order) = (gate.clone(), who.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let permit = gate.enter(&who).await.unwrap();
                order.lock().unwrap().push(i);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                drop(permit);
            }));
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // A holds its share (half of 8) of the waiting places; B may still wait.
        assert_eq!(gate.enter(&a).await.unwrap_err(), Busy { waiting: 5 });
        drop(first);
        for w in waiting {
            w.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 4, 1, 2, 3]);
        // Everything given back: a new reply enters at once.
        let again = tokio::time::timeout(std::time::Duration::from_secs(1), gate.enter(&a)).await;
        assert!(again.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_reply_whose_client_left_gives_its_turn_away() {
        let gate = Arc::new(Gate::new(1, 4));
        let (a, b) = (tenant("org_a"), tenant("org_b"));
        let first = gate.enter(&a).await.unwrap();
        let gone = {
            let gate = gate.clone();
            let a = a.clone();
            tokio::spawn(async move { gate.enter(&a).await.map(|_| ()) })
        };
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        gone.abort();
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.enter(&b).await.is_ok() })
        };
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        drop(first);
        assert!(waiting.await.unwrap());
    }
}
