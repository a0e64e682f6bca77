//! What every job kind shares: how an attempt fails, finding and failing the item a job is
//! about, and parsing its source off the async threads. The ingest, crawl and enrich jobs
//! import this module and not each other's internals.

use std::time::Duration;

use companin_entity::{Environment, KnowledgeStatus, knowledge_item};
use companin_ingest::parse::pdf::Reader;
use companin_ingest::parse::{parse, plain};
use companin_ingest::{ChunkOptions, ParseError, Parsed, SourceFormat};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use crate::Runtime;
use crate::progress::Control;
use crate::store;

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

/// The item's stored source, parsed.
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

/// Records a final failure on the item: a canceled re-process keeps the chunks it had.
pub async fn fail_item(
    rt: &Runtime,
    item: &knowledge_item::Model,
    failure: &Failure,
    control: &Control,
) -> Result<(), DbErr> {
    let (status, error) = match failure {
        Failure::Canceled if item.chunk_count > 0 => (KnowledgeStatus::Ready, None),
        Failure::Canceled => (
            KnowledgeStatus::Failed,
            Some("ingestion was canceled".to_owned()),
        ),
        other => (KnowledgeStatus::Failed, Some(other.message())),
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
