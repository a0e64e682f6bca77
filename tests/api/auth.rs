//! Key pairs and bearer tokens: every way in, and every way of being refused.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, JWT_SECRET, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    key_pair_and_bearer_token_both_work,
    missing_and_wrong_credentials_are_refused,
    revoked_and_deleted_clients_stop_at_once,
    rotation_stops_the_old_secret_and_its_tokens,
    forged_and_expired_tokens_are_refused,
);

async fn list_clients(app: &TestApp, creds: &Creds) -> reqwest::Response {
    app.as_client(creds, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap()
}

async fn key_pair_and_bearer_token_both_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let resp = list_clients(&app, &org.production).await;
    assert_eq!(resp.status(), 200);

    let resp = app
        .as_client(&org.production, Method::POST, "/api/v1/auth/token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["token"].as_str().unwrap();
    let resp = app
        .with_token(token, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let list: Value = resp.json().await.unwrap();
    assert_eq!(list["items"][0]["id"], org.production.client_id.as_str());

    // A token cannot be exchanged for another: the key pair is required.
    let resp = app
        .with_token(token, Method::POST, "/api/v1/auth/token")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "missing_credentials").await;
}

async fn missing_and_wrong_credentials_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;

    let resp = app
        .request(Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 401, "missing_credentials").await;
    assert_eq!(
        body["detail"],
        "this route needs credentials: send `X-API-Key` and `X-API-Secret`, or `Authorization: Bearer <token>`"
    );

    let resp = app
        .request(Method::GET, "/api/v1/clients/")
        .header("X-API-Key", &org.production.client_id)
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 401, "missing_credentials").await;
    assert_eq!(
        body["detail"],
        "send both `X-API-Key` and `X-API-Secret`, or a secret key (`ck_live_…`, `ck_test_…`) \
         alone in `X-API-Key`"
    );

    let wrong_secret = Creds {
        client_secret: org.sandbox.client_secret.clone(),
        ..org.production.clone()
    };
    let body = assert_error(
        list_clients(&app, &wrong_secret).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        body["detail"],
        "the API key and secret do not match an active client"
    );

    let unknown = Creds {
        client_id: "cli_0123456789abcdef0123456789abcdef".into(),
        ..org.production.clone()
    };
    assert_error(
        list_clients(&app, &unknown).await,
        401,
        "invalid_credentials",
    )
    .await;
    let garbage = Creds {
        client_id: "' OR 1=1 --".into(),
        ..org.production.clone()
    };
    assert_error(
        list_clients(&app, &garbage).await,
        401,
        "invalid_credentials",
    )
    .await;

    let resp = app
        .request(Method::GET, "/api/v1/clients/")
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "invalid_token").await;
}

async fn revoked_and_deleted_clients_stop_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let created: Value = app
        .as_client(&org.production, Method::POST, "/api/v1/clients/")
        .json(&json!({ "name": "second" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = Creds::from_json(&created);
    let token = app.token(&second).await;
    assert_eq!(list_clients(&app, &second).await.status(), 200);

    let path = format!("/api/v1/clients/{}", second.client_id);
    let resp = app
        .as_client(&org.production, Method::PATCH, &path)
        .json(&json!({ "is_active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_error(
        list_clients(&app, &second).await,
        401,
        "invalid_credentials",
    )
    .await;
    let resp = app
        .with_token(&token, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "invalid_token").await;

    // Reactivated, then deleted for good.
    let resp = app
        .as_client(&org.production, Method::PATCH, &path)
        .json(&json!({ "is_active": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(list_clients(&app, &second).await.status(), 200);
    let resp = app
        .as_client(&org.production, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_error(
        list_clients(&app, &second).await,
        401,
        "invalid_credentials",
    )
    .await;
    let resp = app
        .as_client(&org.production, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;
}

async fn rotation_stops_the_old_secret_and_its_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let old_token = app.token(&org.production).await;
    let path = format!("/api/v1/clients/{}/rotate-secret", org.production.client_id);
    let resp = app
        .as_client(&org.production, Method::POST, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let rotated = Creds::from_json(&body);
    assert_eq!(rotated.client_id, org.production.client_id);
    assert_ne!(rotated.client_secret, org.production.client_secret);

    assert_error(
        list_clients(&app, &org.production).await,
        401,
        "invalid_credentials",
    )
    .await;
    let resp = app
        .with_token(&old_token, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "invalid_token").await;
    assert_eq!(list_clients(&app, &rotated).await.status(), 200);
    let new_token = app.token(&rotated).await;
    let resp = app
        .with_token(&new_token, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

fn sign(claims: &Value, key: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

async fn forged_and_expired_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let token = app.token(&org.production).await;
    let get = |token: String| {
        app.with_token(&token, Method::GET, "/api/v1/clients/")
            .send()
    };

    // Tampered: the payload changed, the signature did not.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(&base64_url_decode(&parts[1])).unwrap();
    payload["org"] = json!(format!("{}x", payload["org"].as_str().unwrap()));
    parts[1] = base64_url_encode(&serde_json::to_vec(&payload).unwrap());
    let resp = get(parts.join(".")).await.unwrap();
    let body = assert_error(resp, 401, "invalid_token").await;
    assert_eq!(
        body["detail"],
        "the bearer token is not valid (malformed, altered or signed with another key)"
    );

    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| {
        json!({
            "iss": "companin", "sub": org.production.client_id, "org": org.id,
            "env": "production", "sv": 1, "scope": "full",
            "iat": now - 7200, "exp": exp, "jti": "t"
        })
    };
    // Signed with another key.
    let other = sign(&claims(now + 600), "another-key-another-key-another-key");
    assert_error(get(other).await.unwrap(), 401, "invalid_token").await;
    // Expired.
    let expired = sign(&claims(now - 10), JWT_SECRET);
    let body = assert_error(get(expired).await.unwrap(), 401, "token_expired").await;
    assert_eq!(body["detail"], "the bearer token has expired");
    // Well signed and current: accepted (the forging above is what failed, not the claims).
    let valid = sign(&claims(now + 600), JWT_SECRET);
    assert_eq!(get(valid).await.unwrap().status(), 200);
    // Not a JWT at all.
    assert_error(get("abc".into()).await.unwrap(), 401, "invalid_token").await;
    // A widget token may not use server routes.
    let mut widget = claims(now + 600);
    widget["scope"] = json!("widget");
    widget["widget"] = json!({ "vis": "vis_00000000000000000000000000000000" });
    assert_error(
        get(sign(&widget, JWT_SECRET)).await.unwrap(),
        403,
        "insufficient_scope",
    )
    .await;
    // Scopes and claims that do not go together, or unknown scopes, are not ours.
    for (scope, grant) in [
        ("widget", Value::Null),
        (
            "full",
            json!({ "vis": "vis_00000000000000000000000000000000" }),
        ),
        ("admin", Value::Null),
    ] {
        let mut odd = claims(now + 600);
        odd["scope"] = json!(scope);
        if !grant.is_null() {
            odd["widget"] = grant;
        }
        assert_error(
            get(sign(&odd, JWT_SECRET)).await.unwrap(),
            401,
            "invalid_token",
        )
        .await;
    }
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn base64_url_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
