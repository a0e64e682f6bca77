//! One loaded copy of each model per process: everything that asks for the same folder and
//! options (the API's search, the workers, a second server in one test process) shares it.
//!
//! The embedder stays for the life of the process: every search needs it. The generator is
//! loaded when first asked for and, if the caller says so, let go once nothing has used it for
//! a while. It holds about 870 MB, and a server whose documents are summarized only when they
//! change, or whose assistants rarely generate, should not hold that while it waits.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::{Embedder, EmbedderOptions, Generator, GeneratorOptions, ModelError};

/// A model loaded from a folder with options, and when it was last seen in use.
struct Entry<O, M> {
    dir: PathBuf,
    options: O,
    model: Arc<M>,
    used: Instant,
}

/// What a process holds of one kind of model.
struct Slot<O, M> {
    entry: Option<Entry<O, M>>,
    /// Whether a thread is watching the entry to let it go when idle ([`watch`]).
    watched: bool,
}

type Loaded<O, M> = Mutex<Slot<O, M>>;

/// An empty slot, for the statics below.
const fn empty<O, M>() -> Loaded<O, M> {
    Mutex::new(Slot {
        entry: None,
        watched: false,
    })
}

fn lock<O, M>(slot: &Loaded<O, M>) -> MutexGuard<'_, Slot<O, M>> {
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Returns the model in `slot` when it was loaded from `models_dir` with `options`, else loads
/// it (replacing what the slot held).
fn load_once<O: Copy + PartialEq, M>(
    slot: &Loaded<O, M>,
    models_dir: &Path,
    options: O,
    load: impl FnOnce(&Path, O) -> Result<M, ModelError>,
) -> Result<Arc<M>, ModelError> {
    let mut loaded = lock(slot);
    if let Some(entry) = loaded.entry.as_mut()
        && entry.dir == models_dir
        && entry.options == options
    {
        entry.used = Instant::now();
        return Ok(entry.model.clone());
    }
    // What the slot held goes before the new model loads, so both are never held at once.
    loaded.entry = None;
    let model = Arc::new(load(models_dir, options)?);
    loaded.entry = Some(Entry {
        dir: models_dir.to_path_buf(),
        options,
        model: model.clone(),
        used: Instant::now(),
    });
    Ok(model)
}

/// Takes the model out of `slot` when nothing else holds it and it has not been handed out
/// for `idle`; one still held counts as in use, so its idle time starts again. The caller
/// drops what is returned (after the lock, since freeing hundreds of MB takes a moment).
fn take_idle<O, M>(slot: &mut Slot<O, M>, idle: Duration) -> Option<Arc<M>> {
    let entry = slot.entry.as_mut()?;
    if Arc::strong_count(&entry.model) > 1 {
        entry.used = Instant::now();
        return None;
    }
    if entry.used.elapsed() < idle {
        return None;
    }
    slot.entry.take().map(|entry| entry.model)
}

/// What runs after a model was let go ([`after_unload`]).
static AFTER_UNLOAD: OnceLock<fn()> = OnceLock::new();

/// Sets what runs after a model was let go (the first call counts): the binary asks its
/// allocator to return the freed memory to the system then, where it would otherwise keep part
/// of it until its threads allocate again.
pub fn after_unload(hook: fn()) {
    let _ = AFTER_UNLOAD.set(hook);
}

/// Starts a thread (unless one runs) that lets go of the slot's model once it has been idle
/// for `idle`, then ends; the next load starts another.
fn watch<O, M>(slot: &'static Loaded<O, M>, idle: Duration, name: &'static str)
where
    O: Send + 'static,
    M: Send + Sync + 'static,
{
    let mut guard = lock(slot);
    if guard.watched || guard.entry.is_none() {
        return;
    }
    let every = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
    let spawned = std::thread::Builder::new()
        .name(format!("{name}-unload"))
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let mut guard = lock(slot);
                if guard.entry.is_none() {
                    guard.watched = false;
                    return;
                }
                if let Some(model) = take_idle(&mut guard, idle) {
                    guard.watched = false;
                    drop(guard);
                    drop(model);
                    if let Some(hook) = AFTER_UNLOAD.get() {
                        hook();
                    }
                    tracing::info!(
                        model = name,
                        idle_secs = idle.as_secs_f64(),
                        "model unloaded after going unused; the next use loads it again"
                    );
                    return;
                }
            }
        });
    match spawned {
        Ok(_) => guard.watched = true,
        Err(error) => {
            tracing::warn!(model = name, %error, "cannot watch the model; it stays loaded")
        }
    }
}

/// The process's embedder from `models_dir` with `options`, loaded on first use.
pub fn shared_embedder(
    models_dir: &Path,
    options: EmbedderOptions,
) -> Result<Arc<Embedder>, ModelError> {
    static LOADED: Loaded<EmbedderOptions, Embedder> = empty();
    load_once(&LOADED, models_dir, options, Embedder::load)
}

/// The process's generator from `models_dir` with `options`, loaded on first use. With
/// `unload_after`, it is let go once no caller has held it for that long (callers hold the
/// returned `Arc` for one use, not for good), and loaded again when next asked for.
pub fn shared_generator(
    models_dir: &Path,
    options: GeneratorOptions,
    unload_after: Option<Duration>,
) -> Result<Arc<Generator>, ModelError> {
    static LOADED: Loaded<GeneratorOptions, Generator> = empty();
    let model = load_once(&LOADED, models_dir, options, Generator::load)?;
    if let Some(idle) = unload_after {
        watch(&LOADED, idle, "generator");
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use std::sync::Weak;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Stands in for a model: counts its loads.
    struct Probe;

    fn loader(count: &AtomicUsize) -> impl FnOnce(&Path, u8) -> Result<Probe, ModelError> + '_ {
        move |_, _| {
            count.fetch_add(1, Ordering::SeqCst);
            Ok(Probe)
        }
    }

    /// Waits (up to ten seconds) for `weak`'s model to be freed.
    fn freed(weak: &Weak<Probe>) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if weak.upgrade().is_none() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn the_same_folder_and_options_share_one_model() {
        let slot: Loaded<u8, Probe> = empty();
        let loads = AtomicUsize::new(0);
        let dir = Path::new("models");
        let first = load_once(&slot, dir, 1, loader(&loads)).unwrap();
        let again = load_once(&slot, dir, 1, loader(&loads)).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        let other = load_once(&slot, dir, 2, loader(&loads)).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn only_an_unheld_model_idle_long_enough_is_taken() {
        let slot: Loaded<u8, Probe> = empty();
        let loads = AtomicUsize::new(0);
        let held = load_once(&slot, Path::new("m"), 1, loader(&loads)).unwrap();
        // Held by a caller: in use, however long ago it was handed out.
        assert!(take_idle(&mut lock(&slot), Duration::ZERO).is_none());
        drop(held);
        // Not held, but used within the idle time.
        assert!(take_idle(&mut lock(&slot), Duration::from_secs(3600)).is_none());
        let taken = take_idle(&mut lock(&slot), Duration::ZERO);
        assert!(taken.is_some());
        assert!(lock(&slot).entry.is_none());
        // The next use loads it again.
        load_once(&slot, Path::new("m"), 1, loader(&loads)).unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_watcher_lets_go_after_idle_and_a_new_load_is_watched_again() {
        static SLOT: Loaded<u8, Probe> = empty();
        let loads = AtomicUsize::new(0);
        let idle = Duration::from_millis(100);
        let model = load_once(&SLOT, Path::new("m"), 1, loader(&loads)).unwrap();
        watch(&SLOT, idle, "probe");
        watch(&SLOT, idle, "probe"); // a second caller starts no second thread
        assert!(lock(&SLOT).watched);
        // Kept while held, well past the idle time.
        std::thread::sleep(idle * 4);
        assert!(lock(&SLOT).entry.is_some());
        let weak = Arc::downgrade(&model);
        drop(model);
        assert!(freed(&weak), "the idle model was never let go");
        assert!(!lock(&SLOT).watched);

        let model = load_once(&SLOT, Path::new("m"), 1, loader(&loads)).unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        watch(&SLOT, idle, "probe");
        let weak = Arc::downgrade(&model);
        drop(model);
        assert!(freed(&weak), "the reloaded model was never let go");
    }
}
