//! Reply generators behind one trait: the local SmolLM2 model, any OpenAI-compatible chat
//! endpoint, and the extractive composer that needs no model at all.
//!
//! A generator writes its reply as text pieces into a channel; the pieces joined are the
//! reply. When the reader of the channel goes away (a streaming client disconnected), the
//! generator stops at its next piece.

pub mod extractive;
pub mod gate;
pub mod local;
pub mod openai;

use std::time::Duration;

use companin_config::{ReplyGenerator, Settings};
use futures::future::BoxFuture;
use tokio::sync::mpsc;

/// Who said a message of a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    System,
    User,
    Assistant,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::System => "system",
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        }
    }
}

/// A chat prompt: the system message, earlier turns, and the question with its passages.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub messages: Vec<(Speaker, String)>,
}

/// Bounds of one reply.
#[derive(Debug, Clone, Copy)]
pub struct ReplyLimits {
    pub max_tokens: usize,
    pub deadline: Duration,
}

/// What a generator reports besides its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// Why a generator could not reply.
#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    /// The model or endpoint is not there (missing weights, no URL): nothing was produced.
    #[error("the reply generator is not available: {0}")]
    Unavailable(String),
    /// It failed while replying.
    #[error("the reply generator failed: {0}")]
    Failed(String),
}

/// A reply generator.
pub trait Generate: Send + Sync {
    /// The name stored with each reply (`local`, `openai`).
    fn kind(&self) -> &'static str;

    /// Writes the reply to `prompt` into `out`, piece by piece.
    fn generate<'a>(
        &'a self,
        prompt: &'a Prompt,
        limits: ReplyLimits,
        out: mpsc::Sender<String>,
    ) -> BoxFuture<'a, Result<Usage, GenerationError>>;
}

/// The process's generators, each behind its [`gate::Gate`]; the local model loads on its
/// first reply.
pub struct Generators {
    local: local::Local,
    openai: openai::OpenAi,
    local_gate: gate::Gate,
    openai_gate: gate::Gate,
}

impl Generators {
    pub fn new(settings: &Settings) -> Result<Self, GenerationError> {
        let c = &settings.conversations;
        Ok(Self {
            local: local::Local::new(settings.clone()),
            openai: openai::OpenAi::new(
                c.openai_base_url.as_deref(),
                &c.openai_model,
                c.openai_api_key.clone(),
            )?,
            local_gate: gate::Gate::new(c.local_concurrency, c.waiting_replies),
            openai_gate: gate::Gate::new(c.openai_concurrency, c.waiting_replies),
        })
    }

    /// The gate in front of the generator of that kind (`None` for extractive replies).
    pub fn gate(&self, kind: ReplyGenerator) -> Option<&gate::Gate> {
        match kind {
            ReplyGenerator::Local => Some(&self.local_gate),
            ReplyGenerator::Openai => Some(&self.openai_gate),
            ReplyGenerator::Extractive => None,
        }
    }

    /// The generator of that kind (`None` for extractive replies, which need none).
    pub fn pick(&self, kind: ReplyGenerator) -> Option<&dyn Generate> {
        match kind {
            ReplyGenerator::Local => Some(&self.local),
            ReplyGenerator::Openai => Some(&self.openai),
            ReplyGenerator::Extractive => None,
        }
    }
}
