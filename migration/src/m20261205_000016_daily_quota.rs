//! A daily quota beside the hourly limit: each organization's own quota (`None` is the
//! configured default), a counter per tenant and UTC day shaped like the hourly windows, and
//! which window (`hour` or `day`) each rate-limit event is about.

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
                    .table("organizations")
                    .add_column(big_integer_null("rate_limit_per_day"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("rate_limit_days")
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(big_integer("window_start"))
                    .col(big_integer("max_requests"))
                    .col(big_integer("admitted"))
                    .col(big_integer("requested"))
                    .col(big_integer("last_grant"))
                    .primary_key(
                        Index::create()
                            .col("org_id")
                            .col("environment")
                            .col("window_start"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("rate_limit_events")
                    .add_column(string_len("period", 8).default("hour"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("rate_limit_events")
                    .drop_column("period")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("rate_limit_days").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .drop_column("rate_limit_per_day")
                    .to_owned(),
            )
            .await
    }
}
