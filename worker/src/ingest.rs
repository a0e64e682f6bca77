//! The ingest and reindex jobs: read an item's source, run the pipeline, store the result.

use std::sync::Arc;
use std::time::Duration;

use companin_entity::{Environment, knowledge_item};
use companin_ingest::parse::pdf::Reader;
use companin_ingest::parse::{parse, plain};
use companin_ingest::prepare::PrepareError;
use companin_ingest::{ChunkOptions, ParseError, Parsed, Source, SourceFormat, prepare};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::Runtime;
use crate::progress::Control;
use crate::store::{self, FAILED, PROCESSING, READY};

/// Why an attempt did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Trying again cannot help (a corrupt file): the item and job fail now.
    Permanent(String),
    /// Worth another attempt (the database was unavailable).
    Retryable(String),
    Canceled,
}

impl From<DbErr> for Failure {
    fn from(e: DbErr) -> Self {
        Failure::Retryable(format!("database error: {e}"))
    }
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Permanent(m) | Failure::Retryable(m) => m.clone(),
            Failure::Canceled => "canceled".to_owned(),
        }
    }
}

/// A blocking step that did not return: a panic there is a bug of ours (or of a parser), not
/// the source's fault, so the attempt is retried and, on the last, fails with its message.
pub(crate) fn blocking_failed(e: tokio::task::JoinError) -> Failure {
    match e.try_into_panic() {
        Ok(panic) => Failure::Retryable(format!(
            "processing panicked: {}",
            panic_message(panic.as_ref())
        )),
        Err(e) => Failure::Retryable(format!("processing stopped unexpectedly: {e}")),
    }
}

/// What a caught panic said.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

pub(crate) fn chunk_options(rt: &Runtime) -> ChunkOptions {
    ChunkOptions {
        max_tokens: rt.settings.ingest.chunk_tokens,
        overlap_tokens: rt.settings.ingest.chunk_overlap_tokens,
    }
}

/// The PDF reader the settings ask for: a child process of `ingest.pdf_reader`, else of
/// this very binary.
fn pdf_reader(rt: &Runtime) -> Result<Reader, ParseError> {
    let ingest = &rt.settings.ingest;
    let timeout = Duration::from_secs(ingest.pdf_timeout_secs);
    match &ingest.pdf_reader {
        Some(program) => Ok(Reader {
            program: program.clone(),
            timeout,
            memory_mib: ingest.pdf_memory_mib,
        }),
        None => Reader::current_exe(timeout, ingest.pdf_memory_mib)
            .map_err(|e| ParseError::PdfReader(format!("cannot find this program: {e}"))),
    }
}

/// Parses `bytes` of `format` off the async threads (PDFs in their reader process). The
/// outer error is the job's (processing broke), the inner one the source's (the file is bad).
pub(crate) async fn parse_bytes(
    rt: &Runtime,
    format: SourceFormat,
    bytes: Vec<u8>,
) -> Result<Result<Parsed, ParseError>, Failure> {
    let reader = match format {
        SourceFormat::Pdf => Some(pdf_reader(rt)),
        _ => None,
    };
    tokio::task::spawn_blocking(move || match reader {
        Some(reader) => reader?.read(&bytes),
        None => parse(format, &bytes),
    })
    .await
    .map_err(blocking_failed)
}

/// The source's failure as the item's: the PDF reader not running is ours and worth
/// another attempt; everything else is about the file.
fn parse_failure(e: ParseError) -> Failure {
    match e {
        ParseError::PdfReader(_) => Failure::Retryable(e.to_string()),
        other => Failure::Permanent(other.to_string()),
    }
}

pub(crate) async fn parse_item(
    rt: &Runtime,
    item: &knowledge_item::Model,
) -> Result<Parsed, Failure> {
    let bytes = item.content.clone().unwrap_or_default();
    let parsed = match item.kind.as_str() {
        "text" => tokio::task::spawn_blocking(move || {
            String::from_utf8(bytes)
                .map_err(|e| ParseError::InvalidUtf8 {
                    offset: e.utf8_error().valid_up_to(),
                })
                .and_then(|t| plain(&t))
        })
        .await
        .map_err(blocking_failed)?,
        _ => {
            let format = item
                .media_type
                .as_deref()
                .and_then(SourceFormat::from_media_type)
                .ok_or_else(|| {
                    Failure::Permanent("the item's file type is not supported".into())
                })?;
            parse_bytes(rt, format, bytes).await?
        }
    };
    parsed.map_err(parse_failure)
}

/// Runs the pipeline on one item and stores its chunks. Progress goes to `control`, scaled
/// into `range`.
pub async fn ingest_item(
    rt: &Arc<Runtime>,
    item: knowledge_item::Model,
    control: &Arc<Control>,
    range: (f64, f64),
) -> Result<(), Failure> {
    if item.kind == "url" {
        // Its pages' stored text, re-embedded; fetching is the crawl's work.
        return crate::crawl::reembed(rt, item, control, range).await;
    }
    let t0 = std::time::Instant::now();
    if !store::set_status(&rt.db, &item, PROCESSING, None, control.fence()).await? {
        // Deleted, replaced, or this attempt's job taken over: nothing of ours to do.
        return Ok(());
    }
    let t1 = std::time::Instant::now();
    let parsed = match item.kind.as_str() {
        "qa" => None,
        _ => Some(parse_item(rt, &item).await?),
    };
    let t2 = std::time::Instant::now();
    let embedder = rt.embedder.clone();
    let options = chunk_options(rt);
    let work_item = item.clone();
    let work_control = control.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let mut progress = |done: usize, total: usize| {
            let fraction = if total == 0 {
                1.0
            } else {
                done as f64 / total as f64
            };
            work_control.set_progress(range.0 + (range.1 - range.0) * fraction);
            !work_control.is_canceled()
        };
        let alternates: Vec<String> =
            serde_json::from_value(work_item.alternate_questions.clone()).unwrap_or_default();
        let source = match &parsed {
            Some(parsed) => Source::Document {
                title: &work_item.title,
                parsed,
            },
            None => Source::Qa {
                question: work_item.question.as_deref().unwrap_or_default(),
                alternates: &alternates,
                answer: work_item.answer.as_deref().unwrap_or_default(),
            },
        };
        prepare(source, &*embedder, options, &mut progress)
    })
    .await
    .map_err(blocking_failed)?
    .map_err(|e| match e {
        PrepareError::Canceled => Failure::Canceled,
        PrepareError::Model(e) => Failure::Permanent(format!("embedding failed: {e}")),
    })?;
    let t3 = std::time::Instant::now();
    let chunks = prepared.chunks.len();
    if store::replace_chunks(&rt.db, &item, prepared, control.fence()).await? {
        crate::enrich::schedule_summary(rt, &item).await;
    } else {
        tracing::info!(knowledge_id = %item.id, "item changed or deleted while processing; result dropped");
    }
    let ms = |a: std::time::Instant, b: std::time::Instant| (b - a).as_secs_f64() * 1e3;
    let t4 = std::time::Instant::now();
    // Seen on `/metrics` of a server running its workers in process.
    metrics::histogram!("companin_ingestion_duration_seconds", "kind" => item.kind.clone())
        .record((t4 - t0).as_secs_f64());
    tracing::info!(
        knowledge_id = %item.id,
        chunks,
        mark_ms = ms(t0, t1),
        parse_ms = ms(t1, t2),
        prepare_ms = ms(t2, t3),
        store_ms = ms(t3, t4),
        "item ingested"
    );
    Ok(())
}

/// Records a final failure on the item: a canceled re-process keeps the chunks it had.
pub async fn fail_item(
    rt: &Runtime,
    item: &knowledge_item::Model,
    failure: &Failure,
    control: &Control,
) -> Result<(), DbErr> {
    let (status, error) = match failure {
        Failure::Canceled if item.chunk_count > 0 => (READY, None),
        Failure::Canceled => (FAILED, Some("ingestion was canceled".to_owned())),
        other => (FAILED, Some(other.message())),
    };
    store::set_status(&rt.db, item, status, error, control.fence())
        .await
        .map(|_| ())
}

/// The tenant's item with this id, if it still exists.
pub async fn find_item(
    rt: &Runtime,
    org_id: &str,
    env: Environment,
    id: &str,
) -> Result<Option<knowledge_item::Model>, DbErr> {
    use knowledge_item::Column as C;
    knowledge_item::Entity::find_by_id(id)
        .filter(C::OrgId.eq(org_id))
        .filter(C::Environment.eq(env))
        .one(&rt.db)
        .await
}

/// The items a reindex covers: one, or all of the tenant's, oldest first.
pub async fn reindex_items(
    rt: &Runtime,
    org_id: &str,
    env: Environment,
    only: Option<&str>,
) -> Result<Vec<knowledge_item::Model>, DbErr> {
    use knowledge_item::Column as C;
    let mut q = knowledge_item::Entity::find()
        .filter(C::OrgId.eq(org_id))
        .filter(C::Environment.eq(env));
    if let Some(id) = only {
        q = q.filter(C::Id.eq(id));
    }
    q.order_by_asc(C::CreatedAt).all(&rt.db).await
}
