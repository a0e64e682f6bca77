//! Usage per organization, for the platform operator: requests and errors of both
//! environments (exact, as the tenant's own reports count them), the conversations and
//! visitors' questions of the range, and the knowledge each organization keeps now.

use std::collections::HashMap;

use companin_entity::Environment;
use sea_orm::{ConnectionTrait, DbErr};

use super::rollups::{self, Group, Narrow};
use super::sql::{self, Query, Range};
use crate::Tenant;
use crate::ids::OrgId;

/// One organization's usage, both environments together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgUsage {
    pub requests: u64,
    /// Responses with status 400 or above.
    pub errors: u64,
    /// Conversations that started in the range.
    pub conversations: u64,
    /// Questions visitors asked in the range.
    pub messages: u64,
    /// Knowledge items kept now, whatever the range.
    pub knowledge_items: u64,
    /// Their indexed chunks: the size of what retrieval searches.
    pub knowledge_chunks: u64,
}

/// The usage of each of `orgs` over `range` (an organization with none is all zeros).
pub async fn usage(
    conn: &impl ConnectionTrait,
    orgs: &[String],
    range: &Range,
) -> Result<HashMap<String, OrgUsage>, DbErr> {
    let mut out: HashMap<String, OrgUsage> = orgs
        .iter()
        .map(|o| (o.clone(), OrgUsage::default()))
        .collect();
    if orgs.is_empty() {
        return Ok(out);
    }
    for org in orgs {
        for environment in [Environment::Production, Environment::Sandbox] {
            let tenant = Tenant {
                org_id: OrgId::from_db(org.clone()),
                environment,
            };
            let totals =
                rollups::totals(conn, &tenant, range, Group::Client, &Narrow::default()).await?;
            let entry = out.entry(org.clone()).or_default();
            for t in totals.values() {
                entry.requests += t.requests;
                entry.errors += t.errors;
            }
        }
    }
    let backend = conn.get_database_backend();
    let in_orgs = |q: &mut Query| {
        q.push("org_id IN (");
        for (i, org) in orgs.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(org.as_str());
        }
        q.push(")");
    };
    let mut conversations = Query::new(backend);
    conversations.push("SELECT org_id, COUNT(*), CAST(0 AS BIGINT) FROM conversations WHERE ");
    in_orgs(&mut conversations);
    conversations
        .range("created_at", range)
        .push(" GROUP BY org_id");
    let mut messages = Query::new(backend);
    messages.push(
        "SELECT org_id, COUNT(*), CAST(0 AS BIGINT) FROM messages \
         WHERE role = 'user' AND ",
    );
    in_orgs(&mut messages);
    messages.range("created_at", range).push(" GROUP BY org_id");
    let mut knowledge = Query::new(backend);
    knowledge.push(
        "SELECT org_id, COUNT(*), CAST(COALESCE(SUM(chunk_count), 0) AS BIGINT) \
         FROM knowledge_items WHERE ",
    );
    in_orgs(&mut knowledge);
    knowledge.push(" GROUP BY org_id");

    for (q, set) in [
        (conversations, Counted::Conversations),
        (messages, Counted::Messages),
        (knowledge, Counted::Knowledge),
    ] {
        for row in q.all(conn).await? {
            let org: String = row.try_get_by_index(0)?;
            let (n, extra) = (sql::int(&row, 1)?, sql::int(&row, 2)?);
            let entry = out.entry(org).or_default();
            match set {
                Counted::Conversations => entry.conversations = n,
                Counted::Messages => entry.messages = n,
                Counted::Knowledge => {
                    entry.knowledge_items = n;
                    entry.knowledge_chunks = extra;
                }
            }
        }
    }
    Ok(out)
}

/// What one of the grouped counts fills in.
enum Counted {
    Conversations,
    Messages,
    Knowledge,
}
