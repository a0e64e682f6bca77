//! Team members of the console: people with a role in one organization, their server-side
//! sign-in sessions, and the counters that slow down repeated failed sign-ins.

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
                    .table("members")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string("email"))
                    .col(string_len("role", 16))
                    .col(string_null("password_hash"))
                    .col(string_len_null("invitation_hash", 64))
                    .col(timestamp_with_time_zone_null("invitation_expires_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("members", "org_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A person signs in with their email alone, so it names one member everywhere.
        manager
            .create_index(
                Index::create()
                    .name("idx_members_email")
                    .table("members")
                    .col("email")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_members_invitation")
                    .table("members")
                    .col("invitation_hash")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("member_sessions")
                    .col(string_len("token_hash", 64).primary_key())
                    .col(string("member_id"))
                    .col(string_len("csrf_token", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("member_sessions", "member_id")
                            .to("members", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_member_sessions_member")
                    .table("member_sessions")
                    .col("member_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sign_in_failures")
                    .col(string("subject").primary_key())
                    .col(integer("failures"))
                    .col(timestamp_with_time_zone("last_failed_at"))
                    .col(timestamp_with_time_zone("locked_until"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["sign_in_failures", "member_sessions", "members"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
