//! The model that embedded each chunk: vectors of two models live in different spaces, so a
//! server searches only those of the model it runs (`embedder.model`) and `companin reindex`
//! re-embeds the rest. Chunks stored before hold all-MiniLM-L6-v2's vectors, the only model
//! there was.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("knowledge_chunks")
                    .add_column(string_len("embedder", 64).default("all-MiniLM-L6-v2"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("knowledge_chunks")
                    .drop_column("embedder")
                    .to_owned(),
            )
            .await
    }
}
