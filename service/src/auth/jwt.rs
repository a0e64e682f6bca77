//! The JWTs this service issues (HS256) and their verification.

use std::time::{SystemTime, UNIX_EPOCH};

use companin_entity::Environment;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::auth::credentials::ClientRecord;
use crate::auth::widget::WidgetGrant;
use crate::error::{ApiError, ErrorCode};

/// The `iss` of every token.
pub const ISSUER: &str = "companin";

/// What a token may do. Server tokens carry the client's full rights.
pub const SCOPE_FULL: &str = "full";
/// A browser widget's token: the widget routes only, for the visitor in its `widget` claim.
pub const SCOPE_WIDGET: &str = "widget";

/// The claims of a Companin token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The client id.
    pub sub: String,
    pub org: String,
    pub env: Environment,
    /// The client's secret version when issued: rotating the secret revokes the token.
    pub sv: i32,
    pub scope: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    /// The visitor of a widget token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<WidgetGrant>,
}

/// Signing and verification keys, built once at start.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
        }
    }

    /// A full-rights token for `client`, valid for `ttl_secs`.
    pub fn issue(&self, client: &ClientRecord, ttl_secs: u64) -> Result<String, ApiError> {
        self.sign(client, ttl_secs, None)
    }

    /// A widget token for one visitor of `client`, valid for `ttl_secs`.
    pub fn issue_widget(
        &self,
        client: &ClientRecord,
        grant: &WidgetGrant,
        ttl_secs: u64,
    ) -> Result<String, ApiError> {
        self.sign(client, ttl_secs, Some(grant.clone()))
    }

    fn sign(
        &self,
        client: &ClientRecord,
        ttl_secs: u64,
        widget: Option<WidgetGrant>,
    ) -> Result<String, ApiError> {
        let now = unix_now();
        let scope = if widget.is_some() {
            SCOPE_WIDGET
        } else {
            SCOPE_FULL
        };
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: client.id.to_string(),
            org: client.org_id.to_string(),
            env: client.environment,
            sv: client.secret_version,
            scope: scope.to_owned(),
            iat: now,
            exp: now + ttl_secs,
            jti: uuid::Uuid::now_v7().simple().to_string(),
            widget,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("signing a token")))
    }

    /// The claims of a token signed by us and not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::new(ErrorCode::TokenExpired, "the bearer token has expired")
                }
                _ => ApiError::new(
                    ErrorCode::InvalidToken,
                    "the bearer token is not valid (malformed, altered or signed with another key)",
                ),
            })
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
