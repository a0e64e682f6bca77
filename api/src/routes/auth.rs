//! `POST /auth/token`.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::scheme::KeyPairAuth;
use crate::error::{ApiError, ApiResult, ErrorCode, TokenErrors};
use crate::schemas::auth::Token;
use crate::state::AppState;

pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Exchange the key pair for a bearer token
    ///
    /// The token carries the client's full rights until it expires, the client is deactivated
    /// or deleted, or its secret is rotated.
    #[oai(path = "/auth/token", method = "post", operation_id = "create_token")]
    async fn token(
        &self,
        state: Data<&Arc<AppState>>,
        auth: KeyPairAuth,
    ) -> ApiResult<Json<Token>, TokenErrors> {
        let client = state
            .credentials
            .get(&auth.0.client_id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "unknown client"))?;
        let ttl = state.settings.auth.token_ttl_secs;
        let token = state.jwt.issue(&client, ttl)?;
        Ok(Json(Token {
            token,
            expires_in: ttl,
            token_type: "Bearer".to_owned(),
        }))
    }
}
