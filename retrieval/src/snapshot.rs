//! Snapshots of a tenant's index in the data directory, so that a restart loads the index
//! instead of rebuilding it: the graph (building it is the slow part), the BM25 index's files
//! and each slot's state. A restart then reads from the database only the chunk ids, and the
//! rows of the chunks added since the snapshot; the database stays the source of truth.
//!
//! Layout: `<root>/<org>-<environment>/CURRENT` names the live snapshot folder, which holds
//! the graph (`graph.hnsw.graph`, `graph.hnsw.data`), the BM25 index (`lexical/`) and
//! `manifest.json` (the index version, the vector size, the chunk id and state of every slot
//! and the graph files' sizes). A snapshot is written in a fresh folder and `CURRENT` is
//! replaced by a rename, so a reader (in this or another process) sees the old snapshot or the
//! new one, never half of one. Snapshots written before the BM25 index and the slot states
//! were kept hold the graph only: their chunks' rows are read to complete them.

use std::path::{Path, PathBuf};

use companin_entity::Environment;
use serde::{Deserialize, Serialize};

use crate::dense::{self, DenseIndex};
use crate::lexical::LexicalIndex;
use crate::tenant::{SlotState, TenantIndex};

const MANIFEST: &str = "manifest.json";
/// The BM25 index's folder.
const LEXICAL: &str = "lexical";
const CURRENT: &str = "CURRENT";
const GRAPH_FILES: [&str; 2] = ["graph.hnsw.graph", "graph.hnsw.data"];

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    version: i64,
    dim: usize,
    /// The model whose vectors the graph holds (absent in snapshots written before models
    /// were recorded: those held all-MiniLM-L6-v2's).
    #[serde(default)]
    embedder: Option<String>,
    /// The chunk id of each slot; `None` for a masked slot.
    slots: Vec<Option<String>>,
    /// Sizes of [`GRAPH_FILES`], checked before loading (hnsw_rs panics on a short file).
    file_sizes: [u64; 2],
    /// Each slot's item, language and vector flag (absent in graph-only snapshots).
    #[serde(default)]
    state: Option<SlotState>,
}

/// A loaded snapshot.
pub enum Snapshot {
    /// The whole index as it was at its version.
    Whole(Box<TenantIndex>),
    /// The graph only (a snapshot written before the rest was kept): the chunks' rows complete
    /// it ([`TenantIndex::from_snapshot`]).
    Graph {
        version: i64,
        dense: Box<DenseIndex>,
        slots: Vec<Option<String>>,
    },
}

/// Where snapshots live.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    root: PathBuf,
    /// The model of the vectors saved and accepted.
    embedder: String,
}

/// The model of snapshots that do not name one.
const FIRST_EMBEDDER: &str = "all-MiniLM-L6-v2";

impl SnapshotStore {
    pub fn new(root: PathBuf, embedder: &str) -> SnapshotStore {
        SnapshotStore {
            root,
            embedder: embedder.to_owned(),
        }
    }

    fn tenant_dir(&self, org_id: &str, env: Environment) -> PathBuf {
        self.root.join(format!("{org_id}-{env}"))
    }

    /// Writes `index` as the tenant's snapshot and removes the one it replaces.
    pub fn save(&self, org_id: &str, env: Environment, index: &TenantIndex) -> Result<(), String> {
        let tenant = self.tenant_dir(org_id, env);
        let name = format!("v{}-{}", index.version(), uuid_like());
        let dir = tenant.join(&name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        index.dense().dump(&dir)?;
        let lexical = dir.join(LEXICAL);
        std::fs::create_dir_all(&lexical)
            .map_err(|e| format!("creating {}: {e}", lexical.display()))?;
        index.lexical().save(&lexical)?;
        let mut file_sizes = [0u64; 2];
        for (size, file) in file_sizes.iter_mut().zip(GRAPH_FILES) {
            *size = std::fs::metadata(dir.join(file))
                .map_err(|e| format!("{file}: {e}"))?
                .len();
        }
        let manifest = Manifest {
            version: index.version(),
            dim: index.dim(),
            embedder: Some(self.embedder.clone()),
            slots: index
                .slots()
                .into_iter()
                .map(|s| s.map(str::to_owned))
                .collect(),
            file_sizes,
            state: Some(index.slot_state()),
        };
        let json = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(MANIFEST), json).map_err(|e| format!("manifest: {e}"))?;
        let previous = std::fs::read_to_string(tenant.join(CURRENT)).ok();
        let pointer = tenant.join(format!("{CURRENT}.{name}"));
        std::fs::write(&pointer, &name).map_err(|e| format!("{CURRENT}: {e}"))?;
        std::fs::rename(&pointer, tenant.join(CURRENT)).map_err(|e| format!("{CURRENT}: {e}"))?;
        if let Some(previous) = previous.filter(|p| !p.is_empty() && *p != name) {
            // Best effort: a process still reading it has its own copy in memory by now or
            // falls back to a rebuild.
            let _ = std::fs::remove_dir_all(tenant.join(previous.trim()));
        }
        Ok(())
    }

    /// The tenant's snapshot, if there is a usable one. Must run where a panic is caught
    /// (see [`dense::load_graph`]).
    pub fn load(&self, org_id: &str, env: Environment) -> Result<Option<Snapshot>, String> {
        let tenant = self.tenant_dir(org_id, env);
        let Ok(name) = std::fs::read_to_string(tenant.join(CURRENT)) else {
            return Ok(None);
        };
        let dir = tenant.join(name.trim());
        let manifest: Manifest = serde_json::from_slice(
            &std::fs::read(dir.join(MANIFEST)).map_err(|e| format!("manifest: {e}"))?,
        )
        .map_err(|e| format!("manifest: {e}"))?;
        let made_by = manifest.embedder.as_deref().unwrap_or(FIRST_EMBEDDER);
        if made_by != self.embedder {
            return Err(format!(
                "it holds vectors of {made_by}, this server embeds with {}",
                self.embedder
            ));
        }
        for (size, file) in manifest.file_sizes.iter().zip(GRAPH_FILES) {
            let actual = std::fs::metadata(dir.join(file))
                .map_err(|e| format!("{file}: {e}"))?
                .len();
            if actual != *size {
                return Err(format!(
                    "{file} is {actual} bytes, the manifest says {size}"
                ));
            }
        }
        let graph = dense::load_graph(&dir)?;
        let dense = DenseIndex::from_graph(manifest.dim, graph)
            .ok_or("the graph's nodes are not numbered by slot")?;
        if dense.len() != manifest.slots.len() {
            return Err(format!(
                "the graph holds {} points, the manifest {} slots",
                dense.len(),
                manifest.slots.len()
            ));
        }
        let Some(state) = manifest.state else {
            return Ok(Some(Snapshot::Graph {
                version: manifest.version,
                dense: Box::new(dense),
                slots: manifest.slots,
            }));
        };
        let lexical = LexicalIndex::load(&dir.join(LEXICAL))?;
        let index = TenantIndex::restore(manifest.version, dense, manifest.slots, state, lexical)?;
        Ok(Some(Snapshot::Whole(Box::new(index))))
    }
}

/// A name no other writer picks: the process id and a clock reading.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos:x}", std::process::id())
}

/// Whether `path` looks like a snapshot root (for tests and tools).
pub fn has_snapshot(root: &Path, org_id: &str, env: Environment) -> bool {
    root.join(format!("{org_id}-{env}")).join(CURRENT).is_file()
}
