//! One index per tenant (organization + environment), kept in step with the database.
//!
//! The database is the source of truth. Every change to a tenant's chunks moves its
//! `environments.index_version` in the same transaction, whichever process made it; before a
//! search the registry reads that number, and when it moved it reads the log of changes since
//! the version it holds (`companin_entity::index_log`; every chunk id only when the index is
//! older than the log): new chunks are loaded and inserted, vanished ones masked. When
//! masked slots pass a share of the index, or at first use, the index is built anew off to
//! the side while the old one keeps answering.
//!
//! A registry serves the vectors of one embedding model (the server's). Chunks whose vectors
//! another model made (stored before a model change, until `companin reindex` re-embeds them)
//! are held for BM25 only, so search keeps finding them by their words meanwhile; vectors of
//! two models are never compared.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use companin_entity::db::begin_snapshot;
use companin_entity::knowledge_chunk::{self, decode_vector};
use companin_entity::{Environment, environment, knowledge_chunk_removal};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use tokio::sync::RwLock;

use crate::snapshot::SnapshotStore;
use crate::tenant::{ChunkRow, Hit, Query, TenantIndex};

/// Rows per database round trip when loading chunks.
const LOAD_PAGE: u64 = 1_000;
/// Ids per `IN (...)` list.
const IN_BATCH: usize = 500;
/// Masked slots that trigger a rebuild: at least this many...
const REBUILD_MIN_MASKED: usize = 1_000;
/// ...and at least this share of the slots.
const REBUILD_MASKED_SHARE: f64 = 0.2;
/// Chunks added since the last snapshot that make a new one worth writing: at least this
/// many, and a tenth of the index.
const SAVE_MIN_UNSAVED: usize = 1_000;
/// Catch-ups a search makes when its tenant's index is dropped from memory (by another
/// tenant's search, over the memory budget) between catching up and searching.
const EVICTED_RETRIES: usize = 3;

fn needs_rebuild(masked: usize, slots: usize) -> bool {
    masked >= REBUILD_MIN_MASKED && masked as f64 >= REBUILD_MASKED_SHARE * slots as f64
}

#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    #[error("reading the knowledge index from the database: {0}")]
    Db(#[from] DbErr),
    #[error("the lexical index: {0}")]
    Lexical(#[from] tantivy::TantivyError),
    #[error("building the index: {0}")]
    Task(String),
    #[error(
        "the knowledge index was dropped from memory {EVICTED_RETRIES} times before it could be searched: search.memory_budget_mb is too small for the tenants searched at once"
    )]
    Evicted,
}

type Key = (String, Environment);
type Shared = Arc<RwLock<Option<TenantIndex>>>;

#[derive(Default)]
struct Slot {
    index: Shared,
    /// One catch-up at a time per tenant; searches wait for it rather than each repeating it.
    syncing: tokio::sync::Mutex<()>,
    /// The registry's clock at its last search: the least recent goes first over the budget.
    last_used: AtomicU64,
    /// Its index's bytes (estimated) at its last catch-up; 0 when not in memory.
    bytes: AtomicUsize,
}

/// The per-tenant indexes of this process.
pub struct Registry {
    db: DatabaseConnection,
    /// The model whose vectors this registry searches.
    embedder: String,
    tenants: Mutex<HashMap<Key, Arc<Slot>>>,
    snapshots: Option<SnapshotStore>,
    /// Bytes the tenants' indexes may hold together; `None`: no limit.
    budget: Option<usize>,
    /// Searches so far: the time of [`Slot::last_used`].
    clock: AtomicU64,
}

/// What a catch-up did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatchUp {
    pub rebuilt: bool,
    /// Started from the snapshot in the data directory.
    pub loaded_snapshot: bool,
    pub added: usize,
    pub removed: usize,
    /// Read only what changed since the index's version, from the log of chunk changes (not
    /// every chunk id).
    pub from_log: bool,
}

impl Registry {
    /// A registry over `db` for vectors of the model named `embedder`.
    pub fn new(db: DatabaseConnection, embedder: &str) -> Registry {
        Registry {
            db,
            embedder: embedder.to_owned(),
            tenants: Mutex::new(HashMap::new()),
            snapshots: None,
            budget: None,
            clock: AtomicU64::new(0),
        }
    }

    /// Holds the tenants' indexes to about `bytes` together (0: no limit): past it, the least
    /// recently searched are dropped from memory, and loaded again (from their snapshot, when
    /// there is one) at their next search.
    pub fn with_memory_budget(mut self, bytes: usize) -> Registry {
        self.budget = (bytes > 0).then_some(bytes);
        self
    }

    /// Tenants whose index is in memory, and the bytes those hold (estimated).
    pub fn resident(&self) -> (usize, usize) {
        let tenants = self
            .tenants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bytes: Vec<usize> = tenants
            .values()
            .map(|slot| slot.bytes.load(Ordering::Relaxed))
            .filter(|b| *b > 0)
            .collect();
        (bytes.len(), bytes.iter().sum())
    }

    /// Keeps snapshots of the graphs under `root`, and starts from them.
    pub fn with_snapshots(mut self, root: PathBuf) -> Registry {
        self.snapshots = Some(SnapshotStore::new(root, &self.embedder));
        self
    }

    fn slot(&self, org_id: &str, env: Environment) -> Arc<Slot> {
        let mut tenants = self
            .tenants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tenants.entry((org_id.to_owned(), env)).or_default().clone()
    }

    /// The tenant's slot, marked as the most recently used.
    fn used_slot(&self, org_id: &str, env: Environment) -> Arc<Slot> {
        let slot = self.slot(org_id, env);
        let now = self.clock.fetch_add(1, Ordering::Relaxed) + 1;
        slot.last_used.store(now, Ordering::Relaxed);
        slot
    }

    /// Searches the tenant's knowledge, catching up with the database first.
    pub async fn search(
        &self,
        org_id: &str,
        env: Environment,
        query: &Query<'_>,
    ) -> Result<Vec<Hit>, RetrievalError> {
        let slot = self.used_slot(org_id, env);
        // A catch-up always leaves an index: none there means another tenant's search dropped
        // it in between, over the memory budget.
        for _ in 0..EVICTED_RETRIES {
            self.catch_up(&slot, org_id, env).await?;
            let index = slot.index.read().await;
            if let Some(index) = index.as_ref() {
                return Ok(index.search(query)?);
            }
        }
        Err(RetrievalError::Evicted)
    }

    /// Brings the tenant's index up to the database's index version (building it on first use).
    pub async fn sync(&self, org_id: &str, env: Environment) -> Result<CatchUp, RetrievalError> {
        let slot = self.used_slot(org_id, env);
        self.catch_up(&slot, org_id, env).await
    }

    /// The tenant's index version and where its change log starts, as `conn` sees them.
    async fn tenant_state(
        &self,
        conn: &impl ConnectionTrait,
        org_id: &str,
        env: Environment,
    ) -> Result<TenantState, DbErr> {
        Ok(environment::Entity::find_by_id((org_id.to_owned(), env))
            .one(conn)
            .await?
            .map_or(TenantState::default(), |e| TenantState {
                version: e.index_version,
                log_from: e.index_log_from,
            }))
    }

    async fn catch_up(
        &self,
        slot: &Slot,
        org_id: &str,
        env: Environment,
    ) -> Result<CatchUp, RetrievalError> {
        let version = self.tenant_state(&self.db, org_id, env).await?.version;
        if held_version(&slot.index).await == Some(version) {
            return Ok(CatchUp::default());
        }
        let _syncing = slot.syncing.lock().await;
        let started = Instant::now();
        // The version and the changes that led to it are read in one snapshot, so they agree.
        let txn = begin_snapshot(&self.db).await?;
        let state = self.tenant_state(&txn, org_id, env).await?;
        let version = state.version;
        if held_version(&slot.index).await == Some(version) {
            return Ok(CatchUp::default());
        }
        let held = {
            let index = slot.index.read().await;
            match index.as_ref() {
                // An index built while the tenant had no chunks does not know the vector size
                // yet: build it anew.
                Some(index) if index.dim() > 0 => Some(Held::of(index, state)),
                _ => None,
            }
        };
        let outcome = match held {
            Some(held) => {
                let delta = self.delta(&txn, org_id, env, &held).await?;
                drop(txn);
                let masked_after = held.masked + delta.removed.len();
                let slots_after = held.len + held.masked + delta.added.len();
                if needs_rebuild(masked_after, slots_after) {
                    self.rebuild(slot, org_id, env, version, held.len).await?
                } else {
                    let mut guard = slot.index.clone().write_owned().await;
                    let outcome =
                        tokio::task::spawn_blocking(move || -> Result<CatchUp, RetrievalError> {
                            let Some(index) = guard.as_mut() else {
                                return Ok(CatchUp::default());
                            };
                            let outcome = delta.apply(index)?;
                            index.set_version(version);
                            Ok(outcome)
                        })
                        .await
                        .map_err(|e| RetrievalError::Task(e.to_string()))??;
                    let worth_saving = slot
                        .index
                        .read()
                        .await
                        .as_ref()
                        .is_some_and(|i| i.unsaved() >= SAVE_MIN_UNSAVED.max(i.len() / 10));
                    if worth_saving {
                        self.save(slot, org_id, env).await;
                    }
                    outcome
                }
            }
            None => {
                drop(txn);
                match self.load_snapshot(slot, org_id, env).await? {
                    Some(outcome) => outcome,
                    None => self.rebuild(slot, org_id, env, version, 0).await?,
                }
            }
        };
        tracing::info!(
            org_id,
            environment = %env,
            version,
            rebuilt = outcome.rebuilt,
            loaded_snapshot = outcome.loaded_snapshot,
            added = outcome.added,
            removed = outcome.removed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "knowledge index caught up"
        );
        let bytes = slot
            .index
            .read()
            .await
            .as_ref()
            .map_or(0, TenantIndex::memory_bytes);
        slot.bytes.store(bytes, Ordering::Relaxed);
        self.enforce_budget(slot).await;
        Ok(outcome)
    }

    /// Drops the least recently searched indexes other than `keep`'s until the rest fit the
    /// budget. One that is catching up is passed over (it is in use).
    async fn enforce_budget(&self, keep: &Slot) {
        let Some(budget) = self.budget else {
            return;
        };
        let (mut total, candidates) = {
            let tenants = self
                .tenants
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let total: usize = tenants
                .values()
                .map(|slot| slot.bytes.load(Ordering::Relaxed))
                .sum();
            let mut candidates: Vec<(Key, Arc<Slot>)> = tenants
                .iter()
                .filter(|(_, slot)| {
                    !std::ptr::eq(slot.as_ref(), keep) && slot.bytes.load(Ordering::Relaxed) > 0
                })
                .map(|(key, slot)| (key.clone(), slot.clone()))
                .collect();
            candidates.sort_by_key(|(_, slot)| slot.last_used.load(Ordering::Relaxed));
            (total, candidates)
        };
        for ((org_id, env), slot) in candidates {
            if total <= budget {
                return;
            }
            total = total.saturating_sub(self.evict(&slot, &org_id, env).await);
        }
    }

    /// Drops the tenant's index from memory (writing its snapshot first when it has chunks
    /// the last one lacks), answering the bytes freed; 0 when it is catching up.
    async fn evict(&self, slot: &Slot, org_id: &str, env: Environment) -> usize {
        let Ok(_syncing) = slot.syncing.try_lock() else {
            return 0;
        };
        let unsaved = slot
            .index
            .read()
            .await
            .as_ref()
            .is_some_and(|index| index.unsaved() > 0);
        if unsaved {
            self.save(slot, org_id, env).await;
        }
        *slot.index.write().await = None;
        let freed = slot.bytes.swap(0, Ordering::Relaxed);
        tracing::info!(
            org_id,
            environment = %env,
            freed_bytes = freed,
            "knowledge index dropped from memory (search.memory_budget_mb)"
        );
        freed
    }

    /// Every chunk of the tenant, read in pages.
    async fn all_rows(
        &self,
        conn: &impl ConnectionTrait,
        org_id: &str,
        env: Environment,
        expected: usize,
    ) -> Result<Vec<ChunkRow>, DbErr> {
        let mut rows = Vec::with_capacity(expected);
        let mut after: Option<String> = None;
        loop {
            let mut select = knowledge_chunk::Entity::find()
                .select_only()
                .columns(ROW_COLUMNS)
                .filter(knowledge_chunk::Column::OrgId.eq(org_id))
                .filter(knowledge_chunk::Column::Environment.eq(env))
                .order_by_asc(knowledge_chunk::Column::Id)
                .limit(LOAD_PAGE);
            if let Some(after) = &after {
                select = select.filter(knowledge_chunk::Column::Id.gt(after.as_str()));
            }
            let page: Vec<RowTuple> = select.into_tuple().all(conn).await?;
            let full = page.len() as u64 == LOAD_PAGE;
            after = page.last().map(|r| r.0.clone());
            rows.extend(page.into_iter().map(|r| to_row(r, &self.embedder)));
            if !full {
                return Ok(rows);
            }
        }
    }

    /// Builds the tenant's index from every chunk in the database, swaps it in, and writes
    /// its snapshot.
    async fn rebuild(
        &self,
        slot: &Slot,
        org_id: &str,
        env: Environment,
        version: i64,
        expected: usize,
    ) -> Result<CatchUp, RetrievalError> {
        let rows = self.all_rows(&self.db, org_id, env, expected).await?;
        let built = tokio::task::spawn_blocking(move || -> Result<_, RetrievalError> {
            let dim = dominant_dim(&rows);
            let mut index = TenantIndex::new(dim, rows.len(), version)?;
            let total = rows.len();
            let skipped = index.add(rows)?;
            if skipped > 0 {
                tracing::warn!(
                    skipped,
                    dim,
                    "chunks with vectors of another size were left out of the index (reindex after a model change)"
                );
            }
            Ok((index, total - skipped))
        })
        .await
        .map_err(|e| RetrievalError::Task(e.to_string()))??;
        let (index, added) = built;
        *slot.index.write().await = Some(index);
        self.save(slot, org_id, env).await;
        Ok(CatchUp {
            rebuilt: true,
            added,
            ..CatchUp::default()
        })
    }

    /// Starts the tenant's index from its snapshot plus what changed in the database since:
    /// the rows of the chunks added since are read, and the chunks gone since masked. `None`
    /// when there is no usable snapshot (with a warning when one was there), or when so much
    /// changed that a rebuild is better.
    async fn load_snapshot(
        &self,
        slot: &Slot,
        org_id: &str,
        env: Environment,
    ) -> Result<Option<CatchUp>, RetrievalError> {
        let Some(store) = self.snapshots.clone() else {
            return Ok(None);
        };
        let org = org_id.to_owned();
        let mut index = match tokio::task::spawn_blocking(move || store.load(&org, env)).await {
            Ok(Ok(Some(index))) => index,
            Ok(Ok(None)) => return Ok(None),
            Ok(Err(reason)) => {
                tracing::warn!(org_id, environment = %env, %reason, "the index snapshot is unusable; rebuilding");
                return Ok(None);
            }
            Err(panic) => {
                tracing::warn!(org_id, environment = %env, reason = %panic, "the index snapshot could not be read; rebuilding");
                return Ok(None);
            }
        };
        let txn = begin_snapshot(&self.db).await?;
        let state = self.tenant_state(&txn, org_id, env).await?;
        let version = state.version;
        let delta = self
            .delta(&txn, org_id, env, &Held::of(&index, state))
            .await?;
        drop(txn);
        let (index, outcome) = tokio::task::spawn_blocking(move || -> Result<_, RetrievalError> {
            let outcome = delta.apply(&mut index)?;
            index.set_version(version);
            Ok((index, outcome))
        })
        .await
        .map_err(|e| RetrievalError::Task(e.to_string()))??;
        let masked = index.masked();
        if needs_rebuild(masked, masked + index.len()) {
            return Ok(None);
        }
        let worth_saving = index.unsaved() >= SAVE_MIN_UNSAVED.max(index.len() / 10);
        *slot.index.write().await = Some(index);
        if worth_saving {
            self.save(slot, org_id, env).await;
        }
        Ok(Some(CatchUp {
            loaded_snapshot: true,
            ..outcome
        }))
    }

    /// Writes the tenant's snapshot (best effort: a failure is logged, the index is unharmed).
    async fn save(&self, slot: &Slot, org_id: &str, env: Environment) {
        let Some(store) = self.snapshots.clone() else {
            return;
        };
        let index = slot.index.clone().read_owned().await;
        let org = org_id.to_owned();
        let started = Instant::now();
        let saved = tokio::task::spawn_blocking(move || match index.as_ref() {
            // An index still holding chunks of another model is a passing state: not kept.
            Some(index) if index.dim() > 0 && !index.is_empty() && index.awaiting() == 0 => {
                store.save(&org, env, index).map(|()| true)
            }
            _ => Ok(false),
        })
        .await;
        match saved {
            Ok(Ok(true)) => {
                if let Some(index) = slot.index.write().await.as_mut() {
                    index.mark_saved();
                }
                tracing::info!(
                    org_id,
                    environment = %env,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "knowledge index snapshot written"
                );
            }
            Ok(Ok(false)) => {}
            Ok(Err(reason)) => {
                tracing::warn!(org_id, environment = %env, %reason, "the index snapshot was not written");
            }
            Err(e) => {
                tracing::warn!(org_id, environment = %env, reason = %e, "the index snapshot was not written");
            }
        }
    }

    /// What changed in the tenant's chunks since `held`'s version: from the change log when
    /// it reaches back that far, else by comparing every chunk id.
    async fn delta(
        &self,
        conn: &impl ConnectionTrait,
        org_id: &str,
        env: Environment,
        held: &Held,
    ) -> Result<Delta, DbErr> {
        let Some(ids) = &held.ids else {
            return Ok(Delta {
                added: self
                    .rows_added_since(conn, org_id, env, held.version)
                    .await?,
                removed: self
                    .ids_removed_since(conn, org_id, env, held.version)
                    .await?,
                from_log: true,
            });
        };
        let in_db = self.chunk_ids(conn, org_id, env).await?;
        let (removed, added) = changes(ids, &in_db);
        Ok(Delta {
            added: self.load_rows(conn, &added).await?,
            removed,
            from_log: false,
        })
    }

    /// The chunks added after `version` (or not stamped yet).
    async fn rows_added_since(
        &self,
        conn: &impl ConnectionTrait,
        org_id: &str,
        env: Environment,
        version: i64,
    ) -> Result<Vec<ChunkRow>, DbErr> {
        use knowledge_chunk::Column as C;
        let rows: Vec<RowTuple> = knowledge_chunk::Entity::find()
            .select_only()
            .columns(ROW_COLUMNS)
            .filter(C::OrgId.eq(org_id))
            .filter(C::Environment.eq(env))
            .filter(
                Condition::any()
                    .add(C::AddedVersion.gt(version))
                    .add(C::AddedVersion.is_null()),
            )
            .into_tuple()
            .all(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| to_row(r, &self.embedder))
            .collect())
    }

    /// The chunks deleted after `version` (or not stamped yet).
    async fn ids_removed_since(
        &self,
        conn: &impl ConnectionTrait,
        org_id: &str,
        env: Environment,
        version: i64,
    ) -> Result<Vec<String>, DbErr> {
        use knowledge_chunk_removal::Column as C;
        knowledge_chunk_removal::Entity::find()
            .select_only()
            .column(C::ChunkId)
            .filter(C::OrgId.eq(org_id))
            .filter(C::Environment.eq(env))
            .filter(
                Condition::any()
                    .add(C::Version.gt(version))
                    .add(C::Version.is_null()),
            )
            .into_tuple()
            .all(conn)
            .await
    }

    async fn chunk_ids(
        &self,
        conn: &impl ConnectionTrait,
        org_id: &str,
        env: Environment,
    ) -> Result<HashSet<String>, DbErr> {
        let ids: Vec<String> = knowledge_chunk::Entity::find()
            .select_only()
            .column(knowledge_chunk::Column::Id)
            .filter(knowledge_chunk::Column::OrgId.eq(org_id))
            .filter(knowledge_chunk::Column::Environment.eq(env))
            .into_tuple()
            .all(conn)
            .await?;
        Ok(ids.into_iter().collect())
    }

    async fn load_rows(
        &self,
        conn: &impl ConnectionTrait,
        ids: &[String],
    ) -> Result<Vec<ChunkRow>, DbErr> {
        let mut rows = Vec::with_capacity(ids.len());
        for batch in ids.chunks(IN_BATCH) {
            let page: Vec<RowTuple> = knowledge_chunk::Entity::find()
                .select_only()
                .columns(ROW_COLUMNS)
                .filter(knowledge_chunk::Column::Id.is_in(batch.iter().map(String::as_str)))
                .into_tuple()
                .all(conn)
                .await?;
            rows.extend(page.into_iter().map(|r| to_row(r, &self.embedder)));
        }
        Ok(rows)
    }
}

/// The chunks an index holds that the database no longer has, and those it lacks.
fn changes(held: &HashSet<String>, in_db: &HashSet<String>) -> (Vec<String>, Vec<String>) {
    (
        held.difference(in_db).cloned().collect(),
        in_db.difference(held).cloned().collect(),
    )
}

/// A tenant's index version and where its change log starts.
#[derive(Debug, Clone, Copy, Default)]
struct TenantState {
    version: i64,
    log_from: i64,
}

/// What a catch-up needs to know of the index it brings up to date.
struct Held {
    version: i64,
    len: usize,
    masked: usize,
    /// Its chunk ids, when the change log cannot say what changed since its version (and the
    /// ids have to be compared whole): older than the log, or newer than the database (a
    /// snapshot kept across a restore of an older backup).
    ids: Option<HashSet<String>>,
}

impl Held {
    fn of(index: &TenantIndex, state: TenantState) -> Held {
        let version = index.version();
        Held {
            version,
            len: index.len(),
            masked: index.masked(),
            ids: (version < state.log_from || version > state.version)
                .then(|| index.chunk_ids().map(str::to_owned).collect()),
        }
    }
}

/// The chunks added to and deleted from a tenant since an index's version. Read from the log,
/// it may name chunks the index already holds or never held (an index rebuilt from rows read
/// after its version was, or chunks written without a bump); applying it skips those.
struct Delta {
    added: Vec<ChunkRow>,
    removed: Vec<String>,
    from_log: bool,
}

impl Delta {
    fn apply(self, index: &mut TenantIndex) -> Result<CatchUp, RetrievalError> {
        let Delta {
            mut added,
            mut removed,
            from_log,
        } = self;
        removed.retain(|id| index.contains(id));
        index.remove(removed.iter().map(String::as_str));
        added.retain(|row| !index.contains(&row.id));
        let new = added.len();
        let skipped = index.add(added)?;
        Ok(CatchUp {
            added: new - skipped,
            removed: removed.len(),
            from_log,
            ..CatchUp::default()
        })
    }
}

async fn held_version(index: &Shared) -> Option<i64> {
    index.read().await.as_ref().map(TenantIndex::version)
}

type RowTuple = (String, String, String, Option<String>, String, Vec<u8>);

const ROW_COLUMNS: [knowledge_chunk::Column; 6] = [
    knowledge_chunk::Column::Id,
    knowledge_chunk::Column::KnowledgeId,
    knowledge_chunk::Column::Content,
    knowledge_chunk::Column::Language,
    knowledge_chunk::Column::Embedder,
    knowledge_chunk::Column::Embedding,
];

/// A stored chunk as the index takes it: without a vector when another model than `embedder`
/// made it.
fn to_row(
    (id, knowledge_id, content, language, model, embedding): RowTuple,
    embedder: &str,
) -> ChunkRow {
    ChunkRow {
        id,
        knowledge_id,
        content,
        language,
        vector: if model == embedder {
            decode_vector(&embedding)
        } else {
            Vec::new()
        },
    }
}

/// The vector size most chunks with a vector have.
fn dominant_dim(rows: &[ChunkRow]) -> usize {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for r in rows.iter().filter(|r| !r.vector.is_empty()) {
        *counts.entry(r.vector.len()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(dim, n)| (n, dim))
        .map_or(0, |(dim, _)| dim)
}
