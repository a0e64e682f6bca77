//! Assistants: lifecycle, versions, rollback, concurrency, soft delete, bad input, walls.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    assistant_crud_and_filters,
    versions_and_rollback,
    concurrent_patches_never_share_a_version_nor_lose_a_change,
    deleted_assistants_vanish_but_keep_their_history,
    bad_assistant_input_is_refused_and_changes_nothing,
    assistants_are_walled_off,
);

async fn create(app: &TestApp, creds: &Creds, body: Value) -> Value {
    let (status, v) = app
        .call(creds, Method::POST, "/api/v1/assistants/", Some(body))
        .await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn assistant_crud_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;

    let minimal = create(&app, me, json!({ "name": "  Support bot " })).await;
    let id = minimal["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("asst_"));
    let expected = json!({
        "id": id,
        "name": "Support bot",
        "description": null,
        "tone": "professional",
        "language": "en",
        "default_tasks": [],
        "instructions": "",
        "is_active": true,
        "knowledge_scope": "all",
        "knowledge_ids": [],
        "excluded_knowledge_ids": [],
        "retrieval": { "top_k": 5, "min_score": 0.0 },
        "reply_mode": "generative",
        "fallback_message": "I'm sorry, I couldn't find an answer to that in my knowledge base.",
        "greeting": null,
        "version": 1,
        "created_at": minimal["created_at"],
        "updated_at": minimal["updated_at"],
    });
    assert_eq!(minimal, expected);

    let full = create(
        &app,
        me,
        json!({
            "name": "Ventas 50% Bot",
            "description": "Sales in Spanish",
            "tone": "friendly",
            "language": "es-mx",
            "default_tasks": ["Qualify the lead", "Book a demo"],
            "instructions": "Answer in Spanish.",
            "is_active": false,
            "knowledge_scope": "selected",
            "knowledge_ids": ["k1", "k2", "k1"],
            "excluded_knowledge_ids": ["k3"],
            "retrieval": { "top_k": 8, "min_score": 0.25 },
            "reply_mode": "extractive",
            "fallback_message": "No lo sé."
        }),
    )
    .await;
    assert_eq!(full["language"], "es-MX");
    assert_eq!(full["knowledge_ids"], json!(["k1", "k2"]));
    assert_eq!(full["retrieval"], json!({ "top_k": 8, "min_score": 0.25 }));
    assert_eq!(full["reply_mode"], "extractive");
    assert_eq!(full["is_active"], false);
    let (status, got) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/assistants/{}", full["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got, full);

    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = app.call(me, Method::GET, "/api/v1/assistants/", None).await;
    assert_eq!(all["total"], 2);
    assert_eq!(names(&all), ["Ventas 50% Bot", "Support bot"]);
    let (_, active) = app
        .call(me, Method::GET, "/api/v1/assistants/?is_active=true", None)
        .await;
    assert_eq!(names(&active), ["Support bot"]);
    let (_, inactive) = app
        .call(me, Method::GET, "/api/v1/assistants/?is_active=false", None)
        .await;
    assert_eq!(names(&inactive), ["Ventas 50% Bot"]);
    let (_, q) = app
        .call(me, Method::GET, "/api/v1/assistants/?q=SUPPORT", None)
        .await;
    assert_eq!(names(&q), ["Support bot"]);
    let (_, percent) = app
        .call(me, Method::GET, "/api/v1/assistants/?q=50%25", None)
        .await;
    assert_eq!(names(&percent), ["Ventas 50% Bot"], "a % in q is literal");
    let (_, page) = app
        .call(
            me,
            Method::GET,
            "/api/v1/assistants/?limit=1&offset=1",
            None,
        )
        .await;
    assert_eq!(names(&page), ["Support bot"]);
    assert_eq!(page["total"], 2);

    let (status, body) = app
        .call(me, Method::GET, "/api/v1/assistants/asst_missing", None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["detail"], "assistant not found");
}

async fn versions_and_rollback(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let v1 = create(
        &app,
        me,
        json!({ "name": "Helper", "instructions": "Be brief." }),
    )
    .await;
    let path = format!("/api/v1/assistants/{}", v1["id"].as_str().unwrap());

    let (status, v2) = app
        .call(
            me,
            Method::PATCH,
            &path,
            Some(json!({ "tone": "friendly" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["tone"], "friendly");
    assert_eq!(v2["instructions"], "Be brief.", "untouched fields stay");

    // A PATCH that changes nothing makes no version.
    let (_, same) = app
        .call(
            me,
            Method::PATCH,
            &path,
            Some(json!({ "tone": "friendly", "retrieval": { "top_k": 5 } })),
        )
        .await;
    assert_eq!(same["version"], 2);

    let (_, v3) = app.call(me,
        Method::PATCH,
        &path,
        Some(json!({ "retrieval": { "top_k": 9 }, "description": "new", "instructions": "Be thorough." })),
    )
    .await;
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["retrieval"], json!({ "top_k": 9, "min_score": 0.0 }));
    let (_, v3b) = app
        .call(
            me,
            Method::PATCH,
            &path,
            Some(json!({ "description": null })),
        )
        .await;
    assert_eq!(v3b["version"], 4);
    assert_eq!(v3b["description"], Value::Null);

    let (_, history) = app
        .call(me, Method::GET, &format!("{path}/versions"), None)
        .await;
    assert_eq!(history["total"], 4);
    let numbers: Vec<i64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert_eq!(
        history["items"][1]["changed_fields"],
        json!(["description", "instructions", "retrieval.top_k"])
    );
    assert_eq!(history["items"][3]["changed_fields"], json!([]));

    let (status, first) = app
        .call(me, Method::GET, &format!("{path}/versions/1"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(first["version"], 1);
    assert_eq!(first["config"]["tone"], "professional");
    assert_eq!(first["config"]["instructions"], "Be brief.");
    assert_eq!(first["rolled_back_from"], Value::Null);

    let (status, rolled) = app
        .call(
            me,
            Method::POST,
            &format!("{path}/rollback"),
            Some(json!({ "version": 1 })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rolled["version"], 5);
    for field in [
        "name",
        "tone",
        "instructions",
        "description",
        "retrieval",
        "language",
    ] {
        assert_eq!(rolled[field], v1[field], "{field} restored");
    }
    let (_, v5) = app
        .call(me, Method::GET, &format!("{path}/versions/5"), None)
        .await;
    assert_eq!(v5["rolled_back_from"], 1);
    assert_eq!(
        v5["changed_fields"],
        json!(["instructions", "retrieval.top_k", "tone"])
    );
    // The history itself is never rewritten.
    let (_, still) = app
        .call(me, Method::GET, &format!("{path}/versions/3"), None)
        .await;
    assert_eq!(still["config"]["instructions"], "Be thorough.");

    let (status, _) = app
        .call(me, Method::GET, &format!("{path}/versions/99"), None)
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .call(
            me,
            Method::POST,
            &format!("{path}/rollback"),
            Some(json!({ "version": 99 })),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["detail"], "assistant version not found");
    let (status, body) = app
        .call(
            me,
            Method::POST,
            &format!("{path}/rollback"),
            Some(json!({ "version": 0 })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["data"]["field"], "version");
    let (status, body) = app
        .call(me, Method::GET, &format!("{path}/versions/two"), None)
        .await;
    assert_eq!(status, 422, "{body}");

    let (_, audit) = app
        .call(
            me,
            Method::GET,
            &format!(
                "/api/v1/audit-logs/?resource_id={}",
                v1["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "assistant.rolled_back",
            "assistant.updated",
            "assistant.updated",
            "assistant.updated",
            "assistant.created"
        ]
    );
    assert_eq!(audit["items"][0]["changes"]["restored_version"], 1);
    assert_eq!(
        audit["items"][0]["changes"]["version"],
        json!({ "from": 4, "to": 5 })
    );
    assert_eq!(
        audit["items"][3]["changes"]["tone"],
        json!({ "from": "professional", "to": "friendly" })
    );
    assert_eq!(
        audit["items"][3]["actor"]["client_id"],
        me.client_id.as_str()
    );
}

async fn concurrent_patches_never_share_a_version_nor_lose_a_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let created = create(&app, me, json!({ "name": "Racer" })).await;
    let path = format!("/api/v1/assistants/{}", created["id"].as_str().unwrap());
    let patches = [
        json!({ "name": "Renamed" }),
        json!({ "tone": "concise" }),
        json!({ "description": "set" }),
        json!({ "instructions": "Cite sources." }),
        json!({ "fallback_message": "Not sure." }),
        json!({ "language": "fr" }),
        json!({ "retrieval": { "top_k": 12 } }),
        json!({ "default_tasks": ["Summarise"] }),
        json!({ "reply_mode": "extractive" }),
        json!({ "excluded_knowledge_ids": ["x"] }),
    ];
    let sends = patches
        .iter()
        .map(|body| app.as_client(me, Method::PATCH, &path).json(body).send());
    for resp in join_all(sends).await {
        assert_eq!(resp.unwrap().status(), 200);
    }
    let (_, now) = app.call(me, Method::GET, &path, None).await;
    assert_eq!(now["version"], 11);
    assert_eq!(now["name"], "Renamed");
    assert_eq!(now["tone"], "concise");
    assert_eq!(now["description"], "set");
    assert_eq!(now["instructions"], "Cite sources.");
    assert_eq!(now["fallback_message"], "Not sure.");
    assert_eq!(now["language"], "fr");
    assert_eq!(now["retrieval"]["top_k"], 12);
    assert_eq!(now["default_tasks"], json!(["Summarise"]));
    assert_eq!(now["reply_mode"], "extractive");
    assert_eq!(now["excluded_knowledge_ids"], json!(["x"]));
    let (_, history) = app
        .call(me, Method::GET, &format!("{path}/versions?limit=100"), None)
        .await;
    let mut numbers: Vec<i64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=11).collect::<Vec<i64>>());
    // Each version changed exactly one field.
    for v in history["items"].as_array().unwrap() {
        let changed = v["changed_fields"].as_array().unwrap().len();
        assert_eq!(changed, if v["version"] == 1 { 0 } else { 1 }, "{v}");
    }
}

async fn deleted_assistants_vanish_but_keep_their_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let created = create(&app, me, json!({ "name": "Temp" })).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/assistants/{id}");
    app.call(
        me,
        Method::PATCH,
        &path,
        Some(json!({ "tone": "friendly" })),
    )
    .await;
    let (status, _) = app.call(me, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    for (method, p, body) in [
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({ "tone": "x" }))),
        (Method::DELETE, path.clone(), None),
        (Method::GET, format!("{path}/versions"), None),
        (Method::GET, format!("{path}/versions/1"), None),
        (
            Method::POST,
            format!("{path}/rollback"),
            Some(json!({ "version": 1 })),
        ),
    ] {
        let resp = app.send(me, method.clone(), &p, body.as_ref()).await;
        assert_error(resp, 404, "not_found").await;
    }
    let (_, list) = app.call(me, Method::GET, "/api/v1/assistants/", None).await;
    assert_eq!(list["total"], 0);

    use sea_orm::{ConnectionTrait, Statement};
    let db = app.db().await;
    let count = |sql: String| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM assistants WHERE id = '{id}' AND deleted_at IS NOT NULL"
        ))
        .await,
        1
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM assistant_versions WHERE assistant_id = '{id}'"
        ))
        .await,
        2
    );
    let (_, audit) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/audit-logs/?resource_id={id}&action=assistant.deleted"),
            None,
        )
        .await;
    assert_eq!(audit["total"], 1);
}

async fn bad_assistant_input_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let existing = create(&app, me, json!({ "name": "Keeper" })).await;
    let path = format!("/api/v1/assistants/{}", existing["id"].as_str().unwrap());
    let long = "x".repeat(201);
    let cases = [
        (json!({ "name": "A", "colour": "red" }), "colour"),
        (json!({ "name": 5 }), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": long }), "name"),
        (json!({ "name": "A", "tone": "t".repeat(51) }), "tone"),
        (json!({ "name": "A", "language": "english" }), "language"),
        (json!({ "name": "A", "language": "en_US" }), "language"),
        (
            json!({ "name": "A", "retrieval": { "top_k": 0 } }),
            "retrieval.top_k",
        ),
        (
            json!({ "name": "A", "retrieval": { "top_k": 51 } }),
            "retrieval.top_k",
        ),
        (
            json!({ "name": "A", "retrieval": { "min_score": -0.1 } }),
            "retrieval.min_score",
        ),
        (
            json!({ "name": "A", "knowledge_scope": "some" }),
            "knowledge_scope",
        ),
        (json!({ "name": "A", "reply_mode": "poetry" }), "reply_mode"),
        (json!({ "name": "A", "is_active": "yes" }), "is_active"),
        (
            json!({ "name": "A", "default_tasks": "one" }),
            "default_tasks",
        ),
        (
            json!({ "name": "A", "default_tasks": [""] }),
            "default_tasks",
        ),
        (
            json!({ "name": "A", "fallback_message": "" }),
            "fallback_message",
        ),
        (
            json!({ "name": "A", "instructions": "i".repeat(20_001) }),
            "instructions",
        ),
    ];
    for (body, field) in &cases {
        let (status, err) = app
            .call(me, Method::POST, "/api/v1/assistants/", Some(body.clone()))
            .await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["code"], "validation_error");
        assert_eq!(err["data"]["field"], *field, "{body}: {err}");
    }
    let patches = [
        (json!({ "language": "english" }), "language"),
        (json!({ "retrieval": { "top_k": 99 } }), "retrieval.top_k"),
        (json!({ "name": "" }), "name"),
        (json!({ "version": 3 }), "version"),
        (json!({ "tone": null, "colour": 1 }), "colour"),
    ];
    for (body, field) in patches {
        let (status, err) = app.call(me, Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["data"]["field"], field, "{body}: {err}");
    }
    // Nothing was written: still one assistant, still at version 1, no audit entry but its
    // creation.
    let (_, all) = app.call(me, Method::GET, "/api/v1/assistants/", None).await;
    assert_eq!(all["total"], 1, "{all}");
    assert_eq!(all["items"][0]["version"], 1);
    let (_, versions) = app
        .call(me, Method::GET, &format!("{path}/versions"), None)
        .await;
    assert_eq!(versions["total"], 1);
    let (_, audit) = app
        .call(
            me,
            Method::GET,
            "/api/v1/audit-logs/?resource_type=assistant",
            None,
        )
        .await;
    assert_eq!(audit["total"], 1);
}

async fn assistants_are_walled_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_org("A", None).await;
    let b = app.create_org("B", None).await;
    let mine = create(&app, &a.production, json!({ "name": "A's bot" })).await;
    let path = format!("/api/v1/assistants/{}", mine["id"].as_str().unwrap());
    for outsider in [&b.production, &a.sandbox] {
        for (method, p, body) in [
            (Method::GET, path.clone(), None),
            (
                Method::PATCH,
                path.clone(),
                Some(json!({ "name": "pwned" })),
            ),
            (Method::DELETE, path.clone(), None),
            (Method::GET, format!("{path}/versions"), None),
            (Method::GET, format!("{path}/versions/1"), None),
            (
                Method::POST,
                format!("{path}/rollback"),
                Some(json!({ "version": 1 })),
            ),
        ] {
            let resp = app.send(outsider, method.clone(), &p, body.as_ref()).await;
            let body = assert_error(resp, 404, "not_found").await;
            assert_eq!(body["detail"], "assistant not found", "{method} {p}");
        }
        let (_, list) = app
            .call(outsider, Method::GET, "/api/v1/assistants/", None)
            .await;
        assert_eq!(list["total"], 0);
    }
    let (_, still) = app.call(&a.production, Method::GET, &path, None).await;
    assert_eq!(still["name"], "A's bot");
    assert_eq!(still["version"], 1);
}
