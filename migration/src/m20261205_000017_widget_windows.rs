//! The counters of the widget limits: hits per tenant, scope (address, origin, visitor,
//! messages, the widget's share of the hour and day), subject and window.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("widget_windows")
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("scope", 16))
                    .col(string("subject"))
                    .col(big_integer("window_start"))
                    .col(big_integer("hits"))
                    .primary_key(
                        Index::create()
                            .col("org_id")
                            .col("environment")
                            .col("scope")
                            .col("subject")
                            .col("window_start"),
                    )
                    .to_owned(),
            )
            .await?;
        // The sweep deletes ended windows by their start.
        manager
            .create_index(
                Index::create()
                    .name("idx_widget_windows_start")
                    .table("widget_windows")
                    .col("window_start")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("widget_windows").to_owned())
            .await
    }
}
