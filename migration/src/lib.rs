//! Schema migrations, written once and run alike on SQLite and PostgreSQL.
//!
//! Each migration is a module named by date; they run in order and never change once
//! released. `companin migrate` applies pending ones; `companin serve` does so itself on the
//! embedded SQLite default.
//!
//! Depends on `entity` only where a migration computes what the entities define (the latency
//! buckets of the rollups); must not depend on services or HTTP.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_foundation;
mod m20261127_000002_assistants;
mod m20261127_000003_sessions_contexts;
mod m20261127_000004_knowledge;
mod m20261128_000005_conversations;
mod m20261128_000006_analytics;
mod m20261128_000007_rollups;
mod m20261128_000008_latency_bucket;
mod m20261128_000009_sealed_secrets;
mod m20261129_000010_assistant_greeting;
mod m20261129_000011_crawled_pages;
mod m20261202_000012_latency_samples;
mod m20261204_000013_job_handoff;
mod m20261204_000014_chunk_positions;
mod m20261205_000015_idempotency_keys;
mod m20261205_000016_daily_quota;
mod m20261205_000017_widget_windows;
mod m20261206_000018_members;
mod m20261206_000019_server_errors;
mod m20261206_000020_operator_sessions;
mod m20261206_000021_languages;
mod m20261206_000022_chunk_embedder;
mod m20261207_000023_index_log;
mod m20261207_000024_assistant_promotions;
mod m20261207_000025_webhooks;
mod m20261207_000026_alerts_as_webhooks;

/// Every migration, in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261127_000002_assistants::Migration),
            Box::new(m20261127_000003_sessions_contexts::Migration),
            Box::new(m20261127_000004_knowledge::Migration),
            Box::new(m20261128_000005_conversations::Migration),
            Box::new(m20261128_000006_analytics::Migration),
            Box::new(m20261128_000007_rollups::Migration),
            Box::new(m20261128_000008_latency_bucket::Migration),
            Box::new(m20261128_000009_sealed_secrets::Migration),
            Box::new(m20261129_000010_assistant_greeting::Migration),
            Box::new(m20261129_000011_crawled_pages::Migration),
            Box::new(m20261202_000012_latency_samples::Migration),
            Box::new(m20261204_000013_job_handoff::Migration),
            Box::new(m20261204_000014_chunk_positions::Migration),
            Box::new(m20261205_000015_idempotency_keys::Migration),
            Box::new(m20261205_000016_daily_quota::Migration),
            Box::new(m20261205_000017_widget_windows::Migration),
            Box::new(m20261206_000018_members::Migration),
            Box::new(m20261206_000019_server_errors::Migration),
            Box::new(m20261206_000020_operator_sessions::Migration),
            Box::new(m20261206_000021_languages::Migration),
            Box::new(m20261206_000022_chunk_embedder::Migration),
            Box::new(m20261207_000023_index_log::Migration),
            Box::new(m20261207_000024_assistant_promotions::Migration),
            Box::new(m20261207_000025_webhooks::Migration),
            Box::new(m20261207_000026_alerts_as_webhooks::Migration),
        ]
    }
}
