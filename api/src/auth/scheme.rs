//! The security schemes as poem-openapi sees them: documentation of both ways to authenticate,
//! and extraction of the [`Principal`] that [`super::middleware::Authenticate`] verified.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use secrecy::ExposeSecret;

use crate::auth::{AuthMethod, Principal};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// `X-API-Key: <client_id>` together with `X-API-Secret: <client_secret>` (both headers are
/// required).
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "X-API-Key",
    key_in = "header",
    checker = "key_pair_principal"
)]
pub struct KeyPairAuth(pub Principal);

/// `Authorization: Bearer <token>` with a token from `POST /api/v1/auth/token`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "bearer_principal")]
pub struct BearerAuth(pub Principal);

/// Either way of authenticating a client.
#[derive(SecurityScheme)]
pub enum ClientAuth {
    KeyPair(KeyPairAuth),
    Bearer(BearerAuth),
}

impl ClientAuth {
    /// The authenticated caller.
    pub fn principal(&self) -> &Principal {
        match self {
            ClientAuth::KeyPair(auth) => &auth.0,
            ClientAuth::Bearer(auth) => &auth.0,
        }
    }
}

async fn key_pair_principal(req: &Request, _key: ApiKey) -> Option<Principal> {
    req.data::<Principal>()
        .filter(|p| p.method == AuthMethod::KeyPair)
        .cloned()
}

async fn bearer_principal(req: &Request, _token: Bearer) -> Option<Principal> {
    req.data::<Principal>()
        .filter(|p| p.method == AuthMethod::Bearer)
        .cloned()
}

/// The platform operator: `X-Operator-Token` equal to the configured `admin_token`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "X-Operator-Token",
    key_in = "header",
    checker = "operator_check"
)]
pub struct OperatorAuth(pub ());

async fn operator_check(req: &Request, token: ApiKey) -> poem::Result<()> {
    let configured = req
        .data::<std::sync::Arc<AppState>>()
        .and_then(|state| state.settings.admin_token.clone())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::AdminDisabled,
                "admin routes are disabled: set COMPANIN_ADMIN_TOKEN to enable them",
            )
        })?;
    let expected = configured.expose_secret().as_bytes();
    if constant_time_eq(expected, token.key.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidOperatorToken,
            "the operator token is not valid",
        )
        .into())
    }
}

/// Equality that takes the same time wherever the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use hmac::digest::CtOutput;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    // Comparing MACs of both sides hides the lengths and positions where they differ.
    let tag = |data: &[u8]| -> Option<CtOutput<Hmac<Sha256>>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"companin-operator-token").ok()?;
        mac.update(data);
        Some(mac.finalize())
    };
    match (tag(a), tag(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn operator_token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
