//! The sandbox's sample data: every org's sandbox environment starts with an assistant, a
//! product FAQ and a guide, a session and a rated conversation, so each route has something
//! real to show. Seeding (and re-seeding, `POST /sandbox/reset`) is a job of kind
//! `sandbox_reset` job ([`JobKind::SandboxReset`]) run by the ordinary workers; `companin sandbox seed` runs the same code in
//! the command's own process.
//!
//! A reset deletes the sandbox's resources (assistants and their versions, knowledge and its
//! chunks, sessions, contexts, conversations, messages, feedback), cancels its other jobs in
//! flight, and seeds anew. Operational records stay: jobs, audit logs, request logs, usage,
//! rate-limit history, alerts.
//! Every statement is bounded by the org *and* the sandbox environment: production is never
//! touched.

use std::sync::Arc;

use companin_entity::{
    Environment, JobKind, assistant, assistant_version, context, conversation, feedback, job,
    knowledge_chunk, knowledge_item, knowledge_page, message, session,
};
use companin_worker::{
    Control, Failure, JobHandler, Queue, Runtime, bump_index_version, fail_item, ingest_item, jobs,
};
use futures::future::BoxFuture;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::{Map, Value, json};

use super::assistants::config::{Config, ReplyMode};
use super::conversations::{Source, new_message};
use super::knowledge::NewSource;
use super::knowledge::create::{Qa, insert_unqueued};
use super::sessions::NewSession;
use super::{Actor, Tenant, assistants, audit, sessions};
use crate::error::ApiError;
use crate::ids::{ConversationId, FeedbackId, OrgId};

const ASSISTANT: &str = "Acme Support (sample)";
const GREETING: &str =
    "Hi! I'm Acme's sample assistant. Ask me about shipping, returns or the Acme Brewer.";
const INSTRUCTIONS: &str = "You answer customers of Acme Coffee Supply about orders, shipping, \
    returns and the Acme Brewer. Keep answers short and cite the help article you used. If \
    the knowledge base has no answer, say so and offer support@acme.example.";

/// The product FAQ, one curated Q&A each: (question, alternate phrasings, answer).
const FAQ: [(&str, &[&str], &str); 3] = [
    (
        "What is your return policy?",
        &["Can I return an item?", "How do refunds work?"],
        "You can return any unused item within 30 days of delivery for a full refund. Return \
         shipping is free: start a return from your order page and drop the parcel at any \
         post office.",
    ),
    (
        "How long does shipping take?",
        &["When will my order arrive?"],
        "Orders leave our warehouse within one business day. Standard delivery takes 3 to 5 \
         business days and express delivery 1 to 2.",
    ),
    (
        "Do you ship internationally?",
        &["Can you deliver abroad?"],
        "Yes, to more than 40 countries. International parcels take 7 to 14 business days, and \
         duties are shown at checkout so there is nothing to pay on delivery.",
    ),
];

const GUIDE_TITLE: &str = "Getting started with the Acme Brewer";
const GUIDE: &str = "Getting started with the Acme Brewer\n\n\
    Setting up. Rinse the water tank and the carafe, fill the tank to the MAX line with fresh \
    water, and run one brewing cycle without coffee to clean the machine.\n\n\
    Brewing. Use one level scoop (about 10 grams) of medium-ground coffee per cup. Press the \
    power button, choose the strength with the bean button, and the Brewer starts within \
    seconds. A full carafe of ten cups takes about eight minutes.\n\n\
    Keeping it warm. The hot plate keeps coffee warm for 40 minutes, then switches off on its \
    own to save energy.\n\n\
    Cleaning. Descale the Brewer every month: fill the tank with one part white vinegar and two \
    parts water, run a cycle, then run two cycles of clean water. The carafe and filter basket \
    are dishwasher safe.\n\n\
    Warranty. The Acme Brewer comes with a two-year warranty covering any manufacturing \
    defect. Keep your order number: it is your proof of purchase.";

/// The sample conversation: the visitor's question (the first FAQ's) and their rating.
const VISITOR: &str = "sample-visitor";
const RATING: i16 = 5;
const RATING_COMMENT: &str = "Quick and clear, thank you!";

/// What a seed made.
#[derive(Debug)]
pub struct Seeded {
    pub assistant_id: String,
    pub knowledge_ids: Vec<String>,
    pub session_id: String,
    pub conversation_id: String,
}

/// Queues a reset of `org_id`'s sandbox and answers its job (visible to sandbox credentials
/// at `GET /jobs/{id}`).
pub async fn queue_reset(
    db: &DatabaseConnection,
    queue: &Queue,
    org_id: &OrgId,
) -> Result<job::Model, ApiError> {
    let id = jobs::new_id();
    let row = jobs::new_row(
        &id,
        org_id.as_str(),
        Environment::Sandbox,
        JobKind::SandboxReset,
        None,
        json!({}),
    );
    let row = job::Entity::insert(row)
        .exec_with_returning(db)
        .await
        .map_err(ApiError::from)?;
    if let Err(e) = queue.hand_off(db, &id).await {
        // The row stays queued without a queue entry: a worker's sweeper hands it over.
        tracing::warn!(job_id = %id, error = %e, "cannot queue the sandbox reset yet");
    }
    Ok(row)
}

/// Deletes the sandbox's data and seeds it anew, processing the new knowledge in this
/// process. `keep_job` is the job running this reset, if any.
pub async fn reset(
    rt: &Arc<Runtime>,
    org_id: &OrgId,
    keep_job: Option<&str>,
    control: &Arc<Control>,
) -> Result<Seeded, Failure> {
    let tenant = Tenant {
        org_id: org_id.clone(),
        environment: Environment::Sandbox,
    };
    clear(&rt.db, &tenant, keep_job).await?;
    control.set_progress(0.1);
    seed(rt, &tenant, control).await
}

/// Deletes every resource of the tenant, in one transaction.
async fn clear(
    db: &DatabaseConnection,
    tenant: &Tenant,
    keep_job: Option<&str>,
) -> Result<(), DbErr> {
    // The walls of every statement: this org's sandbox, never production.
    debug_assert_eq!(tenant.environment, Environment::Sandbox);
    let (org, env) = (tenant.org_id.as_str(), tenant.environment);
    let txn = crate::db::begin_write(db).await?;
    macro_rules! clear_table {
        ($entity:ident) => {
            $entity::Entity::delete_many()
                .filter($entity::Column::OrgId.eq(org))
                .filter($entity::Column::Environment.eq(env))
                .exec(&txn)
                .await?;
        };
    }
    clear_table!(feedback);
    clear_table!(message);
    clear_table!(conversation);
    clear_table!(context);
    clear_table!(session);
    clear_table!(knowledge_chunk);
    clear_table!(knowledge_page);
    clear_table!(knowledge_item);
    clear_table!(assistant_version);
    clear_table!(assistant);
    // Other work in flight stops, as when an item is deleted; finished jobs stay readable.
    job::Entity::update_many()
        .col_expr(job::Column::CancelRequested, Expr::value(true))
        .filter(job::Column::OrgId.eq(org))
        .filter(job::Column::Environment.eq(env))
        .filter(job::Column::Status.is_in([
            companin_entity::JobStatus::Queued,
            companin_entity::JobStatus::Running,
        ]))
        .filter(job::Column::Id.ne(keep_job.unwrap_or("")))
        .exec(&txn)
        .await?;
    // Indexes and cached reads of the tenant are rebuilt from the now empty tables.
    bump_index_version(&txn, org, env).await?;
    let change = audit::Change {
        action: "sandbox.reset",
        resource_type: "sandbox",
        resource_id: org,
        changes: None,
    };
    audit::commit_config_change(txn, tenant, &Actor::System, change).await
}

fn failure(e: ApiError) -> Failure {
    Failure::Retryable(format!("seeding the sandbox: {}", e.detail))
}

async fn seed(
    rt: &Arc<Runtime>,
    tenant: &Tenant,
    control: &Arc<Control>,
) -> Result<Seeded, Failure> {
    let db = &rt.db;
    let actor = Actor::System;
    let config = Config {
        description: Some("A sample support assistant for a coffee-gear shop.".into()),
        tone: "friendly".into(),
        default_tasks: vec![
            "Answer questions about orders and shipping".into(),
            "Explain the return policy".into(),
            "Help with the Acme Brewer".into(),
        ],
        instructions: INSTRUCTIONS.into(),
        // Answers at once on any machine, with no model to load; switch to `generative` to
        // try the generator.
        reply_mode: ReplyMode::Extractive,
        greeting: Some(GREETING.into()),
        ..Config::named(ASSISTANT)
    };
    let assistant = assistants::create(db, tenant, &actor, config)
        .await
        .map_err(failure)?;

    let mut items = Vec::with_capacity(FAQ.len() + 1);
    for (question, alternates, answer) in FAQ {
        let qa = Qa {
            question: question.into(),
            answer: answer.into(),
            alternate_questions: alternates.iter().map(|a| (*a).to_owned()).collect(),
            tags: vec!["faq".into()],
        };
        let item = insert_unqueued(db, tenant, &actor, None, NewSource::Qa(qa))
            .await
            .map_err(failure)?;
        items.push(item);
    }
    let guide = NewSource::Text {
        content: GUIDE.into(),
    };
    let guide = insert_unqueued(db, tenant, &actor, Some(GUIDE_TITLE.into()), guide)
        .await
        .map_err(failure)?;
    items.push(guide);
    let total = items.len() as f64;
    for (i, item) in items.iter().enumerate() {
        let range = (
            0.1 + 0.8 * i as f64 / total,
            0.1 + 0.8 * (i + 1) as f64 / total,
        );
        if let Err(f) = ingest_item(rt, item.clone(), control, range).await {
            fail_item(rt, item, &f, control).await?;
            return Err(f);
        }
    }

    let session = sessions::create(
        db,
        &rt.settings.sessions,
        tenant,
        &actor,
        NewSession {
            assistant_id: assistant.id.clone(),
            visitor_id: Some(VISITOR.into()),
            user_id: None,
            locale: Some("en".into()),
            metadata: Some(Map::from_iter([("sample".to_owned(), Value::Bool(true))])),
            expires_in: Some(rt.settings.sessions.max_ttl_secs),
        },
    )
    .await
    .map_err(failure)?;
    let conversation_id = conversation(db, tenant, &assistant, &session, &items[0]).await?;
    control.set_progress(1.0);
    Ok(Seeded {
        assistant_id: assistant.id,
        knowledge_ids: items.into_iter().map(|i| i.id).collect(),
        session_id: session.id,
        conversation_id,
    })
}

/// The sample conversation: the first FAQ's question, answered with its curated answer
/// verbatim as a real reply would be, and rated.
async fn conversation(
    db: &DatabaseConnection,
    tenant: &Tenant,
    assistant: &assistant::Model,
    session: &session::Model,
    qa: &knowledge_item::Model,
) -> Result<String, Failure> {
    let (question, _, answer) = FAQ[0];
    let chunk = knowledge_chunk::Entity::find()
        .filter(knowledge_chunk::Column::KnowledgeId.eq(qa.id.as_str()))
        .order_by_asc(knowledge_chunk::Column::Position)
        .one(db)
        .await?;
    let source = Source {
        knowledge_id: qa.id.clone(),
        chunk_id: chunk.map(|c| c.id),
        title: qa.title.clone(),
        source: None,
        snippet: answer.to_owned(),
        score: 1.0,
    };
    let now = crate::db::now();
    let asked = now - chrono::Duration::seconds(2);
    let row = conversation::Model {
        id: ConversationId::generate().into_string(),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        session_id: session.id.clone(),
        assistant_id: assistant.id.clone(),
        visitor_id: session.visitor_id.clone(),
        user_id: None,
        context: json!({}),
        message_count: 2,
        reply_count: 1,
        unanswered_count: 0,
        created_at: asked,
        updated_at: now,
        last_message_at: now,
    };
    let asked_message = new_message(tenant, &row.id, "user", question, asked);
    let reply = message::Model {
        reply_kind: Some("qa".into()),
        answered: Some(true),
        sources: json!([source]),
        assistant_version: Some(assistant.version),
        ..new_message(tenant, &row.id, "assistant", answer, now)
    };
    let rating = feedback::Model {
        id: FeedbackId::generate().into_string(),
        org_id: row.org_id.clone(),
        environment: row.environment,
        conversation_id: row.id.clone(),
        message_id: Some(reply.id.clone()),
        rating: RATING,
        comment: Some(RATING_COMMENT.into()),
        created_at: now,
    };
    let txn = crate::db::begin_write(db).await?;
    conversation::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    message::Entity::insert_many([asked_message.into_active_model(), reply.into_active_model()])
        .exec_without_returning(&txn)
        .await?;
    feedback::Entity::insert(rating.into_active_model())
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Runs [`JobKind::SandboxReset`] jobs on the workers.
pub struct ResetHandler;

impl JobHandler for ResetHandler {
    fn run<'a>(
        &'a self,
        rt: &'a Arc<Runtime>,
        job: &'a job::Model,
        control: &'a Arc<Control>,
    ) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(async move {
            if job.environment != Environment::Sandbox {
                return Err(Failure::Permanent(
                    "a sandbox reset runs only in a sandbox environment".into(),
                ));
            }
            let org = OrgId::from_db(job.org_id.clone());
            let seeded = reset(rt, &org, Some(&job.id), control).await?;
            tracing::info!(org_id = %job.org_id, assistant_id = %seeded.assistant_id, "sandbox seeded");
            Ok(())
        })
    }
}
