//! Who is calling: key pairs and their hashed secrets, bearer tokens, widget grants, and the
//! sealed client secrets of identity verification. Reading credentials off a request is the
//! HTTP layer's part (`companin_api::auth`); it leaves a [`Principal`] for the operations.

pub mod credentials;
pub mod jwt;
pub mod seal;
pub mod widget;

use std::sync::Arc;

use companin_entity::{Environment, MemberRole};

use crate::ids::{ClientId, OrgId};

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    KeyPair,
    Bearer,
    /// A widget token request: a public `client_id` from a page on one of its allowed
    /// origins. It reaches no route but `POST /widget/token`.
    AllowedOrigin,
    /// A team member's console session cookie.
    Session,
}

/// A team member signed in to the console, and what their role lets them do.
#[derive(Debug, Clone)]
pub struct MemberGrant {
    pub member_id: String,
    pub role: MemberRole,
    /// The session's anti-CSRF token, which every write made with it must send.
    pub csrf_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// The authenticated caller: one client of one organization's environment, or a team member
/// working in one of its environments. Every query a handler makes is scoped by `org_id` and
/// `environment`.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org_id: OrgId,
    pub environment: Environment,
    /// The client; for a console session, the member's id (`mem_…`), so that logs, usage per
    /// key and idempotency keys count the person like a key.
    pub client_id: ClientId,
    pub method: AuthMethod,
    /// Set for a console session: the member and their role.
    pub member: Option<MemberGrant>,
    /// The tenant's configuration version observed after the request arrived (see
    /// [`crate::cache`]); set when the request is admitted by the rate limiter.
    pub config_version: i64,
    /// Set for a browser widget's token: the one visitor it speaks for.
    pub widget: Option<Arc<widget::WidgetGrant>>,
    /// The tenant's configuration version when the client's row was read (see
    /// [`credentials::ClientRecord::version`]).
    pub credentials_version: i64,
}
