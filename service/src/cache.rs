//! Cached reads of a tenant's configuration (its clients; later its assistants), valid for as
//! long as the tenant's configuration version has not moved.
//!
//! Every change to such a resource bumps `environments.config_version` in its own
//! transaction, and every authenticated request learns the current version from the same
//! database round trip that charges its rate limit (a moment after it arrived). A read cached
//! under that version is therefore never older than the request, in any process: no
//! time-to-live staleness, and no cross-process invalidation to get wrong.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use companin_entity::Environment;

use crate::auth::Principal;
use crate::ids::OrgId;

/// Cached values of one kind, keyed by tenant, configuration version and `K`.
pub struct ConfigCache<K, V> {
    inner: moka::sync::Cache<(OrgId, Environment, i64, K), Arc<V>>,
}

impl<K, V> ConfigCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// Entries of superseded versions are never read again; they leave when idle or when the
    /// cache is full.
    pub fn new(capacity: u64) -> Self {
        Self {
            inner: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(Duration::from_secs(300))
                .build(),
        }
    }

    /// The value for `key` in the caller's tenant at the version its request observed, loaded
    /// with `load` on a miss.
    pub async fn get_or_load<E, Fut>(
        &self,
        principal: &Principal,
        key: K,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<V>, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let key = (
            principal.org_id.clone(),
            principal.environment,
            principal.config_version,
            key,
        );
        if let Some(hit) = self.inner.get(&key) {
            return Ok(hit);
        }
        let value = Arc::new(load().await?);
        self.inner.insert(key, value.clone());
        Ok(value)
    }
}
