//! Who is calling: key pairs and their hashed secrets, bearer tokens, widget grants, and the
//! sealed client secrets of identity verification. Reading credentials off a request is the
//! HTTP layer's part (`companin_api::auth`); it leaves a [`Principal`] for the operations.

pub mod credentials;
pub mod jwt;
pub mod seal;
pub mod widget;

use std::sync::Arc;

use companin_entity::Environment;

use crate::ids::{ClientId, OrgId};

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    KeyPair,
    Bearer,
    /// A widget token request: a public `client_id` from a page on one of its allowed
    /// origins. It reaches no route but `POST /widget/token`.
    AllowedOrigin,
}

/// The authenticated caller: one client of one organization's environment. Every query a
/// handler makes is scoped by `org_id` and `environment`.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org_id: OrgId,
    pub environment: Environment,
    pub client_id: ClientId,
    pub method: AuthMethod,
    /// The tenant's configuration version observed after the request arrived (see
    /// [`crate::cache`]); set when the request is admitted by the rate limiter.
    pub config_version: i64,
    /// Set for a browser widget's token: the one visitor it speaks for.
    pub widget: Option<Arc<widget::WidgetGrant>>,
    /// The tenant's configuration version when the client's row was read (see
    /// [`credentials::ClientRecord::version`]).
    pub credentials_version: i64,
}
