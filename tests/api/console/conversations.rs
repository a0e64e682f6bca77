//! The console's conversations in Chromium, as a viewer reads them: the list filtered by
//! rating and by date (kept in the address), a transcript with its cited source, the visitor's
//! context traits and the feedback, a comment with markup shown as written.

use reqwest::Method;
use serde_json::{Value, json};

use super::{accessible, invitation, screenshot, signed_in, until};
use crate::browser::js;
use crate::helpers::{Backend, Creds, TestApp, spawn_app};
use crate::search::{POLLING_LIMIT, add_text};

const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund. The money goes back to the original payment method within five business days.";
const QUESTION: &str = "How many days do I have to return a product for a refund?";
const COMMENT: &str = "<img src=x onerror=\"window.pwned = 1\"> Clear, thanks";

pub(super) async fn post(app: &TestApp, c: &Creds, path: &str, body: Value) -> Value {
    let (status, v) = app
        .call(c, Method::POST, &format!("/api/v1{path}"), Some(body))
        .await;
    assert!((200..300).contains(&status), "{path}: {status} {v}");
    v
}

/// A conversation of `visitor` with `bot` (one question), rated `rating`; its id.
pub(super) async fn rated(
    app: &TestApp,
    c: &Creds,
    bot: &str,
    visitor: &str,
    rating: u8,
    comment: &str,
) -> String {
    let session = post(
        app,
        c,
        "/sessions/",
        json!({ "assistant_id": bot, "visitor_id": visitor, "locale": "es-ES" }),
    )
    .await;
    let reply = post(
        app,
        c,
        "/conversations/send-message",
        json!({ "session_id": session["id"], "message": QUESTION }),
    )
    .await;
    let id = reply["conversation_id"].as_str().unwrap().to_owned();
    post(
        app,
        c,
        &format!("/conversations/{id}/feedback"),
        json!({ "rating": rating, "comment": comment }),
    )
    .await;
    id
}

/// The ids of the conversations listed.
const LISTED: &str = "return [...document.querySelectorAll('tbody tr[data-conversation]')].map(r => r.dataset.conversation);";

#[test]
fn the_console_filters_and_reads_conversations_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Shop", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        add_text(&app, &c, "Refund policy", REFUNDS, json!({})).await;
        let bot = post(
            &app,
            &c,
            "/assistants/",
            json!({ "name": "Shop help", "reply_mode": "extractive" }),
        )
        .await;
        let bot = bot["id"].as_str().unwrap().to_owned();
        post(
            &app,
            &c,
            "/contexts/",
            json!({ "visitor_id": "vis-gold", "traits": { "plan": "gold", "orders": 12 } }),
        )
        .await;
        let happy = rated(&app, &c, &bot, "vis-gold", 5, COMMENT).await;
        let unhappy = rated(&app, &c, &bot, "vis-other", 2, "Too short").await;

        let link = invitation(&app, &org, "vic@shop.example", "viewer").await;
        let console = signed_in(&app, &link, "vic@shop.example").await;
        let client = &console.client;
        client
            .goto(&app.url("/dashboard/conversations"))
            .await
            .unwrap();
        let listed = until(
            client,
            "both conversations",
            &format!("const l = (() => {{ {LISTED} }})(); return l.length === 2 && l;"),
        )
        .await;
        assert_eq!(listed, json!([unhappy, happy]), "newest first");
        let name = until(
            client,
            "the assistant's name",
            "const c = document.querySelector('td[data-assistant]'); return c && c.textContent === 'Shop help' && c.textContent;",
        )
        .await;
        assert_eq!(name, "Shop help");
        screenshot(client, "conversations").await;
        accessible(client, "conversations").await;

        // By rating, as the API filters; the filter is in the address.
        js(
            client,
            "const s = document.getElementById('rating'); s.value = '5'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
        let listed = until(
            client,
            "the five-star conversation",
            &format!("const l = (() => {{ {LISTED} }})(); return l.length === 1 && l;"),
        )
        .await;
        assert_eq!(listed, json!([happy]));
        assert_eq!(js(client, "return location.search;").await, "?rating=5");
        let (_, api) = app
            .call(&c, Method::GET, "/api/v1/conversations/?rating=5", None)
            .await;
        assert_eq!(api["total"], 1);

        // A range that starts tomorrow holds none.
        js(
            client,
            "const d = new Date(); d.setDate(d.getDate() + 1);
             const s = document.getElementById('from');
             s.value = d.toISOString().slice(0, 10);
             s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
        until(
            client,
            "an empty list",
            "const total = document.getElementById('conversations-total'); return document.querySelectorAll('tbody tr[data-conversation]').length === 0 && total && total.textContent.endsWith(' 0');",
        )
        .await;

        // The transcript: question, answer, its source; the visitor's traits; the feedback,
        // its comment as written.
        client
            .goto(&app.url(&format!("/dashboard/conversations/{happy}")))
            .await
            .unwrap();
        until(
            client,
            "the transcript",
            "return document.querySelectorAll('#transcript > li').length === 2;",
        )
        .await;
        let turns = js(
            client,
            "return [...document.querySelectorAll('#transcript > li > p')].map(p => p.textContent);",
        )
        .await;
        assert_eq!(turns[0], QUESTION);
        assert!(turns[1].as_str().unwrap().contains("30 days"), "{turns}");
        let cited = js(
            client,
            "return [...document.querySelectorAll('#transcript .sources li strong')].map(s => s.textContent);",
        )
        .await;
        assert_eq!(cited, json!(["Refund policy"]));
        let traits = js(
            client,
            "return [...document.querySelectorAll('#traits tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent]);",
        )
        .await;
        assert_eq!(traits, json!([["orders", "12"], ["plan", "gold"]]));
        let given = js(
            client,
            "const f = document.querySelector('#feedback li'); return [f.querySelector('.rating').textContent, f.querySelector('.comment').textContent, f.querySelector('img') === null, window.pwned === undefined];",
        )
        .await;
        assert_eq!(given, json!(["5 of 5", COMMENT, true, true]));
        let facts = js(
            client,
            "return document.getElementById('conversation-facts').textContent;",
        )
        .await;
        assert!(facts.as_str().unwrap().contains("vis-gold"), "{facts}");
        assert!(facts.as_str().unwrap().contains("es-ES"), "{facts}");
        screenshot(client, "conversation").await;
        accessible(client, "conversation").await;
    });
}
