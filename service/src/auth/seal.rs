//! Client secrets kept recoverable, sealed with a key of this deployment.
//!
//! Authentication needs only the secret's hash, but widget identity verification checks
//! `user_hash` = HMAC-SHA256(`user_id`, key = client secret), which takes the secret itself.
//! So each secret is also stored sealed (AES-256-GCM, random nonce) under a key derived from
//! the JWT signing secret: a copy of the database alone reveals no secret.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use super::credentials::hmac_bytes;

/// Separates this key from every other use of the JWT secret.
const KEY_CONTEXT: &[u8] = b"companin/client-secret-seal/v1";
const NONCE_LEN: usize = 12;

/// Seals and opens client secrets.
#[derive(Clone)]
pub struct SecretSeal {
    cipher: Aes256Gcm,
}

impl SecretSeal {
    /// The seal keyed from `jwt_secret`.
    pub fn new(jwt_secret: &SecretString) -> Self {
        let key = hmac_bytes(jwt_secret.expose_secret().as_bytes(), KEY_CONTEXT);
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        }
    }

    /// `secret` sealed: base64 of nonce and ciphertext.
    pub fn seal(&self, secret: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption fails only for inputs of gigabytes; a secret is 46 bytes.
        let sealed = self
            .cipher
            .encrypt(&nonce, secret.as_bytes())
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The secret, if `sealed` was sealed with this key and not altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let plain = self.cipher.decrypt(&Nonce::from(nonce), ciphertext).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let seal = SecretSeal::new(&SecretString::from("one key".to_owned()));
        let sealed = seal.seal("cs_secret");
        assert!(!sealed.contains("cs_secret"));
        assert_ne!(sealed, seal.seal("cs_secret"), "a fresh nonce each time");
        assert_eq!(seal.open(&sealed).as_deref(), Some("cs_secret"));
        let other = SecretSeal::new(&SecretString::from("another key".to_owned()));
        assert_eq!(other.open(&sealed), None);
        let mut altered = base64::engine::general_purpose::STANDARD
            .decode(&sealed)
            .unwrap();
        *altered.last_mut().unwrap() ^= 1;
        let altered = base64::engine::general_purpose::STANDARD.encode(altered);
        assert_eq!(seal.open(&altered), None);
        assert_eq!(seal.open("not base64!"), None);
    }
}
