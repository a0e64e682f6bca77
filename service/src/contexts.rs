//! Contexts: traits about a session, a visitor or a user (and an optional CRM record), merged
//! into what an assistant knows about the person it talks to.

use companin_entity::{context, session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Map, Value, json};

use super::audit::{self, Change};
use super::{Actor, Tenant, check_object, clean_identifier, merge_object, sessions};
use crate::Paging;
use crate::error::ApiError;
use crate::ids::ContextId;

/// Most traits in one context.
pub const MAX_TRAITS: usize = 100;
/// Largest traits object, as JSON.
pub const MAX_TRAITS_BYTES: usize = 16 * 1024;

/// Who a context is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Session(String),
    Visitor(String),
    User(String),
}

impl Subject {
    /// Exactly one of the three, or a 422 naming the problem.
    pub fn one_of(
        session_id: Option<String>,
        visitor_id: Option<String>,
        user_id: Option<String>,
    ) -> Result<Subject, ApiError> {
        let given: Vec<(&str, String)> = [
            ("session_id", session_id),
            ("visitor_id", visitor_id),
            ("user_id", user_id),
        ]
        .into_iter()
        .filter_map(|(field, v)| v.map(|v| (field, v)))
        .collect();
        match given.as_slice() {
            [] => Err(ApiError::validation(
                "session_id",
                "one of `session_id`, `visitor_id` or `user_id` is required",
            )),
            [(field, value)] => {
                let value = clean_identifier(field, value)?;
                Ok(match *field {
                    "session_id" => Subject::Session(value),
                    "visitor_id" => Subject::Visitor(value),
                    _ => Subject::User(value),
                })
            }
            [_, (second, _), ..] => Err(ApiError::validation(
                second,
                "only one of `session_id`, `visitor_id` or `user_id` may be given",
            )),
        }
    }
}

/// A CRM record the context maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crm {
    pub provider: String,
    pub external_id: String,
}

fn clean_crm(crm: Crm) -> Result<Crm, ApiError> {
    Ok(Crm {
        provider: clean_identifier("crm.provider", &crm.provider)?,
        external_id: clean_identifier("crm.external_id", &crm.external_id)?,
    })
}

fn traits_object(traits: Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let mut object = Map::new();
    merge_object(&mut object, traits);
    check_object("traits", &object, MAX_TRAITS, MAX_TRAITS_BYTES)?;
    Ok(object)
}

/// Creates a context; a session subject must be one of the tenant's sessions.
pub async fn create(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    subject: Subject,
    traits: Map<String, Value>,
    crm: Option<Crm>,
) -> Result<context::Model, ApiError> {
    let traits = traits_object(traits)?;
    let crm = crm.map(clean_crm).transpose()?;
    let txn = crate::db::begin_write(db).await?;
    if let Subject::Session(id) = &subject {
        sessions::get(&txn, tenant, id).await?;
    }
    let now = crate::db::now();
    let (session_id, visitor_id, user_id) = match subject {
        Subject::Session(v) => (Some(v), None, None),
        Subject::Visitor(v) => (None, Some(v), None),
        Subject::User(v) => (None, None, Some(v)),
    };
    let row = context::Model {
        id: ContextId::generate().into_string(),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        session_id,
        visitor_id,
        user_id,
        traits: Value::Object(traits),
        crm_provider: crm.as_ref().map(|c| c.provider.clone()),
        crm_external_id: crm.map(|c| c.external_id),
        created_at: now,
        updated_at: now,
    };
    context::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    let trait_names: Vec<&String> = row
        .traits
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "context.created",
            resource_type: "context",
            resource_id: &row.id,
            changes: Some(json!({
                "session_id": { "to": row.session_id },
                "visitor_id": { "to": row.visitor_id },
                "user_id": { "to": row.user_id },
                "traits": { "to": trait_names },
                "crm_external_id": { "to": row.crm_external_id },
            })),
        },
    )
    .await?;
    Ok(row)
}

fn tenant_contexts(tenant: &Tenant) -> sea_orm::Select<context::Entity> {
    context::Entity::find().filter(tenant.rows::<context::Column>())
}

/// Filters of `GET /contexts/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub session_id: Option<String>,
    pub visitor_id: Option<String>,
    pub user_id: Option<String>,
    pub crm_external_id: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<context::Model>, u64), ApiError> {
    use context::Column as C;
    let mut query = tenant_contexts(tenant);
    if let Some(v) = filter.session_id {
        query = query.filter(C::SessionId.eq(v));
    }
    if let Some(v) = filter.visitor_id {
        query = query.filter(C::VisitorId.eq(v));
    }
    if let Some(v) = filter.user_id {
        query = query.filter(C::UserId.eq(v));
    }
    if let Some(v) = filter.crm_external_id {
        query = query.filter(C::CrmExternalId.eq(v));
    }
    Ok(super::page(db, query, C::CreatedAt, C::Id, paging).await?)
}

pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<context::Model, ApiError> {
    tenant_contexts(tenant)
        .filter(context::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("context"))
}

/// Changes to a context: traits are merged (a `null` value removes its key); `crm:
/// Some(None)` removes the CRM record.
#[derive(Debug, Default)]
pub struct Update {
    pub traits: Option<Map<String, Value>>,
    pub crm: Option<Option<Crm>>,
}

pub async fn update(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    update: Update,
) -> Result<context::Model, ApiError> {
    let crm = update
        .crm
        .map(|c| c.map(clean_crm).transpose())
        .transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let mut changes = Map::new();
    let mut row = current.clone().into_active_model();
    if let Some(patch) = update.traits {
        let mut next = current.traits.as_object().cloned().unwrap_or_default();
        let touched: Vec<String> = patch.keys().cloned().collect();
        merge_object(&mut next, patch);
        check_object("traits", &next, MAX_TRAITS, MAX_TRAITS_BYTES)?;
        let next = Value::Object(next);
        if next != current.traits {
            changes.insert("traits".into(), json!({ "changed": touched }));
            row.traits = Set(next);
        }
    }
    if let Some(crm) = crm {
        let (provider, external_id) = match crm {
            Some(c) => (Some(c.provider), Some(c.external_id)),
            None => (None, None),
        };
        if provider != current.crm_provider || external_id != current.crm_external_id {
            changes.insert(
                "crm_external_id".into(),
                json!({ "from": current.crm_external_id, "to": external_id }),
            );
            row.crm_provider = Set(provider);
            row.crm_external_id = Set(external_id);
        }
    }
    if changes.is_empty() {
        return Ok(current);
    }
    row.updated_at = Set(crate::db::now());
    let updated = row.update(&txn).await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "context.updated",
            resource_type: "context",
            resource_id: id,
            changes: Some(Value::Object(changes)),
        },
    )
    .await?;
    Ok(updated)
}

pub async fn delete(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    context::Entity::delete_by_id(current.id.clone())
        .exec(&txn)
        .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "context.deleted",
            resource_type: "context",
            resource_id: id,
            changes: None,
        },
    )
    .await?;
    Ok(())
}

/// The traits that apply to a session: the user's (when the session has a user id), then the
/// visitor's, then the session's own, each level overriding the one before, and contexts of
/// one level applied oldest first. Returns the traits and the ids of the contexts used, in the
/// order applied.
pub async fn traits_for_session(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    session: &session::Model,
) -> Result<(Map<String, Value>, Vec<String>), ApiError> {
    use context::Column as C;
    let mut subjects = Condition::any()
        .add(C::SessionId.eq(session.id.as_str()))
        .add(C::VisitorId.eq(session.visitor_id.as_str()));
    if let Some(user) = &session.user_id {
        subjects = subjects.add(C::UserId.eq(user.as_str()));
    }
    let mut rows = tenant_contexts(tenant)
        .filter(subjects)
        .order_by_asc(C::CreatedAt)
        .order_by_asc(C::Id)
        .all(conn)
        .await?;
    let level = |c: &context::Model| {
        if c.session_id.is_some() {
            2
        } else if c.visitor_id.is_some() {
            1
        } else {
            0
        }
    };
    // A stable sort keeps creation order within a level.
    rows.sort_by_key(level);
    let mut traits = Map::new();
    let mut used = Vec::with_capacity(rows.len());
    for row in rows {
        if let Value::Object(t) = row.traits {
            traits.extend(t);
        }
        used.push(row.id);
    }
    Ok((traits, used))
}

#[cfg(test)]
mod tests {
    use super::Subject;

    #[test]
    fn exactly_one_subject() {
        assert_eq!(
            Subject::one_of(None, Some(" v1 ".into()), None).unwrap(),
            Subject::Visitor("v1".into())
        );
        let none = Subject::one_of(None, None, None).unwrap_err();
        assert_eq!(none.data.unwrap()["field"], "session_id");
        let two = Subject::one_of(Some("s".into()), None, Some("u".into())).unwrap_err();
        assert_eq!(two.data.unwrap()["field"], "user_id");
    }
}
