//! Progress and cancellation shared between a job's blocking work and the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::jobs;

/// Written by the work (progress), read by it (cancel); synced with the job row by
/// [`watch`].
#[derive(Debug, Default)]
pub struct Control {
    /// Progress in millionths.
    progress: AtomicU64,
    cancel: AtomicBool,
    /// Another worker owns the job now: this attempt stops and writes nothing more.
    taken_over: AtomicBool,
    /// The attempt this work runs as, when it runs as a job's attempt (the CLI's reindex
    /// does not): its item writes are conditional on it ([`jobs::Fence`]).
    fence: Option<jobs::Fence>,
    /// A crawl's pages done and found, packed (done in the high half); `u64::MAX` when unset.
    pages: PackedPages,
}

/// Pages done and found, or none.
#[derive(Debug)]
struct PackedPages(AtomicU64);

impl Default for PackedPages {
    fn default() -> Self {
        PackedPages(AtomicU64::new(u64::MAX))
    }
}

impl Control {
    /// The control of attempt `fence` of a job.
    pub fn fenced(fence: jobs::Fence) -> Control {
        Control {
            fence: Some(fence),
            ..Control::default()
        }
    }

    pub fn fence(&self) -> Option<&jobs::Fence> {
        self.fence.as_ref()
    }

    pub fn set_progress(&self, fraction: f64) {
        let value = (fraction.clamp(0.0, 1.0) * 1e6) as u64;
        self.progress.store(value, Ordering::Relaxed);
    }

    pub fn progress(&self) -> f64 {
        self.progress.load(Ordering::Relaxed) as f64 / 1e6
    }

    pub fn set_pages(&self, done: usize, found: usize) {
        let clamp = |n: usize| {
            u64::try_from(n)
                .unwrap_or(u64::MAX)
                .min(u64::from(i32::MAX as u32))
        };
        self.pages
            .0
            .store((clamp(done) << 32) | clamp(found), Ordering::Relaxed);
    }

    /// Pages done and found, once a crawl has set them.
    pub fn pages(&self) -> Option<(i32, i32)> {
        let packed = self.pages.0.load(Ordering::Relaxed);
        (packed != u64::MAX).then(|| {
            let half = |v: u64| i32::try_from(v & 0xffff_ffff).unwrap_or(i32::MAX);
            (half(packed >> 32), half(packed))
        })
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_canceled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Stops this attempt for good: its job belongs to another attempt now.
    pub fn taken_over(&self) {
        self.taken_over.store(true, Ordering::Relaxed);
        self.cancel();
    }

    pub fn is_taken_over(&self) -> bool {
        self.taken_over.load(Ordering::Relaxed)
    }
}

/// How often progress is written and the cancel flag read.
const INTERVAL: Duration = Duration::from_millis(300);

/// A running attempt's watch ([`watch`]). Dropping it stops the watch and cancels the
/// attempt's work: an attempt dropped half-way (its apalis worker died and took its tasks
/// with it) must stop saying it is alive, or its job would look owned for ever and nobody
/// would take it over.
#[derive(Debug)]
pub struct Watch {
    task: tokio::task::JoinHandle<()>,
    control: Arc<Control>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
        // Blocking work stops at its next check; a finished attempt has nothing left to stop.
        self.control.cancel();
    }
}

/// Until dropped, writes the job's progress, picks up a cancel request and, every
/// `heartbeat`, says that attempt `attempt` is alive. An attempt whose job was taken over
/// (this worker was presumed dead) is canceled: its successor does the work.
pub fn watch(
    db: DatabaseConnection,
    job_id: String,
    attempt: i32,
    heartbeat: Duration,
    control: Arc<Control>,
) -> Watch {
    let watched = control.clone();
    let task = tokio::spawn(async move {
        let mut last = -1.0;
        let mut beat = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(INTERVAL).await;
            if beat.elapsed() >= heartbeat {
                beat = tokio::time::Instant::now();
                match jobs::heartbeat(&db, &job_id, attempt).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(
                            job_id,
                            attempt,
                            "job taken over by another worker; stopping"
                        );
                        control.taken_over();
                    }
                    Err(e) => {
                        tracing::warn!(job_id, error = %e, "cannot record the job's heartbeat")
                    }
                }
            }
            let p = control.progress();
            let changed = (p - last).abs() > 1e-9;
            match jobs::report_progress(&db, &job_id, changed.then_some(p), control.pages()).await {
                Ok(true) => control.cancel(),
                Ok(false) => {}
                Err(e) => tracing::warn!(job_id, error = %e, "cannot record job progress"),
            }
            last = p;
        }
    });
    Watch {
        task,
        control: watched,
    }
}
