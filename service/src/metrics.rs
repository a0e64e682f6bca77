//! The operations' own metrics (the HTTP layer records requests).

use std::time::Duration;

/// Times one stored reply by what produced it (`qa`, `extractive`, `local`, `openai`,
/// `fallback`).
pub fn record_reply(kind: &str, total: Duration, first_text: Option<Duration>) {
    let labels = [("kind", kind.to_owned())];
    metrics::histogram!("companin_reply_duration_seconds", &labels).record(total.as_secs_f64());
    if let Some(first) = first_text {
        metrics::histogram!("companin_reply_first_text_seconds", &labels)
            .record(first.as_secs_f64());
    }
}
