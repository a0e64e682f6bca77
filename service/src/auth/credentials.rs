//! Client secrets: generation, the keyed hash that is stored, and a short-lived cache of the
//! client rows that authentication reads.
//!
//! Secrets are 256 random bits, so a slow password hash would buy nothing but latency: the
//! stored form is HMAC-SHA256 keyed with a random per-client salt, checked in constant time.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use companin_entity::{Environment, client};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Statement};
use sha2::Sha256;

use crate::ids::{ClientId, OrgId};

type HmacSha256 = Hmac<Sha256>;

/// Prefix of every client secret, so leaked secrets are easy to recognise and scan for.
const SECRET_PREFIX: &str = "cs_";

/// A new client secret: `cs_` and 32 random bytes, base64url.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Prefix of a one-string secret key (see [`secret_key`]) of a production client...
const LIVE_KEY_PREFIX: &str = "ck_live_";
/// ...and of a sandbox client.
const TEST_KEY_PREFIX: &str = "ck_test_";

/// The one-string secret key of a client: `ck_live_` (production) or `ck_test_` (sandbox),
/// the client id's 32 hex digits, `_`, and the random part of its secret. It carries both
/// halves of the key pair, so it works alone in `X-API-Key` or as `Authorization: Bearer`;
/// like the secret, it is shown once and changes when the secret is rotated.
pub fn secret_key(client_id: &ClientId, environment: Environment, secret: &str) -> String {
    let prefix = match environment {
        Environment::Production => LIVE_KEY_PREFIX,
        Environment::Sandbox => TEST_KEY_PREFIX,
    };
    let id = &client_id.as_str()[ClientId::PREFIX.len()..];
    let random = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    format!("{prefix}{id}_{random}")
}

/// Whether `raw` has the shape of a one-string secret key (not whether it is valid).
pub fn is_secret_key(raw: &str) -> bool {
    raw.starts_with(LIVE_KEY_PREFIX) || raw.starts_with(TEST_KEY_PREFIX)
}

/// The key pair a one-string secret key carries, and the environment it names; `None` when
/// `raw` does not have that shape.
pub fn parse_secret_key(raw: &str) -> Option<(ClientId, Environment, String)> {
    let (environment, rest) = match raw.strip_prefix(LIVE_KEY_PREFIX) {
        Some(rest) => (Environment::Production, rest),
        None => (Environment::Sandbox, raw.strip_prefix(TEST_KEY_PREFIX)?),
    };
    let (id, random) = (rest.get(..32)?, rest.get(32..)?.strip_prefix('_')?);
    let client_id = ClientId::parse(&format!("{}{id}", ClientId::PREFIX))?;
    if random.is_empty() {
        return None;
    }
    Some((client_id, environment, format!("{SECRET_PREFIX}{random}")))
}

/// A new random salt (the HMAC key of one client's secret hash), hex.
pub fn generate_salt() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Equality that takes the same time wherever the inputs differ (operator tokens, CSRF
/// tokens).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Comparing MACs of both sides hides the lengths and positions where they differ.
    let key = b"companin-constant-time-comparison";
    hmac_bytes(key, a) == hmac_bytes(key, b)
}

/// HMAC-SHA256 of `message` keyed with `key`.
pub fn hmac_bytes(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Hex HMAC-SHA256 of `message` keyed with `key`.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_bytes(key, message))
}

/// The stored form of a secret: hex HMAC-SHA256(key = salt, secret).
pub fn hash_secret(salt_hex: &str, secret: &str) -> String {
    hmac_hex(salt_hex.as_bytes(), secret.as_bytes())
}

/// Whether `tag` is HMAC-SHA256 of `message` keyed with `key`, compared in constant time.
pub fn hmac_verify(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(message);
    mac.verify_slice(tag).is_ok()
}

/// Whether `secret` matches the stored hash (decoded from hex), compared in constant time.
pub fn verify_secret(salt_hex: &str, hash: &[u8], secret: &str) -> bool {
    hmac_verify(salt_hex.as_bytes(), secret.as_bytes(), hash)
}

/// What authentication needs to know about a client.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub id: ClientId,
    pub org_id: OrgId,
    pub environment: Environment,
    /// The stored hash, decoded once when the row is read (empty if the row is corrupt, which
    /// then matches no secret).
    pub secret_hash: Vec<u8>,
    pub secret_salt: String,
    pub secret_version: i32,
    /// The secret sealed (see [`super::seal`]), when it was made after sealing existed.
    pub secret_sealed: Option<String>,
    pub allowed_origins: Vec<String>,
    /// Active and not deleted.
    pub usable: bool,
    /// The tenant's configuration version read just before the row: a request that finds the
    /// tenant at a later version (every change to a client moves it) reads the row again.
    pub version: i64,
}

impl ClientRecord {
    fn new(m: client::Model, version: i64) -> Self {
        let allowed_origins = serde_json::from_value(m.allowed_origins).unwrap_or_default();
        ClientRecord {
            version,
            usable: m.is_active && m.deleted_at.is_none(),
            id: ClientId::from_db(m.id),
            org_id: OrgId::from_db(m.org_id),
            environment: m.environment,
            secret_hash: hex::decode(&m.secret_hash).unwrap_or_default(),
            secret_salt: m.secret_salt,
            secret_version: m.secret_version,
            secret_sealed: m.secret_sealed,
            allowed_origins,
        }
    }
}

/// Client rows by id, cached for a few seconds so that a request does not pay a database read
/// for its credentials. Changes made through this process drop the entry at once; changes
/// made through another are seen by the next request, whose rate-limit charge reads the
/// tenant's configuration version: a version past the entry's sends it back to the database
/// (see `auth::middleware`), so a revoked or rotated secret stops working at once everywhere.
#[derive(Clone)]
pub struct CredentialStore {
    db: DatabaseConnection,
    cache: moka::sync::Cache<ClientId, Arc<ClientRecord>>,
}

impl CredentialStore {
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Self {
        let cache = moka::sync::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(ttl)
            .build();
        Self { db, cache }
    }

    /// The client with this id, from the cache or the database; `None` when it does not exist.
    pub async fn get(&self, id: &ClientId) -> Result<Option<Arc<ClientRecord>>, DbErr> {
        if let Some(hit) = self.cache.get(id) {
            return Ok(Some(hit));
        }
        // The version first: a change committed between the two reads then makes the row
        // look older than it is (one needless re-read), never newer.
        let version = self.version_of(id).await?;
        let Some(row) = client::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let record = Arc::new(ClientRecord::new(row, version));
        self.cache.insert(id.clone(), record.clone());
        Ok(Some(record))
    }

    /// Forgets a client after it changed (rotation, deactivation, deletion).
    pub fn invalidate(&self, id: &ClientId) {
        self.cache.invalidate(id);
    }

    /// The configuration version of the client's tenant (0 when unknown).
    async fn version_of(&self, id: &ClientId) -> Result<i64, DbErr> {
        let backend = self.db.get_database_backend();
        let sql = "SELECT e.config_version FROM environments e JOIN clients c \
                   ON c.org_id = e.org_id AND c.environment = e.environment WHERE c.id = $1";
        let sql = crate::db::placeholders(backend, sql);
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [id.as_str().into()],
            ))
            .await?;
        Ok(row
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"abc"));
    }

    #[test]
    fn secrets_are_long_random_and_verify_only_themselves() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert!(a.starts_with("cs_") && a.len() == 46, "{a}");
        let salt = generate_salt();
        let hash = hash_secret(&salt, &a);
        let decoded = hex::decode(&hash).unwrap();
        assert!(verify_secret(&salt, &decoded, &a));
        assert!(!verify_secret(&salt, &decoded, &b));
        assert!(!verify_secret(&generate_salt(), &decoded, &a));
        assert!(!verify_secret(&salt, &[], &a));
        assert!(!hash.contains(&a));
    }

    #[test]
    fn a_secret_key_carries_the_key_pair_and_its_environment() {
        let id = ClientId::generate();
        let secret = generate_secret();
        let live = secret_key(&id, Environment::Production, &secret);
        assert!(
            live.starts_with("ck_live_") && is_secret_key(&live),
            "{live}"
        );
        assert!(!live.contains("cli_") && !live.contains("cs_"), "{live}");
        assert_eq!(
            parse_secret_key(&live),
            Some((id.clone(), Environment::Production, secret.clone()))
        );
        let test = secret_key(&id, Environment::Sandbox, &secret);
        assert!(test.starts_with("ck_test_"), "{test}");
        assert_eq!(
            parse_secret_key(&test),
            Some((id.clone(), Environment::Sandbox, secret.clone()))
        );
        // Base64url's own `_` and `-` stay in the secret.
        let odd = secret_key(&id, Environment::Sandbox, "cs_a_b-c");
        assert_eq!(
            parse_secret_key(&odd).map(|k| k.2),
            Some("cs_a_b-c".to_owned())
        );
        for bad in [
            "",
            "ck_live_",
            "ck_prod_0123",
            &live[..40],
            &format!("{}_", &live[..40]),
            &live.replacen('_', "-", 3),
            &format!("ck_live_{}x_{}", &live[8..39], &live[41..]),
            "cli_0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(parse_secret_key(bad), None, "{bad}");
        }
    }
}
