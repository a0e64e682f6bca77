//! The local generator: SmolLM2 from the models folder, loaded on the first reply, shared
//! with the process's workers, and let go when unused for a while
//! (`generator.unload_after_idle_secs`).

use companin_config::Settings;
use companin_inference::{CONTEXT_TOKENS, Generator, Limits, Message, Role};
use futures::future::BoxFuture;
use tokio::sync::mpsc;

use super::{Generate, GenerationError, Prompt, ReplyLimits, Speaker, Usage};

/// Lines that mean the model started writing the next turn itself.
const STOP_SEQUENCES: [&str; 3] = ["\nUser:", "\nQuestion:", "\nPassages:"];

pub struct Local {
    settings: Settings,
}

impl Local {
    pub fn new(settings: Settings) -> Self {
        Self { settings }
    }
}

impl Generate for Local {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn generate<'a>(
        &'a self,
        prompt: &'a Prompt,
        limits: ReplyLimits,
        out: mpsc::Sender<String>,
    ) -> BoxFuture<'a, Result<Usage, GenerationError>> {
        Box::pin(async move {
            // Asked for on every reply and held only for it, so an idle process can let go.
            let settings = self.settings.clone();
            let model =
                tokio::task::spawn_blocking(move || companin_worker::load_generator(&settings))
                    .await
                    .map_err(|e| GenerationError::Unavailable(e.to_string()))?
                    .map_err(|e| GenerationError::Unavailable(e.to_string()))?;
            let owned: Vec<(Role, String)> = prompt
                .messages
                .iter()
                .map(|(speaker, text)| (role(*speaker), text.clone()))
                .collect();
            let generated = tokio::task::spawn_blocking(move || {
                let mut messages: Vec<Message<'_>> = owned
                    .iter()
                    .map(|(role, content)| Message {
                        role: *role,
                        content,
                    })
                    .collect();
                // A long history must not push the prompt past the model's context: the
                // oldest turns (after the system message) give way first.
                while messages.len() > 2 {
                    let tokens = model.count_tokens(&Generator::prompt(&messages))?;
                    if tokens + limits.max_tokens <= CONTEXT_TOKENS {
                        break;
                    }
                    messages.remove(1);
                }
                // The reader gone (closed channel) stops generation at the next piece.
                let mut sink = |piece: &str| out.blocking_send(piece.to_owned()).is_ok();
                model.chat_streaming(
                    &messages,
                    Limits {
                        max_tokens: limits.max_tokens,
                        deadline: limits.deadline,
                    },
                    &STOP_SEQUENCES,
                    &mut sink,
                )
            })
            .await
            .map_err(|e| GenerationError::Failed(e.to_string()))?
            .map_err(|e| GenerationError::Failed(e.to_string()))?;
            tracing::debug!(
                prompt_tokens = generated.prompt_tokens,
                completion_tokens = generated.completion_tokens,
                prefill_ms = generated.prefill.as_millis() as u64,
                decode_ms = generated.decode.as_millis() as u64,
                stop = ?generated.stop,
                "local reply generated"
            );
            Ok(Usage {
                prompt_tokens: u32::try_from(generated.prompt_tokens).ok(),
                completion_tokens: u32::try_from(generated.completion_tokens).ok(),
            })
        })
    }
}

fn role(speaker: Speaker) -> Role {
    match speaker {
        Speaker::System => Role::System,
        Speaker::User => Role::User,
        Speaker::Assistant => Role::Assistant,
    }
}
