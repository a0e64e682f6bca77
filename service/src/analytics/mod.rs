//! The analytics reports: aggregations over the request log, rate-limit counters and events,
//! conversations, messages and feedback, computed in the database over a time range.
//!
//! Request traffic is read from hourly rollups plus the partial hours at the range's ends
//! (see [`rollups`]), so a month of a busy organization costs a few thousand rows, not
//! millions. Percentiles use the nearest-rank method: the reported p50 and p95 are values
//! that really occurred, identical on SQLite and PostgreSQL.

pub mod conversations;
pub mod endpoints;
pub mod keys;
pub mod organizations;
pub mod rate_limits;
pub mod rollups;
pub mod samples;
pub mod sql;
pub mod usage;

pub use sql::Range;
