//! The Companin HTTP API: poem + poem-openapi routes and their DTO schemas, reading credentials
//! off requests, middleware (request context, CORS, body limits, idempotency, metrics), the
//! one error → HTTP mapping, and app assembly. (The `companin` command line is the root
//! package's `src/cli/`.)
//!
//! The operations themselves live in `companin_service`, which has no HTTP dependency; this
//! crate turns requests into calls of them and their results into responses. App assembly
//! also starts `worker`'s job runners.
//!
//! Concurrency model: one tokio runtime per process. Requests run as independent tasks that
//! share an [`state::AppState`] (database pool, credential cache, rate limiter). Two kinds of
//! background task exist: the request-log writer (one per process, batching rows off the
//! request path) and one rate-limit task per active tenant (batching counter updates into
//! single atomic upserts). All shared truth — credentials, limits, counters — lives in the
//! database, so any number of processes can serve one database.

pub mod app;
pub mod auth;
pub mod error;
pub mod http;
pub mod routes;
pub mod schemas;
pub mod state;

pub use app::{Server, StartOptions, serve, start, work};
pub use routes::openapi_json;
