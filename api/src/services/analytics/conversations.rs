//! Conversation quality: volume, duration, satisfaction, feedback rate and the share of
//! questions the assistants could not answer, per assistant and in total.

use std::collections::BTreeMap;

use companin_entity::assistant;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult};

use super::sql::{self, P50, Query, Range};
use crate::services::Tenant;

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

pub async fn conversations(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
) -> Result<(ConversationStats, Vec<AssistantStats>), DbErr> {
    let mut per: BTreeMap<String, ConversationStats> = BTreeMap::new();
    for row in volume(conn, tenant, range, filter, true).await? {
        let id: String = row.try_get_by_index(0)?;
        read_volume(per.entry(id).or_default(), &row, 1)?;
    }
    let mut total = ConversationStats::default();
    if let Some(row) = volume(conn, tenant, range, filter, false).await?.first() {
        read_volume(&mut total, row, 0)?;
    }

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
        .filter(assistant::Column::OrgId.eq(tenant.org_id.as_str()))
        .filter(assistant::Column::Environment.eq(tenant.environment))
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

/// Conversations, messages, duration (mean and nearest-rank median) and replies (from the
/// conversations' counters), per assistant when `grouped`, else over all.
async fn volume(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    filter: &Filter,
    grouped: bool,
) -> Result<Vec<QueryResult>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    let duration = q.millis_between("created_at", "last_message_at");
    let (key, partition, group) = if grouped {
        (
            "assistant_id, ",
            "PARTITION BY assistant_id ",
            " GROUP BY assistant_id",
        )
    } else {
        ("", "", "")
    };
    // The duration is computed once per row, in the innermost query.
    q.push(&format!(
        "SELECT {key}COUNT(*), SUM(message_count), CAST(AVG(d) AS DOUBLE PRECISION), {}, \
         SUM(reply_count), SUM(unanswered_count) \
         FROM (SELECT x.*, ROW_NUMBER() OVER ({partition}ORDER BY d) AS rn, \
               COUNT(*) OVER ({partition}) AS n \
               FROM (SELECT assistant_id, message_count, reply_count, unanswered_count, \
                     {duration} AS d FROM conversations WHERE ",
        sql::nearest_rank("d", "rn", "n", P50),
    ))
    .tenant("", tenant)
    .range("created_at", range);
    if let Some(id) = &filter.assistant_id {
        q.push(" AND assistant_id = ").bind(id.as_str());
    }
    q.push(&format!(") x) c{group}"));
    q.all(conn).await
}

/// Reads conversations, messages, mean and median duration, replies and unanswered replies
/// from `row` starting at `at`.
fn read_volume(stats: &mut ConversationStats, row: &QueryResult, at: usize) -> Result<(), DbErr> {
    stats.conversations = sql::int(row, at)?;
    stats.messages = sql::int(row, at + 1)?;
    stats.avg_duration_seconds = sql::float(row, at + 2)?.unwrap_or(0.0) / 1000.0;
    let median: Option<i64> = row.try_get_by_index(at + 3)?;
    stats.p50_duration_seconds = median.unwrap_or(0) as f64 / 1000.0;
    stats.replies = sql::int(row, at + 4)?;
    stats.unanswered = sql::int(row, at + 5)?;
    Ok(())
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
