//! `GET /jobs/{id}` and `POST /jobs/{id}/cancel`.

use companin_entity::{JobStatus, KnowledgeStatus, job, knowledge_item};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use super::audit::{self, Change};
use super::{Actor, Tenant};
use crate::Platform;
use crate::error::{ApiError, ErrorCode};
use crate::ids::JobId;

/// The tenant's job, or 404.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<job::Model, ApiError> {
    let Some(id) = JobId::parse(id) else {
        return Err(ApiError::not_found("job"));
    };
    job::Entity::find_by_id(id.as_str())
        .filter(tenant.rows::<job::Column>())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))
}

/// Asks a job to stop. A queued job is canceled at once; a running one stops at its next
/// check (between embedding batches or items) and then reads `canceled`. 409 once finished.
pub async fn cancel(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<job::Model, ApiError> {
    let txn = crate::db::begin_write(&state.db_write).await?;
    let row = get(&txn, tenant, id).await?;
    let status = row.status;
    if status.is_terminal() {
        return Err(ApiError::new(
            ErrorCode::JobFinished,
            format!("the job has already finished ({})", row.status),
        ));
    }
    let now = crate::db::now();
    let mut active = row.clone().into_active_model();
    active.cancel_requested = Set(true);
    active.updated_at = Set(now);
    if status == JobStatus::Queued {
        active.status = Set(JobStatus::Canceled);
        active.finished_at = Set(Some(now));
        // The item it would have processed keeps its chunks if it has some.
        if let Some(item_id) = row.knowledge_id.as_deref() {
            let item = knowledge_item::Entity::find_by_id(item_id)
                .one(&txn)
                .await?;
            if let Some(item) = item.filter(|i| i.job_id.as_deref() == Some(row.id.as_str())) {
                let mut item_active = item.clone().into_active_model();
                if item.chunk_count > 0 {
                    item_active.status = Set(KnowledgeStatus::Ready);
                } else {
                    item_active.status = Set(KnowledgeStatus::Failed);
                    item_active.error = Set(Some("ingestion was canceled".to_owned()));
                }
                item_active.updated_at = Set(now);
                item_active.update(&txn).await?;
            }
        }
    }
    let row = active.update(&txn).await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "job.cancel_requested",
            resource_type: "job",
            resource_id: &row.id,
            changes: Some(
                json!({ "status": { "from": status.as_str(), "to": row.status.as_str() } }),
            ),
        },
    )
    .await?;
    Ok(row)
}
