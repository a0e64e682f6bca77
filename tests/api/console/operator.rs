//! The platform operator's console in Chromium: signing in with the operator token (a wrong
//! one is said so), every organization's usage as the admin API reports it, limits set from
//! the table, and a new organization whose credentials are shown once and work.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{accessible, screenshot, submit, until};
use crate::browser::{browser, js, start_driver};
use crate::helpers::{Backend, Creds, OPERATOR_TOKEN, TestApp, spawn_app};

async fn admin(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut request = app.as_operator(method, &format!("/api/v1{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let resp = request.send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap()
}

/// The usage the admin API reports of `org` over `range`.
async fn usage_of(app: &TestApp, range: &str, org: &str) -> Value {
    let report = admin(
        app,
        Method::GET,
        &format!("/admin/usage/?limit=100&{range}"),
        None,
    )
    .await;
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["organization"]["id"] == org)
        .cloned()
        .unwrap_or_else(|| panic!("{org} in {report}"))
}

#[test]
fn the_operator_console_shows_usage_sets_limits_and_creates_orgs_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        for _ in 0..3 {
            assert_eq!(
                app.call(&org.production, Method::GET, "/api/v1/clients/", None)
                    .await
                    .0,
                200
            );
        }
        // Wait (through the admin API, which no organization's log counts) until the three
        // requests are in the log.
        for _ in 0..300 {
            if usage_of(&app, "", &org.id).await["requests"] == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let driver = start_driver().await;
        let profile = tempfile::tempdir().unwrap();
        let client = browser(&driver, profile.path()).await;
        client.goto(&app.url("/dashboard/operator")).await.unwrap();
        until(
            &client,
            "the operator sign-in",
            "return document.getElementById('operator-token');",
        )
        .await;
        accessible(&client, "operator sign-in").await;
        submit(&client, &[("operator-token", "not the token")]).await;
        let error = until(
            &client,
            "the refusal",
            "const e = document.querySelector('p.error'); return e && e.textContent;",
        )
        .await;
        assert_eq!(error, "the operator token is not valid");
        submit(&client, &[("operator-token", OPERATOR_TOKEN)]).await;
        let row = format!("tr[data-org=\"{}\"]", org.id);
        until(
            &client,
            "Acme's row",
            &format!("return document.querySelector('{row}');"),
        )
        .await;

        // Each figure is the admin API's for the page's range.
        let range = js(
            &client,
            "const s = document.getElementById('operator'); return new URLSearchParams({ from: s.dataset.from, to: s.dataset.to }).toString();",
        )
        .await;
        let expected = usage_of(&app, range.as_str().unwrap(), &org.id).await;
        assert_eq!(expected["requests"], 3, "{expected}");
        for field in [
            "requests",
            "errors",
            "conversations",
            "messages",
            "knowledge_items",
            "knowledge_chunks",
        ] {
            let shown = js(
                &client,
                &format!(
                    "return document.querySelector('{row} [data-usage={field}]').textContent;"
                ),
            )
            .await;
            let digits: String = shown
                .as_str()
                .unwrap()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            assert_eq!(digits, expected[field].to_string(), "{field}");
        }
        screenshot(&client, "operator").await;
        accessible(&client, "operator").await;

        // A new hourly limit, saved from the row.
        js(
            &client,
            &format!(
                "const i = document.getElementById('hour-{id}'); i.value = '77';
                 document.querySelector('[data-save=\"{id}\"]').click();",
                id = org.id
            ),
        )
        .await;
        until(&client, "the saved limits", "const n = document.querySelector('p.notice'); return n && n.textContent.includes('77');").await;
        let saved = admin(&app, Method::GET, &format!("/admin/orgs/{}", org.id), None).await;
        assert_eq!(
            (
                saved["rate_limit_per_hour"].as_i64(),
                saved["rate_limit_is_custom"].as_bool()
            ),
            (Some(77), Some(true))
        );
        assert_eq!(
            saved["rate_limit_per_day_is_custom"], false,
            "an empty quota stays the default"
        );

        // A new organization: its credentials shown once, and they work.
        submit(&client, &[("org-name", "Beta"), ("org-day", "5000")]).await;
        let secret = until(
            &client,
            "the new credentials",
            "const s = document.getElementById('production-secret'); return s && s.textContent;",
        )
        .await;
        let listed = admin(&app, Method::GET, "/admin/orgs/?limit=100", None).await;
        let beta = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Beta")
            .cloned()
            .expect("Beta");
        assert_eq!(beta["rate_limit_per_day"], 5000);
        let shown = js(
            &client,
            "return document.querySelector('#org-created').textContent;",
        )
        .await;
        let client_id = shown
            .as_str()
            .unwrap()
            .split_whitespace()
            .find(|w| w.starts_with("cli_"))
            .expect("the production client id")
            .trim_end_matches([',', ':'])
            .to_owned();
        let beta_creds =
            Creds::from_json(&json!({ "client_id": client_id, "client_secret": secret }));
        assert_eq!(
            app.call(&beta_creds, Method::GET, "/api/v1/clients/", None)
                .await
                .0,
            200
        );
        until(
            &client,
            "Beta in the table",
            &format!(
                "return document.querySelector('tr[data-org=\"{}\"]');",
                beta["id"].as_str().unwrap()
            ),
        )
        .await;

        // Signing out returns to the sign-in form; the cookie no longer opens admin routes.
        js(
            &client,
            "document.getElementById('operator-sign-out').click();",
        )
        .await;
        until(
            &client,
            "the sign-in form again",
            "return document.getElementById('operator-token');",
        )
        .await;
        let status = js(
            &client,
            "return (await fetch('/api/v1/admin/orgs/')).status;",
        )
        .await;
        assert_eq!(status, 401);
        client.close().await.unwrap();
    });
}
