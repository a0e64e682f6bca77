//! The local text generator: SmolLM2-135M-Instruct (a llama-architecture model, 4-bit GGUF)
//! on candle's quantized llama, with its byte-level BPE tokenizer rebuilt from the GGUF file's
//! own metadata, so the one file is the whole model.
//!
//! Generation is greedy with a mild repetition penalty (deterministic, which suits summaries
//! and grounded answers), bounded in tokens and in time, and cancellable. The whole prompt is
//! prefilled in one forward pass through f32 weights; the reply is produced token by token
//! through Q8_0 copies of them (see [`crate::llama`]).

use std::path::Path;
use std::time::{Duration, Instant};

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use serde_json::json;
use tokenizers::Tokenizer;

use crate::llama::{CONTEXT_TOKENS, Weights};
use crate::manifest::{ModelError, verify_file};

/// The generator's file inside the models folder.
pub const GENERATOR_FILE: &str = "SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf";

/// How the generator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorOptions {
    /// Threads for inference; 0 uses one per core.
    pub threads: usize,
}

/// One message of a chat prompt.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub role: Role,
    pub content: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// Bounds of one generation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most tokens to produce.
    pub max_tokens: usize,
    /// Stop (keeping what was produced) once this much time has passed.
    pub deadline: Duration,
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The model ended its reply.
    End,
    /// `max_tokens` reached.
    Length,
    /// The deadline passed.
    Time,
    /// The caller's cancel check said stop.
    Canceled,
}

/// A finished generation.
#[derive(Debug, Clone)]
pub struct Generated {
    pub text: String,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub stop: StopReason,
    pub prefill: Duration,
    pub decode: Duration,
}

/// A loaded generator. Load once per process and share it (`Arc`); each call gets its own
/// attention cache (the weights are shared), and runs on the generator's thread pool.
pub struct Generator {
    weights: Weights,
    tokenizer: Tokenizer,
    stop_tokens: Vec<u32>,
    pool: rayon::ThreadPool,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator").finish_non_exhaustive()
    }
}

/// Repetition penalty and how far back it looks: small models loop without it.
const REPEAT_PENALTY: f32 = 1.15;
const REPEAT_WINDOW: usize = 64;

impl Generator {
    /// Loads the generator from `models_dir`, checking the file's checksum first.
    pub fn load(models_dir: &Path, options: GeneratorOptions) -> Result<Self, ModelError> {
        let started = Instant::now();
        let path = verify_file(models_dir, GENERATOR_FILE)?;
        let load_error = |reason: String| ModelError::Load {
            path: path.clone(),
            reason,
        };
        let mut file = std::fs::File::open(&path).map_err(|source| ModelError::Io {
            path: path.clone(),
            source,
        })?;
        let content = gguf_file::Content::read(&mut file).map_err(|e| load_error(e.to_string()))?;
        let (tokenizer, stop_tokens) = tokenizer_from_gguf(&content).map_err(load_error)?;
        let weights =
            Weights::from_gguf(&content, &mut file).map_err(|e| load_error(e.to_string()))?;
        let mut pool = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("generate-{i}"));
        if options.threads > 0 {
            pool = pool.num_threads(options.threads);
        }
        let pool = pool
            .build()
            .map_err(|e| ModelError::Inference(format!("cannot start generator threads: {e}")))?;
        tracing::info!(
            model = GENERATOR_FILE,
            vocabulary = tokenizer.get_vocab_size(true),
            threads = pool.current_num_threads(),
            load_ms = started.elapsed().as_millis() as u64,
            "generator loaded"
        );
        Ok(Self {
            weights,
            tokenizer,
            stop_tokens,
            pool,
        })
    }

    /// Number of model tokens in `text`.
    pub fn count_tokens(&self, text: &str) -> Result<usize, ModelError> {
        Ok(self.encode(text)?.len())
    }

    /// The longest prefix of `text` that fits in `max_tokens`, cut at a token boundary.
    pub fn truncate<'t>(&self, text: &'t str, max_tokens: usize) -> Result<&'t str, ModelError> {
        let encoding = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| ModelError::Inference(format!("tokenizer: {e}")))?;
        if encoding.len() <= max_tokens {
            return Ok(text);
        }
        let end = encoding
            .get_offsets()
            .get(max_tokens)
            .map_or(text.len(), |&(start, _)| start);
        Ok(text.get(..end).unwrap_or(text))
    }

    /// The ChatML prompt for `messages`, ending with the assistant's turn opened.
    pub fn prompt(messages: &[Message<'_>]) -> String {
        let mut prompt = String::new();
        for m in messages {
            prompt.push_str("<|im_start|>");
            prompt.push_str(m.role.as_str());
            prompt.push('\n');
            prompt.push_str(m.content);
            prompt.push_str("<|im_end|>\n");
        }
        prompt.push_str("<|im_start|>assistant\n");
        prompt
    }

    /// Continues `messages` with the assistant's reply. `canceled` is checked between tokens.
    pub fn chat(
        &self,
        messages: &[Message<'_>],
        limits: Limits,
        canceled: &(dyn Fn() -> bool + Sync),
    ) -> Result<Generated, ModelError> {
        let mut sink = |_: &str| !canceled();
        self.chat_streaming(messages, limits, &[], &mut sink)
    }

    /// Continues `messages` with the assistant's reply, handing its text to `on_text` piece
    /// by piece as it is produced; `on_text` returning `false` stops generation (the reader
    /// went away). The pieces joined are exactly the returned text: leading and trailing
    /// whitespace is never handed out, and neither is a `stop` sequence (generation ends at
    /// the first one, which is cut off with what follows).
    pub fn chat_streaming(
        &self,
        messages: &[Message<'_>],
        limits: Limits,
        stop: &[&str],
        on_text: &mut (dyn FnMut(&str) -> bool + Send),
    ) -> Result<Generated, ModelError> {
        let prompt = self.encode(&Self::prompt(messages))?;
        if prompt.len() + limits.max_tokens > CONTEXT_TOKENS {
            return Err(ModelError::Inference(format!(
                "prompt of {} tokens plus {} to generate exceeds the {CONTEXT_TOKENS}-token context",
                prompt.len(),
                limits.max_tokens
            )));
        }
        self.pool
            .install(|| self.generate(&prompt, limits, stop, on_text))
    }

    fn encode(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        Ok(self
            .tokenizer
            .encode(text, false)
            .map_err(|e| ModelError::Inference(format!("tokenizer: {e}")))?
            .get_ids()
            .to_vec())
    }

    fn generate(
        &self,
        prompt: &[u32],
        limits: Limits,
        stop: &[&str],
        on_text: &mut (dyn FnMut(&str) -> bool + Send),
    ) -> Result<Generated, ModelError> {
        let started = Instant::now();
        let mut cache = self.weights.cache();
        let input = Tensor::new(prompt, &Device::Cpu)?.unsqueeze(0)?;
        let mut logits = self.weights.forward(&mut cache, &input, 0)?;
        let prefill = started.elapsed();
        let mut produced: Vec<u32> = Vec::new();
        let mut text = Streamed::new(stop);
        let reason = loop {
            let next = self.pick(&logits, prompt, &produced)?;
            if self.stop_tokens.contains(&next) {
                break StopReason::End;
            }
            produced.push(next);
            let decoded = self.decode(&produced)?;
            if let Some(piece) = text.advance(&decoded)
                && !on_text(piece)
            {
                break StopReason::Canceled;
            }
            if text.stopped {
                break StopReason::End;
            }
            if produced.len() >= limits.max_tokens {
                break StopReason::Length;
            }
            if started.elapsed() >= limits.deadline {
                break StopReason::Time;
            }
            let input = Tensor::new(&[next], &Device::Cpu)?.unsqueeze(0)?;
            logits = self
                .weights
                .forward(&mut cache, &input, prompt.len() + produced.len() - 1)?;
        };
        // What was held back (a possible start of a stop sequence) is text after all.
        if reason != StopReason::Canceled
            && let Some(rest) = text.finish()
        {
            on_text(rest);
        }
        Ok(Generated {
            text: text.into_text(),
            prompt_tokens: prompt.len(),
            completion_tokens: produced.len(),
            stop: reason,
            prefill,
            decode: started.elapsed() - prefill,
        })
    }

    fn decode(&self, tokens: &[u32]) -> Result<String, ModelError> {
        self.tokenizer
            .decode(tokens, true)
            .map_err(|e| ModelError::Inference(format!("tokenizer: {e}")))
    }

    /// Greedy choice after penalising recently used tokens.
    fn pick(&self, logits: &Tensor, prompt: &[u32], produced: &[u32]) -> Result<u32, ModelError> {
        let logits = logits.squeeze(0)?;
        let recent: Vec<u32> = prompt
            .iter()
            .chain(produced)
            .rev()
            .take(REPEAT_WINDOW)
            .copied()
            .collect();
        let logits =
            candle_transformers::utils::apply_repeat_penalty(&logits, REPEAT_PENALTY, &recent)?;
        let next = logits.argmax(0)?.to_scalar::<u32>()?;
        Ok(next)
    }
}

/// The reply's text as the tokens decode, handed out in pieces that never need taking back:
/// no leading or trailing whitespace, no half of a multi-byte character, nothing that could
/// be the start of a stop sequence.
struct Streamed<'s> {
    stop: &'s [&'s str],
    /// The reply so far (leading whitespace dropped, cut at a stop sequence).
    text: String,
    /// Bytes of `text` handed out.
    emitted: usize,
    stopped: bool,
}

impl<'s> Streamed<'s> {
    fn new(stop: &'s [&'s str]) -> Self {
        Self {
            stop,
            text: String::new(),
            emitted: 0,
            stopped: false,
        }
    }

    /// Takes the whole decoded reply so far and returns what may be handed out now.
    fn advance(&mut self, decoded: &str) -> Option<&str> {
        self.text = decoded.trim_start().to_owned();
        if let Some(at) = self.stop.iter().filter_map(|s| self.text.find(s)).min() {
            self.text.truncate(at);
            self.stopped = true;
        }
        let safe = if self.stopped {
            self.text.trim_end().len()
        } else {
            self.safe_end()
        };
        if safe <= self.emitted {
            return None;
        }
        let from = self.emitted;
        self.emitted = safe;
        self.text.get(from..safe)
    }

    /// The end of what is certain: before a trailing replacement character (a character
    /// still being decoded), trailing whitespace, and any tail that begins a stop sequence.
    fn safe_end(&self) -> usize {
        let text = self.text.trim_end_matches('\u{FFFD}').trim_end();
        let mut end = text.len();
        for s in self.stop {
            for (i, _) in text.char_indices() {
                if i >= end {
                    break;
                }
                if s.starts_with(&text[i..]) {
                    end = i;
                    break;
                }
            }
        }
        text[..end].trim_end().len()
    }

    /// What is left to hand out once generation has ended.
    fn finish(&mut self) -> Option<&str> {
        let end = self.text.trim_end().len();
        if end <= self.emitted {
            return None;
        }
        let from = self.emitted;
        self.emitted = end;
        self.text.get(from..end)
    }

    /// The reply: exactly the pieces handed out.
    fn into_text(mut self) -> String {
        self.text.truncate(self.emitted);
        self.text
    }
}

/// Rebuilds the byte-level BPE tokenizer from the GGUF metadata (`tokenizer.ggml.*`), with
/// the pre-tokenizer SmolLM2 was trained with (single digits, then GPT-2 byte-level
/// splitting). Control tokens (`<|im_start|>`, …) are special. Returns the tokenizer and the
/// ids that end a reply.
fn tokenizer_from_gguf(content: &gguf_file::Content) -> Result<(Tokenizer, Vec<u32>), String> {
    let get = |key: &str| {
        content
            .metadata
            .get(key)
            .ok_or_else(|| format!("GGUF metadata lacks {key}"))
    };
    let model = get("tokenizer.ggml.model")?
        .to_string()
        .map_err(|e| e.to_string())?;
    if model != "gpt2" {
        return Err(format!(
            "unsupported tokenizer model `{model}` (expected gpt2 BPE)"
        ));
    }
    let tokens: Vec<&str> = get("tokenizer.ggml.tokens")?
        .to_vec()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|v| v.to_string().map(String::as_str).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let merges: Vec<&str> = get("tokenizer.ggml.merges")?
        .to_vec()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|v| v.to_string().map(String::as_str).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let types: Vec<i32> = match content.metadata.get("tokenizer.ggml.token_type") {
        Some(v) => v
            .to_vec()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|t| t.to_i32().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    // GGUF token types: 3 = control (special), 4 = user-defined.
    let special: Vec<serde_json::Value> = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(types.get(*i), Some(3 | 4)))
        .map(|(i, t)| {
            json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let vocab: serde_json::Map<String, serde_json::Value> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| ((*t).to_owned(), json!(i)))
        .collect();
    let definition = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": special,
        "normalizer": null,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": true},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
        ]},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null,
                  "continuing_subword_prefix": null, "end_of_word_suffix": null,
                  "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": merges}
    });
    let tokenizer: Tokenizer = definition
        .to_string()
        .parse()
        .map_err(|e| format!("cannot build the tokenizer: {e}"))?;
    let mut stop_tokens = Vec::new();
    if let Some(eos) = content.metadata.get("tokenizer.ggml.eos_token_id") {
        stop_tokens.push(eos.to_u32().map_err(|e| e.to_string())?);
    }
    // A new turn opened by the model also ends its reply.
    for name in ["<|im_end|>", "<|endoftext|>", "<|im_start|>"] {
        if let Some(id) = tokenizer.token_to_id(name)
            && !stop_tokens.contains(&id)
        {
            stop_tokens.push(id);
        }
    }
    if stop_tokens.is_empty() {
        return Err("the tokenizer has no end-of-text token".into());
    }
    Ok((tokenizer, stop_tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(steps: &[&str], stop: &[&str]) -> (Vec<String>, String, bool) {
        let mut s = Streamed::new(stop);
        let mut pieces = Vec::new();
        for step in steps {
            if let Some(p) = s.advance(step) {
                pieces.push(p.to_owned());
            }
            if s.stopped {
                break;
            }
        }
        let stopped = s.stopped;
        if let Some(rest) = s.finish() {
            pieces.push(rest.to_owned());
        }
        (pieces, s.into_text(), stopped)
    }

    #[test]
    fn pieces_join_to_the_trimmed_text() {
        let (pieces, text, _) = run(
            &[" ", " Hello", " Hello ", " Hello world", " Hello world\n"],
            &[],
        );
        assert_eq!(pieces, ["Hello", " world"]);
        assert_eq!(pieces.concat(), text);
        assert_eq!(text, "Hello world");
    }

    #[test]
    fn half_decoded_characters_wait() {
        let (pieces, text, _) = run(&["caf", "caf\u{FFFD}", "café"], &[]);
        assert_eq!(pieces, ["caf", "é"]);
        assert_eq!(text, "café");
    }

    #[test]
    fn a_stop_sequence_ends_the_reply_and_is_never_shown() {
        let stop = ["\nUser:"];
        let (pieces, text, stopped) =
            run(&["Yes.", "Yes.\n", "Yes.\nUs", "Yes.\nUser: more"], &stop);
        assert!(stopped);
        assert_eq!(text, "Yes.");
        assert_eq!(pieces.concat(), "Yes.");
        // A tail that only looked like a stop sequence is handed out in the end.
        let (pieces, text, stopped) = run(&["A", "A\nUs", "A\nUsually"], &stop);
        assert!(!stopped);
        assert_eq!(text, "A\nUsually");
        assert_eq!(pieces.concat(), text);
    }
}
