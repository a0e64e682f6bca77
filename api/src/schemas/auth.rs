//! Token exchange.

use poem_openapi::Object;

/// A bearer token carrying the client's full rights.
#[derive(Debug, Object)]
pub struct Token {
    /// A JWT; send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Always `Bearer`.
    pub token_type: String,
}
