//! Usage over time: fixed UTC buckets of requests, errors, messages and ingested knowledge,
//! every bucket of the range present (zero-filled).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::rollups::{self, Group, Narrow};
use super::sql::{self, Query, Range, at};
use crate::Tenant;

/// Most buckets one report may hold.
pub const MAX_BUCKETS: i64 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Hour,
    Day,
}

impl Interval {
    pub fn seconds(self) -> i64 {
        match self {
            Interval::Hour => 3600,
            Interval::Day => 86_400,
        }
    }

    /// The range widened to whole buckets: `from` down to its bucket's start, `to` up to the
    /// next bucket boundary.
    pub fn align(self, range: Range) -> Range {
        let size = self.seconds();
        Range {
            from: at(range.from.timestamp().div_euclid(size) * size),
            to: self.ceil(range.to),
        }
    }

    /// The first bucket boundary at or after `t`.
    pub fn ceil(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let size = self.seconds();
        let secs = t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0);
        at((secs + size - 1).div_euclid(size) * size)
    }

    /// Buckets in an aligned range.
    pub fn buckets(self, range: &Range) -> i64 {
        (range.to.timestamp() - range.from.timestamp()) / self.seconds()
    }
}

/// Which client's requests to count (messages and knowledge belong to the tenant, not to a
/// credential, so they are always counted for the whole tenant).
#[derive(Debug, Default)]
pub struct Filter {
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub requests: u64,
    pub errors: u64,
    /// Of the errors, status 500 or above.
    pub server_errors: u64,
    /// Messages visitors sent (questions; the replies are not counted again).
    pub messages: u64,
    /// Knowledge items created.
    pub knowledge_items: u64,
}

/// One bucket per `interval` across the aligned `range`, oldest first.
pub async fn usage(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    interval: Interval,
    filter: &Filter,
) -> Result<Vec<Bucket>, DbErr> {
    let size = interval.seconds();
    let backend = conn.get_database_backend();

    let requests = rollups::totals(
        conn,
        tenant,
        range,
        Group::Time(size),
        &Narrow {
            client_id: filter.client_id.as_deref(),
            ..Narrow::default()
        },
    )
    .await?;

    let dialect = Query::new(backend);
    let bucket = format!("{} / {size}", dialect.epoch_seconds("created_at"));
    let mut messages = Query::new(backend);
    messages
        .push(&format!(
            "SELECT {bucket} AS b, COUNT(*) FROM messages WHERE "
        ))
        .tenant("", tenant)
        .range("created_at", range)
        .push(" AND role = 'user'")
        .push(&format!(" GROUP BY {bucket}"));

    let mut knowledge = Query::new(backend);
    knowledge
        .push(&format!(
            "SELECT {bucket} AS b, COUNT(*) FROM knowledge_items WHERE "
        ))
        .tenant("", tenant)
        .range("created_at", range)
        .push(&format!(" GROUP BY {bucket}"));

    let mut buckets: Vec<Bucket> = (0..interval.buckets(range))
        .map(|i| Bucket {
            start: at(range.from.timestamp() + i * size),
            ..Bucket::default()
        })
        .collect();
    let first = range.from.timestamp() / size;
    let index: HashMap<i64, usize> = (0..buckets.len()).map(|i| (first + i as i64, i)).collect();
    let slot = |row: &sea_orm::QueryResult| -> Result<Option<usize>, DbErr> {
        let b: i64 = row.try_get_by_index(0)?;
        Ok(index.get(&b).copied())
    };

    for ((start, _), t) in requests {
        let b = start.parse::<i64>().unwrap_or(i64::MIN) / size;
        if let Some(&i) = index.get(&b) {
            buckets[i].requests = t.requests;
            buckets[i].errors = t.errors;
            buckets[i].server_errors = t.server_errors;
        }
    }
    for row in messages.all(conn).await? {
        if let Some(i) = slot(&row)? {
            buckets[i].messages = sql::int(&row, 1)?;
        }
    }
    for row in knowledge.all(conn).await? {
        if let Some(i) = slot(&row)? {
            buckets[i].knowledge_items = sql::int(&row, 1)?;
        }
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_widen_to_whole_buckets() {
        let r = Interval::Hour.align(Range {
            from: t("2026-11-28T10:15:00Z"),
            to: t("2026-11-28T12:00:00Z"),
        });
        assert_eq!(r.from, t("2026-11-28T10:00:00Z"));
        assert_eq!(r.to, t("2026-11-28T12:00:00Z"));
        assert_eq!(Interval::Hour.buckets(&r), 2);

        let r = Interval::Hour.align(Range {
            from: t("2026-11-28T10:00:00Z"),
            to: t("2026-11-28T12:00:00.5Z"),
        });
        assert_eq!(r.to, t("2026-11-28T13:00:00Z"));

        let r = Interval::Day.align(Range {
            from: t("2026-11-01T23:59:59Z"),
            to: t("2026-11-03T00:00:01Z"),
        });
        assert_eq!(r.from, t("2026-11-01T00:00:00Z"));
        assert_eq!(r.to, t("2026-11-04T00:00:00Z"));
        assert_eq!(Interval::Day.buckets(&r), 3);
    }
}
