//! Client secrets also kept sealed (see the API's `auth::seal`), so that widget identity
//! verification can check HMACs keyed with them. Existing secrets cannot be recovered from
//! their hashes: they get no sealed copy until rotated.

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
                    .table("clients")
                    .add_column(text_null("secret_sealed"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("clients")
                    .drop_column("secret_sealed")
                    .to_owned(),
            )
            .await
    }
}
