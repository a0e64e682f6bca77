//! Sessions and contexts: lifecycle, expiry, traits, bad input, walls.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    session_lifecycle,
    sessions_expire_and_refuse_changes,
    sessions_need_an_active_assistant_of_the_tenant,
    bad_session_input_is_refused_and_changes_nothing,
    contexts_merge_into_session_traits,
    bad_context_input_is_refused_and_changes_nothing,
    sessions_and_contexts_are_walled_off,
);

async fn assistant(app: &TestApp, creds: &Creds, body: Value) -> String {
    let (status, v) = app
        .call(creds, Method::POST, "/api/v1/assistants/", Some(body))
        .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn session(app: &TestApp, creds: &Creds, body: Value) -> Value {
    let (status, v) = app
        .call(creds, Method::POST, "/api/v1/sessions/", Some(body))
        .await;
    assert_eq!(status, 201, "{v}");
    v
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn session_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let bot = assistant(&app, me, json!({ "name": "Bot" })).await;

    let anon = session(&app, me, json!({ "assistant_id": bot })).await;
    assert!(anon["id"].as_str().unwrap().starts_with("sess_"));
    assert!(anon["visitor_id"].as_str().unwrap().starts_with("vis_"));
    assert_eq!(anon["is_anonymous"], true);
    assert_eq!(anon["user_id"], Value::Null);
    assert_eq!(anon["status"], "active");
    assert_eq!(anon["metadata"], json!({}));
    assert_eq!(anon["ended_at"], Value::Null);
    let lifetime = time(&anon["expires_at"]) - time(&anon["created_at"]);
    assert_eq!(lifetime, chrono::Duration::hours(24));

    let known = session(
        &app,
        me,
        json!({ "assistant_id": bot, "visitor_id": "device-1", "user_id": "u-42", "locale": "es-mx",
                "metadata": { "plan": "pro", "crm": { "id": 7 } }, "expires_in": 600 }),
    )
    .await;
    assert_eq!(known["is_anonymous"], false);
    assert_eq!(known["visitor_id"], "device-1");
    assert_eq!(known["locale"], "es-MX");
    assert_eq!(
        known["metadata"],
        json!({ "plan": "pro", "crm": { "id": 7 } })
    );
    assert_eq!(
        time(&known["expires_at"]) - time(&known["created_at"]),
        chrono::Duration::seconds(600)
    );
    let path = format!("/api/v1/sessions/{}", known["id"].as_str().unwrap());
    let (status, got) = app.call(me, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(got, known);

    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, by_visitor) = app
        .call(
            me,
            Method::GET,
            "/api/v1/sessions/?visitor_id=device-1",
            None,
        )
        .await;
    assert_eq!(ids(&by_visitor), [known["id"].as_str().unwrap()]);
    let (_, by_user) = app
        .call(me, Method::GET, "/api/v1/sessions/?user_id=u-42", None)
        .await;
    assert_eq!(by_user["total"], 1);
    let (_, by_assistant) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/sessions/?assistant_id={bot}"),
            None,
        )
        .await;
    assert_eq!(by_assistant["total"], 2);

    // Merge: new keys added, existing replaced, null removes.
    let (status, merged) = app
        .call(
            me,
            Method::PATCH,
            &path,
            Some(json!({ "metadata": { "plan": "team", "crm": null, "source": "ads" } })),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        merged["metadata"],
        json!({ "plan": "team", "source": "ads" })
    );
    assert!(time(&merged["last_activity_at"]) >= time(&known["last_activity_at"]));
    let (_, replaced) = app
        .call(
            me,
            Method::PATCH,
            &path,
            Some(json!({ "metadata": { "only": 1 }, "replace_metadata": true })),
        )
        .await;
    assert_eq!(replaced["metadata"], json!({ "only": 1 }));
    let (_, extended) = app
        .call(
            me,
            Method::PATCH,
            &path,
            Some(json!({ "expires_in": 7200 })),
        )
        .await;
    assert!(time(&extended["expires_at"]) > time(&known["expires_at"]));

    let (status, ended) = app
        .call(me, Method::POST, &format!("{path}/end"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(ended["status"], "ended");
    assert!(ended["ended_at"].is_string());
    let (status, again) = app
        .call(me, Method::POST, &format!("{path}/end"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        again["ended_at"], ended["ended_at"],
        "ending twice changes nothing"
    );
    let resp = app
        .as_client(me, Method::PATCH, &path)
        .json(&json!({ "metadata": { "x": 1 } }))
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 410, "session_expired").await;
    assert_eq!(body["detail"], "the session has ended; start a new session");

    let (_, active) = app
        .call(me, Method::GET, "/api/v1/sessions/?active=true", None)
        .await;
    assert_eq!(ids(&active), [anon["id"].as_str().unwrap()]);
    let (_, inactive) = app
        .call(me, Method::GET, "/api/v1/sessions/?active=false", None)
        .await;
    assert_eq!(ids(&inactive), [known["id"].as_str().unwrap()]);

    let (_, audit) = app
        .call(
            me,
            Method::GET,
            &format!(
                "/api/v1/audit-logs/?resource_id={}",
                known["id"].as_str().unwrap()
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
            "session.ended",
            "session.updated",
            "session.updated",
            "session.updated",
            "session.created"
        ]
    );
}

async fn sessions_expire_and_refuse_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let bot = assistant(&app, me, json!({ "name": "Bot" })).await;
    let short = session(&app, me, json!({ "assistant_id": bot, "expires_in": 1 })).await;
    assert_eq!(short["status"], "active");
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let path = format!("/api/v1/sessions/{}", short["id"].as_str().unwrap());
    let (_, now) = app.call(me, Method::GET, &path, None).await;
    assert_eq!(now["status"], "expired");
    let (_, active) = app
        .call(me, Method::GET, "/api/v1/sessions/?active=true", None)
        .await;
    assert_eq!(active["total"], 0);
    let (_, inactive) = app
        .call(me, Method::GET, "/api/v1/sessions/?active=false", None)
        .await;
    assert_eq!(inactive["total"], 1);
    let resp = app
        .as_client(me, Method::PATCH, &path)
        .json(&json!({ "expires_in": 3600 }))
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 410, "session_expired").await;
    assert_eq!(body["detail"], "the session expired; start a new session");
    // Ending an expired session records that it ended.
    let (_, ended) = app
        .call(me, Method::POST, &format!("{path}/end"), None)
        .await;
    assert_eq!(ended["status"], "ended");
}

async fn sessions_need_an_active_assistant_of_the_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let resp = app
        .as_client(me, Method::POST, "/api/v1/sessions/")
        .json(&json!({ "assistant_id": "asst_0123456789abcdef0123456789abcdef" }))
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 404, "not_found").await;
    assert_eq!(body["detail"], "assistant not found");

    let sleepy = assistant(&app, me, json!({ "name": "Off", "is_active": false })).await;
    let resp = app
        .as_client(me, Method::POST, "/api/v1/sessions/")
        .json(&json!({ "assistant_id": sleepy }))
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 409, "assistant_inactive").await;
    assert_eq!(
        body["detail"],
        "the assistant is inactive and takes no new sessions"
    );

    let gone = assistant(&app, me, json!({ "name": "Gone" })).await;
    app.call(
        me,
        Method::DELETE,
        &format!("/api/v1/assistants/{gone}"),
        None,
    )
    .await;
    let resp = app
        .as_client(me, Method::POST, "/api/v1/sessions/")
        .json(&json!({ "assistant_id": gone }))
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;

    let (_, list) = app.call(me, Method::GET, "/api/v1/sessions/", None).await;
    assert_eq!(list["total"], 0);
}

async fn bad_session_input_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let bot = assistant(&app, me, json!({ "name": "Bot" })).await;
    let cases = [
        (json!({ "assistant_id": bot, "colour": 1 }), "colour"),
        (json!({}), "assistant_id"),
        (json!({ "assistant_id": 3 }), "assistant_id"),
        (
            json!({ "assistant_id": bot, "metadata": ["a"] }),
            "metadata",
        ),
        (json!({ "assistant_id": bot, "metadata": "x" }), "metadata"),
        (
            json!({ "assistant_id": bot, "expires_in": 0 }),
            "expires_in",
        ),
        (
            json!({ "assistant_id": bot, "expires_in": 30 * 24 * 3600 + 1 }),
            "expires_in",
        ),
        (
            json!({ "assistant_id": bot, "expires_in": -5 }),
            "expires_in",
        ),
        (
            json!({ "assistant_id": bot, "locale": "english" }),
            "locale",
        ),
        (
            json!({ "assistant_id": bot, "visitor_id": "  " }),
            "visitor_id",
        ),
        (
            json!({ "assistant_id": bot, "user_id": "u".repeat(201) }),
            "user_id",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = app
            .call(me, Method::POST, "/api/v1/sessions/", Some(body.clone()))
            .await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["data"]["field"], field, "{body}: {err}");
    }
    let many: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    let (status, err) = app
        .call(
            me,
            Method::POST,
            "/api/v1/sessions/",
            Some(json!({ "assistant_id": bot, "metadata": many })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        err["data"],
        json!({ "field": "metadata", "reason": "must have at most 100 keys" })
    );
    let (_, list) = app.call(me, Method::GET, "/api/v1/sessions/", None).await;
    assert_eq!(list["total"], 0, "nothing was written");

    let s = session(
        &app,
        me,
        json!({ "assistant_id": bot, "metadata": { "a": 1 } }),
    )
    .await;
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    for (body, field) in [
        (json!({ "metadata": [1] }), "metadata"),
        (json!({ "expires_in": 0 }), "expires_in"),
        (json!({ "assistant_id": bot }), "assistant_id"),
    ] {
        let (status, err) = app.call(me, Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["data"]["field"], field);
    }
    let (_, unchanged) = app.call(me, Method::GET, &path, None).await;
    assert_eq!(unchanged["metadata"], json!({ "a": 1 }));
    assert_eq!(unchanged["expires_at"], s["expires_at"]);
}

async fn contexts_merge_into_session_traits(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let bot = assistant(&app, me, json!({ "name": "Bot" })).await;
    let s = session(
        &app,
        me,
        json!({ "assistant_id": bot, "visitor_id": "dev-9", "user_id": "u-1" }),
    )
    .await;
    let sid = s["id"].as_str().unwrap();

    let create = |body: Value| {
        let app = &app;
        async move {
            let (status, v) = app
                .call(me, Method::POST, "/api/v1/contexts/", Some(body))
                .await;
            assert_eq!(status, 201, "{v}");
            v
        }
    };
    let user = create(
        json!({ "user_id": "u-1", "traits": { "plan": "free", "name": "Ana", "lang": "es" },
                              "crm": { "provider": "hubspot", "external_id": "hs-77" } }),
    )
    .await;
    let visitor =
        create(json!({ "visitor_id": "dev-9", "traits": { "plan": "trial", "device": "ios" } }))
            .await;
    let own =
        create(json!({ "session_id": sid, "traits": { "plan": "pro", "page": "/pricing" } })).await;
    let _other_user = create(json!({ "user_id": "u-2", "traits": { "plan": "enterprise" } })).await;
    assert!(user["id"].as_str().unwrap().starts_with("ctx_"));
    assert_eq!(
        user["crm"],
        json!({ "provider": "hubspot", "external_id": "hs-77" })
    );
    assert_eq!(visitor["session_id"], Value::Null);
    assert_eq!(visitor["visitor_id"], "dev-9");

    let (status, merged) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/sessions/{sid}/traits"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        merged["traits"],
        json!({ "plan": "pro", "name": "Ana", "lang": "es", "device": "ios", "page": "/pricing" })
    );
    assert_eq!(
        merged["context_ids"],
        json!([user["id"], visitor["id"], own["id"]])
    );

    // PATCH merges traits; null removes a key; crm null removes the record.
    let cpath = format!("/api/v1/contexts/{}", own["id"].as_str().unwrap());
    let (status, patched) = app
        .call(
            me,
            Method::PATCH,
            &cpath,
            Some(json!({ "traits": { "page": null, "cart": 3 } })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["traits"], json!({ "plan": "pro", "cart": 3 }));
    let upath = format!("/api/v1/contexts/{}", user["id"].as_str().unwrap());
    let (_, no_crm) = app
        .call(me, Method::PATCH, &upath, Some(json!({ "crm": null })))
        .await;
    assert_eq!(no_crm["crm"], Value::Null);
    let (_, merged) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/sessions/{sid}/traits"),
            None,
        )
        .await;
    assert_eq!(merged["traits"]["cart"], 3);
    assert!(merged["traits"].get("page").is_none());

    let (_, by_session) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/contexts/?session_id={sid}"),
            None,
        )
        .await;
    assert_eq!(by_session["total"], 1);
    let (_, by_user) = app
        .call(me, Method::GET, "/api/v1/contexts/?user_id=u-1", None)
        .await;
    assert_eq!(by_user["total"], 1);
    let (_, by_visitor) = app
        .call(me, Method::GET, "/api/v1/contexts/?visitor_id=dev-9", None)
        .await;
    assert_eq!(by_visitor["total"], 1);
    app.call(
        me,
        Method::PATCH,
        &upath,
        Some(json!({ "crm": { "provider": "hubspot", "external_id": "hs-78" } })),
    )
    .await;
    let (_, by_crm) = app
        .call(
            me,
            Method::GET,
            "/api/v1/contexts/?crm_external_id=hs-78",
            None,
        )
        .await;
    assert_eq!(by_crm["total"], 1);
    let (_, all) = app.call(me, Method::GET, "/api/v1/contexts/", None).await;
    assert_eq!(all["total"], 4);

    let (status, _) = app.call(me, Method::DELETE, &cpath, None).await;
    assert_eq!(status, 204);
    let (status, _) = app.call(me, Method::GET, &cpath, None).await;
    assert_eq!(status, 404);
    let (_, merged) = app
        .call(
            me,
            Method::GET,
            &format!("/api/v1/sessions/{sid}/traits"),
            None,
        )
        .await;
    assert_eq!(
        merged["traits"]["plan"], "trial",
        "the visitor's plan shows once the session's is gone"
    );

    let (_, audit) = app
        .call(
            me,
            Method::GET,
            "/api/v1/audit-logs/?resource_type=context",
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
            "context.deleted",
            "context.updated",
            "context.updated",
            "context.updated",
            "context.created",
            "context.created",
            "context.created",
            "context.created"
        ]
    );
    assert_eq!(
        audit["items"][3]["changes"]["traits"],
        json!({ "changed": ["cart", "page"] })
    );
}

async fn bad_context_input_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let bot = assistant(&app, me, json!({ "name": "Bot" })).await;
    let s = session(&app, me, json!({ "assistant_id": bot })).await;
    let sid = s["id"].as_str().unwrap();
    let many: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("t{i}"), json!(i))).collect();
    let cases = [
        (json!({ "traits": {} }), "session_id"),
        (
            json!({ "session_id": sid, "visitor_id": "v", "traits": {} }),
            "visitor_id",
        ),
        (
            json!({ "visitor_id": "v", "user_id": "u", "traits": {} }),
            "user_id",
        ),
        (json!({ "visitor_id": "v" }), "traits"),
        (json!({ "visitor_id": "v", "traits": [1] }), "traits"),
        (json!({ "visitor_id": "v", "traits": many }), "traits"),
        (
            json!({ "visitor_id": "v", "traits": { "big": "x".repeat(17 * 1024) } }),
            "traits",
        ),
        (
            json!({ "visitor_id": "v", "traits": {}, "crm": { "provider": "hubspot" } }),
            "crm.external_id",
        ),
        (
            json!({ "visitor_id": "v", "traits": {}, "extra": true }),
            "extra",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = app
            .call(me, Method::POST, "/api/v1/contexts/", Some(body.clone()))
            .await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["data"]["field"], field, "{body}: {err}");
    }
    let resp = app
        .as_client(me, Method::POST, "/api/v1/contexts/")
        .json(&json!({ "session_id": "sess_0123456789abcdef0123456789abcdef", "traits": {} }))
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 404, "not_found").await;
    assert_eq!(body["detail"], "session not found");
    let (_, list) = app.call(me, Method::GET, "/api/v1/contexts/", None).await;
    assert_eq!(list["total"], 0, "nothing was written");

    let (_, ok) = app
        .call(
            me,
            Method::POST,
            "/api/v1/contexts/",
            Some(json!({ "visitor_id": "v", "traits": { "a": 1 } })),
        )
        .await;
    let path = format!("/api/v1/contexts/{}", ok["id"].as_str().unwrap());
    let (status, err) = app
        .call(me, Method::PATCH, &path, Some(json!({ "traits": many })))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["data"]["field"], "traits");
    let (status, err) = app
        .call(me, Method::PATCH, &path, Some(json!({ "visitor_id": "w" })))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["data"]["field"], "visitor_id");
    let (_, unchanged) = app.call(me, Method::GET, &path, None).await;
    assert_eq!(unchanged["traits"], json!({ "a": 1 }));
}

async fn sessions_and_contexts_are_walled_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_org("A", None).await;
    let b = app.create_org("B", None).await;
    let bot = assistant(&app, &a.production, json!({ "name": "A bot" })).await;
    let s = session(
        &app,
        &a.production,
        json!({ "assistant_id": bot, "visitor_id": "shared-visitor" }),
    )
    .await;
    let sid = s["id"].as_str().unwrap();
    let (_, c) = app
        .call(
            &a.production,
            Method::POST,
            "/api/v1/contexts/",
            Some(json!({ "session_id": sid, "traits": { "secret": 1 } })),
        )
        .await;
    let cid = c["id"].as_str().unwrap();
    let (_, vc) = app
        .call(
            &a.production,
            Method::POST,
            "/api/v1/contexts/",
            Some(json!({ "visitor_id": "shared-visitor", "traits": { "a_only": 1 } })),
        )
        .await;
    assert_eq!(vc["visitor_id"], "shared-visitor");

    for outsider in [&b.production, &a.sandbox] {
        for (method, p, body) in [
            (Method::GET, format!("/api/v1/sessions/{sid}"), None),
            (
                Method::PATCH,
                format!("/api/v1/sessions/{sid}"),
                Some(json!({ "metadata": { "x": 1 } })),
            ),
            (Method::POST, format!("/api/v1/sessions/{sid}/end"), None),
            (Method::GET, format!("/api/v1/sessions/{sid}/traits"), None),
            (Method::GET, format!("/api/v1/contexts/{cid}"), None),
            (
                Method::PATCH,
                format!("/api/v1/contexts/{cid}"),
                Some(json!({ "traits": { "x": 1 } })),
            ),
            (Method::DELETE, format!("/api/v1/contexts/{cid}"), None),
            (
                Method::POST,
                "/api/v1/contexts/".to_owned(),
                Some(json!({ "session_id": sid, "traits": {} })),
            ),
            (
                Method::POST,
                "/api/v1/sessions/".to_owned(),
                Some(json!({ "assistant_id": bot })),
            ),
        ] {
            let resp = app.send(outsider, method.clone(), &p, body.as_ref()).await;
            assert_error(resp, 404, "not_found").await;
        }
        for list in [
            "/api/v1/sessions/",
            "/api/v1/contexts/",
            "/api/v1/contexts/?visitor_id=shared-visitor",
        ] {
            let (_, v) = app.call(outsider, Method::GET, list, None).await;
            assert_eq!(v["total"], 0, "{list}");
        }
    }
    // Another tenant's contexts about a visitor of the same name never reach A's session.
    let b_bot = assistant(&app, &b.production, json!({ "name": "B bot" })).await;
    let bs = session(
        &app,
        &b.production,
        json!({ "assistant_id": b_bot, "visitor_id": "shared-visitor" }),
    )
    .await;
    let (_, b_traits) = app
        .call(
            &b.production,
            Method::GET,
            &format!("/api/v1/sessions/{}/traits", bs["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(b_traits["traits"], json!({}));
    let (_, a_traits) = app
        .call(
            &a.production,
            Method::GET,
            &format!("/api/v1/sessions/{sid}/traits"),
            None,
        )
        .await;
    assert_eq!(a_traits["traits"], json!({ "secret": 1, "a_only": 1 }));
    let (_, still) = app
        .call(
            &a.production,
            Method::GET,
            &format!("/api/v1/sessions/{sid}"),
            None,
        )
        .await;
    assert_eq!(still["status"], "active");
}
