//! The console's developers view in Chromium, as an admin: a client created with its secret
//! shown once (never again after a reload), the widget's snippet and live preview once the
//! console's origin is allowed, a rotated secret, a deactivation, the alert webhook, and an
//! event webhook (its secret, a delivery sent again, turned off); each checked through the API. A viewer reads the clients without a control that writes.

use reqwest::Method;
use serde_json::{Value, json};

use super::{accessible, invitation, screenshot, signed_in, until};
use crate::browser::js;
use crate::helpers::{Backend, Creds, TestApp, spawn_app};
use crate::search::POLLING_LIMIT;

async fn client_named(app: &TestApp, c: &Creds, name: &str) -> Value {
    let (_, list) = app
        .call(c, Method::GET, "/api/v1/clients/?limit=100", None)
        .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

const SECRET: &str =
    "const s = document.getElementById('client-secret'); return s && s.textContent;";

#[test]
fn the_console_manages_clients_the_widget_and_alerts_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Shop", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        let (status, bot) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/assistants/",
                Some(json!({ "name": "Shop help", "reply_mode": "extractive" })),
            )
            .await;
        assert_eq!(status, 201);
        let bot = bot["id"].as_str().unwrap().to_owned();
        let link = invitation(&app, &org, "ada@shop.example", "admin").await;
        let console = signed_in(&app, &link, "ada@shop.example").await;
        let client = &console.client;

        // A new client: its secret is shown once.
        client
            .goto(&app.url("/dashboard/developers"))
            .await
            .unwrap();
        until(
            client,
            "the new client form",
            "return document.getElementById('client-name');",
        )
        .await;
        js(
            client,
            "document.getElementById('client-name').value = 'Shop site';
             document.getElementById('client-origins').value = 'https://shop.example';
             document.getElementById('client-name').form.requestSubmit();",
        )
        .await;
        let secret = until(client, "the secret", SECRET).await;
        let made = client_named(&app, &c, "Shop site").await;
        assert_eq!(made["allowed_origins"], json!(["https://shop.example"]));
        let client_id = made["client_id"].as_str().unwrap().to_owned();
        // The secret signs requests as that client.
        let creds = Creds {
            client_id: client_id.clone(),
            client_secret: secret.as_str().unwrap().to_owned(),
        };
        let (status, _) = app
            .call(&creds, Method::GET, "/api/v1/assistants/", None)
            .await;
        assert_eq!(status, 200, "the secret shown works");
        accessible(client, "developers").await;
        client.refresh().await.unwrap();
        until(
            client,
            "the client's row",
            &format!(
                "return document.querySelector('tr[data-client=\"{}\"]');",
                made["id"].as_str().unwrap()
            ),
        )
        .await;
        assert!(js(client, SECRET).await.is_null(), "never shown again");

        // The widget: its snippet, and the preview once this origin is allowed.
        js(
            client,
            &format!(
                "const s = document.getElementById('widget-client'); s.value = '{client_id}'; s.dispatchEvent(new Event('change'));"
            ),
        )
        .await;
        let snippet = until(
            client,
            "the snippet",
            "const s = document.getElementById('widget-snippet'); return s.textContent.includes('data-client-id') && s.textContent;",
        )
        .await;
        assert_eq!(
            snippet,
            format!(
                "<script src=\"{}/widget.js\" data-client-id=\"{client_id}\" data-assistant-id=\"{bot}\"></script>",
                app.base
            )
        );
        js(client, "document.getElementById('allow-origin').click();").await;
        until(
            client,
            "the preview",
            "return document.querySelector('#widget-preview iframe');",
        )
        .await;
        let origins = client_named(&app, &c, "Shop site").await["allowed_origins"].clone();
        assert_eq!(origins, json!(["https://shop.example", app.base]));
        client.enter_frame(0).await.unwrap();
        until(
            client,
            "the widget in the preview",
            "return document.querySelector('companin-widget') && document.getElementById('status').textContent;",
        )
        .await;
        client.enter_parent_frame().await.unwrap();
        screenshot(client, "developers").await;

        // Rotating gives a new secret, shown once; deactivating revokes the client.
        js(
            client,
            &format!(
                "window.confirm = () => true;
                 [...document.querySelectorAll('tr[data-client=\"{}\"] button')].find(b => b.textContent === 'Rotate secret').click();",
                made["id"].as_str().unwrap()
            ),
        )
        .await;
        let rotated = until(client, "the new secret", SECRET).await;
        assert_ne!(rotated, secret);
        let (status, _) = app
            .call(&creds, Method::GET, "/api/v1/assistants/", None)
            .await;
        assert_eq!(status, 401, "the old secret stopped working");
        js(
            client,
            &format!(
                "[...document.querySelectorAll('tr[data-client=\"{}\"] button')].find(b => b.textContent === 'Deactivate').click();",
                made["id"].as_str().unwrap()
            ),
        )
        .await;
        until(
            client,
            "the inactive client",
            &format!(
                "const r = document.querySelector('tr[data-client=\"{}\"]'); return r && r.textContent.includes('Inactive');",
                made["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(
            client_named(&app, &c, "Shop site").await["is_active"],
            false
        );

        // The alert webhook: set, with its signing secret shown.
        js(
            client,
            "document.getElementById('webhook-url').value = 'https://hooks.example/alerts';
             document.getElementById('webhook-form').requestSubmit();",
        )
        .await;
        let signing = until(
            client,
            "the webhook secret",
            "const s = document.getElementById('webhook-secret'); return s && s.textContent;",
        )
        .await;
        let (_, hook) = app
            .call(&c, Method::GET, "/api/v1/alerts/webhook", None)
            .await;
        assert_eq!(hook["url"], "https://hooks.example/alerts");
        assert_eq!(hook["secret"], signing);
        accessible(client, "developers with the webhook").await;

        // An event webhook: two events chosen, its signing secret shown once.
        js(
            client,
            "document.getElementById('endpoint-url').value = 'https://hooks.example/events';
             document.getElementById('event-session.created').checked = true;
             document.getElementById('event-feedback.created').checked = true;
             document.getElementById('endpoint-form').requestSubmit();",
        )
        .await;
        let endpoint_secret = until(
            client,
            "the endpoint's secret",
            "const s = document.getElementById('endpoint-secret'); return s && s.textContent;",
        )
        .await;
        assert!(
            endpoint_secret.as_str().unwrap().starts_with("whsec_"),
            "{endpoint_secret}"
        );
        let (_, endpoints) = app.call(&c, Method::GET, "/api/v1/webhooks/", None).await;
        let endpoint = endpoints["items"][0].clone();
        assert_eq!(endpoint["url"], "https://hooks.example/events");
        assert_eq!(
            endpoint["events"],
            json!(["feedback.created", "session.created"])
        );
        let endpoint_id = endpoint["id"].as_str().unwrap().to_owned();
        // A session makes an event; its delivery is listed and sent again on demand.
        let (status, _) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/sessions/",
                Some(json!({ "assistant_id": bot })),
            )
            .await;
        assert_eq!(status, 201);
        let in_row = |label: &str| {
            format!(
                "const b = [...document.querySelectorAll('tr[data-endpoint=\"{endpoint_id}\"] button')]
                     .find(b => b.textContent === '{label}'); b.click(); return true;"
            )
        };
        js(client, &in_row("Deliveries")).await;
        until(
            client,
            "the session's delivery",
            "const r = document.querySelector('#endpoint-deliveries tr[data-delivery]');
             return r && r.textContent.includes('session.created');",
        )
        .await;
        js(
            client,
            "document.querySelector('#endpoint-deliveries tr[data-delivery] button').click(); return true;",
        )
        .await;
        until(
            client,
            "the redelivery",
            "return document.querySelectorAll('#endpoint-deliveries tr[data-delivery]').length === 2;",
        )
        .await;
        accessible(client, "developers with an event webhook").await;
        // Turned off from its row.
        js(client, &in_row("Turn off")).await;
        until(
            client,
            "the endpoint turned off",
            &format!(
                "const r = document.querySelector('tr[data-endpoint=\"{endpoint_id}\"]');
                 return r && r.textContent.includes('Inactive');"
            ),
        )
        .await;
        let (_, endpoint) = app
            .call(
                &c,
                Method::GET,
                &format!("/api/v1/webhooks/{endpoint_id}"),
                None,
            )
            .await;
        assert_eq!(endpoint["is_active"], false);

        // A viewer reads the clients, with no control that writes and no webhook.
        let link = invitation(&app, &org, "vic@shop.example", "viewer").await;
        let viewer = signed_in(&app, &link, "vic@shop.example").await;
        let client = &viewer.client;
        client
            .goto(&app.url("/dashboard/developers"))
            .await
            .unwrap();
        until(
            client,
            "the clients",
            "return document.querySelectorAll('tr[data-client]').length === 2;",
        )
        .await;
        let writes = js(
            client,
            "return [...document.querySelectorAll('main form, main button, main textarea, #webhook-title, #endpoints-title')].length;",
        )
        .await;
        assert_eq!(writes, 0);
        accessible(client, "developers, read only").await;
    });
}
