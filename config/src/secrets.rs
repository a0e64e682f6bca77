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

fn read_or_create(path: &Path) -> std::io::Result<SecretString> {
    match fs::read_to_string(path) {
        Ok(existing) if !existing.trim().is_empty() => {
            return Ok(SecretString::from(existing.trim().to_owned()));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes())?;
            file.sync_all()?;
            Ok(SecretString::from(secret))
        }
        // Another process created it first: use theirs so that both sign alike.
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
}
