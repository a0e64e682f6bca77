//! Any OpenAI-compatible chat endpoint (`POST {base}/chat/completions` with
//! `"stream": true`), read as server-sent events.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::{Generate, GenerationError, Prompt, ReplyLimits, Usage};

pub struct OpenAi {
    client: reqwest::Client,
    endpoint: Option<String>,
    model: String,
    api_key: Option<SecretString>,
}

impl OpenAi {
    /// A generator for the endpoint under `base_url` (e.g. `https://host/v1`); `None` makes
    /// every reply fail as unavailable (the configuration check refuses that for `openai`).
    pub fn new(
        base_url: Option<&str>,
        model: &str,
        api_key: Option<SecretString>,
    ) -> Result<Self, GenerationError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("Companin/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GenerationError::Unavailable(e.to_string()))?;
        Ok(Self {
            client,
            endpoint: base_url
                .map(|base| format!("{}/chat/completions", base.trim_end_matches('/'))),
            model: model.to_owned(),
            api_key,
        })
    }
}

/// One streamed chunk: `{"choices": [{"delta": {"content": "..."}}], "usage": {...}}`.
#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<ChunkUsage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
}

#[derive(Debug, Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChunkUsage {
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
}

impl Generate for OpenAi {
    fn kind(&self) -> &'static str {
        "openai"
    }

    fn generate<'a>(
        &'a self,
        prompt: &'a Prompt,
        limits: ReplyLimits,
        out: mpsc::Sender<String>,
    ) -> BoxFuture<'a, Result<Usage, GenerationError>> {
        Box::pin(async move {
            let Some(endpoint) = &self.endpoint else {
                return Err(GenerationError::Unavailable(
                    "conversations.openai_base_url is not set".into(),
                ));
            };
            let messages: Vec<_> = prompt
                .messages
                .iter()
                .map(|(speaker, content)| json!({"role": speaker.as_str(), "content": content}))
                .collect();
            let body = json!({
                "model": self.model,
                "messages": messages,
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_tokens": limits.max_tokens,
                "temperature": 0.2,
            });
            let mut request = self.client.post(endpoint).json(&body);
            if let Some(key) = &self.api_key {
                request = request.bearer_auth(key.expose_secret());
            }
            let deadline = tokio::time::Instant::now() + limits.deadline;
            let response = tokio::time::timeout_at(deadline, request.send())
                .await
                .map_err(|_| GenerationError::Failed("the endpoint did not answer in time".into()))?
                .map_err(|e| GenerationError::Unavailable(format!("{endpoint}: {e}")))?;
            let status = response.status();
            if !status.is_success() {
                let detail = response.text().await.unwrap_or_default();
                let detail: String = detail.chars().take(300).collect();
                return Err(GenerationError::Failed(format!(
                    "{endpoint} answered {status}: {detail}"
                )));
            }
            let mut events = response.bytes_stream().eventsource();
            let mut usage = Usage::default();
            let mut started = false;
            loop {
                let event = match tokio::time::timeout_at(deadline, events.next()).await {
                    // Past the deadline the reply keeps what it has.
                    Err(_) => break,
                    Ok(None) => break,
                    Ok(Some(event)) => event
                        .map_err(|e| GenerationError::Failed(format!("reading the stream: {e}")))?,
                };
                if event.data.trim() == "[DONE]" {
                    break;
                }
                let chunk: Chunk = serde_json::from_str(&event.data).map_err(|e| {
                    GenerationError::Failed(format!("unreadable stream chunk: {e}"))
                })?;
                if let Some(u) = chunk.usage {
                    usage = Usage {
                        prompt_tokens: u.prompt_tokens,
                        completion_tokens: u.completion_tokens,
                    };
                }
                for choice in chunk.choices {
                    let Some(mut text) = choice.delta.content else {
                        continue;
                    };
                    // Leading whitespace of the reply is not part of it.
                    if !started {
                        text = text.trim_start().to_owned();
                        if text.is_empty() {
                            continue;
                        }
                        started = true;
                    }
                    if out.send(text).await.is_err() {
                        // The reader went away: dropping the response closes the connection.
                        return Ok(usage);
                    }
                }
            }
            Ok(usage)
        })
    }
}
