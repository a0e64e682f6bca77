//! An assistant's configuration: what every version holds, its defaults and its rules.

use companin_entity::assistant;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::texts;
use crate::error::ApiError;

pub const DEFAULT_TONE: &str = "professional";
pub const DEFAULT_LANGUAGE: &str = "en";
pub const DEFAULT_TOP_K: u32 = 5;
pub const DEFAULT_MIN_SCORE: f64 = 0.0;

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 2_000;
pub const MAX_TONE: usize = 50;
pub const MAX_INSTRUCTIONS: usize = 20_000;
pub const MAX_FALLBACK: usize = 2_000;
pub const MAX_GREETING: usize = 2_000;
pub const MAX_TASKS: usize = 50;
pub const MAX_TASK: usize = 2_000;
pub const MAX_KNOWLEDGE_IDS: usize = 1_000;
pub const MAX_TOP_K: u32 = 50;

/// Which knowledge an assistant answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KnowledgeScope {
    /// Every knowledge item of the tenant, minus the excluded ones.
    All,
    /// Only `knowledge_ids`, minus the excluded ones.
    Selected,
}

/// How an assistant answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyMode {
    /// A generated reply grounded in the retrieved passages.
    Generative,
    /// The best passages themselves, with no generator.
    Extractive,
}

impl KnowledgeScope {
    pub fn as_str(self) -> &'static str {
        match self {
            KnowledgeScope::All => "all",
            KnowledgeScope::Selected => "selected",
        }
    }
}

impl ReplyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyMode::Generative => "generative",
            ReplyMode::Extractive => "extractive",
        }
    }
}

/// Retrieval settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Retrieval {
    pub top_k: u32,
    pub min_score: f64,
}

/// The whole configuration of an assistant, as one version holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub name: String,
    pub description: Option<String>,
    pub tone: String,
    pub language: String,
    pub default_tasks: Vec<String>,
    pub instructions: String,
    pub is_active: bool,
    pub knowledge_scope: KnowledgeScope,
    pub knowledge_ids: Vec<String>,
    pub excluded_knowledge_ids: Vec<String>,
    pub retrieval: Retrieval,
    pub reply_mode: ReplyMode,
    /// The assistant's own fallback text; `None`: its language's ([`Config::fallback`]).
    #[serde(default)]
    pub fallback_message: Option<String>,
    /// Versions written before greetings existed have none.
    #[serde(default)]
    pub greeting: Option<String>,
}

/// Requested changes; `None` leaves a field as it is (`description: Some(None)` clears it).
#[derive(Debug, Default, Clone)]
pub struct Patch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub tone: Option<String>,
    pub language: Option<String>,
    pub default_tasks: Option<Vec<String>>,
    pub instructions: Option<String>,
    pub is_active: Option<bool>,
    pub knowledge_scope: Option<KnowledgeScope>,
    pub knowledge_ids: Option<Vec<String>>,
    pub excluded_knowledge_ids: Option<Vec<String>>,
    pub top_k: Option<u32>,
    pub min_score: Option<f64>,
    pub reply_mode: Option<ReplyMode>,
    /// `Some(None)`: back to the language's text.
    pub fallback_message: Option<Option<String>>,
    pub greeting: Option<Option<String>>,
}

fn too_long(field: &str, max: usize) -> ApiError {
    ApiError::validation(field, format!("must be at most {max} characters"))
}

fn bounded(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(())
}

/// A stored fallback text as the assistant's own choice: none when empty, or when it is a
/// catalogue's text (what assistants created before fallbacks followed the language stored).
fn chosen_fallback(stored: &str) -> Option<String> {
    (!stored.is_empty() && !texts::is_catalogue_fallback(stored)).then(|| stored.to_owned())
}

/// Parses and normalises a BCP-47 tag (`pt-br` → `pt-BR`). Only ISO 639 primary languages
/// (two or three letters) are accepted: longer ones are reserved or unused in practice, and
/// accepting them would let `english` through.
pub fn normalize_language(raw: &str) -> Result<String, ApiError> {
    normalize_tag("language", raw)
}

/// [`normalize_language`] for any field holding a BCP-47 tag.
pub fn normalize_tag(field: &str, raw: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::validation(
            field,
            format!("must be a BCP-47 language tag such as `en`, `es` or `pt-BR` (got `{raw}`)"),
        )
    };
    let tag = oxilangtag::LanguageTag::parse_and_normalize(raw.trim()).map_err(|_| invalid())?;
    if !(2..=3).contains(&tag.primary_language().len()) {
        return Err(invalid());
    }
    Ok(tag.into_inner())
}

fn clean_ids(field: &str, ids: &[String]) -> Result<Vec<String>, ApiError> {
    if ids.len() > MAX_KNOWLEDGE_IDS {
        return Err(ApiError::validation(
            field,
            format!("must hold at most {MAX_KNOWLEDGE_IDS} ids"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if id.is_empty() || id.len() > 100 {
            return Err(ApiError::validation(
                field,
                "must hold ids of 1 to 100 characters",
            ));
        }
        if !out.iter().any(|seen| seen == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

impl Config {
    /// A configuration with this name and every default.
    pub fn named(name: &str) -> Config {
        Config {
            name: name.into(),
            description: None,
            tone: DEFAULT_TONE.into(),
            language: DEFAULT_LANGUAGE.into(),
            default_tasks: vec![],
            instructions: String::new(),
            is_active: true,
            knowledge_scope: KnowledgeScope::All,
            knowledge_ids: vec![],
            excluded_knowledge_ids: vec![],
            retrieval: Retrieval {
                top_k: DEFAULT_TOP_K,
                min_score: DEFAULT_MIN_SCORE,
            },
            reply_mode: ReplyMode::Generative,
            fallback_message: None,
            greeting: None,
        }
    }

    /// What the assistant says when nothing relevant is found: its own text, else its
    /// language's.
    pub fn fallback(&self) -> String {
        self.fallback_message
            .clone()
            .unwrap_or_else(|| texts::of(&self.language).fallback.to_owned())
    }

    /// Checks every rule and normalises what has a normal form (trimmed name, language case,
    /// de-duplicated ids). Errors name the field at fault.
    pub fn validated(mut self) -> Result<Config, ApiError> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(ApiError::validation("name", "must not be blank"));
        }
        bounded("name", &self.name, MAX_NAME)?;
        if let Some(d) = &self.description {
            bounded("description", d, MAX_DESCRIPTION)?;
        }
        self.tone = self.tone.trim().to_owned();
        if self.tone.is_empty() {
            return Err(ApiError::validation("tone", "must not be blank"));
        }
        bounded("tone", &self.tone, MAX_TONE)?;
        self.language = normalize_language(&self.language)?;
        if self.default_tasks.len() > MAX_TASKS {
            return Err(ApiError::validation(
                "default_tasks",
                format!("must hold at most {MAX_TASKS} tasks"),
            ));
        }
        for task in &self.default_tasks {
            if task.trim().is_empty() {
                return Err(ApiError::validation(
                    "default_tasks",
                    "must not hold blank tasks",
                ));
            }
            bounded("default_tasks", task, MAX_TASK)?;
        }
        bounded("instructions", &self.instructions, MAX_INSTRUCTIONS)?;
        self.knowledge_ids = clean_ids("knowledge_ids", &self.knowledge_ids)?;
        self.excluded_knowledge_ids =
            clean_ids("excluded_knowledge_ids", &self.excluded_knowledge_ids)?;
        if !(1..=MAX_TOP_K).contains(&self.retrieval.top_k) {
            return Err(ApiError::validation(
                "retrieval.top_k",
                format!("must be between 1 and {MAX_TOP_K}"),
            ));
        }
        let score = self.retrieval.min_score;
        if !score.is_finite() || !(0.0..=1.0).contains(&score) {
            return Err(ApiError::validation(
                "retrieval.min_score",
                "must be between 0 and 1",
            ));
        }
        if let Some(fallback) = &self.fallback_message {
            if fallback.trim().is_empty() {
                return Err(ApiError::validation(
                    "fallback_message",
                    "must not be blank",
                ));
            }
            bounded("fallback_message", fallback, MAX_FALLBACK)?;
        }
        // A catalogue's text given back (as the console does) is no choice of the assistant's.
        self.fallback_message = self.fallback_message.and_then(|f| chosen_fallback(&f));
        // A blank greeting is no greeting.
        self.greeting = self
            .greeting
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty());
        if let Some(g) = &self.greeting {
            bounded("greeting", g, MAX_GREETING)?;
        }
        Ok(self)
    }

    /// This configuration with `patch` applied (not yet validated).
    pub fn patched(&self, patch: Patch) -> Config {
        let mut c = self.clone();
        if let Some(v) = patch.name {
            c.name = v;
        }
        if let Some(v) = patch.description {
            c.description = v;
        }
        if let Some(v) = patch.tone {
            c.tone = v;
        }
        if let Some(v) = patch.language {
            c.language = v;
        }
        if let Some(v) = patch.default_tasks {
            c.default_tasks = v;
        }
        if let Some(v) = patch.instructions {
            c.instructions = v;
        }
        if let Some(v) = patch.is_active {
            c.is_active = v;
        }
        if let Some(v) = patch.knowledge_scope {
            c.knowledge_scope = v;
        }
        if let Some(v) = patch.knowledge_ids {
            c.knowledge_ids = v;
        }
        if let Some(v) = patch.excluded_knowledge_ids {
            c.excluded_knowledge_ids = v;
        }
        if let Some(v) = patch.top_k {
            c.retrieval.top_k = v;
        }
        if let Some(v) = patch.min_score {
            c.retrieval.min_score = v;
        }
        if let Some(v) = patch.reply_mode {
            c.reply_mode = v;
        }
        if let Some(v) = patch.fallback_message {
            c.fallback_message = v;
        }
        if let Some(v) = patch.greeting {
            c.greeting = v;
        }
        c
    }

    /// As JSON, for version snapshots.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// From a version snapshot.
    pub fn from_json(value: &Value) -> Result<Config, ApiError> {
        let mut config: Config = serde_json::from_value(value.clone()).map_err(|e| {
            ApiError::internal(anyhow::Error::new(e).context("reading an assistant version"))
        })?;
        config.fallback_message = config.fallback_message.and_then(|f| chosen_fallback(&f));
        Ok(config)
    }

    /// The current configuration held by a row.
    pub fn from_row(m: &assistant::Model) -> Config {
        let list = |v: &Value| serde_json::from_value(v.clone()).unwrap_or_default();
        Config {
            name: m.name.clone(),
            description: m.description.clone(),
            tone: m.tone.clone(),
            language: m.language.clone(),
            default_tasks: list(&m.default_tasks),
            instructions: m.instructions.clone(),
            is_active: m.is_active,
            knowledge_scope: if m.knowledge_scope == "selected" {
                KnowledgeScope::Selected
            } else {
                KnowledgeScope::All
            },
            knowledge_ids: list(&m.knowledge_ids),
            excluded_knowledge_ids: list(&m.excluded_knowledge_ids),
            retrieval: Retrieval {
                top_k: u32::try_from(m.retrieval_top_k).unwrap_or(DEFAULT_TOP_K),
                min_score: m.retrieval_min_score,
            },
            reply_mode: if m.reply_mode == "extractive" {
                ReplyMode::Extractive
            } else {
                ReplyMode::Generative
            },
            fallback_message: chosen_fallback(&m.fallback_message),
            greeting: m.greeting.clone(),
        }
    }

    /// Writes this configuration into a row.
    pub fn apply_to(&self, row: &mut assistant::Model) {
        row.name = self.name.clone();
        row.description = self.description.clone();
        row.tone = self.tone.clone();
        row.language = self.language.clone();
        row.default_tasks = json!(self.default_tasks);
        row.instructions = self.instructions.clone();
        row.is_active = self.is_active;
        row.knowledge_scope = self.knowledge_scope.as_str().to_owned();
        row.knowledge_ids = json!(self.knowledge_ids);
        row.excluded_knowledge_ids = json!(self.excluded_knowledge_ids);
        row.retrieval_top_k = i32::try_from(self.retrieval.top_k).unwrap_or(i32::MAX);
        row.retrieval_min_score = self.retrieval.min_score;
        row.reply_mode = self.reply_mode.as_str().to_owned();
        // Empty: the language's text.
        row.fallback_message = self.fallback_message.clone().unwrap_or_default();
        row.greeting = self.greeting.clone();
    }

    /// The fields that differ from `before`, as `{"field": {"from": .., "to": ..}}` with
    /// dotted names for nested ones (`retrieval.top_k`).
    pub fn changes_from(&self, before: &Config) -> Map<String, Value> {
        let (Value::Object(old), Value::Object(new)) = (before.to_json(), self.to_json()) else {
            return Map::new();
        };
        let mut changes = Map::new();
        for (key, to) in &new {
            let from = old.get(key).cloned().unwrap_or(Value::Null);
            match (&from, to) {
                (Value::Object(f), Value::Object(t)) => {
                    for (sub, sub_to) in t {
                        let sub_from = f.get(sub).cloned().unwrap_or(Value::Null);
                        if &sub_from != sub_to {
                            changes.insert(
                                format!("{key}.{sub}"),
                                json!({ "from": sub_from, "to": sub_to }),
                            );
                        }
                    }
                }
                _ if &from != to => {
                    changes.insert(key.clone(), json!({ "from": from, "to": to }));
                }
                _ => {}
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> Config {
        Config::named("Helper")
    }

    #[test]
    fn languages_are_bcp47_and_normalised() {
        assert_eq!(normalize_language("pt-br").unwrap(), "pt-BR");
        assert_eq!(normalize_language("EN").unwrap(), "en");
        assert_eq!(normalize_language("zh-Hant-TW").unwrap(), "zh-Hant-TW");
        assert_eq!(normalize_language("es-419").unwrap(), "es-419");
        for bad in ["", "english", "en_US", "e", "123", "en-", "x"] {
            assert!(normalize_language(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn changes_name_nested_fields() {
        let before = sample();
        let after = before.patched(Patch {
            tone: Some("friendly".into()),
            top_k: Some(8),
            ..Patch::default()
        });
        let changes = after.changes_from(&before);
        let keys: Vec<&str> = changes.keys().map(String::as_str).collect();
        assert_eq!(keys, ["retrieval.top_k", "tone"]);
        assert!(after.changes_from(&after).is_empty());
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = sample();
        c.retrieval.top_k = 51;
        let err = c.validated().unwrap_err();
        assert_eq!(err.data.unwrap()["field"], "retrieval.top_k");
        let mut c = sample();
        c.name = "   ".into();
        assert_eq!(c.validated().unwrap_err().data.unwrap()["field"], "name");
        let mut c = sample();
        c.knowledge_ids = vec!["k1".into(), " k1 ".into(), "k2".into()];
        assert_eq!(c.validated().unwrap().knowledge_ids, ["k1", "k2"]);
    }
}
