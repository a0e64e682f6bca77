//! Conversation quality: volume, duration, satisfaction, feedback rate and the share of
//! questions the assistants could not answer, per assistant and in total.

use std::collections::BTreeMap;

use companin_entity::assistant;
use futures::TryStreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryResult, Statement, StreamTrait,
};

use super::sql::{self, P50, Query, Range};
use crate::Tenant;

/// The figures of a set of conversations (those that started within the range).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationStats {
    pub conversations: u64,
    /// Messages of both roles.
    pub messages: u64,
    /// From the first message to the last, in seconds.
    pub avg_duration_seconds: f64,
    pub p50_duration_seconds: f64,
    /// Feedback count by rating, index 0 for rating 1.
    pub ratings: [u64; 5],
    /// Conversations with at least one feedback.
    pub rated_conversations: u64,
    /// Assistant replies, and those that fell back for want of relevant knowledge.
    pub replies: u64,
    pub unanswered: u64,
}

impl ConversationStats {
    pub fn feedback_count(&self) -> u64 {
        self.ratings.iter().sum()
    }

    /// The mean rating, `None` without feedback.
    pub fn satisfaction_average(&self) -> Option<f64> {
        let n = self.feedback_count();
        let sum: u64 = (1..=5u64).zip(self.ratings).map(|(r, c)| r * c).sum();
        (n > 0).then(|| sum as f64 / n as f64)
    }
}

/// One assistant's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistantStats {
    pub assistant_id: String,
    /// `None` when the assistant has been deleted since.
    pub name: Option<String>,
    pub stats: ConversationStats,
}

#[derive(Debug, Default)]
pub struct Filter {
    pub assistant_id: Option<String>,
}

/// The report, read from one snapshot so that the medians rank exactly the conversations
/// counted.
pub async fn conversations(
    db: &DatabaseConnection,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
) -> Result<(ConversationStats, Vec<AssistantStats>), DbErr> {
    let txn = crate::db::begin_snapshot(db).await?;
    let report = read(&txn, tenant, range, filter).await;
    // Read-only: ending it either way releases the snapshot.
    txn.commit().await?;
    report
}

async fn read(
    conn: &DatabaseTransaction,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
) -> Result<(ConversationStats, Vec<AssistantStats>), DbErr> {
    let mut per: BTreeMap<String, ConversationStats> = BTreeMap::new();
    let mut total = ConversationStats::default();
    let mut duration_sum = 0;
    for row in volume(conn, tenant, range, filter).await? {
        let id: String = row.try_get_by_index(0)?;
        let stats = per.entry(id).or_default();
        stats.conversations = sql::int(&row, 1)?;
        stats.messages = sql::int(&row, 2)?;
        let sum: i64 = row.try_get_by_index::<Option<i64>>(3)?.unwrap_or(0);
        stats.avg_duration_seconds = mean_seconds(sum, stats.conversations);
        stats.replies = sql::int(&row, 4)?;
        stats.unanswered = sql::int(&row, 5)?;
        total.conversations += stats.conversations;
        total.messages += stats.messages;
        total.replies += stats.replies;
        total.unanswered += stats.unanswered;
        duration_sum += sum;
    }
    total.avg_duration_seconds = mean_seconds(duration_sum, total.conversations);
    let (medians, overall) = medians(conn, tenant, range, filter, &per).await?;
    for (id, median) in medians {
        if let Some(stats) = per.get_mut(&id) {
            stats.p50_duration_seconds = median as f64 / 1000.0;
        }
    }
    total.p50_duration_seconds = overall.unwrap_or(0) as f64 / 1000.0;

    let mut q = feedback(
        conn,
        tenant,
        range,
        filter,
        "CAST(f.rating AS BIGINT), COUNT(*)",
    );
    q.push(" GROUP BY c.assistant_id, f.rating");
    for row in q.all(conn).await? {
        let id: String = row.try_get_by_index(0)?;
        let rating: i64 = row.try_get_by_index(1)?;
        let count = sql::int(&row, 2)?;
        if let Some(slot) = usize::try_from(rating - 1).ok().filter(|i| *i < 5) {
            per.entry(id).or_default().ratings[slot] += count;
            total.ratings[slot] += count;
        }
    }
    let mut q = feedback(
        conn,
        tenant,
        range,
        filter,
        "COUNT(DISTINCT f.conversation_id)",
    );
    q.push(" GROUP BY c.assistant_id");
    for row in q.all(conn).await? {
        let id: String = row.try_get_by_index(0)?;
        let rated = sql::int(&row, 1)?;
        per.entry(id).or_default().rated_conversations = rated;
        total.rated_conversations += rated;
    }
    let ids: Vec<&str> = per.keys().map(String::as_str).collect();
    let names: BTreeMap<String, String> = assistant::Entity::find()
        .filter(tenant.rows::<assistant::Column>())
        .filter(assistant::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut assistants: Vec<AssistantStats> = per
        .into_iter()
        .map(|(assistant_id, stats)| AssistantStats {
            name: names.get(&assistant_id).cloned(),
            assistant_id,
            stats,
        })
        .collect();
    assistants.sort_by(|a, b| {
        b.stats
            .conversations
            .cmp(&a.stats.conversations)
            .then_with(|| a.assistant_id.cmp(&b.assistant_id))
    });
    Ok((total, assistants))
}

/// `{duration} AS d` of the conversations in the range (and of the filtered assistant), for
/// a query to select from.
fn durations(q: &mut Query, tenant: &Tenant, range: &Range, filter: &Filter) {
    let duration = q.millis_between("created_at", "last_message_at");
    q.push(&format!(
        "SELECT assistant_id, message_count, reply_count, unanswered_count, {duration} AS d \
         FROM conversations WHERE "
    ))
    .tenant("", tenant)
    .range("created_at", range);
    if let Some(id) = &filter.assistant_id {
        q.push(" AND assistant_id = ").bind(id.as_str());
    }
}

/// Per assistant: conversations, messages, the sum of the durations in milliseconds, and
/// replies (from the conversations' counters).
async fn volume(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
) -> Result<Vec<QueryResult>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push(
        "SELECT assistant_id, COUNT(*), SUM(message_count), CAST(SUM(d) AS BIGINT), \
         SUM(reply_count), SUM(unanswered_count) FROM (",
    );
    durations(&mut q, tenant, range, filter);
    q.push(") x GROUP BY assistant_id");
    q.all(conn).await
}

/// The nearest-rank median duration (milliseconds) of each assistant's conversations, given
/// how many each has (`per`), and of all of them. The database sorts the durations once;
/// they are read in order only up to the last rank wanted, holding nothing but a counter per
/// assistant. (Window functions ranked them in SQL before: on SQLite they took 2.3x as long
/// as the volume query and this read together, docs/benchmarks.md.)
async fn medians(
    conn: &DatabaseTransaction,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
    per: &BTreeMap<String, ConversationStats>,
) -> Result<(BTreeMap<String, i64>, Option<i64>), DbErr> {
    let rank = |n: u64| sql::rank(n, P50.into());
    let mut wanted: BTreeMap<&str, (u64, u64)> = per
        .iter()
        .filter(|(_, stats)| stats.conversations > 0)
        .map(|(id, stats)| (id.as_str(), (rank(stats.conversations), 0)))
        .collect();
    let overall_rank = rank(per.values().map(|stats| stats.conversations).sum());
    let mut q = Query::new(ConnectionTrait::get_database_backend(conn));
    q.push("SELECT assistant_id, d FROM (");
    durations(&mut q, tenant, range, filter);
    q.push(") x ORDER BY d");
    let (backend, text, values) = q.into_parts();
    let mut rows = conn
        .stream_raw(Statement::from_sql_and_values(backend, text, values))
        .await?;
    let (mut medians, mut overall, mut seen) = (BTreeMap::new(), None, 0);
    while !(wanted.is_empty() && overall.is_some()) {
        let Some(row) = rows.try_next().await? else {
            break;
        };
        let id: String = row.try_get_by_index(0)?;
        let d: i64 = row.try_get_by_index(1)?;
        seen += 1;
        if seen == overall_rank {
            overall = Some(d);
        }
        if let Some((at, count)) = wanted.get_mut(id.as_str()) {
            *count += 1;
            if *count == *at {
                wanted.remove(id.as_str());
                medians.insert(id, d);
            }
        }
    }
    Ok((medians, overall))
}

/// The mean of `count` durations summing to `sum_ms` milliseconds, in seconds.
fn mean_seconds(sum_ms: i64, count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        sum_ms as f64 / count as f64 / 1000.0
    }
}

/// `SELECT c.assistant_id, {columns} FROM feedback f JOIN conversations c` over the
/// conversations of the range, ready for a `GROUP BY`.
fn feedback(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
    columns: &str,
) -> Query {
    let mut q = Query::new(conn.get_database_backend());
    q.push(&format!(
        "SELECT c.assistant_id, {columns} FROM feedback f \
         JOIN conversations c ON c.id = f.conversation_id WHERE "
    ))
    .tenant("c.", tenant)
    // Redundant (a conversation's feedback is its tenant's), but it lets the feedback be
    // found through its (tenant, conversation) index.
    .push(" AND ")
    .tenant("f.", tenant)
    .range("c.created_at", range);
    if let Some(id) = &filter.assistant_id {
        q.push(" AND c.assistant_id = ").bind(id.as_str());
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_is_the_mean_rating() {
        let stats = ConversationStats {
            ratings: [1, 0, 0, 2, 1],
            ..ConversationStats::default()
        };
        assert_eq!(stats.feedback_count(), 4);
        assert_eq!(stats.satisfaction_average(), Some((1.0 + 8.0 + 5.0) / 4.0));
        assert_eq!(ConversationStats::default().satisfaction_average(), None);
    }
}
