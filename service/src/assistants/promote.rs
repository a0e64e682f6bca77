//! Promotion: a sandbox assistant's active configuration, and optionally the knowledge it
//! answers from, copied to production as a new version of "its" production assistant.
//!
//! - The first promotion of an assistant creates a production assistant; later ones make a
//!   new version of that same assistant (unless it was deleted: then a new one again).
//! - Promoting the same source version again (with the same choice of knowledge) answers the
//!   first promotion and changes nothing: the row of [`assistant_promotion`] is the claim, made
//!   before any work, so two requests at once do the work once.
//! - Knowledge is copied, not shared: each item in the assistant's scope is created anew in
//!   production from its stored content (a URL is crawled again) and ingested there. An item
//!   production already holds (same content) is used as it is.
//! - The configuration's knowledge ids name sandbox items; in production they are replaced by
//!   the ids of the items with the same content. Items the sandbox links to the assistant
//!   through their `assistant_ids` are named in the production assistant's `knowledge_ids`.
//!   Ids production has no item for are left out and reported.

use std::collections::{HashMap, HashSet};

use companin_entity::{Environment, assistant, assistant_promotion, knowledge_item};
use companin_ingest::SourceFormat;
use companin_worker::crawl::{Bounds, BoundsChange};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Config;
use crate::audit::{self, Change};
use crate::error::{ApiError, ErrorCode};
use crate::knowledge::create::Qa;
use crate::knowledge::url::NewUrl;
use crate::knowledge::{self, Created, NewItem, NewSource};
use crate::search::scope_of;
use crate::{Actor, Platform, Tenant, is_unique_violation};

/// An unfinished claim older than this is taken over: the request that made it died.
const STALE_CLAIM_SECS: i64 = 600;

/// A sandbox item and its production copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopiedItem {
    pub source_id: String,
    pub id: String,
    /// Whether the promotion created the copy (`false`: production already had it).
    pub created: bool,
}

/// A finished promotion.
#[derive(Debug)]
pub struct Promotion {
    pub row: assistant_promotion::Model,
    /// The production assistant, as it is now.
    pub assistant: assistant::Model,
    /// Whether this request found the promotion already done (nothing was changed).
    pub replayed: bool,
}

impl Promotion {
    /// The copied items recorded with the promotion.
    pub fn knowledge(&self) -> Vec<CopiedItem> {
        serde_json::from_value(self.row.knowledge.clone()).unwrap_or_default()
    }

    /// The sandbox item ids the configuration named that production has no item for.
    pub fn unmapped_knowledge_ids(&self) -> Vec<String> {
        serde_json::from_value(self.row.unmapped_knowledge_ids.clone()).unwrap_or_default()
    }
}

/// Promotes the sandbox assistant `id` of `tenant` (which must be a sandbox) to production.
pub async fn promote(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    include_knowledge: bool,
) -> Result<Promotion, ApiError> {
    if tenant.environment != Environment::Sandbox {
        return Err(ApiError::new(
            ErrorCode::SandboxOnly,
            "promote with sandbox credentials: the assistant is copied from the sandbox to \
             production",
        ));
    }
    let source = super::get(&state.db_write, tenant, id).await?;
    let production = Tenant {
        org_id: tenant.org_id.clone(),
        environment: Environment::Production,
    };
    let claim = match claim(state, tenant, &production, &source, include_knowledge).await? {
        Claim::Done(promotion) => return Ok(*promotion),
        Claim::Ours(row) => row,
    };
    match run(state, tenant, &production, actor, &source, claim.clone()).await {
        Ok(promotion) => Ok(promotion),
        Err(e) => {
            // Let a retry start over; what was copied is found again by its content.
            let released = assistant_promotion::Entity::delete_many()
                .filter(assistant_promotion::Column::Id.eq(claim.id.as_str()))
                .filter(assistant_promotion::Column::Attempt.eq(claim.attempt))
                .exec(&state.db_write)
                .await;
            if let Err(release) = released {
                tracing::warn!(promotion = %claim.id, error = %release, "cannot release a failed promotion's claim");
            }
            Err(e)
        }
    }
}

enum Claim {
    /// This version was promoted before, and its production assistant is still there.
    Done(Box<Promotion>),
    /// This request does the work.
    Ours(assistant_promotion::Model),
}

async fn claim(
    state: &Platform,
    tenant: &Tenant,
    production: &Tenant,
    source: &assistant::Model,
    include_knowledge: bool,
) -> Result<Claim, ApiError> {
    use assistant_promotion::Column as C;
    let db = &state.db_write;
    // A few rounds at most: each one either wins, or sees the row another request wrote.
    for _ in 0..5 {
        let existing = assistant_promotion::Entity::find()
            .filter(tenant.rows::<C>())
            .filter(C::SourceAssistantId.eq(source.id.as_str()))
            .filter(C::SourceVersion.eq(source.version))
            .filter(C::IncludeKnowledge.eq(include_knowledge))
            .one(db)
            .await?;
        let Some(row) = existing else {
            let now = crate::db::now();
            let row = assistant_promotion::Model {
                id: format!("prm_{}", uuid::Uuid::now_v7().simple()),
                org_id: tenant.org_id.to_string(),
                environment: tenant.environment,
                source_assistant_id: source.id.clone(),
                source_version: source.version,
                include_knowledge,
                production_assistant_id: None,
                production_version: None,
                knowledge: json!([]),
                unmapped_knowledge_ids: json!([]),
                attempt: 1,
                created_at: now,
                finished_at: None,
            };
            match assistant_promotion::Entity::insert(assistant_promotion::ActiveModel::from(
                row.clone(),
            ))
            .exec_without_returning(db)
            .await
            {
                Ok(_) => return Ok(Claim::Ours(row)),
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if row.finished_at.is_some() {
            let still_there = match &row.production_assistant_id {
                Some(id) => super::get(db, production, id).await.ok(),
                None => None,
            };
            if let Some(assistant) = still_there {
                return Ok(Claim::Done(Box::new(Promotion {
                    row,
                    assistant,
                    replayed: true,
                })));
            }
        } else {
            let age = crate::db::now() - row.created_at;
            if age.num_seconds() < STALE_CLAIM_SECS {
                return Err(ApiError::new(
                    ErrorCode::PromotionInProgress,
                    "this version of the assistant is being promoted by another request",
                ));
            }
        }
        // Done, but its production assistant was deleted since; or abandoned: take it over.
        let now = crate::db::now();
        let taken = assistant_promotion::Entity::update_many()
            .col_expr(C::Attempt, Expr::value(row.attempt + 1))
            .col_expr(C::CreatedAt, Expr::value(now))
            .col_expr(
                C::FinishedAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .col_expr(
                C::ProductionAssistantId,
                Expr::value(Option::<String>::None),
            )
            .col_expr(C::ProductionVersion, Expr::value(Option::<i32>::None))
            .filter(C::Id.eq(row.id.as_str()))
            .filter(C::Attempt.eq(row.attempt))
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Claim::Ours(assistant_promotion::Model {
                attempt: row.attempt + 1,
                created_at: now,
                finished_at: None,
                production_assistant_id: None,
                production_version: None,
                ..row
            }));
        }
    }
    Err(ApiError::new(
        ErrorCode::PromotionInProgress,
        "this version of the assistant is being promoted by another request",
    ))
}

async fn run(
    state: &Platform,
    sandbox: &Tenant,
    production: &Tenant,
    actor: &Actor,
    source: &assistant::Model,
    claim: assistant_promotion::Model,
) -> Result<Promotion, ApiError> {
    let config = Config::from_row(source);
    let scope = scope_of(&state.db_write, sandbox, source, &config).await?;
    let mut copied = Vec::new();
    if claim.include_knowledge {
        for item_id in item_ids(&state.db_write, sandbox).await? {
            if !scope.admits(&item_id) {
                continue;
            }
            // An item deleted meanwhile is not copied.
            let Ok(item) = knowledge::get(&state.db_write, sandbox, &item_id).await else {
                continue;
            };
            copied.push(copy_item(state, production, actor, item).await?);
        }
    }

    // The configuration's ids, in production's terms.
    let named: Vec<String> = match &scope.allowed {
        Some(allowed) => {
            // The selected ids first, in their order, then the linked items.
            let mut seen = HashSet::new();
            config
                .knowledge_ids
                .iter()
                .chain(allowed.iter())
                .filter(|id| seen.insert(id.as_str()))
                .cloned()
                .collect()
        }
        None => Vec::new(),
    };
    let excluded = &config.excluded_knowledge_ids;
    let ids: Vec<&str> = named.iter().chain(excluded).map(String::as_str).collect();
    let map = production_ids(&state.db_write, sandbox, production, &ids).await?;
    let mut unmapped = Vec::new();
    let mut target = config.clone();
    target.knowledge_ids = named
        .iter()
        .filter_map(|id| {
            let mapped = map.get(id).cloned();
            if mapped.is_none() {
                unmapped.push(id.clone());
            }
            mapped
        })
        .collect();
    // An exclusion production has nothing for excludes nothing there.
    target.excluded_knowledge_ids = excluded
        .iter()
        .filter_map(|id| map.get(id).cloned())
        .collect();

    let earlier = earlier_production_assistant(state, sandbox, production, &source.id).await?;
    let assistant = match earlier {
        Some(id) => super::replace(&state.db_write, production, actor, &id, target).await?,
        None => super::create(&state.db_write, production, actor, target).await?,
    };
    finish(
        state, sandbox, production, actor, claim, assistant, copied, unmapped,
    )
    .await
}

/// Records the finished promotion, audited in both environments.
#[allow(clippy::too_many_arguments)]
async fn finish(
    state: &Platform,
    sandbox: &Tenant,
    production: &Tenant,
    actor: &Actor,
    claim: assistant_promotion::Model,
    assistant: assistant::Model,
    copied: Vec<CopiedItem>,
    unmapped: Vec<String>,
) -> Result<Promotion, ApiError> {
    use assistant_promotion::Column as C;
    let txn = crate::db::begin_write(&state.db_write).await?;
    let row = assistant_promotion::Model {
        production_assistant_id: Some(assistant.id.clone()),
        production_version: Some(assistant.version),
        knowledge: json!(copied),
        unmapped_knowledge_ids: json!(unmapped),
        finished_at: Some(crate::db::now()),
        ..claim
    };
    // Every column written (`reset_all`: a model's fields otherwise count as unchanged), but
    // the key.
    let mut active = assistant_promotion::ActiveModel::from(row.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let updated = assistant_promotion::Entity::update_many()
        .set(active)
        .filter(C::Id.eq(row.id.as_str()))
        .filter(C::Attempt.eq(row.attempt))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        // Taken over as stale while this request worked (it took over ten minutes).
        return Err(ApiError::new(
            ErrorCode::PromotionInProgress,
            "this promotion took too long and another request took it over",
        ));
    }
    let changes = json!({
        "source_assistant_id": { "to": row.source_assistant_id },
        "source_version": { "to": row.source_version },
        "production_assistant_id": { "to": assistant.id },
        "production_version": { "to": assistant.version },
        "include_knowledge": { "to": row.include_knowledge },
        "knowledge_copied": { "to": copied.iter().filter(|c| c.created).count() },
    });
    for (tenant, resource_id) in [
        (sandbox, row.source_assistant_id.as_str()),
        (production, assistant.id.as_str()),
    ] {
        audit::record(
            &txn,
            tenant,
            actor,
            Change {
                action: "assistant.promoted",
                resource_type: "assistant",
                resource_id,
                changes: Some(changes.clone()),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Promotion {
        row,
        assistant,
        replayed: false,
    })
}

/// The production assistant an earlier promotion of `source_id` made, if it still exists.
async fn earlier_production_assistant(
    state: &Platform,
    sandbox: &Tenant,
    production: &Tenant,
    source_id: &str,
) -> Result<Option<String>, ApiError> {
    use assistant_promotion::Column as C;
    let ids: Vec<Option<String>> = assistant_promotion::Entity::find()
        .select_only()
        .column(C::ProductionAssistantId)
        .filter(sandbox.rows::<C>())
        .filter(C::SourceAssistantId.eq(source_id))
        .filter(C::FinishedAt.is_not_null())
        .order_by_desc(C::FinishedAt)
        .into_tuple()
        .all(&state.db_write)
        .await?;
    for id in ids.into_iter().flatten() {
        if super::get(&state.db_write, production, &id).await.is_ok() {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The tenant's item ids, oldest first.
async fn item_ids(conn: &impl ConnectionTrait, tenant: &Tenant) -> Result<Vec<String>, ApiError> {
    use knowledge_item::Column as C;
    Ok(knowledge_item::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(tenant.rows::<C>())
        .order_by_asc(C::CreatedAt)
        .order_by_asc(C::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// For each sandbox item id, the production item with the same content, when there is one.
async fn production_ids(
    conn: &impl ConnectionTrait,
    sandbox: &Tenant,
    production: &Tenant,
    ids: &[&str],
) -> Result<HashMap<String, String>, ApiError> {
    use knowledge_item::Column as C;
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let hashes: Vec<(String, String)> = knowledge_item::Entity::find()
        .select_only()
        .columns([C::Id, C::ContentHash])
        .filter(sandbox.rows::<C>())
        .filter(C::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let wanted: Vec<&str> = hashes.iter().map(|(_, h)| h.as_str()).collect();
    let found: HashMap<String, String> = knowledge_item::Entity::find()
        .select_only()
        .columns([C::ContentHash, C::Id])
        .filter(production.rows::<C>())
        .filter(C::ContentHash.is_in(wanted))
        .into_tuple::<(String, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(hashes
        .into_iter()
        .filter_map(|(id, hash)| found.get(&hash).map(|p| (id, p.clone())))
        .collect())
}

/// Creates the production copy of a sandbox item from its stored content, queued for
/// ingestion (a URL for crawling); production's own item when it already has that content.
async fn copy_item(
    state: &Platform,
    production: &Tenant,
    actor: &Actor,
    item: knowledge_item::Model,
) -> Result<CopiedItem, ApiError> {
    let metadata = match &item.metadata {
        Value::Object(map) => Some(map.clone()),
        _ => None,
    };
    let strings =
        |v: &Value| -> Vec<String> { serde_json::from_value(v.clone()).unwrap_or_default() };
    let created = if item.kind == "url" {
        let bounds = Bounds::of(&item);
        knowledge::url::create(
            state,
            production,
            actor,
            NewUrl {
                url: item.source.clone().unwrap_or_default(),
                title: Some(item.title.clone()),
                crawl: Some(BoundsChange {
                    max_depth: Some(bounds.max_depth),
                    max_pages: Some(bounds.max_pages),
                    same_domain: Some(bounds.same_domain),
                    include: Some(bounds.include),
                    exclude: Some(bounds.exclude),
                    use_sitemap: Some(bounds.use_sitemap),
                }),
                refresh_interval_hours: item
                    .refresh_interval_hours
                    .and_then(|h| u32::try_from(h).ok()),
                metadata,
                assistant_ids: None,
                language: item.language_chosen.clone(),
            },
        )
        .await?
    } else {
        let source = match item.kind.as_str() {
            "qa" => NewSource::Qa(Qa {
                question: item.question.clone().unwrap_or_default(),
                answer: item.answer.clone().unwrap_or_default(),
                alternate_questions: strings(&item.alternate_questions),
                tags: strings(&item.tags),
            }),
            "file" => NewSource::File {
                file_name: item.source.clone().unwrap_or_else(|| item.title.clone()),
                media_type: item
                    .media_type
                    .as_deref()
                    .and_then(SourceFormat::from_media_type)
                    .unwrap_or(SourceFormat::Text)
                    .media_type(),
                bytes: item.content.clone().unwrap_or_default(),
            },
            _ => NewSource::Text {
                content: String::from_utf8_lossy(item.content.as_deref().unwrap_or_default())
                    .into_owned(),
            },
        };
        knowledge::create(
            state,
            production,
            actor,
            NewItem {
                title: Some(item.title.clone()),
                source,
                metadata,
                assistant_ids: None,
                language: item.language_chosen.clone(),
                replace: false,
            },
        )
        .await?
    };
    let (id, created) = match created {
        Created::Accepted(row) => (row.id, true),
        Created::Existing(row) => (row.id, false),
    };
    Ok(CopiedItem {
        source_id: item.id,
        id,
        created,
    })
}
