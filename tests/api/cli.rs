//! The command line as an operator uses it.

use std::process::Output;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Backend, Creds, spawn_app};

async fn companin(db_url: &str, data_dir: &std::path::Path, args: &[&str]) -> Output {
    companin_with(db_url, data_dir, &[], args).await
}

async fn companin_with(
    db_url: &str,
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
        .env("COMPANIN_DATABASE_URL", db_url)
        .env("COMPANIN_DATA_DIR", data_dir)
        .env_remove("COMPANIN_CONFIG")
        .envs(env.iter().copied())
        .args(args)
        .output()
        .await
        .expect("run companin")
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn org_and_client_commands_print_working_credentials() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let dir = &app.settings.data_dir;
        let out = companin(
            &app.db_url,
            dir,
            &["org", "create", "--name", "Cli Co", "--json"],
        )
        .await;
        let org = stdout_json(&out);
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        assert_eq!(
            keys(&org),
            ["org_id", "production", "sandbox", "sandbox_seed_job_id"]
        );
        assert!(
            org["sandbox_seed_job_id"]
                .as_str()
                .is_some_and(|j| j.starts_with("job_")),
            "the sandbox is seeded by a queued job: {org}"
        );
        for env in ["production", "sandbox"] {
            let mut fields = keys(&org[env]);
            fields.sort();
            assert_eq!(fields, ["api_key", "client_id", "client_secret"]);
        }
        let org_id = org["org_id"].as_str().unwrap();

        for env in ["production", "sandbox"] {
            let creds = Creds::from_json(&org[env]);
            let resp = app
                .as_client(&creds, Method::GET, "/api/v1/clients/")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{env} credentials work");
            let list: Value = resp.json().await.unwrap();
            assert_eq!(list["items"][0]["environment"], env);
            // The one-string key printed beside them works alone.
            let resp = app
                .request(Method::GET, "/api/v1/clients/")
                .header("X-API-Key", org[env]["api_key"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{env} key works");
        }

        let out = companin(&app.db_url, dir, &["org", "list", "--json"]).await;
        let list = stdout_json(&out);
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == org_id)
            .expect("listed");
        assert_eq!(row["name"], "Cli Co");
        assert_eq!(row["rate_limit_per_hour"], 1000);
        assert_eq!(row["rate_limit_is_custom"], false);

        let out = companin(
            &app.db_url,
            dir,
            &[
                "client",
                "create",
                "--org",
                org_id,
                "--environment",
                "sandbox",
                "--name",
                "ci",
                "--json",
            ],
        )
        .await;
        let client = stdout_json(&out);
        assert_eq!(client["environment"], "sandbox");
        assert_eq!(client["org_id"], org_id);
        let creds = Creds::from_json(&client);
        let token = app.token(&creds).await;
        let resp = app
            .with_token(&token, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        let list: Value = resp.json().await.unwrap();
        assert_eq!(
            list["total"], 2,
            "both sandbox clients, none of production's"
        );

        // The operator's actions are audited.
        let audit: Value = app
            .as_client(
                &creds,
                Method::GET,
                "/api/v1/audit-logs/?action=client.created",
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(audit["items"][0]["actor"]["type"], "cli");
    })
}

#[test]
fn bad_cli_input_fails_clearly_and_changes_nothing() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let dir = &app.settings.data_dir;
        let out = companin(
            &app.db_url,
            dir,
            &[
                "org",
                "set-limit",
                "--org",
                "org_0123456789abcdef0123456789abcdef",
                "--per-hour",
                "5",
            ],
        )
        .await;
        assert!(!out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            "error: organization not found"
        );

        let out = companin(
            &app.db_url,
            dir,
            &["org", "create", "--name", "   ", "--json"],
        )
        .await;
        assert!(!out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            "error: `name` must not be blank"
        );
        let out = companin(&app.db_url, dir, &["org", "list", "--json"]).await;
        assert_eq!(stdout_json(&out), serde_json::json!([]));

        let out = companin(
            &app.db_url,
            dir,
            &[
                "client",
                "create",
                "--org",
                "org_x",
                "--environment",
                "staging",
                "--name",
                "x",
            ],
        )
        .await;
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'staging'"));

        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env("COMPANIN_RATE_LIMIT_DEFAULT_PER_HOUR", "zero")
            .args(["org", "list"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr).to_ascii_lowercase();
        assert!(err.contains("rate_limit.default_per_hour"), "{err}");
    })
}

#[test]
fn sigterm_shuts_down_gracefully_and_keeps_every_log_row() {
    crate::helpers::run(async {
        use sea_orm::{ConnectionTrait, Database, Statement};

        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
        // No sandbox seed: its embedding work would still be running at SIGTERM on a busy
        // machine, and this test is about the request log.
        let org = stdout_json(
            &companin_with(
                &db_url,
                dir.path(),
                &[("COMPANIN_SANDBOX_SEED_ON_CREATE", "false")],
                &["org", "create", "--name", "T", "--json"],
            )
            .await,
        );
        let creds = Creds::from_json(&org["production"]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env("COMPANIN_DATABASE_URL", &db_url)
            .env("COMPANIN_DATA_DIR", dir.path())
            // A long flush interval: the rows below are still buffered when SIGTERM arrives.
            .env("COMPANIN_REQUEST_LOG_FLUSH_INTERVAL_MS", "60000")
            .env("COMPANIN_REQUEST_LOG_BATCH_SIZE", "5000")
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let http = crate::helpers::http_client();
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        // Up to 30 s: start-up loads the embedding model and checks the generator's file, which
        // takes longer while other tests keep both cores busy.
        for _ in 0..300 {
            if http.get(format!("{base}/healthz")).send().await.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ready, "server did not start");
        for _ in 0..40 {
            let resp = http
                .get(format!("{base}/api/v1/clients/"))
                .header("X-API-Key", &creds.client_id)
                .header("X-API-Secret", &creds.client_secret)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
        let pid = server.id().unwrap().to_string();
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = tokio::time::timeout(std::time::Duration::from_secs(20), server.wait())
            .await
            .expect("exits after SIGTERM")
            .unwrap();
        assert!(status.success(), "{status:?}");

        let db = Database::connect(&db_url).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) FROM request_logs WHERE route = '/api/v1/clients'".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 40);
    })
}

/// `companin eval beir` on a tiny BEIR-shaped dataset: every mode is scored, the easy
/// queries are answered, and a missing split is a clear error.
#[test]
fn eval_beir_scores_every_mode() {
    crate::helpers::run(async {
        let data =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/beir-mini");
        let work = tempfile::tempdir().unwrap();
        let run = |split: &'static str| {
            let data = data.clone();
            let work = work.path().to_path_buf();
            async move {
                tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
                    .env_remove("COMPANIN_CONFIG")
                    .env_remove("COMPANIN_DATABASE_URL")
                    .env("COMPANIN_MODELS_DIR", crate::helpers::models_dir())
                    .env("COMPANIN_DATA_DIR", &work)
                    .env("COMPANIN_GENERATOR_SUMMARIES", "false")
                    .args(["eval", "beir", "--split", split, "--data"])
                    .arg(&data)
                    .arg("--work-dir")
                    .arg(work.join("scratch"))
                    .output()
                    .await
                    .expect("run companin")
            }
        };
        let out = run("train").await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(report["documents"], 8);
        for mode in ["dense", "lexical", "hybrid"] {
            let m = &report[mode];
            assert_eq!(m["queries"], 4, "{report}");
            for key in ["ndcg_at_10", "recall_at_10", "recall_at_100"] {
                let v = m[key].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&v), "{mode} {key} {v}");
            }
            assert!(stdout.contains(&format!("{mode:<8} nDCG@10")), "{stdout}");
        }
        assert!(
            report["hybrid"]["ndcg_at_10"].as_f64().unwrap() >= 0.75,
            "{report}"
        );
        assert_eq!(report["hybrid"]["recall_at_100"], 1.0, "{report}");

        // The kept scratch folder is reused: nothing is ingested twice.
        let again = run("train").await;
        assert!(again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stdout).contains("0 new"),
            "{}",
            String::from_utf8_lossy(&again.stdout)
        );

        let missing = run("test").await;
        assert!(!missing.status.success());
        assert!(String::from_utf8_lossy(&missing.stderr).contains("test.tsv"));
    })
}

/// `companin bench search` runs end to end at a small size and reports every figure; a second
/// run reuses the vectors the first one kept.
#[test]
fn bench_search_reports_every_figure() {
    crate::helpers::run(async {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/beir-mini/corpus.jsonl");
        let work = tempfile::tempdir().unwrap();
        let cache = work.path().join("vectors.bin");
        let run = |extra: &'static [&'static str]| {
            let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"));
            command
                .env_remove("COMPANIN_CONFIG")
                .env_remove("COMPANIN_DATABASE_URL")
                .env("COMPANIN_MODELS_DIR", crate::helpers::models_dir())
                .env("COMPANIN_DATA_DIR", work.path())
                .env("COMPANIN_GENERATOR_SUMMARIES", "false")
                .args(["bench", "search", "--sizes", "60", "--queries", "5"])
                .args(extra)
                .arg("--corpus")
                .arg(&corpus)
                .arg("--vectors")
                .arg(&cache);
            async move {
                let out = command.output().await.expect("run companin");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
                (stdout, report)
            }
        };

        let (stdout, report) = run(&["--ef", "16,40"]).await;
        assert!(!stdout.contains("vectors read from"), "{stdout}");
        assert!(cache.exists());
        let figures = &report["60"];
        for key in [
            "graph_build_s",
            "search_p50_ms",
            "search_p99_ms",
            "first_search_s",
        ] {
            assert!(figures[key].as_f64().unwrap() > 0.0, "{key}: {report}");
        }
        let ann = figures["ann"].as_array().unwrap();
        assert_eq!(ann.len(), 2, "{report}");
        for (run, ef) in ann.iter().zip([16, 40]) {
            assert_eq!(run["ef"], ef, "{report}");
            assert!(run["p50_ms"].as_f64().unwrap() > 0.0, "{report}");
            assert!(run["p99_ms"].as_f64().unwrap() >= run["p50_ms"].as_f64().unwrap());
        }
        // 60 chunks and 40 candidates: the graph finds the exact top 10.
        assert!(ann[1]["recall_at_10"].as_f64().unwrap() >= 0.9, "{report}");

        // The kept vectors are read back: the same recall, and no search service with --ann-only.
        let (stdout, again) = run(&["--ef", "16,40", "--ann-only"]).await;
        assert!(stdout.contains("vectors read from"), "{stdout}");
        let figures = &again["60"];
        assert!(figures.get("search_p50_ms").is_none(), "{again}");
        assert_eq!(figures["ann"][1]["recall_at_10"], ann[1]["recall_at_10"]);
    })
}

/// `companin bench chat` times every reply path end to end at a small size.
#[test]
fn bench_chat_reports_every_path() {
    crate::helpers::run(async {
        let data =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/beir-mini");
        let work = tempfile::tempdir().unwrap();
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .env_remove("COMPANIN_CONFIG")
            .env_remove("COMPANIN_DATABASE_URL")
            .env("COMPANIN_MODELS_DIR", crate::helpers::models_dir())
            .env("COMPANIN_DATA_DIR", work.path())
            .env("COMPANIN_GENERATOR_SUMMARIES", "false")
            .env("COMPANIN_CONVERSATIONS_MAX_REPLY_TOKENS", "12")
            .args(["bench", "chat", "--requests", "4", "--generated", "1"])
            .arg("--corpus")
            .arg(data.join("corpus.jsonl"))
            .arg("--queries")
            .arg(data.join("queries.jsonl"))
            .output()
            .await
            .expect("run companin");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        // Every curated question asked as curated is answered verbatim.
        assert_eq!(report["qa_answered"], 4, "{report}");
        for key in [
            "qa_p50_ms",
            "qa_p99_ms",
            "extractive_p50_ms",
            "local_p50_ms",
            "local_first_text_p50_ms",
            "local_decode_tokens_per_s",
        ] {
            assert!(report[key].as_f64().unwrap() > 0.0, "{key}: {report}");
        }
    })
}
