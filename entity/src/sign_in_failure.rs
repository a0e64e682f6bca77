//! Recent failed sign-ins of one account or one client address, which slow down the next
//! attempts (shared by every process, like the rate limits).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_failures")]
pub struct Model {
    /// `account:<email>` or `address:<client address>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// Failures in a row (forgotten an hour after the last one).
    pub failures: i32,
    pub last_failed_at: DateTimeUtc,
    /// No attempt is checked before this.
    pub locked_until: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
