//! Organizations, as the platform operator sees them.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;

use super::list_type;

/// A tenant.
#[derive(Debug, Object)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// The limit in force, per environment and hour.
    pub rate_limit_per_hour: i64,
    /// Whether `rate_limit_per_hour` is this organization's own (otherwise the default).
    pub rate_limit_is_custom: bool,
    /// The quota in force, per environment and UTC day.
    pub rate_limit_per_day: i64,
    /// Whether `rate_limit_per_day` is this organization's own (otherwise the default).
    pub rate_limit_per_day_is_custom: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A client id and its secret, shown once.
#[derive(Debug, Object, serde::Serialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// Both as one string (`ck_live_…`, `ck_test_…`), sent alone as `X-API-Key`.
    pub api_key: String,
}

/// A new organization with the first client of each environment.
#[derive(Debug, Object)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub production: ClientCredentials,
    pub sandbox: ClientCredentials,
    /// The job seeding the sandbox with sample data (`GET /jobs/{id}` with the sandbox
    /// credentials); absent when `sandbox.seed_on_create` is off.
    pub sandbox_seed_job_id: Option<String>,
}

/// A new organization.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateOrganization {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// Its own limit; the configured default when absent.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000000")))]
    pub rate_limit_per_hour: Option<i64>,
    /// Its own daily quota; the configured default when absent.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000000")))]
    pub rate_limit_per_day: Option<i64>,
}

/// Changes to an organization; absent fields stay, a limit of `null` returns to the default.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateOrganization {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000000")))]
    pub rate_limit_per_hour: MaybeUndefined<i64>,
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000000")))]
    pub rate_limit_per_day: MaybeUndefined<i64>,
}

list_type!(
    /// A page of organizations, newest first.
    OrganizationList,
    Organization
);

/// The operator token, to open a console session.
#[derive(Debug, Object)]
pub struct OperatorSignIn {
    #[oai(validator(max_length = 1024))]
    pub token: String,
}

/// The operator's console session. The session itself is the `HttpOnly` cookie
/// `companin_operator`; page scripts never see it.
#[derive(Debug, Object)]
pub struct OperatorConsoleSession {
    /// Send it as `X-CSRF-Token` with every write made with the session cookie.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// One organization's usage over the report's range, both environments together.
#[derive(Debug, Object)]
pub struct OrganizationUsage {
    pub organization: Organization,
    /// API requests in the range.
    pub requests: u64,
    /// Of those, responses with status 400 or above.
    pub errors: u64,
    /// Conversations that started in the range.
    pub conversations: u64,
    /// Questions visitors asked in the range.
    pub messages: u64,
    /// Knowledge items kept now.
    pub knowledge_items: u64,
    /// Their indexed chunks now: the size of what retrieval searches.
    pub knowledge_chunks: u64,
}

/// Usage per organization over `[from, to)`, a page of organizations at a time (newest
/// first, as the organization list).
#[derive(Debug, Object)]
pub struct UsageByOrganization {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub items: Vec<OrganizationUsage>,
    /// Organizations in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}
