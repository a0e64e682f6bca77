//! Limits of anonymous widget traffic, apart from the server keys' budget.
//!
//! A widget token is minted without a secret by any page of an allowed origin, so whoever
//! loads such a page (or replays its requests) could otherwise spend the organization's whole
//! hourly limit and daily quota. Widget traffic is therefore counted, before the
//! organization's limit, in fixed windows of its own: per client address, per origin, per
//! visitor, the messages of each visitor, and — in the organization's own hour and day — a
//! share of its limits ([`WidgetSettings::budget_share`]); the rest of the budget always
//! stays for its server keys.
//!
//! The counts live in the database (`widget_windows`, one upsert per check level, windows by
//! the database's clock), so they are exact across processes. Checks run in levels, the
//! caller's own first: a request refused for its address is not counted against its origin
//! or the widget share, so one flooding address cannot use up what the site's other
//! visitors share. Within a level a refused request still counts, so hammering does not
//! earn a slot back.

use std::net::IpAddr;
use std::time::Duration;

use companin_config::WidgetSettings;
use companin_entity::{Environment, organization};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Statement};

use super::{Limits, Period};
use crate::error::{ApiError, ErrorCode};

/// Length of the per-caller windows.
const MINUTE: i64 = 60;

/// What one widget limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Widget tokens minted for one client address.
    AddressTokens,
    /// Widget requests (token requests included) of one client address.
    Address,
    /// Requests of one visitor's tokens.
    Visitor,
    /// Widget requests (token requests included) from one origin.
    Origin,
    /// Messages one visitor sends.
    Messages,
    /// The widget's share of the organization's hourly limit or daily quota.
    Share(Period),
}

impl Scope {
    /// Its name in the database and in a refusal's `data.scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::AddressTokens => "address_tokens",
            Scope::Address => "address",
            Scope::Visitor => "visitor",
            Scope::Origin => "origin",
            Scope::Messages => "messages",
            Scope::Share(Period::Hour) => "widget_hour",
            Scope::Share(Period::Day) => "widget_day",
        }
    }

    fn window_secs(self) -> i64 {
        match self {
            Scope::Share(period) => period.secs(),
            _ => MINUTE,
        }
    }

    fn window_name(self) -> &'static str {
        match self {
            Scope::Share(period) => period.as_str(),
            _ => "minute",
        }
    }

    fn what(self, limit: i64) -> String {
        match self {
            Scope::AddressTokens => {
                format!("a client address may get {limit} widget tokens a minute")
            }
            Scope::Address => format!("a client address may make {limit} widget requests a minute"),
            Scope::Visitor => format!("a widget visitor may make {limit} requests a minute"),
            Scope::Origin => format!("an origin may make {limit} widget requests a minute"),
            Scope::Messages => format!("a visitor may send at most {limit} messages a minute"),
            Scope::Share(Period::Hour) => {
                format!(
                    "the widget's share of this hour's rate limit ({limit} requests) is used up"
                )
            }
            Scope::Share(Period::Day) => {
                format!("the widget's share of today's quota ({limit} requests) is used up")
            }
        }
    }
}

/// One widget request to count.
#[derive(Debug, Clone, Copy)]
pub struct Traffic<'a> {
    pub org_id: &'a str,
    pub environment: Environment,
    /// The caller's address ([`address_key`]).
    pub address: Option<&'a str>,
    /// The allowed origin the page is on.
    pub origin: Option<&'a str>,
    /// The visitor of the token; none for a token request.
    pub visitor: Option<&'a str>,
    /// Whether this request mints a token.
    pub token: bool,
}

/// The key a client address is counted under: an IPv4 address whole, an IPv6 address by its
/// /64 (one host usually holds a whole /64, and would otherwise have 2^64 addresses to
/// rotate through).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The widget limits of one process (the counts are shared through the database).
pub struct WidgetLimiter {
    db: DatabaseConnection,
    settings: WidgetSettings,
    defaults: Limits,
    /// Organizations' limits, for the widget's share of them.
    limits: moka::sync::Cache<String, Limits>,
}

impl WidgetLimiter {
    pub fn new(
        db: DatabaseConnection,
        settings: WidgetSettings,
        defaults: Limits,
        limit_refresh: Duration,
    ) -> Self {
        Self {
            db,
            settings,
            defaults,
            limits: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(limit_refresh)
                .build(),
        }
    }

    /// Counts one widget request; 429 `rate_limited` when a limit is used up.
    pub async fn check(&self, t: Traffic<'_>) -> Result<(), ApiError> {
        let per_minute = |limit: u32, subject: Option<&str>, scope: Scope| {
            subject
                .filter(|_| limit > 0)
                .map(|s| (scope, s.to_owned(), i64::from(limit)))
        };
        let s = &self.settings;
        let caller = [
            t.token
                .then(|| {
                    per_minute(
                        s.tokens_per_minute_per_address,
                        t.address,
                        Scope::AddressTokens,
                    )
                })
                .flatten(),
            per_minute(s.requests_per_minute_per_address, t.address, Scope::Address),
        ];
        let shared = [
            per_minute(s.requests_per_minute_per_visitor, t.visitor, Scope::Visitor),
            per_minute(s.requests_per_minute_per_origin, t.origin, Scope::Origin),
        ];
        let tenant = (t.org_id, t.environment);
        self.count(tenant, caller.into_iter().flatten().collect())
            .await?;
        self.count(tenant, shared.into_iter().flatten().collect())
            .await?;
        if s.budget_share < 1.0 {
            let limits = self.org_limits(t.org_id).await?;
            let share = |limit: i64| (limit as f64 * s.budget_share).floor() as i64;
            let windows = vec![
                (
                    Scope::Share(Period::Hour),
                    String::new(),
                    share(limits.per_hour),
                ),
                (
                    Scope::Share(Period::Day),
                    String::new(),
                    share(limits.per_day),
                ),
            ];
            self.count(tenant, windows).await?;
        }
        Ok(())
    }

    /// Counts one message of a widget visitor; 429 `rate_limited` past
    /// `widget.messages_per_minute`.
    pub async fn check_message(
        &self,
        org_id: &str,
        environment: Environment,
        visitor: &str,
    ) -> Result<(), ApiError> {
        let limit = self.settings.messages_per_minute;
        if limit == 0 {
            return Ok(());
        }
        self.count(
            (org_id, environment),
            vec![(Scope::Messages, visitor.to_owned(), i64::from(limit))],
        )
        .await
    }

    async fn org_limits(&self, org_id: &str) -> Result<Limits, ApiError> {
        if let Some(limits) = self.limits.get(org_id) {
            return Ok(limits);
        }
        let org = organization::Entity::find_by_id(org_id)
            .one(&self.db)
            .await?;
        let limits = Limits::of(org.as_ref(), self.defaults);
        self.limits.insert(org_id.to_owned(), limits);
        Ok(limits)
    }

    /// Adds one to each window and refuses with the first that went past its limit.
    async fn count(
        &self,
        tenant: (&str, Environment),
        windows: Vec<(Scope, String, i64)>,
    ) -> Result<(), ApiError> {
        if windows.is_empty() {
            return Ok(());
        }
        let counted = increment(&self.db, tenant, &windows).await?;
        for (scope, _, limit) in &windows {
            let Some(c) = counted.iter().find(|c| c.scope == scope.as_str()) else {
                continue;
            };
            if c.hits > *limit {
                let retry_after = (c.window_start + scope.window_secs() - c.now).max(1) as u64;
                return Err(refused(*scope, *limit, retry_after));
            }
        }
        Ok(())
    }
}

fn refused(scope: Scope, limit: i64, retry_after: u64) -> ApiError {
    ApiError {
        retry_after: Some(retry_after),
        ..ApiError::new(
            ErrorCode::RateLimited,
            format!("{}; retry in {retry_after} s", scope.what(limit)),
        )
        .with_data(serde_json::json!({
            "window": scope.window_name(),
            "limit": limit,
            "scope": scope.as_str(),
        }))
    }
}

/// One window after a count.
struct Counted {
    scope: String,
    hits: i64,
    window_start: i64,
    now: i64,
}

/// Adds one hit to each of `windows` (scope, subject) of the tenant, in one statement.
async fn increment(
    db: &DatabaseConnection,
    (org_id, environment): (&str, Environment),
    windows: &[(Scope, String, i64)],
) -> Result<Vec<Counted>, DbErr> {
    let backend = db.get_database_backend();
    let now = super::store::now_sql(backend);
    let mut values = vec![org_id.into(), environment.as_str().into()];
    let mut rows = Vec::with_capacity(windows.len());
    for (scope, subject, _) in windows {
        let secs = scope.window_secs();
        let n = values.len();
        rows.push(format!(
            "($1, $2, ${}, ${}, ({now}) / {secs} * {secs}, 1)",
            n + 1,
            n + 2
        ));
        values.push(scope.as_str().into());
        values.push(subject.as_str().into());
    }
    let sql = format!(
        "INSERT INTO widget_windows (org_id, environment, scope, subject, window_start, hits) \
         VALUES {} \
         ON CONFLICT (org_id, environment, scope, subject, window_start) \
         DO UPDATE SET hits = widget_windows.hits + 1 \
         RETURNING scope, hits, window_start, ({now})",
        rows.join(", ")
    );
    let sql = crate::db::placeholders(backend, &sql);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Counted {
                scope: row.try_get_by_index(0)?,
                hits: row.try_get_by_index(1)?,
                window_start: row.try_get_by_index(2)?,
                now: row.try_get_by_index(3)?,
            })
        })
        .collect()
}

/// Deletes the windows that ended before `before` (Unix seconds); answers how many.
pub async fn sweep(db: &impl ConnectionTrait, before: i64) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    // The longest window is a day: anything that started a day before `before` is over.
    let sql = match backend {
        DbBackend::Postgres => "DELETE FROM widget_windows WHERE window_start < $1",
        _ => "DELETE FROM widget_windows WHERE window_start < ?",
    };
    let res = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [(before - Period::Day.secs()).into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_counted_by_host() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2::9"), key("2001:db8:1:2:ffff::1"));
        assert_ne!(key("2001:db8:1:2::9"), key("2001:db8:1:3::9"));
    }

    #[test]
    fn refusals_say_which_limit_and_when_to_retry() {
        let e = refused(Scope::Origin, 5, 12);
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert_eq!(e.retry_after, Some(12));
        assert!(
            e.detail
                .contains("an origin may make 5 widget requests a minute")
        );
        let data = e.data.unwrap();
        assert_eq!(data["scope"], "origin");
        assert_eq!(data["window"], "minute");
        let e = refused(Scope::Share(Period::Day), 500, 60);
        assert_eq!(e.data.unwrap()["window"], "day");
    }
}
