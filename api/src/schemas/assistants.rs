//! Assistants and their versions.

use chrono::{DateTime, Utc};
use companin_entity::{assistant, assistant_version};
use companin_service::assistants::config::{
    DEFAULT_LANGUAGE, DEFAULT_MIN_SCORE, DEFAULT_TONE, DEFAULT_TOP_K,
};
use companin_service::assistants::{Config, KnowledgeScope, Patch, ReplyMode, Retrieval};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};

use super::list_type;

/// Which knowledge an assistant answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum KnowledgeScopeName {
    /// Every knowledge item of the organization's environment, minus `excluded_knowledge_ids`.
    All,
    /// Only `knowledge_ids`, minus `excluded_knowledge_ids`.
    Selected,
}

/// How an assistant answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ReplyModeName {
    /// A reply generated from the retrieved passages.
    Generative,
    /// The most relevant passages themselves, without a generator.
    Extractive,
}

impl From<KnowledgeScope> for KnowledgeScopeName {
    fn from(v: KnowledgeScope) -> Self {
        match v {
            KnowledgeScope::All => Self::All,
            KnowledgeScope::Selected => Self::Selected,
        }
    }
}

impl From<KnowledgeScopeName> for KnowledgeScope {
    fn from(v: KnowledgeScopeName) -> Self {
        match v {
            KnowledgeScopeName::All => Self::All,
            KnowledgeScopeName::Selected => Self::Selected,
        }
    }
}

impl From<ReplyMode> for ReplyModeName {
    fn from(v: ReplyMode) -> Self {
        match v {
            ReplyMode::Generative => Self::Generative,
            ReplyMode::Extractive => Self::Extractive,
        }
    }
}

impl From<ReplyModeName> for ReplyMode {
    fn from(v: ReplyModeName) -> Self {
        match v {
            ReplyModeName::Generative => Self::Generative,
            ReplyModeName::Extractive => Self::Extractive,
        }
    }
}

/// How many passages to retrieve and how relevant they must be.
#[derive(Debug, Clone, Object)]
pub struct RetrievalSettings {
    /// Passages retrieved per question, 1 to 50.
    pub top_k: u32,
    /// Lowest relevance score (0 to 1) a passage needs to be used.
    pub min_score: f64,
}

/// An assistant's whole configuration, as every version holds it.
#[derive(Debug, Clone, Object)]
pub struct AssistantConfig {
    pub name: String,
    pub description: Option<String>,
    /// e.g. `professional`, `friendly`, `concise`.
    pub tone: String,
    /// BCP-47 language tag, normalised (`en`, `pt-BR`).
    pub language: String,
    /// Task templates the assistant offers.
    pub default_tasks: Vec<String>,
    /// Free-text instructions added to every prompt.
    pub instructions: String,
    /// An inactive assistant refuses new messages.
    pub is_active: bool,
    pub knowledge_scope: KnowledgeScopeName,
    /// Knowledge item ids used when `knowledge_scope` is `selected`.
    pub knowledge_ids: Vec<String>,
    /// Knowledge item ids never used.
    pub excluded_knowledge_ids: Vec<String>,
    pub retrieval: RetrievalSettings,
    pub reply_mode: ReplyModeName,
    /// Said when nothing relevant is found, instead of an invented answer: the assistant's
    /// own text, else the standard one in its language (English, Spanish, Portuguese, French
    /// and German have one; other languages get English's).
    pub fallback_message: String,
    /// Shown by the widget before the first question.
    pub greeting: Option<String>,
}

impl From<Config> for AssistantConfig {
    fn from(c: Config) -> Self {
        let fallback_message = c.fallback();
        AssistantConfig {
            name: c.name,
            description: c.description,
            tone: c.tone,
            language: c.language,
            default_tasks: c.default_tasks,
            instructions: c.instructions,
            is_active: c.is_active,
            knowledge_scope: c.knowledge_scope.into(),
            knowledge_ids: c.knowledge_ids,
            excluded_knowledge_ids: c.excluded_knowledge_ids,
            retrieval: RetrievalSettings {
                top_k: c.retrieval.top_k,
                min_score: c.retrieval.min_score,
            },
            reply_mode: c.reply_mode.into(),
            fallback_message,
            greeting: c.greeting,
        }
    }
}

/// An assistant persona.
#[derive(Debug, Clone, Object)]
pub struct Assistant {
    pub id: String,
    #[oai(flatten)]
    pub config: AssistantConfig,
    /// The current version; every change adds one.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<assistant::Model> for Assistant {
    fn from(m: assistant::Model) -> Self {
        Assistant {
            config: Config::from_row(&m).into(),
            id: m.id,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn default_tone() -> String {
    DEFAULT_TONE.to_owned()
}
fn default_language() -> String {
    DEFAULT_LANGUAGE.to_owned()
}
fn default_true() -> bool {
    true
}
fn default_scope() -> KnowledgeScopeName {
    KnowledgeScopeName::All
}
fn default_reply_mode() -> ReplyModeName {
    ReplyModeName::Generative
}
fn default_top_k() -> u32 {
    DEFAULT_TOP_K
}
fn default_min_score() -> f64 {
    DEFAULT_MIN_SCORE
}

/// Retrieval settings of a new assistant.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RetrievalInput {
    /// Passages retrieved per question.
    #[oai(
        default = "default_top_k",
        validator(minimum(value = "1"), maximum(value = "50"))
    )]
    pub top_k: u32,
    /// Lowest relevance score a passage needs.
    #[oai(
        default = "default_min_score",
        validator(minimum(value = "0"), maximum(value = "1"))
    )]
    pub min_score: f64,
}

impl Default for RetrievalInput {
    fn default() -> Self {
        Self {
            top_k: DEFAULT_TOP_K,
            min_score: DEFAULT_MIN_SCORE,
        }
    }
}

/// A new assistant; every field but `name` has a default.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateAssistant {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
    #[oai(default = "default_tone", validator(min_length = 1, max_length = 50))]
    pub tone: String,
    /// BCP-47 language tag.
    #[oai(default = "default_language", validator(max_length = 64))]
    pub language: String,
    #[oai(default, validator(max_items = 50))]
    pub default_tasks: Vec<String>,
    #[oai(default, validator(max_length = 20000))]
    pub instructions: String,
    #[oai(default = "default_true")]
    pub is_active: bool,
    #[oai(default = "default_scope")]
    pub knowledge_scope: KnowledgeScopeName,
    #[oai(default, validator(max_items = 1000))]
    pub knowledge_ids: Vec<String>,
    #[oai(default, validator(max_items = 1000))]
    pub excluded_knowledge_ids: Vec<String>,
    #[oai(default)]
    pub retrieval: RetrievalInput,
    #[oai(default = "default_reply_mode")]
    pub reply_mode: ReplyModeName,
    /// The assistant's own fallback text; the standard one in its language when absent.
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub fallback_message: Option<String>,
    /// Shown by the widget before the first question.
    #[oai(validator(max_length = 2000))]
    pub greeting: Option<String>,
}

impl From<CreateAssistant> for Config {
    fn from(b: CreateAssistant) -> Self {
        Config {
            name: b.name,
            description: b.description,
            tone: b.tone,
            language: b.language,
            default_tasks: b.default_tasks,
            instructions: b.instructions,
            is_active: b.is_active,
            knowledge_scope: b.knowledge_scope.into(),
            knowledge_ids: b.knowledge_ids,
            excluded_knowledge_ids: b.excluded_knowledge_ids,
            retrieval: Retrieval {
                top_k: b.retrieval.top_k,
                min_score: b.retrieval.min_score,
            },
            reply_mode: b.reply_mode.into(),
            fallback_message: b.fallback_message,
            greeting: b.greeting,
        }
    }
}

/// Changes to retrieval settings; absent fields stay.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RetrievalPatch {
    #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
    pub top_k: Option<u32>,
    #[oai(validator(minimum(value = "0"), maximum(value = "1")))]
    pub min_score: Option<f64>,
}

/// Changes to an assistant; absent fields stay as they are, `description: null` and
/// `greeting: null` clear them.
/// A change that alters nothing creates no version.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateAssistant {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub description: MaybeUndefined<String>,
    #[oai(validator(min_length = 1, max_length = 50))]
    pub tone: Option<String>,
    #[oai(validator(max_length = 64))]
    pub language: Option<String>,
    #[oai(validator(max_items = 50))]
    pub default_tasks: Option<Vec<String>>,
    #[oai(validator(max_length = 20000))]
    pub instructions: Option<String>,
    pub is_active: Option<bool>,
    pub knowledge_scope: Option<KnowledgeScopeName>,
    #[oai(validator(max_items = 1000))]
    pub knowledge_ids: Option<Vec<String>>,
    #[oai(validator(max_items = 1000))]
    pub excluded_knowledge_ids: Option<Vec<String>>,
    pub retrieval: Option<RetrievalPatch>,
    pub reply_mode: Option<ReplyModeName>,
    /// `null` goes back to the standard text in the assistant's language.
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub fallback_message: MaybeUndefined<String>,
    /// `null` removes the greeting.
    #[oai(validator(max_length = 2000))]
    pub greeting: MaybeUndefined<String>,
}

impl From<UpdateAssistant> for Patch {
    fn from(b: UpdateAssistant) -> Self {
        Patch {
            name: b.name,
            description: b.description.into(),
            tone: b.tone,
            language: b.language,
            default_tasks: b.default_tasks,
            instructions: b.instructions,
            is_active: b.is_active,
            knowledge_scope: b.knowledge_scope.map(Into::into),
            knowledge_ids: b.knowledge_ids,
            excluded_knowledge_ids: b.excluded_knowledge_ids,
            top_k: b.retrieval.as_ref().and_then(|r| r.top_k),
            min_score: b.retrieval.as_ref().and_then(|r| r.min_score),
            reply_mode: b.reply_mode.map(Into::into),
            fallback_message: b.fallback_message.into(),
            greeting: b.greeting.into(),
        }
    }
}

/// Which version to restore.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Rollback {
    /// An existing version number; the restored configuration becomes a new version.
    #[oai(validator(minimum(value = "1")))]
    pub version: i32,
}

/// What to promote besides the configuration.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PromoteAssistant {
    /// Also copy the knowledge items the assistant answers from (its scope) to production,
    /// where they are ingested anew. Defaults to `false`: the configuration only, its
    /// knowledge ids mapped to the production items with the same content.
    pub include_knowledge: Option<bool>,
}

/// A sandbox item and its production copy.
#[derive(Debug, Object)]
pub struct PromotedKnowledge {
    /// The sandbox item.
    pub source_id: String,
    /// Its production copy (queued for ingestion; follow it with `GET /knowledge/{id}` and
    /// production credentials).
    pub id: String,
    /// `false` when production already held an item with the same content, which is used.
    pub created: bool,
}

/// A sandbox assistant's configuration copied to production.
#[derive(Debug, Object)]
pub struct Promotion {
    pub id: String,
    /// The sandbox assistant, and the version of it that was promoted.
    pub source_assistant_id: String,
    pub source_version: i32,
    pub include_knowledge: bool,
    /// The production assistant (read it with production credentials), as it is now.
    pub assistant: Assistant,
    /// The production assistant's version this promotion made.
    pub production_version: i32,
    /// The items copied (with `include_knowledge`).
    pub knowledge: Vec<PromotedKnowledge>,
    /// Sandbox items the configuration named (selected or linked) that production has no item
    /// with the same content for: the production assistant does not name them.
    pub unmapped_knowledge_ids: Vec<String>,
    /// When the promotion finished.
    pub promoted_at: DateTime<Utc>,
}

impl From<companin_service::assistants::promote::Promotion> for Promotion {
    fn from(p: companin_service::assistants::promote::Promotion) -> Self {
        let knowledge = p
            .knowledge()
            .into_iter()
            .map(|c| PromotedKnowledge {
                source_id: c.source_id,
                id: c.id,
                created: c.created,
            })
            .collect();
        let unmapped_knowledge_ids = p.unmapped_knowledge_ids();
        let row = p.row;
        Promotion {
            id: row.id,
            source_assistant_id: row.source_assistant_id,
            source_version: row.source_version,
            include_knowledge: row.include_knowledge,
            production_version: row.production_version.unwrap_or(p.assistant.version),
            assistant: p.assistant.into(),
            knowledge,
            unmapped_knowledge_ids,
            promoted_at: row.finished_at.unwrap_or(row.created_at),
        }
    }
}

/// One immutable version of an assistant's configuration.
#[derive(Debug, Object)]
pub struct AssistantVersion {
    pub assistant_id: String,
    pub version: i32,
    pub config: AssistantConfig,
    /// Fields that differ from the previous version (dotted for nested ones); empty for
    /// version 1.
    pub changed_fields: Vec<String>,
    /// The version this one restored, when it was made by a rollback.
    pub rolled_back_from: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl AssistantVersion {
    pub fn from_row(m: assistant_version::Model) -> Result<Self, crate::error::ApiError> {
        Ok(AssistantVersion {
            config: Config::from_json(&m.config)?.into(),
            changed_fields: serde_json::from_value(m.changed_fields).unwrap_or_default(),
            assistant_id: m.assistant_id,
            version: m.version,
            rolled_back_from: m.rolled_back_from,
            created_at: m.created_at,
        })
    }
}

list_type!(
    /// A page of assistants, newest first.
    AssistantList,
    Assistant
);

list_type!(
    /// A page of an assistant's versions, newest first.
    AssistantVersionList,
    AssistantVersion
);
