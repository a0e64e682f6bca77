//! One row per deleted knowledge chunk, written by a trigger on `knowledge_chunks` and stamped
//! with the index version of the transaction that deleted it (see [`crate::index_log`]).

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "knowledge_chunk_removals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: String,
    pub environment: Environment,
    pub chunk_id: String,
    /// `None` until the deleting transaction moves the index version.
    pub version: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
