//! The console's assistants in Chromium: create one, edit its fields, compare two versions
//! side by side, try it in the streaming chat with its sources, roll back and deactivate; each
//! step read back through the API. A viewer sees the same assistant without a single write
//! control, and the server refuses the write the console does not offer. Names people wrote
//! are shown as text.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Console, accessible, invitation, screenshot, signed_in, until};
use crate::browser::js;
use crate::helpers::{Backend, Creds, TestApp, spawn_app};
use crate::search::{POLLING_LIMIT, add_text};

const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund. The money goes back to the original payment method within five business days.";
const QUESTION: &str = "How many days do I have to return a product for a refund?";
const MARKUP: &str = "<img src=x onerror=\"window.pwned = 1\">";

async fn assistant(app: &TestApp, creds: &Creds, id: &str) -> Value {
    let (status, body) = app
        .call(
            creds,
            Method::GET,
            &format!("/api/v1/assistants/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Sets a form control by its id as a person would (a checkbox is ticked or not).
async fn set(console: &Console, id: &str, value: Value) {
    let value = value.to_string();
    js(
        &console.client,
        &format!(
            "const el = document.getElementById('{id}');
             const v = {value};
             if (el.type === 'checkbox') el.checked = v; else el.value = v;
             el.dispatchEvent(new Event('change', {{ bubbles: true }}));"
        ),
    )
    .await;
}

/// The rows of the side-by-side diff: `[field, changed, left, right]`.
const DIFF: &str = "return [...document.querySelectorAll('#diff tbody tr')].map(r => \
    [r.dataset.field, r.classList.contains('changed'), r.cells[1].textContent, r.cells[2].textContent]);";

#[test]
fn the_console_edits_compares_tries_and_rolls_back_an_assistant_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Shop", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        let refunds = add_text(&app, &c, "Refund policy", REFUNDS, json!({})).await;
        let link = invitation(&app, &org, "ana@shop.example", "editor").await;
        let console = signed_in(&app, &link, "ana@shop.example").await;
        let client = &console.client;

        // A new assistant, by name, opens its own page.
        client
            .goto(&app.url("/dashboard/assistants"))
            .await
            .unwrap();
        until(
            client,
            "the new assistant form",
            "return document.getElementById('new-assistant-name');",
        )
        .await;
        set(&console, "new-assistant-name", json!("Shop help")).await;
        js(
            client,
            "document.getElementById('new-assistant-name').form.requestSubmit();",
        )
        .await;
        until(
            client,
            "the assistant's settings",
            "return document.getElementById('assistant-form') && document.querySelector('#diff tbody');",
        )
        .await;
        let path = js(client, "return location.pathname;").await;
        let id = path
            .as_str()
            .unwrap()
            .strip_prefix("/dashboard/assistants/")
            .expect("the assistant's address")
            .to_owned();
        assert_eq!(assistant(&app, &c, &id).await["version"], 1);
        screenshot(client, "assistants-new").await;

        // Every field is editable; one save is one new version.
        set(&console, "field-tone", json!("friendly")).await;
        set(&console, "field-reply_mode", json!("extractive")).await;
        set(
            &console,
            "field-default_tasks",
            json!("Track an order\nReturn a product"),
        )
        .await;
        set(&console, "field-retrieval-top_k", json!("4")).await;
        set(
            &console,
            "field-greeting",
            json!("Hello! Ask me about refunds."),
        )
        .await;
        set(&console, "field-knowledge_scope", json!("selected")).await;
        js(
            client,
            &format!(
                "document.querySelector('#field-knowledge_ids input[value=\"{refunds}\"]').click();"
            ),
        )
        .await;
        js(
            client,
            "document.getElementById('assistant-form').requestSubmit();",
        )
        .await;
        until(
            client,
            "version 2",
            "const s = document.getElementById('assistant-state'); return s && s.textContent.includes('Version 2') && document.querySelectorAll('#diff tbody tr').length > 0;",
        )
        .await;
        let saved = assistant(&app, &c, &id).await;
        assert_eq!(saved["version"], 2);
        assert_eq!(saved["tone"], "friendly");
        assert_eq!(saved["reply_mode"], "extractive");
        assert_eq!(
            saved["default_tasks"],
            json!(["Track an order", "Return a product"])
        );
        assert_eq!(saved["retrieval"]["top_k"], 4);
        assert_eq!(saved["knowledge_scope"], "selected");
        assert_eq!(saved["knowledge_ids"], json!([refunds]));
        assert_eq!(
            saved["description"],
            Value::Null,
            "an empty field stays unset"
        );

        // The diff puts version 1 beside version 2 and marks exactly what changed.
        let rows = js(client, DIFF).await;
        let changed: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r[1] == true)
            .map(|r| r[0].as_str().unwrap())
            .collect();
        assert_eq!(
            changed,
            [
                "tone",
                "default_tasks",
                "knowledge_scope",
                "knowledge_ids",
                "retrieval.top_k",
                "reply_mode",
                "greeting"
            ]
        );
        let tone = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == "tone")
            .unwrap();
        assert_eq!(tone[2], "professional");
        assert_eq!(tone[3], "friendly");
        let knowledge = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == "knowledge_ids")
            .unwrap();
        assert_eq!(knowledge[3], "Refund policy", "items by their titles");
        screenshot(client, "assistant").await;
        accessible(client, "assistant").await;

        // Try it: the answer streams in, with its source.
        set(&console, "try-message", json!(QUESTION)).await;
        js(
            client,
            "document.getElementById('try-message').form.requestSubmit();",
        )
        .await;
        let answer = until(
            client,
            "the streamed answer",
            "const t = document.querySelector('#try-log .turn.assistant'); return t && !t.hasAttribute('aria-busy') && t.querySelector('.reply').textContent;",
        )
        .await;
        assert!(answer.as_str().unwrap().contains("30 days"), "{answer}");
        let sources = js(
            client,
            "return [...document.querySelectorAll('#try-log .sources li strong')].map(s => s.textContent);",
        )
        .await;
        assert_eq!(sources, json!(["Refund policy"]));
        let (_, conversations) = app
            .call(
                &c,
                Method::GET,
                &format!("/api/v1/conversations/?assistant_id={id}"),
                None,
            )
            .await;
        assert_eq!(conversations["total"], 1, "{conversations}");
        screenshot(client, "assistant-try-it").await;
        accessible(client, "assistant with a conversation").await;

        // Roll back to version 1: a third version equal to the first.
        js(
            client,
            "window.confirm = () => true; document.querySelector('[data-rollback=\"1\"]').click();",
        )
        .await;
        until(
            client,
            "version 3",
            "const s = document.getElementById('assistant-state'); return s && s.textContent.includes('Version 3');",
        )
        .await;
        let restored = assistant(&app, &c, &id).await;
        assert_eq!(restored["version"], 3);
        assert_eq!(restored["tone"], "professional");
        assert_eq!(restored["reply_mode"], "generative");
        assert_eq!(restored["knowledge_scope"], "all");
        let restored_from = js(
            client,
            "return document.querySelector('tr[data-version=\"3\"]').cells[2].textContent;",
        )
        .await;
        assert_eq!(restored_from, "Restored version 1");

        // Deactivated, the assistant refuses new messages (the API says so).
        js(client, "document.getElementById('toggle-active').click();").await;
        until(
            client,
            "the inactive state",
            "const s = document.getElementById('assistant-state'); return s && s.textContent.includes('Inactive');",
        )
        .await;
        assert_eq!(assistant(&app, &c, &id).await["is_active"], false);

        // A name with markup is shown as written, and nothing runs.
        let (status, _) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/assistants/",
                Some(json!({ "name": MARKUP })),
            )
            .await;
        assert_eq!(status, 201);
        client
            .goto(&app.url("/dashboard/assistants"))
            .await
            .unwrap();
        let cell = until(
            client,
            "the written name",
            &format!(
                "const a = [...document.querySelectorAll('tbody a')].find(a => a.textContent === {}); return a && [a.textContent, a.querySelector('img') === null];",
                json!(MARKUP)
            ),
        )
        .await;
        assert_eq!(cell, json!([MARKUP, true]));
        assert_eq!(js(client, "return window.pwned === undefined;").await, true);
        screenshot(client, "assistants").await;
        accessible(client, "assistants").await;

        // A viewer reads the same assistant with no write control, and the server refuses
        // the write anyway.
        let link = invitation(&app, &org, "vic@shop.example", "viewer").await;
        let viewer = signed_in(&app, &link, "vic@shop.example").await;
        let client = &viewer.client;
        client
            .goto(&app.url(&format!("/dashboard/assistants/{id}")))
            .await
            .unwrap();
        until(
            client,
            "the read-only settings",
            "return document.querySelector('#diff tbody tr') && document.getElementById('settings-title');",
        )
        .await;
        let controls = js(
            client,
            "return [...document.querySelectorAll('main form, main button, main input, main textarea, [data-rollback], #toggle-active')].length;",
        )
        .await;
        // The two selects choosing which versions to compare are the only controls.
        assert_eq!(controls, 0);
        let selects = js(
            client,
            "return document.querySelectorAll('main select').length;",
        )
        .await;
        assert_eq!(selects, 2);
        let refused = js(
            client,
            &format!(
                "const me = await (await fetch('/api/v1/auth/me')).json();
                 const r = await fetch('/api/v1/assistants/{id}', {{ method: 'PATCH',
                   headers: {{ 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }},
                   body: JSON.stringify({{ name: 'Taken over' }}) }});
                 return [r.status, (await r.json()).code];"
            ),
        )
        .await;
        assert_eq!(refused, json!([403, "insufficient_role"]));
        assert_eq!(assistant(&app, &c, &id).await["name"], "Shop help");
        screenshot(client, "assistant-viewer").await;
        accessible(client, "assistant, read only").await;
    });
}
