//! The JWT signing secret: configured, or generated once and kept in the data directory.

use std::fs;
use std::io::Write;
use std::path::Path;

use rand::RngCore;
use secrecy::SecretString;

use crate::ConfigError;
use crate::settings::Settings;

/// File in the data directory that holds the generated JWT secret.
pub const JWT_SECRET_FILE: &str = "jwt_secret";

impl Settings {
    /// The JWT signing secret: `auth.jwt_secret` when set, otherwise the one kept in
    /// `<data_dir>/jwt_secret`, generated (64 random bytes, hex) on first use.
    pub fn jwt_secret(&self) -> Result<SecretString, ConfigError> {
        if let Some(secret) = &self.auth.jwt_secret {
            return Ok(secret.clone());
        }
        let path = self.data_dir.join(JWT_SECRET_FILE);
        read_or_create(&path).map_err(|source| ConfigError::SecretFile { path, source })
    }
}

/// The key in `path`, or a new one written there. Two processes starting at once agree on
/// one key: the new key is written whole to a file of this process's own, then linked into
/// place, which fails when another process linked theirs first (whose file is whole too) — so
/// nobody ever reads a half-written or empty key.
fn read_or_create(path: &Path) -> std::io::Result<SecretString> {
    match fs::read_to_string(path) {
        Ok(existing) if !existing.trim().is_empty() => {
            return Ok(SecretString::from(existing.trim().to_owned()));
        }
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the key file is empty; delete it to make a new key (tokens signed with the \
                 old one stop working) or set auth.jwt_secret",
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut bytes = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let mut suffix = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let staged = dir.join(format!(
        ".{JWT_SECRET_FILE}.{}.{}",
        std::process::id(),
        hex::encode(suffix)
    ));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&staged).and_then(|mut file| {
        file.write_all(secret.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| fs::hard_link(&staged, path));
    let _ = fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(SecretString::from(secret)),
        // Another process linked its key first: use theirs so that both sign alike.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(SecretString::from(
            fs::read_to_string(path)?.trim().to_owned(),
        )),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn generated_once_then_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = Settings {
            data_dir: dir.path().join("nested"),
            ..Settings::default()
        };
        let first = settings.jwt_secret().expect("created");
        let second = settings.jwt_secret().expect("read back");
        assert_eq!(first.expose_secret().len(), 128);
        assert_eq!(first.expose_secret(), second.expose_secret());
    }

    #[test]
    fn processes_starting_at_once_agree_on_one_whole_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data").join(JWT_SECRET_FILE);
        let keys: Vec<String> = std::thread::scope(|scope| {
            let starts: Vec<_> = (0..16)
                .map(|_| {
                    let path = path.clone();
                    scope.spawn(move || {
                        read_or_create(&path)
                            .expect("a key")
                            .expose_secret()
                            .to_owned()
                    })
                })
                .collect();
            starts
                .into_iter()
                .map(|s| s.join().expect("thread"))
                .collect()
        });
        assert_eq!(keys[0].len(), 128);
        assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
        // No staging file is left behind.
        let left: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("read dir")
            .collect();
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn an_empty_key_file_is_an_error_not_an_empty_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(JWT_SECRET_FILE);
        fs::write(&path, "").expect("write");
        let err = read_or_create(&path).expect_err("refused");
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
