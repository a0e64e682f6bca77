//! The two environments of every organization, and the table that records them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a resource lives inside its organization; nothing crosses from one to the other.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[sea_orm(string_value = "production")]
    Production,
    #[sea_orm(string_value = "sandbox")]
    Sandbox,
}

impl Environment {
    /// Both environments, production first.
    pub const ALL: [Environment; 2] = [Environment::Production, Environment::Sandbox];

    /// The wire name: `production` or `sandbox`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Environment> {
        match s {
            "production" => Some(Environment::Production),
            "sandbox" => Some(Environment::Sandbox),
            _ => None,
        }
    }
}

impl std::fmt::Display for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row per organization and environment, created with the organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "environments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub environment: Environment,
    /// Bumped in the same transaction as every change to the tenant's configuration (its
    /// clients, and later its assistants): a process may serve cached reads of that
    /// configuration for as long as this number has not moved.
    pub config_version: i64,
    /// Bumped in the same transaction as every change to the tenant's knowledge chunks, so
    /// retrievers in any process know their index is behind.
    pub index_version: i64,
    /// An index at this version or later may catch up from the log of chunk changes
    /// ([`crate::index_log`]); an older one compares every chunk id.
    pub index_log_from: i64,
    pub created_at: DateTimeUtc,
    /// Where rate-limit alerts are posted, when set.
    pub alert_webhook_url: Option<String>,
    /// Key of the alerts' `X-Companin-Signature` (HMAC-SHA256 of the body), hex.
    pub alert_webhook_secret: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
