//! Background work for Companin (not built yet; see the ingestion issue).
//!
//! This crate will own the apalis job definitions and their handlers: ingest a knowledge item,
//! sync a crawled URL, rebuild a tenant's index, and the scheduled re-sync. Jobs live in the
//! service's own database (apalis' SQLite storage on the embedded default, its PostgreSQL
//! storage otherwise), every job has a timeout and bounded retries with backoff, and long loops
//! check a cooperative cancel flag. `companin serve` runs these workers in-process by default;
//! `companin worker` runs them alone, in any number of processes against one database.
