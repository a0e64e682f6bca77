//! `Idempotency-Key` (Stripe's semantics): the first request with a key runs and its response
//! is kept for 24 hours; a retry with the same key and the same request gets that response
//! again without the work being done again; the same key with another request is refused;
//! a retry while the first is still running is told so.
//!
//! A key is claimed by inserting its row (a unique index on tenant, caller and key), so of
//! two requests racing with one key exactly one runs, in any number of processes.

use chrono::{DateTime, Utc};
use companin_entity::idempotency_key;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::Tenant;

/// How long a key and its response are kept.
pub const KEEP: chrono::Duration = chrono::Duration::hours(24);

/// How long a first request may run before a retry may take its key over (its process
/// died): longer than any request takes (a generated reply's limit is a minute).
pub const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

const RUNNING: &str = "running";
const DONE: &str = "done";

/// Who holds a key: the tenant and, within it, the caller.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub tenant: &'a Tenant,
    /// The client id; for a widget token, the client id and its visitor.
    pub caller: &'a str,
    pub key: &'a str,
}

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What a request with a key may do.
#[derive(Debug)]
pub enum Begin {
    /// Run it; its response is then kept ([`complete`]) or the key let go ([`release`]).
    Run(String),
    /// Answer this, kept from the first request.
    Replay(Stored),
    /// The key was used for another request.
    Reused,
    /// The first request with this key is still running.
    InProgress,
}

/// Whether `key` is a usable key: 1 to [`MAX_KEY_LEN`] visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Claims `scope`'s key for a request hashing to `request_hash`, or says why not.
pub async fn begin(
    db: &impl ConnectionTrait,
    scope: &Scope<'_>,
    request_hash: &str,
) -> Result<Begin, DbErr> {
    use idempotency_key::Column as C;
    // Twice: an expired row found on the first pass is deleted, then the key claimed anew.
    for _ in 0..2 {
        let now = companin_entity::db::now();
        let id = format!("idem_{}", uuid::Uuid::now_v7().simple());
        let row = idempotency_key::ActiveModel {
            id: Set(id.clone()),
            org_id: Set(scope.tenant.org_id.to_string()),
            environment: Set(scope.tenant.environment),
            caller: Set(scope.caller.to_owned()),
            key: Set(scope.key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            state: Set(RUNNING.to_owned()),
            response_status: Set(None),
            response_type: Set(None),
            response_body: Set(None),
            locked_until: Set(now + LEASE),
            created_at: Set(now),
            expires_at: Set(now + KEEP),
        };
        match row.insert(db).await {
            Ok(_) => return Ok(Begin::Run(id)),
            Err(e) if super::is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
        let Some(existing) = idempotency_key::Entity::find()
            .filter(C::OrgId.eq(scope.tenant.org_id.as_str()))
            .filter(C::Environment.eq(scope.tenant.environment))
            .filter(C::Caller.eq(scope.caller))
            .filter(C::Key.eq(scope.key))
            .one(db)
            .await?
        else {
            // Deleted between our insert and our read (it expired): claim it again.
            continue;
        };
        if existing.expires_at <= now {
            expire(db, &existing.id, now).await?;
            continue;
        }
        if existing.request_hash != request_hash {
            return Ok(Begin::Reused);
        }
        if existing.state == DONE {
            return Ok(Begin::Replay(Stored {
                status: existing
                    .response_status
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(200),
                content_type: existing.response_type,
                body: existing.response_body.unwrap_or_default(),
            }));
        }
        if existing.locked_until > now {
            return Ok(Begin::InProgress);
        }
        // The first request's process died before it answered: this retry takes the key.
        let taken = idempotency_key::Entity::update_many()
            .col_expr(C::LockedUntil, Expr::value(now + LEASE))
            .filter(C::Id.eq(existing.id.as_str()))
            .filter(C::State.eq(RUNNING))
            .filter(C::LockedUntil.eq(existing.locked_until))
            .exec(db)
            .await?;
        return Ok(if taken.rows_affected == 1 {
            Begin::Run(existing.id)
        } else {
            Begin::InProgress
        });
    }
    Ok(Begin::InProgress)
}

/// Keeps the response of the request that holds key `id`.
pub async fn complete(db: &impl ConnectionTrait, id: &str, response: Stored) -> Result<(), DbErr> {
    use idempotency_key::Column as C;
    idempotency_key::Entity::update_many()
        .col_expr(C::State, Expr::value(DONE))
        .col_expr(C::ResponseStatus, Expr::value(i32::from(response.status)))
        .col_expr(C::ResponseType, Expr::value(response.content_type))
        .col_expr(C::ResponseBody, Expr::value(response.body))
        .filter(C::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Lets key `id` go without a response (the request failed in a way a retry may cure): the
/// next request with it runs.
pub async fn release(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
}

async fn expire(db: &impl ConnectionTrait, id: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    use idempotency_key::Column as C;
    idempotency_key::Entity::delete_many()
        .filter(C::Id.eq(id))
        .filter(C::ExpiresAt.lte(now))
        .exec(db)
        .await
        .map(|_| ())
}

/// Deletes every key that expired before `now` (the retention sweep); answers how many.
pub async fn sweep(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use idempotency_key::Column as C;
    idempotency_key::Entity::delete_many()
        .filter(C::ExpiresAt.lte(now))
        .exec(db)
        .await
        .map(|r| r.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(valid_key("order-1234_retry"));
        assert!(valid_key(&"k".repeat(MAX_KEY_LEN)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(MAX_KEY_LEN + 1)));
        assert!(!valid_key("with space"));
        assert!(!valid_key("ünïcode"));
    }
}
