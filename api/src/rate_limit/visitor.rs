//! The per-visitor message cap of widget tokens: a page's visitor may send only so many
//! messages a minute, whatever the org's hourly limit leaves. Counted per API process in fixed
//! one-minute windows: it guards against one browser flooding the assistant, while the org's
//! limit (exact, across processes) remains the budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use companin_entity::Environment;

use crate::auth::jwt::unix_now;
use crate::ids::OrgId;

const WINDOW_SECS: u64 = 60;

type WindowKey = (OrgId, Environment, String, u64);

pub struct VisitorCap {
    per_minute: u32,
    windows: moka::sync::Cache<WindowKey, Arc<AtomicU32>>,
}

impl VisitorCap {
    /// A cap of `per_minute` messages per visitor; 0 admits everything.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            // A window is needed only until the next one opens; bounded, since every token
            // brings a visitor.
            windows: moka::sync::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(Duration::from_secs(2 * WINDOW_SECS))
                .build(),
        }
    }

    /// The cap in force (0: none).
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Counts one message of `visitor`: `Err(seconds until the next window)` past the cap.
    pub fn admit(&self, org: &OrgId, environment: Environment, visitor: &str) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let now = unix_now();
        let window = now / WINDOW_SECS;
        let count = self.windows.get_with(
            (org.clone(), environment, visitor.to_owned(), window),
            || Arc::new(AtomicU32::new(0)),
        );
        // Counted even when refused, so hammering does not earn a slot back.
        let before = count.fetch_add(1, Ordering::Relaxed);
        if before < self.per_minute {
            Ok(())
        } else {
            Err((WINDOW_SECS - now % WINDOW_SECS).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_visitor_gets_its_own_count() {
        let cap = VisitorCap::new(2);
        let org = OrgId::parse("org_0190f0f0f0f07000800000000000000a").unwrap();
        let env = Environment::Production;
        // A window boundary between the calls would reset the count: retry once if so.
        for attempt in 0..2 {
            let window = unix_now() / WINDOW_SECS;
            let a = format!("vis_a{attempt}");
            let results: Vec<bool> = (0..3).map(|_| cap.admit(&org, env, &a).is_ok()).collect();
            let other = cap.admit(&org, env, &format!("vis_b{attempt}")).is_ok();
            let sandbox = cap.admit(&org, Environment::Sandbox, &a).is_ok();
            if unix_now() / WINDOW_SECS != window {
                continue;
            }
            assert_eq!(results, [true, true, false]);
            assert!(other && sandbox);
            let retry = cap.admit(&org, env, &a).unwrap_err();
            assert!((1..=60).contains(&retry));
            return;
        }
        panic!("two window boundaries in a row");
    }

    #[test]
    fn zero_turns_the_cap_off() {
        let cap = VisitorCap::new(0);
        let org = OrgId::parse("org_0190f0f0f0f07000800000000000000a").unwrap();
        assert!((0..100).all(|_| cap.admit(&org, Environment::Production, "v").is_ok()));
    }
}
