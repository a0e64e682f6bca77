//! Every org's sandbox: seeded with sample data at creation, reset on demand, and production
//! never touched.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app_with};
use crate::knowledge::wait_job;
use crate::on_both_backends;
use crate::search::POLLING_LIMIT;

on_both_backends!(sandbox_is_seeded_and_reset_without_touching_production);

async fn get(app: &TestApp, creds: &Creds, path: &str) -> Value {
    let (status, v) = app.call(creds, Method::GET, path, None).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// How many resources of each kind the credentials' environment holds.
async fn totals(app: &TestApp, creds: &Creds) -> [u64; 4] {
    let mut out = [0; 4];
    for (i, path) in [
        "/api/v1/assistants/",
        "/api/v1/knowledge/",
        "/api/v1/sessions/",
        "/api/v1/conversations/",
    ]
    .iter()
    .enumerate()
    {
        out[i] = get(app, creds, path).await["total"].as_u64().unwrap();
    }
    out
}

/// Checks the seeded sandbox: every route has something real, and the assistant answers
/// from the sample FAQ.
async fn check_seeded(app: &TestApp, s: &Creds) -> String {
    assert_eq!(totals(app, s).await, [1, 4, 1, 1]);
    let assistants = get(app, s, "/api/v1/assistants/").await;
    let bot = &assistants["items"][0];
    assert_eq!(bot["name"], "Acme Support (sample)");
    assert!(
        bot["greeting"]
            .as_str()
            .unwrap()
            .contains("sample assistant")
    );
    assert!(!bot["instructions"].as_str().unwrap().is_empty());
    let knowledge = get(app, s, "/api/v1/knowledge/").await;
    for item in knowledge["items"].as_array().unwrap() {
        assert_eq!(item["status"], "ready", "{item}");
    }
    let conversations = get(app, s, "/api/v1/conversations/").await;
    let id = conversations["items"][0]["id"].as_str().unwrap();
    let detail = get(app, s, &format!("/api/v1/conversations/{id}")).await;
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[1]["reply_kind"], "qa");
    let cited = messages[1]["sources"][0]["knowledge_id"].as_str().unwrap();
    get(app, s, &format!("/api/v1/knowledge/{cited}")).await;
    let report = get(app, s, "/api/v1/analytics/conversations/").await;
    assert_eq!(report["totals"]["satisfaction"]["count"], 1, "{report}");

    // The seeded knowledge answers for real.
    let session = get(app, s, "/api/v1/sessions/").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, reply) = app
        .call(
            s,
            Method::POST,
            "/api/v1/conversations/send-message",
            Some(json!({"session_id": session, "message": "How long does shipping take?"})),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["answered"], true);
    assert!(
        reply["message"]["content"]
            .as_str()
            .unwrap()
            .contains("3 to 5 business days"),
        "{reply}"
    );
    bot["id"].as_str().unwrap().to_owned()
}

async fn sandbox_is_seeded_and_reset_without_touching_production(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.sandbox.seed_on_create = true).await;
    let resp = app
        .as_operator(Method::POST, "/api/v1/admin/orgs/")
        .json(&json!({"name": "Acme", "rate_limit_per_hour": POLLING_LIMIT}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let (p, s) = (
        Creds::from_json(&created["production"]),
        Creds::from_json(&created["sandbox"]),
    );
    let seed_job = created["sandbox_seed_job_id"].as_str().unwrap();
    assert_eq!(wait_job(&app, &s, seed_job).await["status"], "succeeded");
    let first_bot = check_seeded(&app, &s).await;
    assert_eq!(
        totals(&app, &p).await,
        [0, 0, 0, 0],
        "production stays empty"
    );

    // Production data, and sandbox changes the reset must undo.
    let (status, prod_bot) = app
        .call(
            &p,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Real bot"})),
        )
        .await;
    assert_eq!(status, 201, "{prod_bot}");
    let (status, v) = app
        .call(
            &s,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Experiment"})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let before_production = totals(&app, &p).await;

    // Production credentials cannot reset anything.
    let resp = app
        .as_client(&p, Method::POST, "/api/v1/sandbox/reset")
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "sandbox_only").await;
    assert_eq!(totals(&app, &s).await[0], 2, "nothing was reset");

    let (status, job) = app
        .call(&s, Method::POST, "/api/v1/sandbox/reset", None)
        .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["kind"], "sandbox_reset");
    let done = wait_job(&app, &s, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let new_bot = check_seeded(&app, &s).await;
    assert_ne!(new_bot, first_bot, "seeded anew");
    let (status, _) = app
        .call(
            &s,
            Method::GET,
            &format!("/api/v1/assistants/{first_bot}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "the old sample is gone");

    assert_eq!(totals(&app, &p).await, before_production);
    let kept = get(
        &app,
        &p,
        &format!("/api/v1/assistants/{}", prod_bot["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(kept["name"], "Real bot");
    let audit = get(&app, &s, "/api/v1/audit-logs/?resource_type=sandbox").await;
    assert_eq!(audit["total"], 2, "the seed and the reset: {audit}");
}

#[test]
fn the_cli_seeds_a_sandbox() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env("COMPANIN_DATABASE_URL", &app.db_url)
            .env("COMPANIN_DATA_DIR", &app.settings.data_dir)
            .env_remove("COMPANIN_CONFIG")
            .args(["sandbox", "seed", "--org", &org.id, "--models-dir"])
            .arg(&app.settings.models_dir)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(printed.contains("seeded"), "{printed}");
        check_seeded(&app, &org.sandbox).await;
        assert_eq!(totals(&app, &org.production).await, [0, 0, 0, 0]);

        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env("COMPANIN_DATABASE_URL", &app.db_url)
            .env("COMPANIN_DATA_DIR", &app.settings.data_dir)
            .env_remove("COMPANIN_CONFIG")
            .args([
                "sandbox",
                "seed",
                "--org",
                "org_0190f0f0f0f07000800000000000000a",
            ])
            .output()
            .await
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no organization"));
    })
}
