//! Team members and the console's sign-in: invitations, passwords, the session cookie, the
//! CSRF check, roles on every route, revocation, back-off, and the audit trail.

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestOrg, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    an_invited_member_signs_in_with_a_cookie_and_a_csrf_token,
    sessions_end_at_once,
    failed_sign_ins_back_off,
);

const PASSWORD: &str = "correct horse battery";

/// A signed-in member: the session cookie and its anti-CSRF token.
#[derive(Debug, Clone)]
struct Console {
    cookie: String,
    csrf: String,
    member_id: String,
}

impl Console {
    fn request(&self, app: &TestApp, method: Method, path: &str) -> RequestBuilder {
        app.request(method, path)
            .header("Cookie", format!("companin_session={}", self.cookie))
            .header("X-CSRF-Token", &self.csrf)
    }
}

/// The session cookie's value from a response's `Set-Cookie`, with its attributes checked.
fn session_cookie(resp: &Response) -> String {
    let set = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Secure"), "plain http here: {set}");
    let pair = set.split(';').next().unwrap();
    pair.strip_prefix("companin_session=")
        .expect("the session cookie")
        .to_owned()
}

async fn invite(app: &TestApp, org: &TestOrg, email: &str, role: &str) -> Value {
    let (status, body) = app
        .call(
            &org.production,
            Method::POST,
            "/api/v1/members/",
            Some(json!({ "email": email, "role": role })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn accept(app: &TestApp, token: &str, password: &str) -> Response {
    app.request(Method::POST, "/api/v1/auth/accept-invitation")
        .json(&json!({ "token": token, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    app.request(Method::POST, "/api/v1/auth/login")
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn signed_in(resp: Response) -> Console {
    assert_eq!(resp.status(), 200);
    let cookie = session_cookie(&resp);
    let body: Value = resp.json().await.unwrap();
    Console {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        member_id: body["member"]["id"].as_str().unwrap().to_owned(),
    }
}

/// A member of `org` with `role`, invited by the organization's key pair and signed in.
async fn member(app: &TestApp, org: &TestOrg, email: &str, role: &str) -> Console {
    let invited = invite(app, org, email, role).await;
    let token = invited["invitation_token"].as_str().unwrap();
    signed_in(accept(app, token, PASSWORD).await).await
}

async fn me(app: &TestApp, console: &Console) -> Response {
    console
        .request(app, Method::GET, "/api/v1/auth/me")
        .send()
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp, org: &TestOrg) -> Vec<(String, Value)> {
    let (_, log) = app
        .call(
            &org.production,
            Method::GET,
            "/api/v1/audit-logs/?resource_type=member&limit=100",
            None,
        )
        .await;
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].clone()))
        .collect()
}

async fn an_invited_member_signs_in_with_a_cookie_and_a_csrf_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let invited = invite(&app, &org, "  Ana@Example.com ", "owner").await;
    assert_eq!(invited["member"]["email"], "ana@example.com");
    assert_eq!(invited["member"]["status"], "invited");
    let token = invited["invitation_token"].as_str().unwrap();
    assert_eq!(
        invited["invitation_path"],
        format!("/dashboard/accept#token={token}")
    );
    assert!(invited["member"].get("password_hash").is_none());
    // One email names one member.
    let again = app
        .as_client(&org.production, Method::POST, "/api/v1/members/")
        .json(&json!({ "email": "ana@example.com", "role": "viewer" }))
        .send()
        .await
        .unwrap();
    assert_error(again, 409, "email_taken").await;

    // Weak passwords and unknown tokens are refused, and the invitation stays usable.
    for weak in ["short", "Password123", "ana@example.com"] {
        let body = assert_error(accept(&app, token, weak).await, 422, "validation_error").await;
        assert_eq!(body["data"]["field"], "password", "{weak}");
    }
    assert_error(
        accept(&app, "inv_wrong", PASSWORD).await,
        401,
        "invalid_invitation",
    )
    .await;
    let owner = signed_in(accept(&app, token, PASSWORD).await).await;
    // The link works once.
    assert_error(
        accept(&app, token, PASSWORD).await,
        401,
        "invalid_invitation",
    )
    .await;

    // Wrong passwords and unknown accounts get the same answer.
    let wrong = assert_error(
        login(&app, "ana@example.com", "not the password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_error(
        login(&app, "nobody@example.com", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);
    let again = signed_in(login(&app, "ANA@example.com", PASSWORD).await).await;
    // Signing in again while the browser still holds a session needs no token of the old one.
    let over = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("Cookie", format!("companin_session={}", again.cookie))
        .json(&json!({ "email": "ana@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), 200);
    assert_ne!(
        again.cookie, owner.cookie,
        "each sign-in is its own session"
    );

    let resp = me(&app, &again).await;
    assert_eq!(resp.status(), 200);
    let session: Value = resp.json().await.unwrap();
    assert_eq!(session["member"]["role"], "owner");
    assert_eq!(session["member"]["status"], "active");
    assert_eq!(session["org_id"], org.id.as_str());
    assert_eq!(session["environment"], "production");
    assert_eq!(session["csrf_token"], again.csrf.as_str());

    // The session works on every client route, in either environment.
    let created = again
        .request(&app, Method::POST, "/api/v1/assistants/")
        .json(&json!({ "name": "From the console" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let sandbox: Value = again
        .request(&app, Method::GET, "/api/v1/assistants/")
        .header("X-Environment", "sandbox")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        sandbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["name"] != "From the console"),
        "the sandbox is another tenant"
    );
    let bad_env = again
        .request(&app, Method::GET, "/api/v1/assistants/")
        .header("X-Environment", "staging")
        .send()
        .await
        .unwrap();
    assert_error(bad_env, 422, "validation_error").await;

    // A write without the CSRF token, or a cross-site form post riding on the cookie, is
    // refused and changes nothing.
    let no_token = app
        .request(Method::POST, "/api/v1/assistants/")
        .header("Cookie", format!("companin_session={}", again.cookie))
        .json(&json!({ "name": "Forged" }))
        .send()
        .await
        .unwrap();
    assert_error(no_token, 403, "csrf_failed").await;
    let cross_site = app
        .request(Method::POST, "/api/v1/assistants/")
        .header("Cookie", format!("companin_session={}", again.cookie))
        .header("Origin", "https://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=Forged")
        .send()
        .await
        .unwrap();
    assert_error(cross_site, 403, "csrf_failed").await;
    let wrong_token = app
        .request(Method::POST, "/api/v1/assistants/")
        .header("Cookie", format!("companin_session={}", again.cookie))
        .header("X-CSRF-Token", &owner.csrf)
        .json(&json!({ "name": "Forged" }))
        .send()
        .await
        .unwrap();
    assert_error(wrong_token, 403, "csrf_failed").await;
    let (_, list) = app
        .call(
            &org.production,
            Method::GET,
            "/api/v1/assistants/?limit=100",
            None,
        )
        .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"From the console"));
    assert!(!names.contains(&"Forged"), "{names:?}");

    // Key pairs and bearer tokens work exactly as before.
    let token = app.token(&org.production).await;
    let resp = app
        .with_token(&token, Method::GET, "/api/v1/assistants/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // /auth/me is for sessions only.
    let resp = app
        .as_client(&org.production, Method::GET, "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Members belong to the organization: sandbox keys cannot manage them, and another
    // organization's owner does not see them.
    let resp = app
        .as_client(&org.sandbox, Method::GET, "/api/v1/members/")
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "insufficient_scope").await;
    let other = app.create_org("Other", None).await;
    let stranger = member(&app, &other, "olga@other.example", "owner").await;
    let path = format!("/api/v1/members/{}", owner.member_id);
    let resp = stranger
        .request(&app, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;
    let theirs: Value = stranger
        .request(&app, Method::GET, "/api/v1/members/")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 1);
    assert_eq!(theirs["items"][0]["email"], "olga@other.example");

    // The audit log has the invitation, the password, both sign-ins and the failure, each
    // with its actor; the assistant's creation names the member.
    let actions = audit_actions(&app, &org).await;
    let has = |action: &str, actor: &str| {
        actions
            .iter()
            .any(|(a, who)| a == action && who["type"] == actor)
    };
    assert!(has("member.invited", "client"), "{actions:?}");
    assert!(has("member.password_set", "member"), "{actions:?}");
    assert!(has("member.signed_in", "member"), "{actions:?}");
    assert!(has("member.sign_in_failed", "member"), "{actions:?}");
    let (_, log) = app
        .call(
            &org.production,
            Method::GET,
            "/api/v1/audit-logs/?resource_type=assistant&action=assistant.created",
            None,
        )
        .await;
    let by_member = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["actor"]["type"] == "member")
        .expect("the console's assistant");
    assert_eq!(by_member["actor"]["member_id"], owner.member_id.as_str());
    assert_eq!(by_member["actor"]["client_id"], Value::Null);
}

async fn draft(app: &TestApp, console: &Console) -> Response {
    console
        .request(app, Method::POST, "/api/v1/assistants/")
        .json(&json!({ "name": "Draft" }))
        .send()
        .await
        .unwrap()
}

async fn sessions_end_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let owner = member(&app, &org, "owner@acme.example", "owner").await;
    let laptop = member(&app, &org, "eva@acme.example", "editor").await;
    let phone = signed_in(login(&app, "eva@acme.example", PASSWORD).await).await;

    // Signing out ends that session only, and clears the cookie.
    let out = laptop
        .request(&app, Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let cleared = out.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cleared.starts_with("companin_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_error(me(&app, &laptop).await, 401, "missing_credentials").await;
    assert_eq!(me(&app, &phone).await.status(), 200);

    // A role change takes effect on the very next request.
    assert_eq!(draft(&app, &phone).await.status(), 201);
    let demote = owner
        .request(
            &app,
            Method::PATCH,
            &format!("/api/v1/members/{}", phone.member_id),
        )
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(demote.status(), 200);
    assert_error(draft(&app, &phone).await, 403, "insufficient_role").await;

    // Sign out everywhere ends every session of the member.
    let tablet = signed_in(login(&app, "eva@acme.example", PASSWORD).await).await;
    let out = tablet
        .request(&app, Method::POST, "/api/v1/auth/logout-everywhere")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_error(me(&app, &phone).await, 401, "missing_credentials").await;
    assert_error(me(&app, &tablet).await, 401, "missing_credentials").await;

    // Removing a member ends their sessions at once; the last owner stays.
    let again = signed_in(login(&app, "eva@acme.example", PASSWORD).await).await;
    let removed = owner
        .request(
            &app,
            Method::DELETE,
            &format!("/api/v1/members/{}", again.member_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert_error(me(&app, &again).await, 401, "missing_credentials").await;
    assert_error(
        login(&app, "eva@acme.example", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    let path = format!("/api/v1/members/{}", owner.member_id);
    let resp = owner
        .request(&app, Method::PATCH, &path)
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_error(resp, 409, "last_owner").await;
    let resp = owner
        .request(&app, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_error(resp, 409, "last_owner").await;
    assert_eq!(me(&app, &owner).await.status(), 200);

    // The retention sweep deletes sessions once they have expired (8 hours by default), not
    // before.
    let db = app.db().await;
    let now = chrono::Utc::now();
    assert_eq!(companin_service::members::sweep(&db, now).await.unwrap(), 0);
    let later = now + chrono::Duration::hours(9);
    assert!(companin_service::members::sweep(&db, later).await.unwrap() >= 1);
    assert_error(me(&app, &owner).await, 401, "missing_credentials").await;

    let actions = audit_actions(&app, &org).await;
    for action in [
        "member.signed_out",
        "member.role_changed",
        "member.signed_out_everywhere",
        "member.removed",
    ] {
        assert!(
            actions.iter().any(|(a, _)| a == action),
            "{action}: {actions:?}"
        );
    }
}

async fn failed_sign_ins_back_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    member(&app, &org, "ana@acme.example", "owner").await;
    member(&app, &org, "ben@acme.example", "viewer").await;
    for _ in 0..5 {
        let resp = login(&app, "ana@acme.example", "a wrong guess!").await;
        assert_error(resp, 401, "invalid_credentials").await;
    }
    // Locked now: even the right password waits, and says how long.
    let resp = login(&app, "ana@acme.example", PASSWORD).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert_error(resp, 429, "sign_in_throttled").await;
    // Another account from the same address is not locked by it.
    assert_eq!(
        login(&app, "ben@acme.example", PASSWORD).await.status(),
        200
    );

    // Once the lock has passed, the right password works and clears the count; a further
    // failure then does not lock again at once.
    let db = app.db().await;
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(
        "UPDATE sign_in_failures SET locked_until = '2000-01-01 00:00:00+00:00' \
         WHERE subject = 'account:ana@acme.example'",
    )
    .await
    .unwrap();
    assert_eq!(
        login(&app, "ana@acme.example", PASSWORD).await.status(),
        200
    );
    let resp = login(&app, "ana@acme.example", "a wrong guess!").await;
    assert_error(resp, 401, "invalid_credentials").await;
    assert_eq!(
        login(&app, "ana@acme.example", PASSWORD).await.status(),
        200
    );

    let failures = audit_actions(&app, &org)
        .await
        .into_iter()
        .filter(|(a, _)| a == "member.sign_in_failed")
        .count();
    // Each failure, recorded in both environments' logs; this is production's.
    assert_eq!(failures, 6);
}

/// Every documented route, for every role: the server refuses exactly the requests the role
/// may not make (403 `insufficient_role`), and lets the others through to the route.
#[test]
fn roles_hold_on_every_route() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let mut consoles = Vec::new();
        for role in ["viewer", "editor", "admin", "owner"] {
            consoles.push((
                role,
                member(&app, &org, &format!("{role}@acme.example"), role).await,
            ));
        }
        let rank = |role: &str| {
            ["viewer", "editor", "admin", "owner"]
                .iter()
                .position(|r| *r == role)
                .unwrap()
        };
        // The least role of each request, written out here independently of the server's
        // table.
        let least = |method: &str, path: &str| -> Option<&'static str> {
            let resource = path.trim_start_matches('/').split('/').next().unwrap();
            if resource == "auth" {
                return None;
            }
            if resource == "members" {
                return Some("owner");
            }
            // The alert webhook answers its signing secret: admins only, reads included.
            if resource == "alerts" {
                return Some("admin");
            }
            if method == "get" || path == "/knowledge/search" {
                return Some("viewer");
            }
            // Promoting changes production.
            if path.ends_with("/promote") {
                return Some("admin");
            }
            let edited = [
                "assistants",
                "knowledge",
                "sessions",
                "contexts",
                "conversations",
                "jobs",
            ];
            Some(if edited.contains(&resource) {
                "editor"
            } else {
                "admin"
            })
        };
        let doc: Value = app
            .request(Method::GET, "/api/v1/openapi.json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut checked = 0;
        for (path, operations) in doc["paths"].as_object().unwrap() {
            if path.starts_with("/admin")
                || path.starts_with("/widget")
                || path.starts_with("/auth")
            {
                continue;
            }
            let concrete = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x_absent" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            for method in operations.as_object().unwrap().keys() {
                let Some(least) = least(method, path) else {
                    continue;
                };
                for (role, console) in &consoles {
                    let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                    let resp = console
                        .request(&app, m, &format!("/api/v1{concrete}"))
                        .json(&json!({}))
                        .send()
                        .await
                        .unwrap();
                    let status = resp.status().as_u16();
                    let body: Value = resp.json().await.unwrap_or(Value::Null);
                    let refused = status == 403 && body["code"] == "insufficient_role";
                    assert_eq!(
                        refused,
                        rank(role) < rank(least),
                        "{role} {method} {path}: {status} {body}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 150, "every route was tried: {checked}");
    });
}

#[test]
fn member_create_prints_a_one_time_sign_in_link() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env("COMPANIN_DATABASE_URL", &app.db_url)
            .env("COMPANIN_DATA_DIR", &app.settings.data_dir)
            .env_remove("COMPANIN_CONFIG")
            .args([
                "member",
                "create",
                "--org",
                &org.id,
                "--email",
                "root@acme.example",
                "--json",
            ])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let made: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(made["role"], "owner");
        let token = made["invitation_token"].as_str().unwrap();
        assert!(
            made["invitation_url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/dashboard/accept#token={token}"))
        );
        let owner = signed_in(accept(&app, token, PASSWORD).await).await;
        let resp = owner
            .request(&app, Method::GET, "/api/v1/members/")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);

        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env("COMPANIN_DATABASE_URL", &app.db_url)
            .env("COMPANIN_DATA_DIR", &app.settings.data_dir)
            .env_remove("COMPANIN_CONFIG")
            .args([
                "member",
                "create",
                "--org",
                "org_nope",
                "--email",
                "x@acme.example",
            ])
            .output()
            .await
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    });
}
