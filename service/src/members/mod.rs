//! Team members of the console: people with one role in one organization. An owner (or the
//! `companin member create` command) invites a person; the invitation's one-time link sets a
//! password; signing in opens a server-side session that a cookie names. Every invitation,
//! sign-in, failed sign-in, sign-out and role change is in the audit log.

pub mod operator;
pub mod password;
pub mod roles;
mod sessions;
mod throttle;

use chrono::{DateTime, Duration, Utc};
use companin_entity::{MemberRole, member, member_session, operator_session, organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

pub use self::roles::{allows, required_role};
pub use self::sessions::{
    Session, SignedIn, accept_invitation, session, sign_in, sign_out, sign_out_everywhere,
};
use crate::audit::{Change, record_org_wide};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{MemberId, OrgId};
use crate::{Actor, Paging, Platform, is_unique_violation};

/// Longest email address accepted (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

/// A new invitation: the member it is for, and the token of its link (shown once).
#[derive(Debug)]
pub struct Invitation {
    pub member: member::Model,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// The path of the console page that accepts an invitation; the token travels in the
/// fragment, which browsers never send to a server (so it stays out of every access log).
pub fn invitation_path(token: &str) -> String {
    format!("/dashboard/accept#token={token}")
}

/// An email address in the form it is stored and compared in.
pub fn clean_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let well_formed = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if !well_formed {
        return Err(ApiError::validation("email", "must be an email address"));
    }
    Ok(email)
}

/// A random token (`prefix` and 32 random bytes, base64url) and the hex sha256 it is stored
/// as.
pub(crate) fn new_token(prefix: &str) -> (String, String) {
    let token = crate::auth::credentials::generate_secret().replacen("cs_", prefix, 1);
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token: hex sha256 (tokens are 256 random bits; no slow hash needed).
pub(crate) fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Deletes expired sessions and failure counts nobody remembers any more (the retention
/// sweep); returns the rows deleted.
pub async fn sweep(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    let sessions = member_session::Entity::delete_many()
        .filter(member_session::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?
        .rows_affected;
    let operators = operator_session::Entity::delete_many()
        .filter(operator_session::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(sessions + operators + throttle::sweep(conn, now).await?)
}

/// Invites `email` into `org` with `role`: a member without a password yet, and a one-time
/// link that sets it, usable for `ttl_hours` (`auth.invitation_ttl_hours`).
pub async fn invite(
    db_write: &DatabaseConnection,
    ttl_hours: u64,
    org: &OrgId,
    actor: &Actor,
    (email, role): (&str, MemberRole),
) -> Result<Invitation, ApiError> {
    let email = clean_email(email)?;
    let txn = crate::db::begin_write(db_write).await?;
    if organization::Entity::find_by_id(org.as_str())
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("organization"));
    }
    let (token, hash) = new_token("inv_");
    let now = crate::db::now();
    let expires_at = now + Duration::hours(i64::try_from(ttl_hours).unwrap_or(i64::MAX / 3600));
    let row = member::ActiveModel {
        id: Set(MemberId::generate().into_string()),
        org_id: Set(org.to_string()),
        email: Set(email.clone()),
        role: Set(role),
        password_hash: Set(None),
        invitation_hash: Set(Some(hash)),
        invitation_expires_at: Set(Some(expires_at)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let member = match row.insert(&txn).await {
        Ok(member) => member,
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::new(
                ErrorCode::EmailTaken,
                format!("{email} is already a member"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let change = Change {
        action: "member.invited",
        resource_type: "member",
        resource_id: &member.id,
        changes: Some(json!({ "email": { "to": email }, "role": { "to": role.as_str() } })),
    };
    record_org_wide(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(Invitation {
        member,
        token,
        expires_at,
    })
}

/// The organization's members, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    org: &OrgId,
    paging: Paging,
) -> Result<(Vec<member::Model>, u64), ApiError> {
    let query = member::Entity::find().filter(member::Column::OrgId.eq(org.as_str()));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(member::Column::CreatedAt)
        .order_by_asc(member::Column::Id)
        .offset(paging.offset)
        .limit(paging.limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// One member of the organization.
pub async fn get(
    conn: &impl ConnectionTrait,
    org: &OrgId,
    id: &str,
) -> Result<member::Model, ApiError> {
    member::Entity::find_by_id(id)
        .filter(member::Column::OrgId.eq(org.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))
}

/// Refuses a change that would leave the organization without an owner.
async fn keep_an_owner(
    conn: &impl ConnectionTrait,
    current: &member::Model,
) -> Result<(), ApiError> {
    if current.role != MemberRole::Owner {
        return Ok(());
    }
    let owners = member::Entity::find()
        .filter(member::Column::OrgId.eq(current.org_id.as_str()))
        .filter(member::Column::Role.eq(MemberRole::Owner))
        .count(conn)
        .await?;
    if owners <= 1 {
        return Err(ApiError::new(
            ErrorCode::LastOwner,
            "an organization keeps at least one owner: make another member owner first",
        ));
    }
    Ok(())
}

/// Gives a member another role (their open sessions carry it from their next request).
pub async fn change_role(
    platform: &Platform,
    org: &OrgId,
    actor: &Actor,
    id: &str,
    role: MemberRole,
) -> Result<member::Model, ApiError> {
    let txn = crate::db::begin_write(&platform.db_write).await?;
    let current = get(&txn, org, id).await?;
    if current.role == role {
        return Ok(current);
    }
    keep_an_owner(&txn, &current).await?;
    let from = current.role;
    let mut active = current.into_active_model();
    active.role = Set(role);
    active.updated_at = Set(crate::db::now());
    let updated = active.update(&txn).await?;
    let change = Change {
        action: "member.role_changed",
        resource_type: "member",
        resource_id: &updated.id,
        changes: Some(json!({ "role": { "from": from.as_str(), "to": role.as_str() } })),
    };
    record_org_wide(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a member; their sessions end at once.
pub async fn remove(
    platform: &Platform,
    org: &OrgId,
    actor: &Actor,
    id: &str,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(&platform.db_write).await?;
    let current = get(&txn, org, id).await?;
    keep_an_owner(&txn, &current).await?;
    member_session::Entity::delete_many()
        .filter(member_session::Column::MemberId.eq(current.id.as_str()))
        .exec(&txn)
        .await?;
    member::Entity::delete_by_id(current.id.as_str())
        .exec(&txn)
        .await?;
    let change = Change {
        action: "member.removed",
        resource_type: "member",
        resource_id: &current.id,
        changes: Some(
            json!({ "email": { "from": current.email }, "role": { "from": current.role.as_str() } }),
        ),
    };
    record_org_wide(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(())
}
