//! Immutable snapshots of an assistant's whole configuration, one per version.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assistant_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub assistant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub org_id: String,
    pub environment: Environment,
    /// The full configuration of this version, as JSON.
    pub config: Json,
    /// Names of the fields that differ from the previous version (empty for version 1).
    pub changed_fields: Json,
    /// The version this one restored, when it was made by a rollback.
    pub rolled_back_from: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
