//! Background jobs as the API shows them.

use chrono::{DateTime, Utc};
use companin_entity::{JobStatus, job};
use poem_openapi::{Enum, Object};

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum JobStatusName {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

/// A background job.
#[derive(Debug, Object)]
pub struct Job {
    pub id: String,
    /// `ingest`, `reindex`, `crawl` (a URL's sync), `summarize` (a generated summary, after
    /// the item is ready) or `sandbox_reset`.
    pub kind: String,
    pub status: JobStatusName,
    /// Attempts started so far (failed attempts are retried with backoff, up to a bound).
    pub attempts: u32,
    /// From 0 to 1.
    pub progress: f64,
    /// Why the job (or its last attempt, while it waits for a retry) failed.
    pub error: Option<String>,
    pub knowledge_id: Option<String>,
    /// A cancel was asked for; a running job stops at its next check.
    pub cancel_requested: bool,
    /// Crawls: pages visited so far.
    #[oai(skip_serializing_if_is_none)]
    pub pages_done: Option<u32>,
    /// Crawls: pages found within the bounds so far (grows as links are found).
    #[oai(skip_serializing_if_is_none)]
    pub pages_found: Option<u32>,
    pub enqueued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<job::Model> for Job {
    fn from(m: job::Model) -> Self {
        let status = match m.status {
            JobStatus::Queued => JobStatusName::Queued,
            JobStatus::Running => JobStatusName::Running,
            JobStatus::Succeeded => JobStatusName::Succeeded,
            JobStatus::Failed => JobStatusName::Failed,
            JobStatus::Canceled => JobStatusName::Canceled,
        };
        Job {
            id: m.id,
            kind: m.kind.as_str().to_owned(),
            status,
            attempts: u32::try_from(m.attempts).unwrap_or(0),
            progress: m.progress,
            error: m.error,
            knowledge_id: m.knowledge_id,
            cancel_requested: m.cancel_requested,
            pages_done: m.pages_done.and_then(|n| u32::try_from(n).ok()),
            pages_found: m.pages_found.and_then(|n| u32::try_from(n).ok()),
            enqueued_at: m.enqueued_at,
            started_at: m.started_at,
            finished_at: m.finished_at,
        }
    }
}
