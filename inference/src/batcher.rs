//! Dynamic batching: concurrent callers' texts are embedded together.
//!
//! An ingestion job of a short document has two or three chunks; embedded alone, each forward
//! pass is small and jobs running side by side fight over the same threads. The batcher's one
//! thread takes every request that arrives within a short window (up to a full batch) and runs
//! them as one call, so many small jobs cost about what one large one does.

use std::ops::Range;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::embedder::{Embedded, Embedder};
use crate::manifest::ModelError;

/// Something that embeds texts and spans of them: the embedder itself, or a batcher in front
/// of it.
pub trait Embed: Send + Sync {
    /// See [`Embedder::embed_with_spans`]; `spans` may be empty (no spans for any text).
    fn embed_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<Vec<Embedded>, ModelError>;

    /// The model underneath (its tokenizer and options).
    fn model(&self) -> &Embedder;
}

impl Embed for Embedder {
    fn embed_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<Vec<Embedded>, ModelError> {
        self.embed_with_spans(texts, spans)
    }

    fn model(&self) -> &Embedder {
        self
    }
}

struct Request {
    texts: Vec<String>,
    spans: Vec<Vec<Range<usize>>>,
    reply: Sender<Result<Vec<Embedded>, String>>,
}

/// Combines concurrent requests into shared forward passes.
pub struct Batcher {
    embedder: Arc<Embedder>,
    requests: Mutex<Sender<Request>>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

impl Batcher {
    /// Starts the batching thread; it ends when the batcher is dropped.
    pub fn new(embedder: Arc<Embedder>, window: Duration) -> Result<Batcher, ModelError> {
        let (tx, rx) = mpsc::channel();
        let worker = embedder.clone();
        std::thread::Builder::new()
            .name("embed-batcher".into())
            .spawn(move || run(&worker, &rx, window))
            .map_err(|e| ModelError::Inference(format!("cannot start the batcher: {e}")))?;
        Ok(Batcher {
            embedder,
            requests: Mutex::new(tx),
        })
    }
}

impl Embed for Batcher {
    fn embed_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<Vec<Embedded>, ModelError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = mpsc::channel();
        let mut spans = spans.to_vec();
        spans.resize(texts.len(), Vec::new());
        let request = Request {
            texts: texts.iter().map(|t| (*t).to_owned()).collect(),
            spans,
            reply,
        };
        self.requests
            .lock()
            .map_err(|_| ModelError::Inference("the batcher is gone".into()))?
            .send(request)
            .map_err(|_| ModelError::Inference("the batcher is gone".into()))?;
        answer
            .recv()
            .map_err(|_| ModelError::Inference("the batcher stopped".into()))?
            .map_err(ModelError::Inference)
    }

    fn model(&self) -> &Embedder {
        &self.embedder
    }
}

fn run(embedder: &Embedder, rx: &Receiver<Request>, window: Duration) {
    let full = embedder.options().batch_size.max(1);
    while let Ok(first) = rx.recv() {
        let mut waiting = first.texts.len();
        let mut batch = vec![first];
        let deadline = Instant::now() + window;
        while waiting < full {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(r) => {
                    waiting += r.texts.len();
                    batch.push(r);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        let texts: Vec<&str> = batch
            .iter()
            .flat_map(|r| r.texts.iter().map(String::as_str))
            .collect();
        let spans: Vec<Vec<Range<usize>>> = batch.iter().flat_map(|r| r.spans.clone()).collect();
        tracing::debug!(
            texts = texts.len(),
            requests = batch.len(),
            "embedding batch"
        );
        match embedder.embed_with_spans(&texts, &spans) {
            Ok(all) => {
                let mut all = all.into_iter();
                for r in batch {
                    let mine: Vec<Embedded> = all.by_ref().take(r.texts.len()).collect();
                    let _ = r.reply.send(Ok(mine));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for r in batch {
                    let _ = r.reply.send(Err(message.clone()));
                }
            }
        }
    }
}
