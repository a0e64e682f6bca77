//! A scratch tenant for measurements: its own SQLite database in a scratch folder, the real
//! create path and the real workers, so benchmarks and evaluations exercise the pipeline users
//! get.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::Settings;
use companin_entity::{Environment, KnowledgeStatus, knowledge_item, organization};
use companin_inference::Embedder;
use companin_service::auth::jwt::JwtKeys;
use companin_service::auth::seal::SecretSeal;
use companin_service::db::Pools;
use companin_service::knowledge::{self, NewItem, NewSource};
use companin_service::telemetry::{TelemetryShutdown, TelemetryWriter};
use companin_service::{Actor, Platform, Tenant, orgs};
use companin_worker::{Lane, Queue, Runtime};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;

/// The scratch organization's name (found again when a kept folder is reused).
const ORG_NAME: &str = "scratch";

/// A document to ingest as a text item: a line of a BEIR corpus.
#[derive(Debug, Deserialize)]
pub struct Doc {
    #[serde(rename = "_id", default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub text: String,
}

/// Reads a BEIR corpus (JSON lines of `{_id, title, text}`), the first `limit` documents.
pub fn read_corpus(path: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Doc>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut docs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let doc: Doc = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", path.display(), n + 1))?;
        docs.push(doc);
        if limit.is_some_and(|l| docs.len() >= l) {
            break;
        }
    }
    Ok(docs)
}

/// What an ingestion produced.
pub struct Ingested {
    /// The item id of each document (`None` when it was refused).
    pub item_ids: Vec<Option<String>>,
    /// Items newly created (the rest already existed in a reused folder).
    pub created: usize,
    pub ready: u64,
    pub failed: u64,
    pub chunks: i64,
    pub enqueue: Duration,
    pub elapsed: Duration,
}

/// The `p` quantile (0 to 1) of sorted durations, in milliseconds (0 for none).
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

pub struct Scratch {
    dir: PathBuf,
    keep: bool,
    pools: Pools,
    pub state: Arc<Platform>,
    pub tenant: Tenant,
    stop: tokio::sync::oneshot::Sender<()>,
    workers: tokio::task::JoinHandle<anyhow::Result<()>>,
    telemetry: TelemetryShutdown,
}

impl Scratch {
    /// Opens a scratch tenant in `dir` (kept afterwards, and reused when it already holds
    /// one), or in a fresh temporary folder removed on [`Scratch::close`].
    pub async fn open(
        settings: &Settings,
        embedder: Arc<Embedder>,
        dir: Option<&Path>,
    ) -> anyhow::Result<Scratch> {
        let keep = dir.is_some();
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => std::env::temp_dir().join(format!(
                "companin-scratch-{}",
                uuid::Uuid::now_v7().simple()
            )),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut s = settings.clone();
        s.data_dir = dir.clone();
        s.database_url = None;
        s.auto_migrate = Some(true);
        let pools = Pools::open(&s).await?;
        companin_service::db::prepare(&pools.write, &s).await?;
        let queue = Queue::connect(&s).await?;
        let existing = organization::Entity::find()
            .filter(organization::Column::Name.eq(ORG_NAME))
            .one(&pools.read)
            .await?;
        let org_id = match existing {
            Some(org) => org.id,
            None => {
                orgs::create(
                    &pools.write,
                    &SecretSeal::new(&s.jwt_secret()?),
                    ORG_NAME,
                    orgs::OwnLimits {
                        per_hour: Some(i64::from(u32::MAX)),
                        per_day: Some(i64::from(u32::MAX)),
                    },
                    &Actor::Cli,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?
                .org
                .id
            }
        };
        let tenant = Tenant {
            org_id: companin_service::ids::OrgId::from_db(org_id),
            environment: Environment::Production,
        };
        let (telemetry, telemetry_stop) =
            TelemetryWriter::spawn(pools.write.clone(), 250, Duration::from_millis(200));
        let state = Arc::new(Platform::new(
            pools.clone(),
            s.clone(),
            JwtKeys::new(&s.jwt_secret()?),
            telemetry,
            Some(queue.clone()),
        )?);
        let runtime = Arc::new(Runtime::new(pools.write.clone(), embedder, s)?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let workers = tokio::spawn(companin_worker::run_workers(
            runtime,
            queue,
            Lane::Jobs,
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Scratch {
            dir,
            keep,
            pools,
            state,
            tenant,
            stop,
            workers,
            telemetry: telemetry_stop,
        })
    }

    /// Creates a text item per document and waits until every item is `ready` or `failed`,
    /// with a progress bar.
    pub async fn ingest(&self, docs: &[Doc]) -> anyhow::Result<Ingested> {
        let bar = ProgressBar::new(docs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} ready  {elapsed_precise}  {per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let started = Instant::now();
        let mut created = 0usize;
        let mut item_ids = Vec::with_capacity(docs.len());
        for d in docs {
            let item = NewItem {
                title: Some(d.title.chars().take(500).collect()),
                source: NewSource::Text {
                    content: d.text.clone(),
                },
                metadata: None,
                assistant_ids: None,
                language: None,
                replace: false,
            };
            match knowledge::create(&self.state, &self.tenant, &Actor::Cli, item).await {
                Ok(knowledge::Created::Accepted(row)) => {
                    created += 1;
                    item_ids.push(Some(row.id));
                }
                Ok(knowledge::Created::Existing(row)) => item_ids.push(Some(row.id)),
                Err(e) if e.code == companin_service::error::ErrorCode::ValidationError => {
                    item_ids.push(None)
                }
                Err(e) => anyhow::bail!("creating an item failed: {}", e.detail),
            }
        }
        let enqueue = started.elapsed();
        let db = &self.pools.read;
        let count = |statuses: &'static [KnowledgeStatus]| {
            knowledge_item::Entity::find()
                .filter(knowledge_item::Column::Status.is_in(statuses.iter().copied()))
                .count(db)
        };
        let (ready, failed) = loop {
            let ready = count(&[KnowledgeStatus::Ready]).await?;
            let failed = count(&[KnowledgeStatus::Failed]).await?;
            bar.set_position(ready + failed);
            if count(&[KnowledgeStatus::Pending, KnowledgeStatus::Processing]).await? == 0 {
                break (ready, failed);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let elapsed = started.elapsed();
        bar.finish_and_clear();
        let items = knowledge_item::Entity::find().all(db).await?;
        let chunks = items.iter().map(|i| i64::from(i.chunk_count)).sum();
        Ok(Ingested {
            item_ids,
            created,
            ready,
            failed,
            chunks,
            enqueue,
            elapsed,
        })
    }

    /// Stops the workers, closes the database and removes the folder unless it is kept.
    pub async fn close(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.workers.await.context("worker task")??;
        self.telemetry.shutdown().await;
        self.pools.close().await;
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        Ok(())
    }
}
