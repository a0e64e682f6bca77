//! Slowing down password guessing: failed sign-ins are counted per account and per client
//! address, in the database (so every process sees them). Past a threshold each further
//! failure locks the subject for twice as long as the last, up to a cap; a success clears the
//! account's count.

use chrono::{DateTime, Duration, Utc};
use companin_entity::sign_in_failure;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Set};

/// Failures an account may have in a row before each next one locks it.
pub const ACCOUNT_THRESHOLD: i32 = 5;
/// The same for one client address, which may try several accounts.
pub const ADDRESS_THRESHOLD: i32 = 20;
/// The first lock, doubled by each further failure, up to the cap.
const FIRST_LOCK_SECS: i64 = 30;
const MAX_LOCK_SECS: i64 = 15 * 60;
/// Failures are forgotten this long after the last one.
const FORGET_AFTER_SECS: i64 = 3600;

/// The subject an account's failures count under.
pub fn account(email: &str) -> String {
    format!("account:{email}")
}

/// The subject a client address' failures count under.
pub fn address(address: &str) -> String {
    format!("address:{address}")
}

/// The subjects one sign-in attempt counts under: the account (its `name`) and, when known,
/// the client address.
pub fn subjects(name: &str, address: Option<&str>) -> Vec<(String, i32)> {
    let mut subjects = vec![(account(name), ACCOUNT_THRESHOLD)];
    if let Some(address) = address {
        subjects.push((self::address(address), ADDRESS_THRESHOLD));
    }
    subjects
}

/// Refuses the attempt with 429 `sign_in_throttled` (and `Retry-After`) while any of
/// `subjects` is locked.
pub async fn refuse_while_locked(
    conn: &impl ConnectionTrait,
    subjects: &[(String, i32)],
    now: DateTime<Utc>,
) -> Result<(), crate::error::ApiError> {
    use crate::error::{ApiError, ErrorCode};
    match locked(conn, subjects, now).await? {
        Some(wait) => Err(ApiError {
            retry_after: Some(wait),
            ..ApiError::new(
                ErrorCode::SignInThrottled,
                format!("too many failed sign-ins; try again in {wait} s"),
            )
        }),
        None => Ok(()),
    }
}

/// Seconds until `subjects` may try again, if any of them is locked.
pub async fn locked(
    conn: &impl ConnectionTrait,
    subjects: &[(String, i32)],
    now: DateTime<Utc>,
) -> Result<Option<u64>, DbErr> {
    let mut wait = 0;
    for (subject, _) in subjects {
        if let Some(row) = sign_in_failure::Entity::find_by_id(subject.clone())
            .one(conn)
            .await?
        {
            wait = wait.max((row.locked_until - now).num_seconds());
        }
    }
    Ok(u64::try_from(wait).ok().filter(|w| *w > 0))
}

/// How long the `failures`-th failure in a row locks a subject whose threshold is
/// `threshold`.
fn lock_for(failures: i32, threshold: i32) -> Duration {
    if failures < threshold {
        return Duration::zero();
    }
    let doublings = (failures - threshold).min(16) as u32;
    Duration::seconds((FIRST_LOCK_SECS << doublings).min(MAX_LOCK_SECS))
}

/// Counts one failure of each subject (with its threshold).
pub async fn failed(
    conn: &impl ConnectionTrait,
    subjects: &[(String, i32)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for (subject, threshold) in subjects {
        let row = sign_in_failure::Entity::find_by_id(subject.clone())
            .one(conn)
            .await?;
        let earlier = row
            .as_ref()
            .filter(|r| (now - r.last_failed_at).num_seconds() < FORGET_AFTER_SECS)
            .map_or(0, |r| r.failures);
        let failures = earlier.saturating_add(1);
        let locked_until = now + lock_for(failures, *threshold);
        match row {
            Some(row) => {
                let mut active = row.into_active_model();
                active.failures = Set(failures);
                active.last_failed_at = Set(now);
                active.locked_until = Set(locked_until);
                active.update(conn).await?;
            }
            None => {
                sign_in_failure::ActiveModel {
                    subject: Set(subject.clone()),
                    failures: Set(failures),
                    last_failed_at: Set(now),
                    locked_until: Set(locked_until),
                }
                .insert(conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// Deletes the counts that are forgotten already and lock nothing.
pub async fn sweep(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let forgotten = now - Duration::seconds(FORGET_AFTER_SECS);
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::LastFailedAt.lt(forgotten))
        .filter(sign_in_failure::Column::LockedUntil.lt(now))
        .exec(conn)
        .await
        .map(|r| r.rows_affected)
}

/// Clears a subject's failures (a successful sign-in of the account).
pub async fn cleared(conn: &impl ConnectionTrait, subject: &str) -> Result<(), DbErr> {
    sign_in_failure::Entity::delete_by_id(subject.to_owned())
        .exec(conn)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_the_threshold_and_double_up_to_the_cap() {
        let secs = |n| lock_for(n, ACCOUNT_THRESHOLD).num_seconds();
        assert_eq!((secs(1), secs(4)), (0, 0));
        assert_eq!((secs(5), secs(6), secs(7)), (30, 60, 120));
        assert_eq!((secs(10), secs(1_000)), (MAX_LOCK_SECS, MAX_LOCK_SECS));
    }
}
