//! Widget tokens: issued without a secret to pages on a client's allowed origins, or to the
//! customer's server calling with the client's key pair; for one visitor, anonymous unless the
//! customer's server vouches for the user.

use std::sync::Arc;

use rand::RngCore;

use crate::Platform;
use crate::auth::credentials::ClientRecord;
use crate::auth::widget::{WidgetGrant, verify_user_hash};
use crate::auth::{AuthMethod, Principal};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{ClientId, VisitorId};
use crate::{Tenant, assistants, clean_identifier, clients};

/// What a page asks a token for (see `POST /widget/token`), besides its client.
#[derive(Debug, Default)]
pub struct TokenRequest {
    pub assistant_id: Option<String>,
    pub user_id: Option<String>,
    pub user_hash: Option<String>,
    pub visitor_id: Option<String>,
}

/// A token and what it grants.
#[derive(Debug)]
pub struct Issued {
    pub token: String,
    pub expires_in: u64,
    pub grant: WidgetGrant,
}

fn origin_not_allowed(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::OriginNotAllowed, detail.to_owned())
}

fn unknown_client() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "`client_id` names no active client",
    )
}

/// An active client whose allowed origins hold the page's origin, or whose key pair the
/// customer's server sent.
pub struct Admitted {
    client: Arc<ClientRecord>,
    /// The allowed origin a page's request came from; `None` for the customer's server.
    origin: Option<String>,
}

impl Admitted {
    /// The allowed origin a page's request came from; `None` when the customer's server asked
    /// with the key pair.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The client as a caller, to charge the token request to its tenant's rate limit.
    pub fn principal(&self) -> Principal {
        Principal {
            org_id: self.client.org_id.clone(),
            environment: self.client.environment,
            client_id: self.client.id.clone(),
            method: AuthMethod::AllowedOrigin,
            member: None,
            config_version: 0,
            widget: None,
            credentials_version: self.client.version,
        }
    }
}

/// Checks that `client_id` names an active client and that the page's origin is one of its
/// `allowed_origins`.
pub async fn admit(
    state: &Platform,
    origin: Option<&str>,
    client_id: &str,
) -> Result<Admitted, ApiError> {
    let id = ClientId::parse(client_id.trim()).ok_or_else(unknown_client)?;
    let client = state
        .credentials
        .get(&id)
        .await?
        .filter(|c| c.usable)
        .ok_or_else(unknown_client)?;
    let origin = origin.ok_or_else(|| {
        origin_not_allowed("widget tokens are issued only to browsers sending an `Origin`")
    })?;
    let origin = clients::normalize_origin(origin)
        .ok()
        .filter(|o| client.allowed_origins.contains(o))
        .ok_or_else(|| {
            origin_not_allowed("the page's origin is not in the client's `allowed_origins`")
        })?;
    Ok(Admitted {
        client,
        origin: Some(origin),
    })
}

/// The client the customer's server authenticated as with its key pair (or secret key), asking
/// for a token to hand to its page. `client_id`, when sent, must name that client.
pub async fn vouch(
    state: &Platform,
    caller: &Principal,
    client_id: Option<&str>,
) -> Result<Admitted, ApiError> {
    if client_id.is_some_and(|id| id.trim() != caller.client_id.as_str()) {
        return Err(ApiError::validation(
            "client_id",
            "must be the id of the client whose credentials the request carries (or absent)",
        ));
    }
    let client = state
        .credentials
        .get(&caller.client_id)
        .await?
        .filter(|c| c.usable)
        .ok_or_else(unknown_client)?;
    Ok(Admitted {
        client,
        origin: None,
    })
}

/// Checks the assistant and the visitor's identity, and signs a widget token.
pub async fn issue(
    state: &Platform,
    admitted: Admitted,
    request: TokenRequest,
) -> Result<Issued, ApiError> {
    let Admitted { client, origin } = admitted;
    let tenant = Tenant {
        org_id: client.org_id.clone(),
        environment: client.environment,
    };
    let assistant_id = match request.assistant_id {
        Some(raw) => {
            let assistant = assistants::get(&state.db, &tenant, raw.trim()).await?;
            if !assistant.is_active {
                return Err(ApiError::new(
                    ErrorCode::AssistantInactive,
                    "the assistant is inactive and takes no visitors",
                ));
            }
            Some(assistant.id)
        }
        None => None,
    };
    let user_id = match (request.user_id, request.user_hash) {
        // The customer's server, holding the secret, vouches for its user by asking.
        (Some(user_id), None) if origin.is_none() => Some(clean_identifier("user_id", &user_id)?),
        (Some(user_id), Some(hash)) => {
            let user_id = clean_identifier("user_id", &user_id)?;
            let secret = client
                .secret_sealed
                .as_deref()
                .and_then(|sealed| state.seal.open(sealed))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidUserHash,
                        "this client's secret predates identity verification; rotate it to \
                         verify users",
                    )
                })?;
            if !verify_user_hash(&secret, &user_id, &hash) {
                return Err(ApiError::new(
                    ErrorCode::InvalidUserHash,
                    "`user_hash` is not the HMAC-SHA256 of `user_id` keyed with the client \
                     secret",
                ));
            }
            Some(user_id)
        }
        (None, Some(_)) => {
            return Err(ApiError::validation(
                "user_id",
                "is required with `user_hash`",
            ));
        }
        // A user id the customer's server did not vouch for is ignored.
        (_, None) => None,
    };
    let visitor_id = match &user_id {
        Some(user_id) => user_id.clone(),
        None => request
            .visitor_id
            .and_then(|v| VisitorId::parse(v.trim()))
            .map(VisitorId::into_string)
            .unwrap_or_else(random_visitor_id),
    };
    let grant = WidgetGrant {
        assistant_id,
        visitor_id,
        user_id,
        origin: origin.clone(),
    };
    let ttl = state.settings.widget.token_ttl_secs;
    let token = state.jwt.issue_widget(&client, &grant, ttl)?;
    tracing::debug!(client_id = %client.id, origin = origin.as_deref().unwrap_or("(server)"), authenticated = grant.authenticated(), "widget token issued");
    Ok(Issued {
        token,
        expires_in: ttl,
        grant,
    })
}

/// A new anonymous visitor: 128 random bits, since the id alone resumes their sessions.
fn random_visitor_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{}{}", VisitorId::PREFIX, hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_visitor_ids_have_the_visitor_shape() {
        let a = random_visitor_id();
        assert!(VisitorId::parse(&a).is_some(), "{a}");
        assert_ne!(a, random_visitor_id());
    }
}
