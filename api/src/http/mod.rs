//! Transport plumbing shared by every route: request context and error rendering, body limit,
//! JSON bodies with the API's error codes, and Prometheus metrics.

pub mod body_limit;
pub mod client_address;
pub mod context;
pub mod cors;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod observe;
pub mod rendered;

/// Where the documented API is mounted.
pub const API_PREFIX: &str = "/api/v1";
