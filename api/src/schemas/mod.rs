//! Request and response bodies of the API (DTOs), apart from the storage entities.

pub mod alerts;
pub mod analytics;
pub mod assistants;
pub mod auth;
pub mod clients;
pub mod conversations;
pub mod jobs;
pub mod knowledge;
pub mod logs;
pub mod members;
pub mod orgs;
pub mod search;
pub mod sessions;
pub mod webhooks;
pub mod widget;

use companin_entity::Environment;
use poem_openapi::Enum;

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
            pub fn new(items: Vec<$item>, total: u64, paging: companin_service::Paging) -> Self {
                Self { items, total, limit: paging.limit, offset: paging.offset }
            }
        }
    };
}
pub(crate) use list_type;

/// The wire enum and the stored one name the same values, both ways.
macro_rules! same_values {
    ($wire:ident, $stored:ty, [$($variant:ident),*]) => {
        impl From<$stored> for $wire {
            fn from(s: $stored) -> Self {
                match s { $(<$stored>::$variant => $wire::$variant,)* }
            }
        }
        impl From<$wire> for $stored {
            fn from(s: $wire) -> Self {
                match s { $($wire::$variant => <$stored>::$variant,)* }
            }
        }
    };
}
pub(crate) use same_values;

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
