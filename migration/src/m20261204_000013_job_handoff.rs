//! The job hand-off made safe against crashes: when a job's queue entry was written
//! (`pushed_at`; a row committed but never pushed is pushed by the workers' sweeper) and when
//! the worker running it last said it was alive (`heartbeat_at`; a job whose worker stopped
//! saying so is queued again). Rows from before are taken as pushed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in ["pushed_at", "heartbeat_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("background_jobs")
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared("UPDATE background_jobs SET pushed_at = enqueued_at")
            .await?;
        // The sweeper's questions: queued and never pushed, running and silent.
        manager
            .create_index(
                Index::create()
                    .name("idx_background_jobs_status_time")
                    .table("background_jobs")
                    .col("status")
                    .col("updated_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_background_jobs_status_time")
                    .table("background_jobs")
                    .to_owned(),
            )
            .await?;
        for column in ["pushed_at", "heartbeat_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("background_jobs")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
