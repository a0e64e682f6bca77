//! OAuth applications (clients).

use chrono::{DateTime, Utc};
use companin_entity::client;
use poem_openapi::Object;

use super::{EnvironmentName, list_type};

/// An OAuth application of the organization. The secret is never shown again after creation
/// or rotation.
#[derive(Debug, Object)]
pub struct Client {
    pub id: String,
    /// The public key, sent as `X-API-Key` (equal to `id`).
    pub client_id: String,
    pub name: String,
    pub environment: EnvironmentName,
    /// Exact origins (`scheme://host[:port]`) allowed to use the browser widget.
    pub allowed_origins: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<client::Model> for Client {
    fn from(m: client::Model) -> Self {
        Client {
            client_id: m.id.clone(),
            id: m.id,
            name: m.name,
            environment: m.environment.into(),
            allowed_origins: serde_json::from_value(m.allowed_origins).unwrap_or_default(),
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A client with its secret, answered once by create and by rotate-secret.
#[derive(Debug, Object)]
pub struct ClientWithSecret {
    #[oai(flatten)]
    pub client: Client,
    /// Shown only now; store it safely.
    pub client_secret: String,
    /// The same credentials as one string (`ck_live_…` in production, `ck_test_…` in the
    /// sandbox), sent alone as `X-API-Key` or `Authorization: Bearer`. Shown only now; it
    /// changes with the secret.
    pub api_key: String,
}

impl ClientWithSecret {
    pub fn new(client: client::Model, secret: String) -> Self {
        let api_key = secret_key(&client, &secret);
        ClientWithSecret {
            client: client.into(),
            client_secret: secret,
            api_key,
        }
    }
}

/// The one-string secret key of a client row and its secret.
pub fn secret_key(client: &client::Model, secret: &str) -> String {
    let id = companin_service::ids::ClientId::from_db(client.id.clone());
    companin_service::auth::credentials::secret_key(&id, client.environment, secret)
}

/// A new client in the caller's environment.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateClient {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    /// Exact origins (`scheme://host[:port]`); none by default.
    #[oai(validator(max_items = 50))]
    pub allowed_origins: Option<Vec<String>>,
    /// Defaults to `true`.
    pub is_active: Option<bool>,
}

/// Changes to a client; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateClient {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    #[oai(validator(max_items = 50))]
    pub allowed_origins: Option<Vec<String>>,
    /// `false` revokes the client at once; `true` restores it.
    pub is_active: Option<bool>,
}

list_type!(
    /// A page of clients, newest first.
    ClientList,
    Client
);
