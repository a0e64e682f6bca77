//! The browser widget's tokens: origins, identity verification, scope, visitor walls, CORS.

use companin_service::auth::credentials::hmac_hex;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Creds, TestApp, assert_error, spawn_app, spawn_app_with, spawn_sibling_with,
};
use crate::on_both_backends;

on_both_backends!(
    tokens_need_an_allowed_origin_and_an_active_client,
    identity_is_verified_with_the_client_secret,
    widget_tokens_reach_only_widget_routes,
    visitors_cannot_reach_each_other,
    cors_admits_only_allowed_origins,
    greetings_reach_the_widget_config,
    visitors_and_token_requests_are_limited,
    widget_limits_hold_across_processes,
    anonymous_pages_cannot_spend_the_server_keys_budget,
);

const SHOP: &str = "https://shop.example";

/// An organization whose production client allows [`SHOP`], and an assistant.
async fn shop(app: &TestApp) -> (Creds, String) {
    let org = app.create_org("Acme", None).await;
    let c = org.production;
    let (status, v) = app
        .call(
            &c,
            Method::PATCH,
            &format!("/api/v1/clients/{}", c.client_id),
            Some(json!({ "allowed_origins": [SHOP] })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = app
        .call(
            &c,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({ "name": "Shop help", "reply_mode": "extractive" })),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    (c, v["id"].as_str().unwrap().to_owned())
}

async fn token_request(app: &TestApp, origin: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app
        .request(Method::POST, "/api/v1/widget/token")
        .json(&body);
    if let Some(origin) = origin {
        req = req.header("Origin", origin);
    }
    req.send().await.unwrap()
}

async fn widget_token(app: &TestApp, body: Value) -> Value {
    let resp = token_request(app, Some(SHOP), body).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn as_widget(
    app: &TestApp,
    token: &Value,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.with_token(token["token"].as_str().unwrap(), method, path);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn tokens_need_an_allowed_origin_and_an_active_client(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, bot) = shop(&app).await;
    let body = json!({ "client_id": c.client_id });

    assert_error(
        token_request(&app, None, body.clone()).await,
        403,
        "origin_not_allowed",
    )
    .await;
    for origin in [
        "https://evil.example",
        "http://shop.example",
        "https://shop.example:8443",
        "null",
    ] {
        let resp = token_request(&app, Some(origin), body.clone()).await;
        assert_error(resp, 403, "origin_not_allowed").await;
    }
    let t = widget_token(&app, body.clone()).await;
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["authenticated"], false);
    assert_eq!(t["assistant_id"], Value::Null);
    let visitor = t["visitor_id"].as_str().unwrap().to_owned();
    assert!(visitor.starts_with("vis_"), "{visitor}");
    // Each new visitor is new; a returning one resumes with the id it was given.
    assert_ne!(
        widget_token(&app, body.clone()).await["visitor_id"],
        visitor
    );
    let again = widget_token(
        &app,
        json!({ "client_id": c.client_id, "visitor_id": visitor }),
    )
    .await;
    assert_eq!(again["visitor_id"], visitor.as_str());
    let bound = widget_token(
        &app,
        json!({ "client_id": c.client_id, "assistant_id": bot }),
    )
    .await;
    assert_eq!(bound["assistant_id"], bot.as_str());

    for bad in [
        json!({ "client_id": "cli_00000000000000000000000000000000" }),
        json!({ "client_id": "nonsense" }),
    ] {
        let resp = token_request(&app, Some(SHOP), bad).await;
        assert_error(resp, 401, "invalid_credentials").await;
    }
    let resp = token_request(
        &app,
        Some(SHOP),
        json!({ "client_id": c.client_id, "assistant_id": "asst_00000000000000000000000000000000" }),
    )
    .await;
    assert_error(resp, 404, "not_found").await;
    // Another organization's assistant is as unknown.
    let (_, foreign_bot) = shop(&app).await;
    let resp = token_request(
        &app,
        Some(SHOP),
        json!({ "client_id": c.client_id, "assistant_id": foreign_bot }),
    )
    .await;
    assert_error(resp, 404, "not_found").await;

    // A deactivated client issues nothing, and its tokens stop working.
    let (status, _) = app
        .call(
            &c,
            Method::PATCH,
            &format!("/api/v1/clients/{}", c.client_id),
            Some(json!({ "is_active": false })),
        )
        .await;
    assert_eq!(status, 200);
    assert_error(
        token_request(&app, Some(SHOP), body).await,
        401,
        "invalid_credentials",
    )
    .await;
    let (status, v) = as_widget(
        &app,
        &t,
        Method::GET,
        &format!("/api/v1/widget/config?assistant_id={bot}"),
        None,
    )
    .await;
    assert_eq!((status, v["code"].as_str()), (401, Some("invalid_token")));
}

async fn identity_is_verified_with_the_client_secret(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.widget.token_ttl_secs = 2).await;
    let (c, bot) = shop(&app).await;
    let hash = hmac_hex(c.client_secret.as_bytes(), b"user-42");

    let verified = widget_token(
        &app,
        json!({ "client_id": c.client_id, "user_id": "user-42", "user_hash": hash }),
    )
    .await;
    assert_eq!(verified["authenticated"], true);
    assert_eq!(verified["visitor_id"], "user-42");
    assert_eq!(verified["expires_in"], 2);
    let (status, session) = as_widget(
        &app,
        &verified,
        Method::POST,
        "/api/v1/sessions/",
        Some(json!({ "assistant_id": bot })),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["user_id"], "user-42");
    assert_eq!(session["is_anonymous"], false);

    // Without a hash the user id is ignored: the visitor is anonymous.
    let unverified = widget_token(
        &app,
        json!({ "client_id": c.client_id, "user_id": "user-42" }),
    )
    .await;
    assert_eq!(unverified["authenticated"], false);
    assert!(
        unverified["visitor_id"]
            .as_str()
            .unwrap()
            .starts_with("vis_")
    );
    let (status, session) = as_widget(
        &app,
        &unverified,
        Method::POST,
        "/api/v1/sessions/",
        Some(json!({ "assistant_id": bot, "user_id": "user-42", "visitor_id": "user-42" })),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["user_id"], Value::Null);
    assert_eq!(session["visitor_id"], unverified["visitor_id"]);

    for (body, status, code) in [
        (
            json!({ "client_id": c.client_id, "user_id": "user-43", "user_hash": hash }),
            401,
            "invalid_user_hash",
        ),
        (
            json!({ "client_id": c.client_id, "user_id": "user-42", "user_hash": "zz" }),
            401,
            "invalid_user_hash",
        ),
        (
            json!({ "client_id": c.client_id, "user_hash": hash }),
            422,
            "validation_error",
        ),
    ] {
        assert_error(token_request(&app, Some(SHOP), body).await, status, code).await;
    }

    // Rotation: the new secret vouches, the old one no longer does.
    let (status, rotated) = app
        .call(
            &c,
            Method::POST,
            &format!("/api/v1/clients/{}/rotate-secret", c.client_id),
            None,
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["client_secret"].as_str().unwrap();
    let resp = token_request(
        &app,
        Some(SHOP),
        json!({ "client_id": c.client_id, "user_id": "user-42", "user_hash": hash }),
    )
    .await;
    assert_error(resp, 401, "invalid_user_hash").await;
    let new_hash = hmac_hex(new_secret.as_bytes(), b"user-42");
    let again = widget_token(
        &app,
        json!({ "client_id": c.client_id, "user_id": "user-42", "user_hash": new_hash }),
    )
    .await;
    assert_eq!(again["authenticated"], true);

    // Tokens expire.
    // Whole seconds: at most 3 s after issue, a 2 s token has expired.
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (status, v) = as_widget(
        &app,
        &again,
        Method::GET,
        &format!("/api/v1/widget/config?assistant_id={bot}"),
        None,
    )
    .await;
    assert_eq!((status, v["code"].as_str()), (401, Some("token_expired")));
}

/// The operations a widget token may call, as `(method, template)`.
const WIDGET_ROUTES: [(&str, &str); 7] = [
    ("get", "/widget/config"),
    ("post", "/sessions/"),
    ("get", "/sessions/{id}"),
    ("post", "/conversations/send-message"),
    ("get", "/conversations/{id}"),
    ("get", "/conversations/{id}/messages"),
    ("post", "/conversations/{id}/feedback"),
];

async fn widget_tokens_reach_only_widget_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, bot) = shop(&app).await;
    let t = widget_token(
        &app,
        json!({ "client_id": c.client_id, "assistant_id": bot }),
    )
    .await;

    // Every documented route that takes bearer tokens, other than the widget's, refuses.
    let spec: Value = app
        .request(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut refused = 0;
    for (template, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let bearer = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s.get("BearerAuth").is_some());
            let normalized = template.trim_end_matches('/');
            let widget = WIDGET_ROUTES
                .iter()
                .any(|(m, p)| m == method && p.trim_end_matches('/') == normalized);
            if !bearer || widget {
                continue;
            }
            let path = format!("/api/v1{}", template.replace("{id}", "x"));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body =
                matches!(method, Method::POST | Method::PATCH | Method::PUT).then(|| json!({}));
            let (status, v) = as_widget(&app, &t, method.clone(), &path, body).await;
            assert_eq!(
                (status, v["code"].as_str()),
                (403, Some("insufficient_scope")),
                "{method} {path}: {v}"
            );
            refused += 1;
        }
    }
    assert!(refused > 30, "only {refused} routes checked");

    // The widget's own routes work.
    let (status, config) = as_widget(&app, &t, Method::GET, "/api/v1/widget/config", None).await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["name"], "Shop help");
    assert_eq!(config["assistant_id"], bot.as_str());
    assert_eq!(config["greeting"], Value::Null, "no greeting set");
    let (status, session) = as_widget(
        &app,
        &t,
        Method::POST,
        "/api/v1/sessions/",
        Some(json!({ "assistant_id": bot })),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let session_id = session["id"].as_str().unwrap();
    let (status, _) = as_widget(
        &app,
        &t,
        Method::GET,
        &format!("/api/v1/sessions/{session_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, reply) = as_widget(
        &app,
        &t,
        Method::POST,
        "/api/v1/conversations/send-message",
        Some(json!({ "session_id": session_id, "message": "Hello?" })),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let conversation = reply["conversation_id"].as_str().unwrap();
    for path in [
        format!("/api/v1/conversations/{conversation}"),
        format!("/api/v1/conversations/{conversation}/messages"),
    ] {
        let (status, v) = as_widget(&app, &t, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}: {v}");
    }
    let (status, feedback) = as_widget(
        &app,
        &t,
        Method::POST,
        &format!("/api/v1/conversations/{conversation}/feedback"),
        Some(json!({ "rating": 4, "comment": "quick" })),
    )
    .await;
    assert_eq!(status, 201, "{feedback}");
    // The feedback is the org's like any other.
    let (status, v) = app
        .call(
            &c,
            Method::GET,
            &format!("/api/v1/conversations/{conversation}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{v}");
}

async fn visitors_cannot_reach_each_other(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, bot) = shop(&app).await;
    let a = widget_token(&app, json!({ "client_id": c.client_id })).await;
    let b = widget_token(&app, json!({ "client_id": c.client_id })).await;
    let (_, session) = as_widget(
        &app,
        &a,
        Method::POST,
        "/api/v1/sessions/",
        Some(json!({ "assistant_id": bot })),
    )
    .await;
    let session_id = session["id"].as_str().unwrap().to_owned();
    let (status, reply) = as_widget(
        &app,
        &a,
        Method::POST,
        "/api/v1/conversations/send-message",
        Some(json!({ "session_id": session_id, "message": "Hello?" })),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let conversation = reply["conversation_id"].as_str().unwrap().to_owned();

    // Visitor B, the server's own sessions, and another assistant's binding: all 404.
    let (_, server_session) = app
        .call(
            &c,
            Method::POST,
            "/api/v1/sessions/",
            Some(json!({ "assistant_id": bot, "visitor_id": a["visitor_id"], "user_id": "u-1" })),
        )
        .await;
    let (status, other_bot) = app
        .call(
            &c,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({ "name": "Other" })),
        )
        .await;
    assert_eq!(status, 201);
    let bound_elsewhere = widget_token(
        &app,
        json!({ "client_id": c.client_id, "assistant_id": other_bot["id"], "visitor_id": a["visitor_id"] }),
    )
    .await;
    for (who, token, session) in [
        ("visitor B", &b, session_id.as_str()),
        (
            "a token bound to another assistant",
            &bound_elsewhere,
            session_id.as_str(),
        ),
        (
            "a verified user's session",
            &a,
            server_session["id"].as_str().unwrap(),
        ),
    ] {
        let calls = [
            (Method::GET, format!("/api/v1/sessions/{session}"), None),
            (
                Method::POST,
                "/api/v1/conversations/send-message".to_owned(),
                Some(json!({ "session_id": session, "message": "Hi" })),
            ),
        ];
        for (method, path, body) in calls {
            let (status, v) = as_widget(&app, token, method.clone(), &path, body).await;
            assert_eq!(
                (status, v["code"].as_str()),
                (404, Some("not_found")),
                "{who}: {method} {path}"
            );
        }
    }
    for token in [&b, &bound_elsewhere] {
        for (method, path, body) in [
            (
                Method::GET,
                format!("/api/v1/conversations/{conversation}"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/conversations/{conversation}/messages"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/conversations/{conversation}/feedback"),
                Some(json!({ "rating": 1 })),
            ),
        ] {
            let (status, v) = as_widget(&app, token, method.clone(), &path, body).await;
            assert_eq!(
                (status, v["code"].as_str()),
                (404, Some("not_found")),
                "{method} {path}"
            );
        }
    }
    let (status, _) = as_widget(
        &app,
        &bound_elsewhere,
        Method::POST,
        "/api/v1/sessions/",
        Some(json!({ "assistant_id": bot })),
    )
    .await;
    assert_eq!(status, 404);
    // Nothing was written by the refusals: one conversation, two messages, no feedback.
    let (_, v) = app
        .call(
            &c,
            Method::GET,
            &format!("/api/v1/conversations/{conversation}"),
            None,
        )
        .await;
    assert_eq!(v["messages"].as_array().unwrap().len(), 2, "{v}");
    let (_, list) = app
        .call(&c, Method::GET, "/api/v1/conversations/", None)
        .await;
    assert_eq!(list["total"], 1, "{list}");
    // The visitor itself still sees it all.
    let (status, _) = as_widget(
        &app,
        &a,
        Method::GET,
        &format!("/api/v1/conversations/{conversation}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

async fn cors_admits_only_allowed_origins(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, _) = shop(&app).await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/widget/token")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let resp = preflight(SHOP).await.unwrap();
    assert_eq!(resp.status(), 204);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], SHOP);
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let allowed_headers = h["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));
    assert!(h.get("access-control-allow-credentials").is_none());

    let resp = preflight("https://evil.example").await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert!(resp.headers().get("access-control-allow-methods").is_none());
    // Preflights are labelled with the route they ask about, not as unmatched.
    let metrics = app
        .request(Method::GET, "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("companin_http_requests_total")
                && l.contains(r#"method="OPTIONS""#)
                && l.contains(r#"route="/api/v1/widget/token""#)),
        "{metrics}"
    );

    // Responses, errors included, echo an allowed origin and only that.
    let resp = token_request(&app, Some(SHOP), json!({ "client_id": c.client_id })).await;
    assert_eq!(resp.headers()["access-control-allow-origin"], SHOP);
    assert!(
        resp.headers()["vary"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("origin")
    );
    assert!(
        resp.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("x-ratelimit-remaining")
    );
    let resp = token_request(&app, Some(SHOP), json!({ "client_id": "nonsense" })).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["access-control-allow-origin"], SHOP);
    let resp = token_request(
        &app,
        Some("https://evil.example"),
        json!({ "client_id": c.client_id }),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    // Removing the origin from the client withdraws it.
    let (status, _) = app
        .call(
            &c,
            Method::PATCH,
            &format!("/api/v1/clients/{}", c.client_id),
            Some(json!({ "allowed_origins": [] })),
        )
        .await;
    assert_eq!(status, 200);
    let resp = preflight(SHOP).await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

async fn greetings_reach_the_widget_config(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, bot) = shop(&app).await;
    let path = format!("/api/v1/assistants/{bot}");
    let hello = "Hi! Ask me about orders.";
    let (status, v) = app
        .call(
            &c,
            Method::PATCH,
            &path,
            Some(json!({ "greeting": format!("  {hello} ") })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["greeting"], hello, "trimmed");
    assert_eq!(v["version"], 2);
    let t = widget_token(
        &app,
        json!({ "client_id": c.client_id, "assistant_id": bot }),
    )
    .await;
    let (status, config) = as_widget(&app, &t, Method::GET, "/api/v1/widget/config", None).await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["greeting"], hello);

    // Too long is refused and changes nothing; null removes it; old versions keep theirs.
    let resp = app
        .as_client(&c, Method::PATCH, &path)
        .json(&json!({ "greeting": "x".repeat(2001) }))
        .send()
        .await
        .unwrap();
    assert_error(resp, 422, "validation_error").await;
    let (_, v) = app.call(&c, Method::GET, &path, None).await;
    assert_eq!(
        (v["greeting"].as_str(), v["version"].as_i64()),
        (Some(hello), Some(2))
    );
    let (status, v) = app
        .call(&c, Method::PATCH, &path, Some(json!({ "greeting": null })))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["greeting"], Value::Null);
    let (_, config) = as_widget(&app, &t, Method::GET, "/api/v1/widget/config", None).await;
    assert_eq!(config["greeting"], Value::Null);
    let (_, v2) = app
        .call(&c, Method::GET, &format!("{path}/versions/2"), None)
        .await;
    assert_eq!(v2["config"]["greeting"], hello);
    // A blank greeting is none.
    let (status, v) = app
        .call(
            &c,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({ "name": "B", "greeting": "  " })),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["greeting"], Value::Null);
}

async fn visitors_and_token_requests_are_limited(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.widget.messages_per_minute = 3;
        // The org's own limit is under test here; the widget's share of it has its own test.
        s.widget.budget_share = 1.0;
    })
    .await;
    let (c, bot) = shop(&app).await;
    // The cap counts in minute windows: start early in one.
    let second = chrono::Utc::now().timestamp() % 60;
    if second > 45 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
    let a = widget_token(
        &app,
        json!({ "client_id": c.client_id, "assistant_id": bot }),
    )
    .await;
    let b = widget_token(
        &app,
        json!({ "client_id": c.client_id, "assistant_id": bot }),
    )
    .await;
    let session = |t: &Value| {
        let t = t.clone();
        let (app, bot) = (&app, bot.clone());
        async move {
            let (status, s) = as_widget(
                app,
                &t,
                Method::POST,
                "/api/v1/sessions/",
                Some(json!({ "assistant_id": bot })),
            )
            .await;
            assert_eq!(status, 201, "{s}");
            s["id"].as_str().unwrap().to_owned()
        }
    };
    let (sa, sb) = (session(&a).await, session(&b).await);
    let send = |t: &Value, s: &str| {
        let req = app
            .with_token(
                t["token"].as_str().unwrap(),
                Method::POST,
                "/api/v1/conversations/send-message",
            )
            .json(&json!({ "session_id": s, "message": "Where is my parcel?" }));
        async move { req.send().await.unwrap() }
    };
    for _ in 0..3 {
        assert_eq!(send(&a, &sa).await.status(), 200);
    }
    let refused = send(&a, &sa).await;
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body = assert_error(refused, 429, "rate_limited").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("3 messages a minute"),
        "{body}"
    );
    assert_eq!(
        send(&b, &sb).await.status(),
        200,
        "another visitor is not capped"
    );
    // The refused message was not stored.
    let (_, list) = app
        .call(
            &c,
            Method::GET,
            &format!("/api/v1/conversations/?session_id={sa}"),
            None,
        )
        .await;
    assert_eq!(list["items"][0]["message_count"], 6, "{list}");
    // The client's own credentials are not capped per visitor.
    for _ in 0..2 {
        let resp = app
            .as_client(&c, Method::POST, "/api/v1/conversations/send-message")
            .json(&json!({ "session_id": sa, "message": "Where is my parcel?" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }

    // Token requests are charged to the org's hourly limit, with its headers.
    let org = app.create_org("Tiny", Some(3)).await;
    let t = org.production;
    let (status, v) = app
        .call(
            &t,
            Method::PATCH,
            &format!("/api/v1/clients/{}", t.client_id),
            Some(json!({ "allowed_origins": [SHOP] })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let body = json!({ "client_id": t.client_id });
    for remaining in ["1", "0"] {
        let resp = token_request(&app, Some(SHOP), body.clone()).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-remaining"], remaining);
    }
    let resp = token_request(&app, Some(SHOP), body.clone()).await;
    assert!(resp.headers().contains_key("retry-after"));
    assert_error(resp, 429, "rate_limited").await;
    // A refused origin costs nothing (and says why).
    let resp = token_request(&app, Some("https://evil.example"), body).await;
    assert_error(resp, 403, "origin_not_allowed").await;
}

#[test]
fn the_widget_script_and_demo_page_are_served() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let resp = app.request(Method::GET, "/widget.js").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let h = resp.headers().clone();
        assert_eq!(h["content-type"], "application/javascript; charset=utf-8");
        assert_eq!(h["cache-control"], "public, max-age=3600");
        let version = h["x-widget-version"].to_str().unwrap().to_owned();
        assert_eq!(h["etag"].to_str().unwrap(), format!("\"{version}\""));
        let script = resp.text().await.unwrap();
        assert!(script.contains("attachShadow") && script.contains(env!("CARGO_PKG_VERSION")));

        let resp = app
            .request(Method::GET, "/widget.js")
            .header("If-None-Match", format!("\"{version}\""))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 304);
        assert!(resp.text().await.unwrap().is_empty());
        let resp = app
            .request(Method::GET, &format!("/widget.js?v={version}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let resp = app
            .request(Method::GET, "/widget.js?v=stale")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["cache-control"], "public, max-age=3600");

        let resp = app
            .request(Method::GET, "/widget/demo")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
        assert!(resp.text().await.unwrap().contains("/widget.js"));
    })
}

/// Waits for a fresh minute when less than 15 s of this one are left, so that a test of the
/// per-minute limits stays within one window.
async fn early_in_a_minute() {
    let second = chrono::Utc::now().timestamp() % 60;
    if second > 45 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
}

/// A token request from `address` (the proxy's `X-Forwarded-For`).
async fn token_from(app: &TestApp, address: &str, client_id: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/widget/token")
        .header("Origin", SHOP)
        .header("X-Forwarded-For", format!("10.9.9.9, {address}"))
        .json(&json!({ "client_id": client_id }))
        .send()
        .await
        .unwrap()
}

/// Asserts a widget limit's refusal: 429 `rate_limited`, the limit named in `data.scope`, and
/// a retry within its window.
async fn assert_widget_refusal(resp: reqwest::Response, scope: &str, window_secs: u64) -> Value {
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=window_secs).contains(&retry), "{retry}");
    let body = assert_error(resp, 429, "rate_limited").await;
    assert_eq!(body["data"]["scope"], scope, "{body}");
    body
}

async fn widget_limits_hold_across_processes(backend: Backend) {
    let limits = |s: &mut companin_config::Settings| {
        s.http.client_ip_header = Some("X-Forwarded-For".into());
        s.widget.tokens_per_minute_per_address = 3;
        s.widget.requests_per_minute_per_visitor = 4;
        s.widget.requests_per_minute_per_origin = 9;
        s.widget.messages_per_minute = 2;
    };
    let one = spawn_app_with(backend, limits).await;
    let two = spawn_sibling_with(&one, limits).await;
    let (c, bot) = shop(&one).await;
    early_in_a_minute().await;

    // Tokens per address: three in all, whichever process mints them.
    for app in [&one, &two, &one] {
        assert_eq!(
            token_from(app, "203.0.113.1", &c.client_id).await.status(),
            200
        );
    }
    let refused = token_from(&two, "203.0.113.1", &c.client_id).await;
    let body = assert_widget_refusal(refused, "address_tokens", 60).await;
    assert_eq!(body["data"]["limit"], 3, "{body}");
    assert_eq!(body["data"]["window"], "minute", "{body}");
    // Another address is its own; the header's first (caller-written) entry is not believed.
    let resp = token_from(&one, "203.0.113.2", &c.client_id).await;
    assert_eq!(resp.status(), 200);
    let visitor: Value = resp.json().await.unwrap();

    // Requests per visitor: four in all across both processes.
    for app in [&one, &two, &one, &two] {
        let (status, v) = as_widget(
            app,
            &visitor,
            Method::GET,
            &format!("/api/v1/widget/config?assistant_id={bot}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    let resp = two
        .with_token(
            visitor["token"].as_str().unwrap(),
            Method::GET,
            &format!("/api/v1/widget/config?assistant_id={bot}"),
        )
        .send()
        .await
        .unwrap();
    assert_widget_refusal(resp, "visitor", 60).await;

    // The origin's nine: the four tokens its addresses were allowed and the visitor's five
    // requests (the refused fifth counted like the rest, at its level): nothing more from the
    // shop this minute, whoever asks.
    let resp = token_from(&two, "203.0.113.3", &c.client_id).await;
    assert_widget_refusal(resp, "origin", 60).await;
    // The server keys are not limited by any of it.
    let (status, v) = two.call(&c, Method::GET, "/api/v1/assistants/", None).await;
    assert_eq!(status, 200, "{v}");

    // Messages per visitor, across processes (a second shop, with room at its origin).
    let (d, assistant) = shop(&one).await;
    let resp = token_from(&one, "203.0.113.4", &d.client_id).await;
    assert_eq!(resp.status(), 200);
    let t: Value = resp.json().await.unwrap();
    let (status, session) = as_widget(
        &one,
        &t,
        Method::POST,
        "/api/v1/sessions/",
        Some(json!({ "assistant_id": assistant })),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let send = |app: &TestApp| {
        app.with_token(
            t["token"].as_str().unwrap(),
            Method::POST,
            "/api/v1/conversations/send-message",
        )
        .json(&json!({ "session_id": session["id"], "message": "Where is my parcel?" }))
        .send()
    };
    assert_eq!(send(&one).await.unwrap().status(), 200);
    assert_eq!(send(&two).await.unwrap().status(), 200);
    let body = assert_widget_refusal(send(&one).await.unwrap(), "messages", 60).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("2 messages a minute"),
        "{body}"
    );
}

async fn anonymous_pages_cannot_spend_the_server_keys_budget(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.widget.budget_share = 0.5).await;
    let org = app.create_org("Acme", Some(10)).await;
    let c = org.production;
    let (status, v) = app
        .call(
            &c,
            Method::PATCH,
            &format!("/api/v1/clients/{}", c.client_id),
            Some(json!({ "allowed_origins": [SHOP] })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let body = json!({ "client_id": c.client_id });
    // Half of the hour's ten for the widget: five tokens, then none however often asked.
    for _ in 0..5 {
        assert_eq!(
            token_request(&app, Some(SHOP), body.clone()).await.status(),
            200
        );
    }
    for _ in 0..3 {
        let resp = token_request(&app, Some(SHOP), body.clone()).await;
        let refused = assert_widget_refusal(resp, "widget_hour", 3600).await;
        assert_eq!(refused["data"]["limit"], 5, "{refused}");
        assert_eq!(refused["data"]["window"], "hour", "{refused}");
    }
    // The refusals cost the organization nothing: the PATCH and five tokens are six of ten,
    // and its server key still has the other four.
    for remaining in ["3", "2", "1", "0"] {
        let resp = app
            .as_client(&c, Method::GET, "/api/v1/assistants/")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-remaining"], remaining);
    }
}
