//! Request and response bodies of the API (DTOs), apart from the storage entities.

pub mod alerts;
pub mod analytics;
pub mod assistants;
pub mod auth;
pub mod clients;
pub mod conversations;
pub mod knowledge;
pub mod logs;
pub mod orgs;
pub mod sessions;
pub mod widget;

use companin_entity::Environment;
use poem_openapi::Enum;

/// Default page size of list routes.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page size of list routes.
pub const MAX_LIMIT: u64 = 100;

/// A page request, from the `limit` and `offset` query parameters.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
}

impl Paging {
    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Self {
        Self {
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            offset: offset.unwrap_or(0),
        }
    }
}

/// Declares a list body `{items, total, limit, offset}` of the given item type.
macro_rules! list_type {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, poem_openapi::Object)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Items matching the filters, across all pages.
            pub total: u64,
            pub limit: u64,
            pub offset: u64,
        }

        impl $name {
            pub fn new(items: Vec<$item>, total: u64, paging: $crate::schemas::Paging) -> Self {
                Self { items, total, limit: paging.limit, offset: paging.offset }
            }
        }
    };
}
pub(crate) use list_type;

/// `production` or `sandbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum EnvironmentName {
    Production,
    Sandbox,
}

impl From<Environment> for EnvironmentName {
    fn from(env: Environment) -> Self {
        match env {
            Environment::Production => EnvironmentName::Production,
            Environment::Sandbox => EnvironmentName::Sandbox,
        }
    }
}
