//! Raw SQL for the analytics reports, written once for both databases.
//!
//! Aggregations run in the database; the few expressions the two dialects spell differently
//! (unix time of a timestamp) live here, and [`Query`] numbers the bind parameters the way
//! each one wants them (`$n` for PostgreSQL, `?n` for SQLite).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};

use crate::Tenant;

/// A statement under construction with its bind values.
pub struct Query {
    backend: DbBackend,
    sql: String,
    values: Vec<Value>,
}

impl Query {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            sql: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let n = self.values.len();
        let mark = match self.backend {
            DbBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        };
        self.sql.push_str(&mark);
        self
    }

    /// Appends `{alias}org_id = .. AND {alias}environment = ..`: the tenant wall.
    pub fn tenant(&mut self, alias: &str, tenant: &Tenant) -> &mut Self {
        self.push(&format!("{alias}org_id = "))
            .bind(tenant.org_id.as_str())
            .push(&format!(" AND {alias}environment = "))
            .bind(tenant.environment.as_str())
    }

    /// Appends ` AND {column} >= from AND {column} < to`.
    pub fn range(&mut self, column: &str, range: &Range) -> &mut Self {
        self.push(&format!(" AND {column} >= "))
            .bind(range.from)
            .push(&format!(" AND {column} < "))
            .bind(range.to)
    }

    /// Whole seconds since the Unix epoch of a timestamp column.
    pub fn epoch_seconds(&self, column: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"),
            _ => format!("unixepoch({column})"),
        }
    }

    /// Milliseconds from timestamp column `start` to `end`, rounded.
    pub fn millis_between(&self, start: &str, end: &str) -> String {
        match self.backend {
            DbBackend::Postgres => {
                format!("CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) * 1000) AS BIGINT)")
            }
            _ => format!(
                "CAST(ROUND((unixepoch({end}, 'subsec') - unixepoch({start}, 'subsec')) * 1000) \
                 AS INTEGER)"
            ),
        }
    }

    /// The backend, the SQL text and the bind values, for a caller that runs the statement
    /// its own way (a stream).
    pub fn into_parts(self) -> (DbBackend, String, Vec<Value>) {
        (self.backend, self.sql, self.values)
    }

    pub async fn all(self, conn: &impl ConnectionTrait) -> Result<Vec<QueryResult>, DbErr> {
        conn.query_all_raw(Statement::from_sql_and_values(
            self.backend,
            self.sql,
            self.values,
        ))
        .await
    }

    /// Runs a statement that returns no rows; answers the rows it touched.
    pub async fn execute(self, conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
        Ok(conn
            .execute_raw(Statement::from_sql_and_values(
                self.backend,
                self.sql,
                self.values,
            ))
            .await?
            .rows_affected())
    }

    pub async fn one(self, conn: &impl ConnectionTrait) -> Result<Option<QueryResult>, DbErr> {
        conn.query_one_raw(Statement::from_sql_and_values(
            self.backend,
            self.sql,
            self.values,
        ))
        .await
    }
}

/// A half-open time range `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The percentiles the reports give, in per mille.
pub const P50: u32 = 500;
pub const P95: u32 = 950;
pub const P99: u32 = 990;

/// The 1-based rank of the nearest-rank `per_mille` percentile among `n` values sorted
/// ascending: ⌈n·p⌉, at least 1. The value there is the smallest with at least that share of
/// the values at or below it.
pub fn rank(n: u64, per_mille: u64) -> u64 {
    (n * per_mille).div_ceil(1000).max(1)
}

/// Reads column `i` as an integer, treating NULL (an aggregate over no rows) as 0.
pub fn int(row: &QueryResult, i: usize) -> Result<u64, DbErr> {
    let v: Option<i64> = row.try_get_by_index(i)?;
    Ok(v.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
}

/// Reads column `i` as a float, NULL as `None`.
pub fn float(row: &QueryResult, i: usize) -> Result<Option<f64>, DbErr> {
    row.try_get_by_index(i)
}

/// Reads column `i` as a timestamp. SQLite hands an aggregate like `MAX(created_at)` back as
/// the stored RFC 3339 text, without the column's declared type, so that is parsed here.
pub fn time(row: &QueryResult, i: usize) -> Result<Option<DateTime<Utc>>, DbErr> {
    if let Ok(v) = row.try_get_by_index::<Option<DateTime<Utc>>>(i) {
        return Ok(v);
    }
    let text: Option<String> = row.try_get_by_index(i)?;
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| DbErr::Type(format!("timestamp {t:?}: {e}")))
    })
    .transpose()
}

/// `part / whole`, 0 for an empty whole.
pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Unix seconds as a time (the epoch for a value out of range).
pub(super) fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_ceiling_of_n_times_p() {
        assert_eq!(rank(1, 500), 1);
        assert_eq!(rank(2, 500), 1);
        assert_eq!(rank(3, 500), 2);
        assert_eq!(rank(10, 500), 5);
        assert_eq!(rank(20, 950), 19);
        assert_eq!(rank(21, 950), 20);
        assert_eq!(rank(100, 950), 95);
        assert_eq!(rank(1, 950), 1);
    }

    #[test]
    fn placeholders_follow_the_dialect() {
        let mut pg = Query::new(DbBackend::Postgres);
        pg.push("a = ").bind(1i64).push(" AND b = ").bind("x");
        assert_eq!(pg.sql, "a = $1 AND b = $2");
        let mut lite = Query::new(DbBackend::Sqlite);
        lite.push("a = ").bind(1i64);
        assert_eq!(lite.sql, "a = ?1");
    }
}
