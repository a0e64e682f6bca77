//! End-to-end tests: each starts the real application on a random port over a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database) and speaks HTTP to it. One binary
//! for all of them, to link once.

mod helpers;

mod alerts;
mod analytics;
mod assistants;
mod auth;
mod browser;
mod cli;
mod clients;
mod console;
mod conversations;
mod crawl;
mod deployment;
mod errors;
mod faults;
mod hostile;
mod idempotency;
mod keys;
mod knowledge;
mod languages;
mod logs;
mod members;
mod openapi;
mod operator;
mod ops;
mod promote;
mod rate_limit;
mod sandbox;
mod search;
mod sessions;
mod tenancy;
mod webhooks;
mod widget;
