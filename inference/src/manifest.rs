//! The model files we know, and their checksums.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The checksums `scripts/fetch-models` verifies, compiled in so the binary checks the same.
const MANIFEST: &str = include_str!("../../models.sha256");

const HOW_TO_FETCH: &str =
    "run `scripts/fetch-models` (or set COMPANIN_MODELS_DIR to a folder it filled)";

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file {path} is missing; {HOW_TO_FETCH}")]
    Missing { path: PathBuf },
    #[error(
        "model file {path} is corrupt (sha256 {actual}, expected {expected}); delete it and {HOW_TO_FETCH}"
    )]
    Corrupt {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("model file {path} is not in models.sha256")]
    Unknown { path: PathBuf },
    #[error("cannot read model file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot load model from {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("inference failed: {0}")]
    Inference(String),
}

impl From<candle_core::Error> for ModelError {
    fn from(e: candle_core::Error) -> Self {
        ModelError::Inference(e.to_string())
    }
}

fn expected_sha256(relative: &str) -> Option<&'static str> {
    MANIFEST.lines().find_map(|line| {
        let (hash, name) = line.split_once(char::is_whitespace)?;
        let name = name.trim_start().trim_start_matches('*');
        (name == relative).then_some(hash)
    })
}

/// Checks `models_dir/relative` against its recorded sha256 and returns its full path.
pub fn verify_file(models_dir: &Path, relative: &str) -> Result<PathBuf, ModelError> {
    let path = models_dir.join(relative);
    let expected =
        expected_sha256(relative).ok_or_else(|| ModelError::Unknown { path: path.clone() })?;
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ModelError::Missing { path });
        }
        Err(source) => return Err(ModelError::Io { path, source }),
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|source| ModelError::Io {
            path: path.clone(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        return Err(ModelError::Corrupt {
            path,
            expected: expected.to_owned(),
            actual,
        });
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_every_model_file() {
        for f in [
            "all-MiniLM-L6-v2/model.safetensors",
            "all-MiniLM-L6-v2/tokenizer.json",
            "all-MiniLM-L6-v2/config.json",
        ] {
            let hash = expected_sha256(f).unwrap();
            assert_eq!(hash.len(), 64, "{f}");
        }
    }

    #[test]
    fn missing_and_corrupt_files_say_how_to_fetch() {
        let dir = std::env::temp_dir().join(format!("companin-models-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("all-MiniLM-L6-v2")).unwrap();
        let err = verify_file(&dir, "all-MiniLM-L6-v2/model.safetensors").unwrap_err();
        assert!(matches!(err, ModelError::Missing { .. }));
        assert!(err.to_string().contains("scripts/fetch-models"), "{err}");

        std::fs::write(dir.join("all-MiniLM-L6-v2/config.json"), b"{}").unwrap();
        let err = verify_file(&dir, "all-MiniLM-L6-v2/config.json").unwrap_err();
        assert!(matches!(err, ModelError::Corrupt { .. }));
        assert!(err.to_string().contains("delete it"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
