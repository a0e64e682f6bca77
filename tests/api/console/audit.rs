//! The console's audit log and sandbox reset in Chromium, as an admin: the log filtered by
//! resource shows the API's entries in its order, with who changed what; the sandbox view
//! in production only offers the switch, and in the sandbox the reset asks first (cancel does
//! nothing), then runs to the end, as the sandbox's own audit log confirms.

use reqwest::Method;
use serde_json::{Value, json};

use super::{accessible, invitation, screenshot, signed_in, until};
use crate::browser::js;
use crate::helpers::{Backend, spawn_app};
use crate::search::POLLING_LIMIT;

/// The ids of the entries listed.
const LISTED: &str =
    "[...document.querySelectorAll('tbody tr[data-entry]')].map(r => r.dataset.entry)";

fn ids(list: &Value) -> Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect()
}

#[test]
fn the_console_shows_the_audit_log_and_resets_the_sandbox_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Shop", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        let (status, _) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/assistants/",
                Some(json!({ "name": "Shop help" })),
            )
            .await;
        assert_eq!(status, 201);
        invitation(&app, &org, "vic@shop.example", "viewer").await;
        let link = invitation(&app, &org, "ada@shop.example", "admin").await;
        let console = signed_in(&app, &link, "ada@shop.example").await;
        let client = &console.client;

        // Every change, newest first, as the API lists them; then only the members'.
        client.goto(&app.url("/dashboard/audit")).await.unwrap();
        let (_, all) = app
            .call(&c, Method::GET, "/api/v1/audit-logs/?limit=50", None)
            .await;
        let listed = until(
            client,
            "the audit log",
            &format!("const l = {LISTED}; return l.length > 0 && l;"),
        )
        .await;
        assert_eq!(listed, ids(&all));
        js(
            client,
            "const s = document.getElementById('resource_type'); s.value = 'member'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
        let (_, members) = app
            .call(
                &c,
                Method::GET,
                "/api/v1/audit-logs/?resource_type=member&limit=50",
                None,
            )
            .await;
        let expected = ids(&members);
        let listed = until(
            client,
            "the members' entries",
            &format!(
                "const l = {LISTED}; return JSON.stringify(l) === {} && l;",
                json!(expected.to_string())
            ),
        )
        .await;
        assert_eq!(listed, expected);
        let invited = js(
            client,
            "return [...document.querySelectorAll('tbody tr[data-entry]')].filter(r => r.cells[2].textContent === 'member.invited').map(r => r.cells[4].textContent);",
        )
        .await;
        assert!(
            invited.as_array().unwrap().contains(&json!(
                "email: — → \"vic@shop.example\"\nrole: — → \"viewer\""
            )),
            "{invited}"
        );
        screenshot(client, "audit").await;
        accessible(client, "audit log").await;

        // In production the sandbox view only offers the switch.
        client.goto(&app.url("/dashboard/sandbox")).await.unwrap();
        until(
            client,
            "the switch",
            "return document.querySelector('main a[href*=\"env=sandbox\"]');",
        )
        .await;
        assert!(
            js(client, "return document.getElementById('reset');")
                .await
                .is_null()
        );
        js(
            client,
            "document.querySelector('main a[href*=\"env=sandbox\"]').click();",
        )
        .await;
        until(
            client,
            "the reset button",
            "return document.getElementById('reset') && document.querySelector('.sandbox-banner');",
        )
        .await;

        // The reset asks first; cancelling does nothing.
        js(client, "document.getElementById('reset').click();").await;
        let focused = js(
            client,
            "return !document.getElementById('reset-confirm').hidden && document.activeElement.id;",
        )
        .await;
        assert_eq!(focused, "reset-no", "the safe answer has the focus");
        screenshot(client, "sandbox-reset").await;
        accessible(client, "sandbox reset").await;
        js(client, "document.getElementById('reset-no').click();").await;
        assert_eq!(
            js(
                client,
                "return document.getElementById('reset-confirm').hidden;"
            )
            .await,
            true
        );
        let sandbox = &org.sandbox;
        let resets = || async {
            let (_, v) = app
                .call(
                    sandbox,
                    Method::GET,
                    "/api/v1/audit-logs/?action=sandbox.reset",
                    None,
                )
                .await;
            v["total"].as_u64().unwrap()
        };
        assert_eq!(resets().await, 0);

        // Confirmed, it runs to the end.
        js(
            client,
            "document.getElementById('reset').click(); document.getElementById('reset-yes').click();",
        )
        .await;
        let done = until(
            client,
            "the reset's end",
            "const s = document.querySelector('#reset-status .notice, #reset-status .error'); return s && s.textContent;",
        )
        .await;
        assert_eq!(done, "The sandbox was reset.");
        assert_eq!(resets().await, 1);
    });
}
