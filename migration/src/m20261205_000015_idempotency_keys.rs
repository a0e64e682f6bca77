//! `Idempotency-Key`: the first response of each POST sent with a key, kept 24 hours per
//! tenant, caller and key, so that a retry replays it instead of doing the work again.

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
                    .table("idempotency_keys")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("caller"))
                    .col(string_len("key", 255))
                    .col(string_len("request_hash", 64))
                    .col(string_len("state", 16))
                    .col(integer_null("response_status"))
                    .col(string_null("response_type"))
                    .col(blob_null("response_body"))
                    .col(timestamp_with_time_zone("locked_until"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_scope")
                    .table("idempotency_keys")
                    .col("org_id")
                    .col("environment")
                    .col("caller")
                    .col("key")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_expiry")
                    .table("idempotency_keys")
                    .col("expires_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("idempotency_keys").to_owned())
            .await
    }
}
