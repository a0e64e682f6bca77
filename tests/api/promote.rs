//! Promotion of a sandbox assistant to production: configuration, knowledge copies, versions,
//! idempotency, audit, and the walls around it.

use chrono::{Duration, Utc};
use companin_entity::{Environment, assistant_promotion};
use reqwest::Method;
use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app};
use crate::knowledge::wait_done;
use crate::on_both_backends;
use crate::search::{POLLING_LIMIT, add_text, search};

on_both_backends!(a_sandbox_assistant_is_promoted_with_its_knowledge);
on_both_backends!(a_promotion_under_way_answers_409_until_it_is_abandoned);

const RETURNS: &str = "Returns: any product may be sent back within 45 days of delivery; the \
    refund reaches the original payment method within a week.";
const UNRELATED: &str = "Our office plants are watered every Tuesday by the facilities team.";

async fn promote(app: &TestApp, c: &Creds, id: &str, body: Option<Value>) -> (u16, Value) {
    app.call(
        c,
        Method::POST,
        &format!("/api/v1/assistants/{id}/promote"),
        body,
    )
    .await
}

async fn count(app: &TestApp, c: &Creds, path: &str) -> u64 {
    let (status, page) = app.call(c, Method::GET, path, None).await;
    assert_eq!(status, 200, "{page}");
    page["total"].as_u64().unwrap()
}

async fn a_sandbox_assistant_is_promoted_with_its_knowledge(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Promo", Some(POLLING_LIMIT)).await;
    let (sandbox, production) = (&org.sandbox, &org.production);
    let production_assistants = count(&app, production, "/api/v1/assistants/").await;
    let production_items = count(&app, production, "/api/v1/knowledge/").await;

    // In the sandbox: a selected text, a Q&A linked to the assistant, and an item outside
    // its scope.
    let returns = add_text(&app, sandbox, "Returns", RETURNS, json!({})).await;
    add_text(&app, sandbox, "Plants", UNRELATED, json!({})).await;
    let (status, bot) = app
        .call(
            sandbox,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Shop help", "reply_mode": "extractive",
                        "knowledge_scope": "selected", "knowledge_ids": [returns]})),
        )
        .await;
    assert_eq!(status, 201, "{bot}");
    let bot_id = bot["id"].as_str().unwrap().to_owned();
    let (status, qa) = app
        .call(
            sandbox,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(json!({"question": "Do you ship to Iceland?",
                        "answer": "Yes, in five to eight business days.",
                        "assistant_ids": [bot_id]})),
        )
        .await;
    assert_eq!(status, 202, "{qa}");
    let qa_id = qa["id"].as_str().unwrap().to_owned();
    assert_eq!(wait_done(&app, sandbox, &qa_id).await["status"], "ready");

    // Production credentials cannot promote; other tenants' or unknown ids are not found.
    let resp = app
        .as_client(
            production,
            Method::POST,
            &format!("/api/v1/assistants/{bot_id}/promote"),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "sandbox_only").await;
    let resp = app
        .as_client(
            sandbox,
            Method::POST,
            "/api/v1/assistants/asst_0123456789abcdef0123456789abcdef/promote",
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;
    // A bad body is refused, naming the field, and promotes nothing.
    for bad in [
        json!({"include_knowledge": "yes"}),
        json!({"knowledge": true}),
    ] {
        let resp = app
            .as_client(
                sandbox,
                Method::POST,
                &format!("/api/v1/assistants/{bot_id}/promote"),
            )
            .json(&bad)
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 422, "validation_error").await;
        assert!(
            body["detail"].as_str().unwrap().contains("knowledge"),
            "{body}"
        );
    }
    assert_eq!(
        count(&app, production, "/api/v1/assistants/").await,
        production_assistants
    );

    // The configuration alone (no body at all): a new production assistant, which names no
    // sandbox item.
    let (status, first) = promote(&app, sandbox, &bot_id, None).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["source_assistant_id"], bot_id.as_str());
    assert_eq!(first["source_version"], 1);
    assert_eq!(first["production_version"], 1);
    assert_eq!(first["knowledge"], json!([]));
    let mut unmapped: Vec<String> =
        serde_json::from_value(first["unmapped_knowledge_ids"].clone()).unwrap();
    unmapped.sort();
    let mut expected = vec![returns.clone(), qa_id.clone()];
    expected.sort();
    assert_eq!(unmapped, expected);
    let prod_id = first["assistant"]["id"].as_str().unwrap().to_owned();
    assert_ne!(prod_id, bot_id);
    let (status, prod) = app
        .call(
            production,
            Method::GET,
            &format!("/api/v1/assistants/{prod_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{prod}");
    assert_eq!(prod["name"], "Shop help");
    assert_eq!(prod["knowledge_scope"], "selected");
    assert_eq!(prod["knowledge_ids"], json!([]));
    // ...which the sandbox cannot see.
    let (status, _) = app
        .call(
            sandbox,
            Method::GET,
            &format!("/api/v1/assistants/{prod_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // The same version again: the same promotion, nothing new.
    let (status, again) = promote(&app, sandbox, &bot_id, Some(json!({}))).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["production_version"], 1);
    assert_eq!(
        count(&app, production, "/api/v1/assistants/").await,
        production_assistants + 1
    );

    // A new sandbox version, with its knowledge: a new version of the same production
    // assistant, and copies of the two items in scope (not of the unrelated one).
    let (status, v) = app
        .call(
            sandbox,
            Method::PATCH,
            &format!("/api/v1/assistants/{bot_id}"),
            Some(json!({"tone": "concise"})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, second) = promote(
        &app,
        sandbox,
        &bot_id,
        Some(json!({"include_knowledge": true})),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["source_version"], 2);
    assert_eq!(second["assistant"]["id"], prod_id.as_str());
    assert_eq!(second["production_version"], 2);
    assert_eq!(second["assistant"]["tone"], "concise");
    assert_eq!(second["unmapped_knowledge_ids"], json!([]));
    let copies = second["knowledge"].as_array().unwrap();
    assert_eq!(copies.len(), 2, "{second}");
    let mut sources: Vec<&str> = copies
        .iter()
        .map(|c| c["source_id"].as_str().unwrap())
        .collect();
    sources.sort();
    let mut wanted = vec![returns.as_str(), qa_id.as_str()];
    wanted.sort();
    assert_eq!(sources, wanted);
    assert!(copies.iter().all(|c| c["created"] == true));
    let copy_ids: Vec<String> = copies
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &copy_ids {
        assert!(
            !wanted.contains(&id.as_str()),
            "a copy, not the sandbox item"
        );
        assert_eq!(wait_done(&app, production, id).await["status"], "ready");
    }
    let mut named: Vec<String> =
        serde_json::from_value(second["assistant"]["knowledge_ids"].clone()).unwrap();
    named.sort();
    let mut sorted_copies = copy_ids.clone();
    sorted_copies.sort();
    assert_eq!(named, sorted_copies);
    assert_eq!(
        count(&app, production, "/api/v1/knowledge/").await,
        production_items + 2
    );
    // Production answers from its own copies.
    let hits = search(
        &app,
        production,
        json!({"query": "How many days do I have to send a product back?",
               "assistant_id": prod_id}),
    )
    .await;
    let returns_copy = copies
        .iter()
        .find(|c| c["source_id"] == returns.as_str())
        .map(|c| c["id"].clone());
    assert_eq!(
        Some(hits["items"][0]["knowledge_id"].clone()),
        returns_copy,
        "{hits}"
    );
    // The sandbox keeps its own items.
    let (status, _) = app
        .call(
            sandbox,
            Method::GET,
            &format!("/api/v1/knowledge/{returns}"),
            None,
        )
        .await;
    assert_eq!(status, 200);

    // Audited in both environments.
    for (c, id) in [(sandbox, &bot_id), (production, &prod_id)] {
        let (status, log) = app
            .call(
                c,
                Method::GET,
                &format!("/api/v1/audit-logs/?resource_id={id}&action=assistant.promoted"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{log}");
        assert_eq!(log["total"], 2, "{log}");
    }

    // A production assistant deleted since is promoted anew.
    let (status, _) = app
        .call(
            production,
            Method::DELETE,
            &format!("/api/v1/assistants/{prod_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, third) = promote(
        &app,
        sandbox,
        &bot_id,
        Some(json!({"include_knowledge": true})),
    )
    .await;
    assert_eq!(status, 201, "{third}");
    assert_ne!(third["assistant"]["id"], prod_id.as_str());
    assert_eq!(third["production_version"], 1);
    // Its knowledge was already there: found, not copied twice.
    assert!(
        third["knowledge"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["created"] == false),
        "{third}"
    );
    assert_eq!(
        count(&app, production, "/api/v1/knowledge/").await,
        production_items + 2
    );
}

/// Another request's claim on the same source version: 409 `promotion_in_progress` while it
/// is fresh, changing nothing; once it is older than ten minutes (its request died), the
/// next promotion takes it over and finishes it.
async fn a_promotion_under_way_answers_409_until_it_is_abandoned(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Promo race", None).await;
    let (sandbox, production) = (&org.sandbox, &org.production);
    let (status, bot) = app
        .call(
            sandbox,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Racer", "reply_mode": "extractive"})),
        )
        .await;
    assert_eq!(status, 201, "{bot}");
    let bot_id = bot["id"].as_str().unwrap();
    let production_assistants = count(&app, production, "/api/v1/assistants/").await;

    let db = app.db().await;
    let claim = assistant_promotion::Model {
        id: "prm_other_request".into(),
        org_id: org.id.clone(),
        environment: Environment::Sandbox,
        source_assistant_id: bot_id.into(),
        source_version: 1,
        include_knowledge: false,
        production_assistant_id: None,
        production_version: None,
        knowledge: json!([]),
        unmapped_knowledge_ids: json!([]),
        attempt: 1,
        created_at: Utc::now(),
        finished_at: None,
    };
    assistant_promotion::Entity::insert(claim.clone().into_active_model())
        .exec_without_returning(&db)
        .await
        .unwrap();
    let (status, body) = promote(&app, sandbox, bot_id, None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "promotion_in_progress");
    assert_eq!(
        count(&app, production, "/api/v1/assistants/").await,
        production_assistants
    );

    // The other request died eleven minutes ago.
    let mut stale = claim.into_active_model();
    stale.created_at = sea_orm::Set(Utc::now() - Duration::minutes(11));
    assistant_promotion::Entity::update(stale)
        .exec(&db)
        .await
        .unwrap();
    let (status, done) = promote(&app, sandbox, bot_id, None).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["id"], "prm_other_request");
    assert_eq!(done["source_version"], 1);
    assert_eq!(
        count(&app, production, "/api/v1/assistants/").await,
        production_assistants + 1
    );
    // And it is done: the same version again is its replay.
    let (status, again) = promote(&app, sandbox, bot_id, None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["assistant"]["id"], done["assistant"]["id"]);
}
