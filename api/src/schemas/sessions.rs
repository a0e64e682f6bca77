//! Sessions and contexts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use companin_entity::{context, session};
use companin_service::sessions::{self, Status};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use serde_json::{Map, Value};

use super::list_type;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SessionStatus {
    /// Open for messages.
    Active,
    /// Past `expires_at`.
    Expired,
    /// Ended with `POST /sessions/{id}/end`.
    Ended,
}

impl From<Status> for SessionStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => SessionStatus::Active,
            Status::Expired => SessionStatus::Expired,
            Status::Ended => SessionStatus::Ended,
        }
    }
}

fn object(v: Value) -> BTreeMap<String, Value> {
    match v {
        Value::Object(o) => o.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

/// Converts a body's object into the services' map.
pub fn to_map(v: BTreeMap<String, Value>) -> Map<String, Value> {
    v.into_iter().collect()
}

/// A visitor's conversation window with one assistant.
#[derive(Debug, Object)]
pub struct Session {
    pub id: String,
    pub assistant_id: String,
    pub visitor_id: String,
    pub user_id: Option<String>,
    /// `true` when the session has no `user_id`.
    pub is_anonymous: bool,
    pub locale: Option<String>,
    pub metadata: BTreeMap<String, Value>,
    pub status: SessionStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl From<session::Model> for Session {
    fn from(m: session::Model) -> Self {
        Session {
            status: sessions::status(&m, companin_service::db::now()).into(),
            is_anonymous: m.user_id.is_none(),
            id: m.id,
            assistant_id: m.assistant_id,
            visitor_id: m.visitor_id,
            user_id: m.user_id,
            locale: m.locale,
            metadata: object(m.metadata),
            created_at: m.created_at,
            updated_at: m.updated_at,
            expires_at: m.expires_at,
            last_activity_at: m.last_activity_at,
            ended_at: m.ended_at,
        }
    }
}

/// A new session.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateSession {
    /// An active assistant of the organization's environment.
    pub assistant_id: String,
    /// The browser or device; generated (`vis_...`) when absent.
    #[oai(validator(max_length = 200))]
    pub visitor_id: Option<String>,
    /// The customer's own user id; without it the session is anonymous.
    #[oai(validator(max_length = 200))]
    pub user_id: Option<String>,
    /// BCP-47 tag, e.g. `es-MX`.
    #[oai(validator(max_length = 64))]
    pub locale: Option<String>,
    /// The customer's own fields (at most 100 keys, 16 KiB of JSON).
    pub metadata: Option<BTreeMap<String, Value>>,
    /// Lifetime in seconds, from 1 to the configured maximum (30 days by default); the
    /// configured default (24 hours) when absent.
    #[oai(validator(minimum(value = "1")))]
    pub expires_in: Option<u64>,
}

/// Changes to an active session.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateSession {
    /// Merged into the metadata (a `null` value removes its key), or replacing it when
    /// `replace_metadata` is true.
    pub metadata: Option<BTreeMap<String, Value>>,
    #[oai(default)]
    pub replace_metadata: bool,
    /// A new lifetime in seconds, counted from now.
    #[oai(validator(minimum(value = "1")))]
    pub expires_in: Option<u64>,
}

list_type!(
    /// A page of sessions, newest first.
    SessionList,
    Session
);

/// The traits that apply to a session.
#[derive(Debug, Object)]
pub struct SessionTraits {
    pub session_id: String,
    /// User-level traits, overridden by visitor-level, overridden by session-level ones.
    pub traits: BTreeMap<String, Value>,
    /// The contexts applied, in order.
    pub context_ids: Vec<String>,
}

/// A CRM record a context maps to.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CrmRef {
    /// e.g. `hubspot`, `salesforce`.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub provider: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub external_id: String,
}

/// Traits about a session, a visitor or a user.
#[derive(Debug, Object)]
pub struct Context {
    pub id: String,
    pub session_id: Option<String>,
    pub visitor_id: Option<String>,
    pub user_id: Option<String>,
    pub traits: BTreeMap<String, Value>,
    pub crm: Option<CrmRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<context::Model> for Context {
    fn from(m: context::Model) -> Self {
        let crm = match (m.crm_provider, m.crm_external_id) {
            (Some(provider), Some(external_id)) => Some(CrmRef {
                provider,
                external_id,
            }),
            _ => None,
        };
        Context {
            id: m.id,
            session_id: m.session_id,
            visitor_id: m.visitor_id,
            user_id: m.user_id,
            traits: object(m.traits),
            crm,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A new context about exactly one of a session, a visitor or a user.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateContext {
    pub session_id: Option<String>,
    #[oai(validator(max_length = 200))]
    pub visitor_id: Option<String>,
    #[oai(validator(max_length = 200))]
    pub user_id: Option<String>,
    /// At most 100 traits, 16 KiB of JSON.
    pub traits: BTreeMap<String, Value>,
    pub crm: Option<CrmRef>,
}

/// Changes to a context.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateContext {
    /// Merged into the traits; a `null` value removes its key.
    pub traits: Option<BTreeMap<String, Value>>,
    /// A new CRM record, or `null` to remove it.
    pub crm: MaybeUndefined<CrmRef>,
}

list_type!(
    /// A page of contexts, newest first.
    ContextList,
    Context
);
