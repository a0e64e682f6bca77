//! The platform operator in the console: the operator token opens a server-side session
//! that an `HttpOnly` cookie names, as a member's password does. Failed attempts are counted
//! like a member's (for the operator and per client address) and lock for a growing while.

use chrono::{DateTime, Duration, Utc};
use companin_entity::operator_session;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};
use secrecy::ExposeSecret;

use super::{new_token, throttle, token_hash};
use crate::Platform;
use crate::auth::credentials::constant_time_eq;
use crate::error::{ApiError, ErrorCode};

/// An operator session: the cookie's token (shown once, stored as a hash) and what the
/// console sends back with writes.
#[derive(Debug)]
pub struct OperatorSignIn {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// An open operator session, as a request's cookie names it.
#[derive(Debug, Clone)]
pub struct OperatorSession {
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// The subject the operator's failures count under (no email has no `@`, so no member's
/// account can share it).
const SUBJECT: &str = "operator";

/// Checks `token` against the configured operator token and opens a session.
pub async fn sign_in(
    platform: &Platform,
    token: &str,
    address: Option<&str>,
) -> Result<OperatorSignIn, ApiError> {
    let Some(expected) = &platform.settings.admin_token else {
        return Err(ApiError::new(
            ErrorCode::AdminDisabled,
            "admin routes are disabled: set COMPANIN_ADMIN_TOKEN to enable them",
        ));
    };
    let subjects = throttle::subjects(SUBJECT, address);
    let now = crate::db::now();
    throttle::refuse_while_locked(&platform.db, &subjects, now).await?;
    let txn = crate::db::begin_write(&platform.db_write).await?;
    if !constant_time_eq(expected.expose_secret().as_bytes(), token.as_bytes()) {
        throttle::failed(&txn, &subjects, now).await?;
        txn.commit().await?;
        tracing::warn!("a failed operator sign-in");
        return Err(ApiError::new(
            ErrorCode::InvalidOperatorToken,
            "the operator token is not valid",
        ));
    }
    throttle::cleared(&txn, &throttle::account(SUBJECT)).await?;
    let (token, hash) = new_token("ops_");
    let (csrf_token, _) = new_token("csrf_");
    let expires_at = now + Duration::seconds(platform.settings.auth.session_ttl_secs as i64);
    operator_session::ActiveModel {
        token_hash: Set(hash),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!("the operator signed in to the console");
    Ok(OperatorSignIn {
        token,
        csrf_token,
        expires_at,
    })
}

/// The open operator session a cookie's token names, if any (not once it has expired).
pub async fn session(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<OperatorSession>, ApiError> {
    let row = operator_session::Entity::find_by_id(token_hash(token))
        .one(db)
        .await?
        .filter(|row| row.expires_at > crate::db::now());
    Ok(row.map(|row| OperatorSession {
        csrf_token: row.csrf_token,
        expires_at: row.expires_at,
    }))
}

/// Ends the operator session `token` names.
pub async fn sign_out(db_write: &DatabaseConnection, token: &str) -> Result<(), ApiError> {
    if let Some(row) = operator_session::Entity::find_by_id(token_hash(token))
        .one(db_write)
        .await?
    {
        row.into_active_model().delete(db_write).await?;
    }
    Ok(())
}
