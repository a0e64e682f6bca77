//! The language of every knowledge item and chunk (ISO 639-1 codes): detected at ingestion
//! unless the uploader chose one, and how a chunk's words are stemmed for BM25. Rows already
//! stored have none until they are ingested again (`companin reindex`); until then their
//! chunks are analysed in English, as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column): SQLite alters one column per statement.
const COLUMNS: [(&str, &str); 3] = [
    ("knowledge_items", "language"),
    ("knowledge_items", "language_chosen"),
    ("knowledge_chunks", "language"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(string_len_null(column, 16))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
