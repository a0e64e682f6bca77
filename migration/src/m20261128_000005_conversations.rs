//! Conversations, their messages (with the sources each reply cited) and feedback.

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
                    .table("conversations")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("session_id"))
                    .col(string("assistant_id"))
                    .col(string("visitor_id"))
                    .col(string_null("user_id"))
                    // The visitor's merged context traits when the conversation last moved.
                    .col(json("context"))
                    .col(integer("message_count"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone("last_message_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("conversations", "session_id")
                            .to("sessions", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_conversations_tenant_time", "created_at"),
            ("idx_conversations_tenant_session", "session_id"),
            ("idx_conversations_tenant_assistant", "assistant_id"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("conversations")
                        .col("org_id")
                        .col("environment")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("messages")
                    .col(string("id").primary_key())
                    .col(string("conversation_id"))
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("role", 16))
                    .col(text("content"))
                    // What produced a reply: qa, extractive, local, openai or fallback.
                    .col(string_len_null("reply_kind", 16))
                    .col(boolean_null("answered"))
                    .col(json("sources"))
                    .col(integer_null("assistant_version"))
                    .col(integer_null("prompt_tokens"))
                    .col(integer_null("completion_tokens"))
                    .col(big_integer_null("latency_ms"))
                    .col(big_integer_null("first_token_ms"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("messages", "conversation_id")
                            .to("conversations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_conversation_time")
                    .table("messages")
                    .col("conversation_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_tenant_time")
                    .table("messages")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("feedback")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("conversation_id"))
                    .col(string_null("message_id"))
                    .col(small_integer("rating"))
                    .col(text_null("comment"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("feedback", "conversation_id")
                            .to("conversations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_feedback_tenant_conversation", "conversation_id"),
            ("idx_feedback_tenant_time", "created_at"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("feedback")
                        .col("org_id")
                        .col("environment")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["feedback", "messages", "conversations"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
