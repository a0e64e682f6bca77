//! Snapshots of a tenant's index in the data directory, so that a restart loads the index
//! instead of rebuilding it: the vectors with their graph (building it is the slow part), the
//! BM25 index's files and each slot's state. A restart then reads from the database only the
//! chunk ids, and the rows of the chunks added since the snapshot; the database stays the
//! source of truth.
//!
//! Layout: `<root>/<org>-<environment>/CURRENT` names the live snapshot folder, which holds
//! the vectors and graph (`dense.bin`), the BM25 index (`lexical/`) and `manifest.json` (the
//! index version, the vector size, the chunk id and state of every slot and the size of
//! `dense.bin`). A snapshot is written in a fresh folder and `CURRENT` is replaced by a rename,
//! so a reader (in this or another process) sees the old snapshot or the new one, never half
//! of one. Snapshots of earlier releases (an hnsw_rs graph, or the graph alone) are not read:
//! the index is rebuilt from the database once and written anew.

use std::path::{Path, PathBuf};

use companin_entity::Environment;
use serde::{Deserialize, Serialize};

use crate::dense::DenseIndex;
use crate::lexical::LexicalIndex;
use crate::tenant::{SlotState, TenantIndex};

const MANIFEST: &str = "manifest.json";
/// The BM25 index's folder.
const LEXICAL: &str = "lexical";
const CURRENT: &str = "CURRENT";

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
    /// The size of the dense index's file (absent in snapshots of earlier releases, whose
    /// graph was hnsw_rs' files).
    #[serde(default)]
    dense_bytes: Option<u64>,
    /// Each slot's item, language and vector flag (absent in the graph-only snapshots of
    /// earlier releases).
    #[serde(default)]
    state: Option<SlotState>,
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
        let dense_bytes = index.dense().write(&dir)?;
        let lexical = dir.join(LEXICAL);
        std::fs::create_dir_all(&lexical)
            .map_err(|e| format!("creating {}: {e}", lexical.display()))?;
        index.lexical().save(&lexical)?;
        let manifest = Manifest {
            version: index.version(),
            dim: index.dim(),
            embedder: Some(self.embedder.clone()),
            slots: index
                .slots()
                .into_iter()
                .map(|s| s.map(str::to_owned))
                .collect(),
            dense_bytes: Some(dense_bytes),
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

    /// The tenant's snapshot, if there is one, or why it cannot be used.
    pub fn load(&self, org_id: &str, env: Environment) -> Result<Option<TenantIndex>, String> {
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
        let (Some(dense_bytes), Some(state)) = (manifest.dense_bytes, manifest.state) else {
            return Err("it was written by an earlier release in another format".into());
        };
        let dense = DenseIndex::read(&dir, manifest.dim, dense_bytes)?;
        let lexical = LexicalIndex::load(&dir.join(LEXICAL))?;
        TenantIndex::restore(manifest.version, dense, manifest.slots, state, lexical).map(Some)
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
