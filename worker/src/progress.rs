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
}

impl Control {
    pub fn set_progress(&self, fraction: f64) {
        let value = (fraction.clamp(0.0, 1.0) * 1e6) as u64;
        self.progress.store(value, Ordering::Relaxed);
    }

    pub fn progress(&self) -> f64 {
        self.progress.load(Ordering::Relaxed) as f64 / 1e6
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_canceled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How often progress is written and the cancel flag read.
const INTERVAL: Duration = Duration::from_millis(300);

/// Until dropped (aborted), writes the job's progress and picks up a cancel request.
pub fn watch(
    db: DatabaseConnection,
    job_id: String,
    control: Arc<Control>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = -1.0;
        loop {
            tokio::time::sleep(INTERVAL).await;
            let p = control.progress();
            let changed = (p - last).abs() > 1e-9;
            match jobs::report_progress(&db, &job_id, changed.then_some(p)).await {
                Ok(true) => control.cancel(),
                Ok(false) => {}
                Err(e) => tracing::warn!(job_id, error = %e, "cannot record job progress"),
            }
            last = p;
        }
    })
}
