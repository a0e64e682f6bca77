//! The Companin API service: poem + poem-openapi routes, authentication, rate limiting, request
//! and audit logging, and the `companin` command line.
//!
//! Concurrency model: one tokio runtime per process. Requests run as independent tasks that
//! share an [`state::AppState`] (database pool, credential cache, rate limiter). Two kinds of
//! background task exist: the request-log writer (one per process, batching rows off the
//! request path) and one rate-limit task per active tenant (batching counter updates into
//! single atomic upserts). All shared truth — credentials, limits, counters — lives in the
//! database, so any number of processes can serve one database.

pub mod app;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod db;
pub mod error;
pub mod http;
pub mod ids;
pub mod rate_limit;
pub mod routes;
pub mod schemas;
pub mod services;
pub mod state;
pub mod telemetry;

pub use app::{Server, StartOptions, serve, start, work};
pub use routes::openapi_json;
