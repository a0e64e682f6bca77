//! URL items: submitting a site to crawl, syncing it now, and changing its crawl bounds and
//! refresh schedule. The crawling itself is the workers' `crawl` job.

use companin_entity::{JobKind, KnowledgeStatus, knowledge_item};
use companin_ingest::content_hash;
use companin_worker::crawl::{Bounds, BoundsChange, Claim, claim, normalize};
use companin_worker::jobs;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Map, Value, json};

use super::super::audit::{self, Change};
use super::super::{Actor, Tenant};
use super::create::{Created, clean_language, clean_title, find_by_hash, push};
use super::{clean_assistant_ids, clean_metadata, get, no_queue};
use crate::Platform;
use crate::error::{ApiError, ErrorCode};
use crate::ids::KnowledgeId;
use crate::is_unique_violation;

/// Longest URL accepted.
pub const MAX_URL_CHARS: usize = 2_048;
/// Longest refresh interval: a year.
pub const MAX_REFRESH_HOURS: u32 = 8_760;

/// A URL to add.
#[derive(Debug)]
pub struct NewUrl {
    pub url: String,
    pub title: Option<String>,
    pub crawl: Option<BoundsChange>,
    pub refresh_interval_hours: Option<u32>,
    pub metadata: Option<Map<String, Value>>,
    pub assistant_ids: Option<Vec<String>>,
    /// The language of its pages (a BCP-47 tag); detected page by page when absent.
    pub language: Option<String>,
}

/// `change` applied to `base`, checked against the configured maxima.
fn clean_bounds(state: &Platform, base: Bounds, change: BoundsChange) -> Result<Bounds, ApiError> {
    base.apply(change, &state.settings.crawl)
        .map_err(|e| ApiError::validation(e.field, e.reason))
}

/// Checks a refresh interval (hours).
pub fn clean_interval(hours: u32) -> Result<i32, ApiError> {
    if hours == 0 || hours > MAX_REFRESH_HOURS {
        return Err(ApiError::validation(
            "refresh_interval_hours",
            format!("must be 1 to {MAX_REFRESH_HOURS}"),
        ));
    }
    Ok(hours as i32)
}

/// The URL as crawled: http(s), passing the SSRF guard, in normal form.
async fn checked_url(state: &Platform, raw: &str) -> Result<String, ApiError> {
    if raw.trim().is_empty() || raw.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::validation(
            "url",
            format!("must be 1 to {MAX_URL_CHARS} characters"),
        ));
    }
    let url = state.url_guard.check(raw).await.map_err(|refusal| {
        ApiError::new(ErrorCode::UrlNotAllowed, refusal.to_string())
            .with_data(json!({ "field": "url" }))
    })?;
    Ok(normalize(url).to_string())
}

/// The identity of a URL item: one item per URL in a tenant.
fn url_hash(url: &str) -> String {
    content_hash(format!("url:{url}").as_bytes())
}

/// Adds a URL (202, crawl queued), or answers the tenant's item for the same URL with a sync
/// of it queued (200).
pub async fn create(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    new: NewUrl,
) -> Result<Created, ApiError> {
    if state.queue.is_none() {
        return Err(no_queue());
    }
    let language = clean_language(new.language)?;
    let url = checked_url(state, &new.url).await?;
    let title = new.title.map(|t| clean_title(&t)).transpose()?;
    let metadata = clean_metadata(new.metadata)?;
    let bounds = clean_bounds(state, Bounds::default(), new.crawl.unwrap_or_default())?;
    let interval = new.refresh_interval_hours.map(clean_interval).transpose()?;
    let hash = url_hash(&url);
    let txn = crate::db::begin_write(&state.db_write).await?;
    if let Some(existing) = find_by_hash(&txn, tenant, &hash).await? {
        drop(txn);
        let item = sync(state, tenant, actor, &existing.id).await?;
        return Ok(Created::Existing(item));
    }
    let assistant_ids = clean_assistant_ids(&txn, tenant, new.assistant_ids).await?;
    let job_id = jobs::new_id();
    let at = crate::db::now();
    let row = knowledge_item::ActiveModel {
        id: Set(KnowledgeId::generate().into_string()),
        org_id: Set(tenant.org_id.to_string()),
        environment: Set(tenant.environment),
        kind: Set("url".to_owned()),
        title: Set(title.unwrap_or_else(|| url.clone())),
        source: Set(Some(url.clone())),
        media_type: Set(None),
        content: Set(None),
        question: Set(None),
        answer: Set(None),
        alternate_questions: Set(json!([])),
        tags: Set(json!([])),
        status: Set(KnowledgeStatus::Pending),
        error: Set(None),
        summary: Set(None),
        summary_kind: Set(None),
        keywords: Set(json!([])),
        language: Set(language.clone()),
        language_chosen: Set(language),
        chunk_count: Set(0),
        content_hash: Set(hash.clone()),
        version: Set(1),
        metadata: Set(Value::Object(metadata)),
        assistant_ids: Set(json!(assistant_ids)),
        job_id: Set(Some(job_id.clone())),
        crawl: Set(Some(json!(bounds))),
        refresh_interval_hours: Set(interval),
        sync_changes: Set(None),
        last_synced_at: Set(None),
        next_sync_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await;
    let row = match row {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => {
            // Lost a race with the same URL submitted at once (PostgreSQL; SQLite's write
            // lock orders them): that item, synced.
            drop(txn);
            let Some(existing) = find_by_hash(&state.db_write, tenant, &hash).await? else {
                return Err(e.into());
            };
            return Ok(Created::Existing(
                sync(state, tenant, actor, &existing.id).await?,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    jobs::new_row(
        &job_id,
        &row.org_id,
        row.environment,
        JobKind::Crawl,
        Some(&row.id),
        json!({}),
    )
    .insert(&txn)
    .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "knowledge.created",
            resource_type: "knowledge",
            resource_id: &row.id,
            changes: Some(json!({
                "type": { "to": "url" },
                "title": { "to": row.title },
                "source": { "to": url },
                "crawl": { "to": bounds },
                "refresh_interval_hours": { "to": interval },
            })),
        },
    )
    .await?;
    push(state, &job_id).await?;
    Ok(Created::Accepted(row))
}

/// 409 for an item that is not a URL.
fn not_syncable(item: &knowledge_item::Model) -> ApiError {
    ApiError::new(
        ErrorCode::NotSyncable,
        format!(
            "knowledge item {} is a {}; only URL items are fetched again (re-upload or edit the others)",
            item.id, item.kind
        ),
    )
}

/// Queues a crawl of the item now (or leaves the one in flight), keeping its schedule;
/// answers the item with the crawl's `job_id`.
pub async fn sync(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<knowledge_item::Model, ApiError> {
    if state.queue.is_none() {
        return Err(no_queue());
    }
    // A claim fails only when another process claimed first; the next read sees its job.
    for _ in 0..3 {
        let txn = crate::db::begin_write(&state.db_write).await?;
        let item = get(&txn, tenant, id).await?;
        if item.kind != "url" {
            return Err(not_syncable(&item));
        }
        let Some(claimed) = claim(&txn, &item, item.next_sync_at).await? else {
            continue;
        };
        if let Claim::Queued(job_id) = &claimed {
            audit::record(
                &txn,
                tenant,
                actor,
                Change {
                    action: "knowledge.synced",
                    resource_type: "knowledge",
                    resource_id: &item.id,
                    changes: Some(json!({ "job_id": { "to": job_id } })),
                },
            )
            .await?;
        }
        txn.commit().await?;
        if let Claim::Queued(job_id) = &claimed {
            push(state, job_id).await?;
        }
        return get(&state.db_write, tenant, id).await;
    }
    get(&state.db_write, tenant, id).await
}

/// A change to a URL item's crawl (`PATCH /knowledge/{id}`).
#[derive(Debug, Default)]
pub struct UrlPatch {
    /// `Some(None)` turns scheduled syncs off.
    pub refresh_interval_hours: Option<Option<u32>>,
    pub crawl: Option<BoundsChange>,
}

impl UrlPatch {
    pub fn is_empty(&self) -> bool {
        self.refresh_interval_hours.is_none() && self.crawl.is_none()
    }
}

/// Applies `patch` to `active` (a URL item's row); answers whether the bounds changed (the
/// caller then queues a sync) and records the changes.
pub fn apply_patch(
    state: &Platform,
    item: &knowledge_item::Model,
    active: &mut knowledge_item::ActiveModel,
    patch: UrlPatch,
    changes: &mut Map<String, Value>,
) -> Result<bool, ApiError> {
    if item.kind != "url" {
        let field = if patch.crawl.is_some() {
            "crawl"
        } else {
            "refresh_interval_hours"
        };
        return Err(ApiError::validation(field, "only URL items are crawled"));
    }
    if let Some(hours) = patch.refresh_interval_hours {
        let hours = hours.map(clean_interval).transpose()?;
        if hours != item.refresh_interval_hours {
            let from = item.last_synced_at.unwrap_or_else(crate::db::now);
            active.refresh_interval_hours = Set(hours);
            active.next_sync_at = Set(hours.map(|h| from + chrono::Duration::hours(i64::from(h))));
            changes.insert(
                "refresh_interval_hours".into(),
                json!({"from": item.refresh_interval_hours, "to": hours}),
            );
        }
    }
    let mut bounds_changed = false;
    if let Some(input) = patch.crawl {
        let current = Bounds::of(item);
        let bounds = clean_bounds(state, current.clone(), input)?;
        if bounds != current {
            changes.insert("crawl".into(), json!({"from": current, "to": bounds}));
            active.crawl = Set(Some(json!(bounds)));
            bounds_changed = true;
        }
    }
    Ok(bounds_changed)
}
