//! The analytics reports: aggregations over the request log, rate-limit counters and events,
//! conversations, messages and feedback, computed in the database over a time range.
//!
//! Percentiles use the nearest-rank method (see [`sql::nearest_rank`]): the reported p50 and
//! p95 are values that really occurred, identical on SQLite and PostgreSQL.

pub mod conversations;
pub mod endpoints;
pub mod keys;
pub mod rate_limits;
pub mod sql;
pub mod usage;

pub use sql::Range;
