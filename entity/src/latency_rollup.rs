//! Daily latency histograms of the request log, per endpoint: they locate a percentile's
//! neighbourhood, which the reports then read exactly from the log itself.
//!
//! Buckets are logarithmic, 16 per doubling (each about 4.4 % wide): bucket `b` holds the
//! latencies in `[2^(b/16), 2^((b+1)/16))` milliseconds, clamped to [`MIN_BUCKET`] and
//! [`MAX_BUCKET`] at the ends.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "latency_rollups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub environment: Environment,
    /// Unix seconds at which the (UTC) day starts.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub method: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub route: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: i32,
    pub requests: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Buckets per doubling of latency.
pub const PER_DOUBLING: i32 = 16;
/// About 1 µs; anything faster is counted here.
pub const MIN_BUCKET: i32 = -10 * PER_DOUBLING;
/// About 17 minutes; anything slower is counted here.
pub const MAX_BUCKET: i32 = 20 * PER_DOUBLING;

/// The lower bound of bucket `b` in milliseconds (`None`: unbounded, the lowest bucket).
pub fn lower_bound(b: i32) -> Option<f64> {
    (b > MIN_BUCKET).then(|| (f64::from(b) / f64::from(PER_DOUBLING)).exp2())
}

/// The upper bound of bucket `b`, exclusive (`None`: unbounded, the highest bucket).
pub fn upper_bound(b: i32) -> Option<f64> {
    (b < MAX_BUCKET).then(|| lower_bound(b + 1).unwrap_or(0.0))
}

/// The bucket of a latency: decided by comparison with the very bounds above, so that a
/// value and its bucket's bounds always agree, whatever rounding `log2` does.
pub fn bucket(latency_ms: f64) -> i32 {
    if latency_ms.is_nan() || latency_ms <= 0.0 {
        return MIN_BUCKET;
    }
    let guess = (latency_ms.log2() * f64::from(PER_DOUBLING)).floor();
    let mut b = guess.clamp(f64::from(MIN_BUCKET), f64::from(MAX_BUCKET)) as i32;
    while lower_bound(b).is_some_and(|lo| latency_ms < lo) {
        b -= 1;
    }
    while upper_bound(b).is_some_and(|hi| latency_ms >= hi) {
        b += 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_latency_lies_within_its_bucket() {
        let mut v = 0.000_1;
        while v < 5_000_000.0 {
            let b = bucket(v);
            assert!(
                lower_bound(b).is_none_or(|lo| lo <= v),
                "{v} below bucket {b}"
            );
            assert!(
                upper_bound(b).is_none_or(|hi| v < hi),
                "{v} above bucket {b}"
            );
            v *= 1.003;
        }
        assert_eq!(bucket(1.0), 0);
        assert_eq!(bucket(2.0), PER_DOUBLING);
        assert_eq!(bucket(0.0), MIN_BUCKET);
        assert_eq!(bucket(1e12), MAX_BUCKET);
        // Each bound is the next bucket's first value.
        for b in -20..20 {
            assert_eq!(bucket(lower_bound(b).unwrap()), b);
        }
    }
}
