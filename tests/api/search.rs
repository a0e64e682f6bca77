//! Knowledge search end to end: hybrid retrieval over ingested items, the assistant's scope
//! and threshold, deletions seen at once, a separate worker process's items found by the API
//! process, bad inputs, and tenant walls with near-identical content.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app, spawn_app_opts};
use crate::knowledge::{spawn_worker, wait_done};

/// These tests poll items; the default hourly limit would run out.
pub(crate) const POLLING_LIMIT: i64 = 1_000_000;

const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund. The money goes back to the original payment method within five business days.";
const SHIPPING: &str = "Shipping: orders leave our warehouse in two days. Express delivery \
    reaches most addresses overnight; international parcels take one to two weeks.";
const HOURS: &str = "Opening hours: the support desk answers calls Monday to Friday from nine \
    to five, and the chat is staffed on Saturdays.";

/// Adds a text item and waits until it is ready; answers its id.
pub(crate) async fn add_text(
    app: &TestApp,
    creds: &Creds,
    title: &str,
    content: &str,
    extra: Value,
) -> String {
    let mut body = json!({"type": "text", "title": title, "content": content});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let (status, item) = app
        .call(creds, Method::POST, "/api/v1/knowledge/", Some(body))
        .await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    let done = wait_done(app, creds, &id).await;
    assert_eq!(done["status"], "ready", "{done}");
    id
}

pub(crate) async fn search(app: &TestApp, creds: &Creds, body: Value) -> Value {
    let (status, v) = app
        .call(creds, Method::POST, "/api/v1/knowledge/search", Some(body))
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

pub(crate) fn item_ids(results: &Value) -> Vec<String> {
    results["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["knowledge_id"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn assistant(app: &TestApp, creds: &Creds, body: Value) -> String {
    let (status, v) = app
        .call(creds, Method::POST, "/api/v1/assistants/", Some(body))
        .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn ranks_grounded_chunks_with_citations(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let refunds = add_text(&app, c, "Refund policy", REFUNDS, json!({})).await;
    let shipping = add_text(&app, c, "Shipping", SHIPPING, json!({})).await;
    add_text(&app, c, "Opening hours", HOURS, json!({})).await;

    let found = search(
        &app,
        c,
        json!({"query": "How many days do I have to send a product back and get my money?"}),
    )
    .await;
    let first = &found["items"][0];
    assert_eq!(first["knowledge_id"], refunds.as_str(), "{found}");
    assert_eq!(first["title"], "Refund policy");
    assert!(first["chunk_id"].as_str().unwrap().starts_with("chk_"));
    assert!(first["snippet"].as_str().unwrap().contains("30 days"));
    assert!(first.as_object().unwrap().contains_key("source"));
    let score = first["score"].as_f64().unwrap();
    assert!(score > 0.3 && score <= 1.0, "{score}");
    assert!(
        first["retrievers"]
            .as_array()
            .unwrap()
            .contains(&json!("dense"))
    );
    assert_eq!(found["total"], found["items"].as_array().unwrap().len());
    assert_eq!(found["top_k"], 5);
    assert_eq!(found["min_score"], 0.0);

    // A word only the lexical retriever can match exactly still finds its item.
    let found = search(&app, c, json!({"query": "overnight", "top_k": 1})).await;
    assert_eq!(item_ids(&found), vec![shipping.clone()], "{found}");
    assert!(
        found["items"][0]["retrievers"]
            .as_array()
            .unwrap()
            .contains(&json!("lexical"))
    );
}

async fn assistant_scope_and_threshold_apply(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let refunds = add_text(&app, c, "Refund policy", REFUNDS, json!({})).await;
    let shipping = add_text(&app, c, "Shipping", SHIPPING, json!({})).await;
    let hours = add_text(&app, c, "Opening hours", HOURS, json!({})).await;
    let query = "Can I get my money back after a return?";

    // Selected: only the shipping item, so even a refund question gets only its chunks.
    let narrow = assistant(
        &app,
        c,
        json!({"name": "Shipping bot", "knowledge_scope": "selected", "knowledge_ids": [shipping]}),
    )
    .await;
    let found = search(&app, c, json!({"query": query, "assistant_id": narrow})).await;
    assert_eq!(item_ids(&found), vec![shipping.clone()], "{found}");

    // An item linked to the assistant by its own assistant_ids is in the selected scope too.
    let linked = add_text(
        &app,
        c,
        "Returns desk",
        "Returned parcels are inspected at the returns desk before any refund is approved.",
        json!({"assistant_ids": [narrow]}),
    )
    .await;
    let found = search(&app, c, json!({"query": query, "assistant_id": narrow})).await;
    let ids = item_ids(&found);
    assert!(ids.contains(&linked) && ids.contains(&shipping), "{found}");
    assert!(!ids.contains(&refunds) && !ids.contains(&hours), "{found}");

    // All, minus an exclusion.
    let excluding = assistant(
        &app,
        c,
        json!({"name": "No refunds", "excluded_knowledge_ids": [refunds]}),
    )
    .await;
    let found = search(&app, c, json!({"query": query, "assistant_id": excluding})).await;
    assert!(!item_ids(&found).contains(&refunds), "{found}");
    assert!(!item_ids(&found).is_empty());

    // The assistant's top_k and min_score apply; top_k in the request wins.
    let strict = assistant(
        &app,
        c,
        json!({"name": "Strict", "retrieval": {"top_k": 2, "min_score": 0.45}}),
    )
    .await;
    let found = search(&app, c, json!({"query": query, "assistant_id": strict})).await;
    assert_eq!(found["top_k"], 2);
    assert_eq!(found["min_score"], 0.45);
    assert!(found["items"].as_array().unwrap().len() <= 2);
    for hit in found["items"].as_array().unwrap() {
        assert!(hit["score"].as_f64().unwrap() >= 0.45, "{found}");
    }
    let unrelated = search(
        &app,
        c,
        json!({"query": "quantum chromodynamics of gluon plasma", "assistant_id": strict}),
    )
    .await;
    assert_eq!(unrelated["total"], 0, "{unrelated}");
    let found = search(
        &app,
        c,
        json!({"query": query, "assistant_id": strict, "top_k": 1}),
    )
    .await;
    assert_eq!(found["top_k"], 1);
}

async fn deleted_items_vanish_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let refunds = add_text(&app, c, "Refund policy", REFUNDS, json!({})).await;
    let shipping = add_text(&app, c, "Shipping", SHIPPING, json!({})).await;
    let query = json!({"query": "refund within 30 days", "top_k": 10});
    assert!(item_ids(&search(&app, c, query.clone()).await).contains(&refunds));
    let (status, _) = app
        .call(
            c,
            Method::DELETE,
            &format!("/api/v1/knowledge/{refunds}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let after = search(&app, c, query.clone()).await;
    assert_eq!(item_ids(&after), vec![shipping], "{after}");
}

/// The API process runs no workers; a separate `companin worker` process makes the item
/// ready, and the API's index catches up without a restart.
async fn a_worker_process_items_are_found_by_the_api_process(backend: Backend) {
    let app = spawn_app_opts(
        backend,
        companin_api::StartOptions { worker: false },
        |_| {},
    )
    .await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    // The index is built (empty) before anything is ready.
    let empty = search(&app, c, json!({"query": "refund"})).await;
    assert_eq!(empty["total"], 0);
    let mut worker = spawn_worker(&app);
    let refunds = add_text(&app, c, "Refund policy", REFUNDS, json!({})).await;
    let found = search(&app, c, json!({"query": "refund"})).await;
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(item_ids(&found), vec![refunds], "{found}");
}

async fn bad_search_input_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    for (body, field) in [
        (json!({"query": "   "}), "query"),
        (json!({"query": "x".repeat(2_001)}), "query"),
        (json!({"query": "refund", "top_k": 0}), "top_k"),
        (json!({"query": "refund", "top_k": 51}), "top_k"),
    ] {
        let resp = app
            .send(c, Method::POST, "/api/v1/knowledge/search", Some(&body))
            .await;
        let err = assert_error(resp, 422, "validation_error").await;
        assert!(err["data"].to_string().contains(field), "{err}");
    }
    let resp = app
        .send(
            c,
            Method::POST,
            "/api/v1/knowledge/search",
            Some(&json!({})),
        )
        .await;
    assert_error(resp, 422, "validation_error").await;
    let resp = app
        .send(
            c,
            Method::POST,
            "/api/v1/knowledge/search",
            Some(&json!({"query": "refund", "assistant_id": "asst_0190f1d2c3b47a6b8c9d0e1f2a3b4c5d"})),
        )
        .await;
    assert_error(resp, 404, "not_found").await;
    let resp = app
        .http
        .post(app.url("/api/v1/knowledge/search"))
        .header("X-API-Key", &c.client_id)
        .header("X-API-Secret", &c.client_secret)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "invalid_json").await;
    let resp = app
        .http
        .post(app.url("/api/v1/knowledge/search"))
        .json(&json!({"query": "refund"}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "missing_credentials").await;
}

/// Two organizations hold near-identical texts: each search sees only its own, a sandbox sees
/// none of production's, and another tenant's assistant id is unknown.
async fn search_never_crosses_tenants(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_org("A", Some(POLLING_LIMIT)).await;
    let b = app.create_org("B", Some(POLLING_LIMIT)).await;
    let a_item = add_text(
        &app,
        &a.production,
        "Refund policy",
        "Refunds: return any product within 30 days for a full refund.",
        json!({}),
    )
    .await;
    let b_item = add_text(
        &app,
        &b.production,
        "Refund policy",
        "Refunds: return any product within 45 days for a full refund.",
        json!({}),
    )
    .await;
    let query = json!({"query": "refund within days", "top_k": 50});
    assert_eq!(
        item_ids(&search(&app, &a.production, query.clone()).await),
        vec![a_item]
    );
    assert_eq!(
        item_ids(&search(&app, &b.production, query.clone()).await),
        vec![b_item]
    );
    assert_eq!(search(&app, &a.sandbox, query.clone()).await["total"], 0);
    let a_assistant = assistant(&app, &a.production, json!({"name": "A bot"})).await;
    let resp = app
        .send(
            &b.production,
            Method::POST,
            "/api/v1/knowledge/search",
            Some(&json!({"query": "refund", "assistant_id": a_assistant})),
        )
        .await;
    assert_error(resp, 404, "not_found").await;
}

crate::on_both_backends!(
    ranks_grounded_chunks_with_citations,
    assistant_scope_and_threshold_apply,
    deleted_items_vanish_at_once,
    a_worker_process_items_are_found_by_the_api_process,
    bad_search_input_is_refused,
    search_never_crosses_tenants,
);
