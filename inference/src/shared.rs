//! One loaded copy of each model per process: everything that asks for the same folder and
//! options (the API's search, the workers, a second server in one test process) shares it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::{Embedder, EmbedderOptions, Generator, GeneratorOptions, ModelError};

/// A model loaded from a folder with options.
type Loaded<O, M> = Mutex<Option<(PathBuf, O, Arc<M>)>>;

/// Returns the model in `slot` when it was loaded from `models_dir` with `options`, else loads
/// it (replacing what the slot held).
fn load_once<O: Copy + PartialEq, M>(
    slot: &Loaded<O, M>,
    models_dir: &Path,
    options: O,
    load: impl FnOnce(&Path, O) -> Result<M, ModelError>,
) -> Result<Arc<M>, ModelError> {
    let mut loaded = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((dir, opts, model)) = loaded.as_ref()
        && dir == models_dir
        && *opts == options
    {
        return Ok(model.clone());
    }
    let model = Arc::new(load(models_dir, options)?);
    *loaded = Some((models_dir.to_path_buf(), options, model.clone()));
    Ok(model)
}

/// The process's embedder from `models_dir` with `options`, loaded on first use.
pub fn shared_embedder(
    models_dir: &Path,
    options: EmbedderOptions,
) -> Result<Arc<Embedder>, ModelError> {
    static LOADED: Loaded<EmbedderOptions, Embedder> = Mutex::new(None);
    load_once(&LOADED, models_dir, options, Embedder::load)
}

/// The process's generator from `models_dir` with `options`, loaded on first use.
pub fn shared_generator(
    models_dir: &Path,
    options: GeneratorOptions,
) -> Result<Arc<Generator>, ModelError> {
    static LOADED: Loaded<GeneratorOptions, Generator> = Mutex::new(None);
    load_once(&LOADED, models_dir, options, Generator::load)
}
