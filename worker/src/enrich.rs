//! Enrichment after an item is `ready`: the generated summary.
//!
//! An ingested document gets an extractive summary at once; when generated summaries are on,
//! a `summarize` job then asks the local generator for a short abstract and, if it produced a
//! usable one, stores it in place of the extractive summary (`summary_kind: "generated"`).
//! These jobs wait in their own lane with their own workers, start only while this process is
//! not ingesting, and are dropped when the item changed in the meantime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use companin_config::GeneratorSettings;
use companin_entity::{JobKind, KnowledgeStatus, job, knowledge_item};
use companin_inference::{Generated, Generator, Limits, Message, ModelError, Role, StopReason};
use sea_orm::ActiveModelTrait;
use serde_json::json;

use crate::Runtime;
use crate::jobs;
use crate::pipeline::{Failure, blocking_failed, find_item, parse_item};
use crate::progress::Control;
use crate::store;

/// Ingestion work in flight in this process, so that enrichment can stay out of its way.
#[derive(Debug, Default)]
pub struct Activity {
    running: AtomicUsize,
    last_end: std::sync::Mutex<Option<Instant>>,
}

/// Marks one ingestion job as running until dropped.
pub struct Busy<'a>(&'a Activity);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        *self
            .0
            .last_end
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
    }
}

impl Activity {
    pub fn begin(&self) -> Busy<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        Busy(self)
    }

    /// Whether ingestion is running, or ended less than `grace` ago (its next job is likely
    /// on its way from the queue).
    pub fn busy(&self, grace: Duration) -> bool {
        self.running.load(Ordering::SeqCst) > 0
            || self
                .last_end
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .is_some_and(|at| at.elapsed() < grace)
    }

    /// Waits until ingestion has been idle for `grace`.
    pub async fn wait_idle(&self, grace: Duration) {
        while self.busy(grace) {
            tokio::time::sleep(grace / 2).await;
        }
    }
}

/// Queues a generated summary for a document that just became `ready`, when this process
/// writes summaries. A failure to queue only costs the enhancement, so it is logged.
pub async fn schedule_summary(rt: &Runtime, item: &knowledge_item::Model) {
    let Some(queue) = rt.enrichment.as_ref() else {
        return;
    };
    if item.kind == "qa" {
        // A Q&A's answer is its own summary.
        return;
    }
    let id = jobs::new_id();
    let row = jobs::new_row(
        &id,
        &item.org_id,
        item.environment,
        JobKind::Summarize,
        Some(&item.id),
        json!({"version": item.version}),
    );
    if let Err(error) = row.insert(&rt.db).await {
        tracing::warn!(knowledge_id = %item.id, %error, "cannot record the summary job");
        return;
    }
    if let Err(error) = queue.hand_off(&rt.db, &id).await {
        // The row stays queued without a queue entry: the sweeper hands it over.
        tracing::warn!(knowledge_id = %item.id, %error, "cannot queue the generated summary yet");
    }
}

/// The `summarize` job: writes the item's generated summary.
pub async fn summarize(
    rt: &Arc<Runtime>,
    job: &job::Model,
    control: &Arc<Control>,
) -> Result<(), Failure> {
    let Some(id) = job.knowledge_id.as_deref() else {
        return Err(Failure::Permanent("the job names no knowledge item".into()));
    };
    let Some(item) = find_item(rt, &job.org_id, job.environment, id).await? else {
        return Ok(());
    };
    let version = job.params.get("version").and_then(|v| v.as_i64());
    if item.status != KnowledgeStatus::Ready || version != Some(i64::from(item.version)) {
        // Changed since: its new version queues its own summary.
        return Ok(());
    }
    let text = parse_item(rt, &item).await?.full_text();
    // Loaded here, not at start: the generator's memory is held only while summaries are
    // being written (and a while after, see `generator.unload_after_idle_secs`).
    let settings = rt.settings.clone();
    let generator = tokio::task::spawn_blocking(move || crate::load_generator(&settings))
        .await
        .map_err(blocking_failed)?
        .map_err(|e| Failure::Retryable(format!("cannot load the generator: {e}")))?;
    let settings = rt.settings.generator.clone();
    let title = item.title.clone();
    let work_control = control.clone();
    let generated = tokio::task::spawn_blocking(move || {
        generate_summary(&generator, &settings, &title, &text, &|| {
            work_control.is_canceled()
        })
    })
    .await
    .map_err(blocking_failed)?
    .map_err(|e| Failure::Permanent(format!("generating the summary failed: {e}")))?;
    if generated.stop == StopReason::Canceled {
        return Err(Failure::Canceled);
    }
    control.set_progress(1.0);
    tracing::info!(
        knowledge_id = %item.id,
        prompt_tokens = generated.prompt_tokens,
        completion_tokens = generated.completion_tokens,
        prefill_ms = generated.prefill.as_millis() as u64,
        decode_ms = generated.decode.as_millis() as u64,
        stop = ?generated.stop,
        "summary generated"
    );
    let Some(summary) = usable_summary(&generated, &item.title) else {
        tracing::info!(knowledge_id = %item.id, "generated summary unusable; the extractive one stays");
        return Ok(());
    };
    if !store::set_generated_summary(&rt.db, &item, summary, control.fence()).await? {
        tracing::info!(knowledge_id = %item.id, "item changed while summarizing; summary dropped");
    }
    Ok(())
}

/// Asks the generator for a summary of the document `text` (its first
/// `summary_input_tokens`), within the settings' token and time bounds. Blocking.
pub fn generate_summary(
    generator: &Generator,
    settings: &GeneratorSettings,
    title: &str,
    text: &str,
    canceled: &(dyn Fn() -> bool + Sync),
) -> Result<Generated, ModelError> {
    // The title leads the text unless the document already starts with it (a file's own
    // heading); a "Title:" label only gets echoed back by the model.
    let text = text.trim();
    let document = if text.starts_with(title) {
        text.to_owned()
    } else {
        format!("{title}\n\n{text}")
    };
    let body = generator.truncate(&document, settings.summary_input_tokens)?;
    let request = format!("Summarize the following document in one or two sentences.\n\n{body}");
    generator.chat(
        &[
            Message {
                role: Role::System,
                content: "You write short, factual summaries of documents.",
            },
            Message {
                role: Role::User,
                content: &request,
            },
        ],
        Limits {
            max_tokens: settings.summary_max_tokens,
            deadline: Duration::from_secs(settings.summary_timeout_secs),
        },
        canceled,
    )
}

/// The reply as a summary: whitespace collapsed, a leading label ("Summary:") or echo of the
/// title dropped, and, when it was cut off, trimmed back to its last full sentence. `None` when
/// too little is left.
pub fn usable_summary(generated: &Generated, title: &str) -> Option<String> {
    let mut text = generated
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for prefix in ["Summary:", "summary:", "SUMMARY:", "Title:", title] {
        if !prefix.is_empty()
            && let Some(rest) = text.strip_prefix(prefix)
        {
            text = rest.trim_start_matches([' ', ':', '-']).to_owned();
        }
    }
    if generated.stop != StopReason::End {
        // Cut off: keep the sentences another one followed, so a last "(10." is not taken for
        // a sentence end.
        let end = text
            .match_indices(['.', '!', '?'])
            .rfind(|(i, _)| text[i + 1..].starts_with(' '))
            .map_or(0, |(i, _)| i + 1);
        text.truncate(end);
    }
    (text.split_whitespace().count() >= 4).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(text: &str, stop: StopReason) -> Generated {
        Generated {
            text: text.into(),
            prompt_tokens: 10,
            completion_tokens: 10,
            stop,
            prefill: Duration::ZERO,
            decode: Duration::ZERO,
        }
    }

    #[test]
    fn summaries_are_tidied_and_cut_to_whole_sentences() {
        assert_eq!(
            usable_summary(
                &generated("Summary:  The lamp ships\n in two days.", StopReason::End),
                "lamp.md"
            )
            .as_deref(),
            Some("The lamp ships in two days.")
        );
        assert_eq!(
            usable_summary(
                &generated(
                    "Title: lamp.md The lamp ships in two days. It is warm and",
                    StopReason::Length
                ),
                "lamp.md"
            )
            .as_deref(),
            Some("The lamp ships in two days.")
        );
        assert_eq!(
            usable_summary(&generated("It is warm and", StopReason::Time), "t"),
            None
        );
        assert_eq!(
            usable_summary(
                &generated(
                    "Infants were scanned at term. Values differed in the matter (10.",
                    StopReason::Length
                ),
                "t"
            )
            .as_deref(),
            Some("Infants were scanned at term.")
        );
        assert_eq!(
            usable_summary(&generated("Yes.", StopReason::End), "t"),
            None
        );
    }

    #[tokio::test]
    async fn activity_is_busy_while_running_and_for_a_grace_period() {
        let activity = Activity::default();
        assert!(!activity.busy(Duration::from_millis(50)));
        let guard = activity.begin();
        assert!(activity.busy(Duration::ZERO));
        drop(guard);
        assert!(activity.busy(Duration::from_secs(60)));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(!activity.busy(Duration::from_millis(50)));
        tokio::time::timeout(
            Duration::from_secs(5),
            activity.wait_idle(Duration::from_millis(50)),
        )
        .await
        .unwrap_or_else(|_| panic!("wait_idle did not return"));
    }
}
