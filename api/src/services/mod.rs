//! The product's operations over storage, called by routes and the CLI alike. Functions here
//! take a [`Tenant`] and scope every query by it; they know nothing of HTTP.

pub mod assistants;
pub mod audit;
pub mod clients;
pub mod orgs;
pub mod request_logs;

use companin_entity::{Environment, environment};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter};

use crate::auth::Principal;
use crate::ids::{ClientId, OrgId};

/// One organization's environment: the wall around every resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub org_id: OrgId,
    pub environment: Environment,
}

impl From<&Principal> for Tenant {
    fn from(p: &Principal) -> Self {
        Tenant {
            org_id: p.org_id.clone(),
            environment: p.environment,
        }
    }
}

/// Who makes a change, for the audit log.
#[derive(Debug, Clone)]
pub enum Actor {
    /// An API credential, with the request it made.
    Client {
        client_id: ClientId,
        request_id: String,
    },
    /// The platform operator through the admin routes.
    Operator { request_id: String },
    /// The `companin` command line.
    Cli,
}

impl Actor {
    pub fn from_principal(p: &Principal, request_id: &str) -> Self {
        Actor::Client {
            client_id: p.client_id.clone(),
            request_id: request_id.to_owned(),
        }
    }
}

/// Records a change to the tenant's configuration, so that no process serves a cached read of
/// it from before the change (see [`crate::cache`]). Call inside the change's transaction.
pub async fn bump_config_version(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
) -> Result<(), DbErr> {
    use environment::Column as C;
    environment::Entity::update_many()
        .col_expr(C::ConfigVersion, Expr::col(C::ConfigVersion).add(1))
        .filter(C::OrgId.eq(tenant.org_id.as_str()))
        .filter(C::Environment.eq(tenant.environment))
        .exec(conn)
        .await
        .map(|_| ())
}
