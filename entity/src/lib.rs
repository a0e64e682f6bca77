//! sea-orm entities: the rows Companin stores, and the few statements every crate that writes
//! them shares (`db`, `index_log`).
//!
//! One module per table. These types are storage, not API: the `api` crate maps them to its
//! own request and response schemas. Every tenant-owned row carries `org_id` and
//! `environment`, and every query of a tenant filters on both. Timestamps are UTC.
//! The tables are created by the `migration` crate, which runs alike on SQLite and PostgreSQL.
//! Closed sets stored as strings (environments, statuses) are enums here, so a stored value
//! outside the set is a read error.
//!
//! Depends on no other crate of the workspace; must not know of services or HTTP.

pub mod assistant;
pub mod assistant_promotion;
pub mod assistant_version;
pub mod audit_log;
pub mod client;
pub mod context;
pub mod conversation;
pub mod db;
pub mod environment;
pub mod feedback;
pub mod idempotency_key;
pub mod index_log;
pub mod job;
pub mod knowledge_chunk;
pub mod knowledge_chunk_removal;
pub mod knowledge_item;
pub mod knowledge_page;
pub mod latency_rollup;
pub mod member;
pub mod member_session;
pub mod message;
pub mod operator_session;
pub mod organization;
pub mod rate_limit_day;
pub mod rate_limit_event;
pub mod rate_limit_window;
pub mod request_log;
pub mod request_rollup;
pub mod session;
pub mod sign_in_failure;
pub mod status;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod webhook_event;

pub use environment::Environment;
pub use status::{JobKind, JobStatus, KnowledgeStatus, MemberRole, PageStatus};
