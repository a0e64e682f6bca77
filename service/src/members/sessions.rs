//! Signing in and out: a password (or an invitation's token) opens a server-side session; the
//! cookie holds its token, which is stored only as a hash. Ending a session deletes its row,
//! so it ends in every process at once.

use chrono::{DateTime, Duration, Utc};
use companin_entity::{member, member_session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use super::{new_token, password, throttle, token_hash};
use crate::audit::{Change, record_org_wide};
use crate::error::{ApiError, ErrorCode};
use crate::ids::OrgId;
use crate::{Actor, Platform};

/// A session just opened: what the cookie and the console need.
#[derive(Debug)]
pub struct SignedIn {
    pub member: member::Model,
    /// The cookie's value (shown once, stored only as a hash).
    pub token: String,
    /// Sent back in `X-CSRF-Token` by every write made with the cookie.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// An open session, as a request's cookie names it.
#[derive(Debug, Clone)]
pub struct Session {
    pub member: member::Model,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

fn wrong_password() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "the email and password do not match a member",
    )
}

/// Records `action` of a member on their own account in the audit log (both environments).
async fn audit(
    conn: &impl ConnectionTrait,
    member: &member::Model,
    action: &str,
    request_id: &str,
) -> Result<(), sea_orm::DbErr> {
    let actor = Actor::Member {
        member_id: member.id.clone(),
        request_id: request_id.to_owned(),
    };
    let change = Change {
        action,
        resource_type: "member",
        resource_id: &member.id,
        changes: None,
    };
    let org = OrgId::from_db(member.org_id.clone());
    record_org_wide(conn, &org, &actor, change).await
}

/// Opens a session of `member`.
async fn open(
    conn: &impl ConnectionTrait,
    platform: &Platform,
    member: member::Model,
) -> Result<SignedIn, ApiError> {
    let (token, hash) = new_token("ses_");
    let (csrf_token, _) = new_token("csrf_");
    let now = crate::db::now();
    let expires_at = now + Duration::seconds(platform.settings.auth.session_ttl_secs as i64);
    member_session::ActiveModel {
        token_hash: Set(hash),
        member_id: Set(member.id.clone()),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(conn)
    .await?;
    Ok(SignedIn {
        member,
        token,
        csrf_token,
        expires_at,
    })
}

/// Checks an email and password and opens a session. Repeated failures of one account or
/// one client `address` lock it for a growing while (429 with `Retry-After`), checked before
/// the password is.
pub async fn sign_in(
    platform: &Platform,
    email: &str,
    password: &str,
    address: Option<&str>,
    request_id: &str,
) -> Result<SignedIn, ApiError> {
    // A malformed address cannot be a member's: the same answer as a wrong password.
    let email = super::clean_email(email).map_err(|_| wrong_password())?;
    let subjects = throttle::subjects(&email, address);
    let now = crate::db::now();
    throttle::refuse_while_locked(&platform.db, &subjects, now).await?;
    let member = member::Entity::find()
        .filter(member::Column::Email.eq(email.as_str()))
        .one(&platform.db)
        .await?;
    let stored = member.as_ref().and_then(|m| m.password_hash.clone());
    let attempt = password.to_owned();
    // argon2 takes tens of milliseconds of CPU: off the async threads.
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&attempt, stored.as_deref()))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("checking a password: {e}")))?;
    let txn = crate::db::begin_write(&platform.db_write).await?;
    let member = match member {
        Some(member) if matches => member,
        unmatched => {
            throttle::failed(&txn, &subjects, now).await?;
            if let Some(member) = &unmatched {
                audit(&txn, member, "member.sign_in_failed", request_id).await?;
            }
            txn.commit().await?;
            return Err(wrong_password());
        }
    };
    throttle::cleared(&txn, &throttle::account(&email)).await?;
    audit(&txn, &member, "member.signed_in", request_id).await?;
    let signed = open(&txn, platform, member).await?;
    txn.commit().await?;
    Ok(signed)
}

/// Sets the password of the member an invitation token names and signs them in; the token
/// works once, before it expires.
pub async fn accept_invitation(
    platform: &Platform,
    token: &str,
    new_password: &str,
    request_id: &str,
) -> Result<SignedIn, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidInvitation,
            "the invitation is unknown, used or expired; ask an owner for a new one",
        )
    };
    let hash = token_hash(token.trim());
    let member = member::Entity::find()
        .filter(member::Column::InvitationHash.eq(hash.as_str()))
        .one(&platform.db)
        .await?
        .filter(|m| {
            m.invitation_expires_at
                .is_some_and(|at| at > crate::db::now())
        })
        .ok_or_else(invalid)?;
    password::check(new_password, &member.email)?;
    let attempt = new_password.to_owned();
    let stored = tokio::task::spawn_blocking(move || password::hash(&attempt))
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))??;
    let txn = crate::db::begin_write(&platform.db_write).await?;
    // Spent in the same transaction that reads it: two uses of one link, one wins.
    let spent = member::Entity::update_many()
        .col_expr(member::Column::PasswordHash, stored.clone().into())
        .col_expr(
            member::Column::InvitationHash,
            Option::<String>::None.into(),
        )
        .col_expr(
            member::Column::InvitationExpiresAt,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(member::Column::UpdatedAt, crate::db::now().into())
        .filter(member::Column::Id.eq(member.id.as_str()))
        .filter(member::Column::InvitationHash.eq(hash.as_str()))
        .exec(&txn)
        .await?;
    if spent.rows_affected == 0 {
        return Err(invalid());
    }
    audit(&txn, &member, "member.password_set", request_id).await?;
    let set = member::Model {
        password_hash: Some(stored),
        invitation_hash: None,
        invitation_expires_at: None,
        ..member
    };
    let signed = open(&txn, platform, set).await?;
    txn.commit().await?;
    Ok(signed)
}

/// The open session a cookie's token names, if any (not once it has expired).
pub async fn session(db: &DatabaseConnection, token: &str) -> Result<Option<Session>, ApiError> {
    let hash = token_hash(token);
    let Some(row) = member_session::Entity::find_by_id(hash.as_str())
        .one(db)
        .await?
        .filter(|row| row.expires_at > crate::db::now())
    else {
        return Ok(None);
    };
    let member = member::Entity::find_by_id(row.member_id.as_str())
        .one(db)
        .await?;
    Ok(member.map(|member| Session {
        member,
        csrf_token: row.csrf_token,
        expires_at: row.expires_at,
    }))
}

/// Ends the session `token` names.
pub async fn sign_out(platform: &Platform, token: &str, request_id: &str) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(&platform.db_write).await?;
    let hash = token_hash(token);
    let Some(row) = member_session::Entity::find_by_id(hash.as_str())
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    let member = member::Entity::find_by_id(row.member_id.as_str())
        .one(&txn)
        .await?;
    row.into_active_model().delete(&txn).await?;
    if let Some(member) = member {
        audit(&txn, &member, "member.signed_out", request_id).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends every session of a member ("sign out everywhere").
pub async fn sign_out_everywhere(
    platform: &Platform,
    member: &member::Model,
    request_id: &str,
) -> Result<u64, ApiError> {
    let txn = crate::db::begin_write(&platform.db_write).await?;
    let ended = member_session::Entity::delete_many()
        .filter(member_session::Column::MemberId.eq(member.id.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    audit(&txn, member, "member.signed_out_everywhere", request_id).await?;
    txn.commit().await?;
    Ok(ended)
}
