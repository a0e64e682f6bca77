//! Conversations end to end: grounded replies that cite their item, curated answers
//! verbatim, the honest fallback, the assistant's scope, streaming that equals the JSON
//! reply, the OpenAI-compatible and local generators, feedback, every refusal with nothing
//! stored, and tenant walls.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app, spawn_app_with};
use crate::knowledge::wait_done;
use crate::search::{POLLING_LIMIT, add_text, assistant};

const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund. The money goes back to the original payment method within five business days.";
const SHIPPING: &str = "Shipping: orders leave our warehouse in two days. Express delivery \
    reaches most addresses overnight; international parcels take one to two weeks.";
const HOURS: &str = "Opening hours: the support desk answers calls Monday to Friday from nine \
    to five, and the chat is staffed on Saturdays.";
pub const REFUND_QUESTION: &str = "How many days do I have to return a product for a refund?";
const FALLBACK: &str = "Sorry, I can only help with questions about our shop.";

pub async fn session(app: &TestApp, creds: &Creds, assistant_id: &str) -> String {
    let (status, v) = app
        .call(
            creds,
            Method::POST,
            "/api/v1/sessions/",
            Some(json!({"assistant_id": assistant_id})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

pub async fn extractive_assistant(app: &TestApp, creds: &Creds, extra: Value) -> String {
    let mut body = json!({"name": "Shop help", "reply_mode": "extractive",
                          "fallback_message": FALLBACK});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    assistant(app, creds, body).await
}

async fn send(app: &TestApp, creds: &Creds, body: Value) -> Value {
    let (status, v) = app
        .call(
            creds,
            Method::POST,
            "/api/v1/conversations/send-message",
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn get(app: &TestApp, creds: &Creds, path: &str) -> Value {
    let (status, v) = app.call(creds, Method::GET, path, None).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// The events of a streamed reply, as (name, data) in order.
pub fn parse_events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            (name, serde_json::from_str(&data).unwrap_or(Value::Null))
        })
        .collect()
}

async fn stream(
    app: &TestApp,
    creds: &Creds,
    body: Value,
    accept: Option<&str>,
) -> Vec<(String, Value)> {
    let mut request = app.as_client(creds, Method::POST, "/api/v1/conversations/send-message");
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let resp = request.json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    parse_events(&resp.text().await.unwrap())
}

pub async fn shop(app: &TestApp, c: &Creds) -> (String, String, String) {
    let refunds = add_text(app, c, "Refund policy", REFUNDS, json!({})).await;
    let shipping = add_text(app, c, "Shipping", SHIPPING, json!({})).await;
    let hours = add_text(app, c, "Opening hours", HOURS, json!({})).await;
    (refunds, shipping, hours)
}

async fn grounded_reply_cites_its_item_and_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (refunds, _, _) = shop(&app, c).await;
    let bot = extractive_assistant(&app, c, json!({})).await;
    let sess = session(&app, c, &bot).await;
    let before = get(&app, c, &format!("/api/v1/sessions/{sess}")).await;

    let reply = send(
        &app,
        c,
        json!({"session_id": sess, "message": REFUND_QUESTION}),
    )
    .await;
    let conversation = reply["conversation_id"].as_str().unwrap().to_owned();
    assert!(conversation.starts_with("conv_"), "{reply}");
    let message = &reply["message"];
    assert_eq!(message["role"], "assistant");
    assert!(message["id"].as_str().unwrap().starts_with("msg_"));
    let content = message["content"].as_str().unwrap();
    assert!(
        content.contains("30 days") && content.ends_with("[1]"),
        "{content}"
    );
    assert_eq!(
        reply["sources"][0]["knowledge_id"],
        refunds.as_str(),
        "{reply}"
    );
    assert_eq!(reply["sources"][0]["title"], "Refund policy");
    assert!(
        reply["sources"][0]["chunk_id"]
            .as_str()
            .unwrap()
            .starts_with("chk_")
    );
    assert!(
        reply["sources"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("30 days")
    );
    assert!(reply["sources"][0]["score"].as_f64().unwrap() > 0.3);
    assert_eq!(reply["assistant_version"], 1);
    assert_eq!(reply["answered"], true);

    // The next message continues the session's conversation, by default and when named.
    let again = send(
        &app,
        c,
        json!({"session_id": sess, "message": "When does my order leave the warehouse?"}),
    )
    .await;
    assert_eq!(again["conversation_id"], conversation.as_str());
    let third = send(
        &app,
        c,
        json!({"session_id": sess, "message": "Is the chat open on Saturdays?",
               "conversation_id": conversation}),
    )
    .await;
    assert_eq!(third["conversation_id"], conversation.as_str());

    let detail = get(&app, c, &format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!(detail["session_id"], sess.as_str());
    assert_eq!(detail["assistant_id"], bot.as_str());
    assert_eq!(detail["message_count"], 6);
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 6);
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(messages[0]["content"], REFUND_QUESTION);
    assert_eq!(messages[1]["id"], reply["message"]["id"]);
    assert_eq!(messages[1]["content"], reply["message"]["content"]);
    assert_eq!(messages[1]["sources"], reply["sources"]);
    assert_eq!(messages[1]["reply_kind"], "extractive");
    assert_eq!(messages[1]["assistant_version"], 1);
    assert!(messages[1]["latency_ms"].as_i64().is_some());
    assert_eq!(messages[0]["sources"], json!([]));

    let page = get(
        &app,
        c,
        &format!("/api/v1/conversations/{conversation}/messages?limit=2&offset=2"),
    )
    .await;
    assert_eq!(page["total"], 6);
    // The second page holds the second exchange: the question, then the reply `again`.
    assert_eq!(page["items"][0]["role"], "user");
    assert_eq!(page["items"][1]["id"], again["message"]["id"]);
    let list = get(
        &app,
        c,
        &format!("/api/v1/conversations/?session_id={sess}"),
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], conversation.as_str());
    let list = get(
        &app,
        c,
        &format!("/api/v1/conversations/?assistant_id={bot}&from=2000-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(list["total"], 1);
    let list = get(&app, c, "/api/v1/conversations/?to=2000-01-01T00:00:00Z").await;
    assert_eq!(list["total"], 0);

    let after = get(&app, c, &format!("/api/v1/sessions/{sess}")).await;
    assert!(
        after["last_activity_at"].as_str().unwrap() > before["last_activity_at"].as_str().unwrap()
    );
}

async fn curated_answers_come_verbatim(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    shop(&app, c).await;
    let answer = "Yes: gift cards are valid for three years from purchase, and the balance \
                  carries over.";
    let (status, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(
                json!({"type": "qa", "question": "Do gift cards expire?", "answer": answer,
                        "alternate_questions": ["How long is a gift card valid?"]}),
            ),
        )
        .await;
    assert_eq!(status, 202, "{item}");
    let qa = item["id"].as_str().unwrap().to_owned();
    assert_eq!(wait_done(&app, c, &qa).await["status"], "ready");
    let bot = extractive_assistant(&app, c, json!({})).await;
    let sess = session(&app, c, &bot).await;

    for question in ["do gift cards expire", "How long is a gift card valid?"] {
        let reply = send(&app, c, json!({"session_id": sess, "message": question})).await;
        assert_eq!(reply["message"]["content"], answer, "{question}: {reply}");
        assert_eq!(reply["sources"].as_array().unwrap().len(), 1);
        assert_eq!(reply["sources"][0]["knowledge_id"], qa.as_str());
        assert!(reply["sources"][0]["score"].as_f64().unwrap() >= 0.8);
        assert_eq!(reply["answered"], true);
    }
    let conversation = send(
        &app,
        c,
        json!({"session_id": sess, "message": REFUND_QUESTION}),
    )
    .await["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let messages = get(
        &app,
        c,
        &format!("/api/v1/conversations/{conversation}/messages"),
    )
    .await;
    let kinds: Vec<&Value> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["reply_kind"])
        .collect();
    assert_eq!(
        kinds,
        [
            &Value::Null,
            &json!("qa"),
            &Value::Null,
            &json!("qa"),
            &Value::Null,
            &json!("extractive")
        ]
    );
}

async fn unrelated_questions_get_the_fallback(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    shop(&app, c).await;
    let bot = extractive_assistant(&app, c, json!({})).await;
    let sess = session(&app, c, &bot).await;
    let reply = send(
        &app,
        c,
        json!({"session_id": sess, "message": "Which composer wrote the opera Tosca?"}),
    )
    .await;
    assert_eq!(reply["message"]["content"], FALLBACK, "{reply}");
    assert_eq!(reply["sources"], json!([]));
    assert_eq!(reply["answered"], false);
    let conversation = reply["conversation_id"].as_str().unwrap();
    let stored = get(&app, c, &format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!(stored["messages"][1]["reply_kind"], "fallback");
    assert_eq!(stored["messages"][1]["answered"], false);

    // An assistant's own, stricter threshold makes even a related question fall back.
    let strict = extractive_assistant(&app, c, json!({"retrieval": {"min_score": 0.99}})).await;
    let sess = session(&app, c, &strict).await;
    let reply = send(
        &app,
        c,
        json!({"session_id": sess, "message": REFUND_QUESTION}),
    )
    .await;
    assert_eq!(reply["answered"], false, "{reply}");
}

async fn the_assistants_scope_is_honoured(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (refunds, shipping, hours) = shop(&app, c).await;
    let cited = |reply: &Value| -> Vec<String> {
        reply["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["knowledge_id"].as_str().unwrap().to_owned())
            .collect()
    };

    let selected = extractive_assistant(
        &app,
        c,
        json!({"knowledge_scope": "selected", "knowledge_ids": [shipping]}),
    )
    .await;
    let sess = session(&app, c, &selected).await;
    let reply = send(
        &app,
        c,
        json!({"session_id": sess, "message": REFUND_QUESTION}),
    )
    .await;
    assert!(cited(&reply).iter().all(|k| *k == shipping), "{reply}");

    let excluding =
        extractive_assistant(&app, c, json!({"excluded_knowledge_ids": [refunds]})).await;
    let sess = session(&app, c, &excluding).await;
    let reply = send(
        &app,
        c,
        json!({"session_id": sess, "message": REFUND_QUESTION}),
    )
    .await;
    assert!(!cited(&reply).contains(&refunds), "{reply}");
    let reply = send(
        &app,
        c,
        json!({"session_id": sess, "message": "Is the chat open on Saturdays?"}),
    )
    .await;
    assert_eq!(cited(&reply), vec![hours], "{reply}");
}

async fn streaming_equals_the_json_reply(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    shop(&app, c).await;
    let bot = extractive_assistant(&app, c, json!({})).await;
    let question = "When do refunds reach my payment method, and how long do parcels take?";
    let plain = send(
        &app,
        c,
        json!({"session_id": session(&app, c, &bot).await, "message": question}),
    )
    .await;

    for (body_flag, accept) in [(true, None), (false, Some("text/event-stream"))] {
        let sess = session(&app, c, &bot).await;
        let events = stream(
            &app,
            c,
            json!({"session_id": sess, "message": question, "stream": body_flag}),
            accept,
        )
        .await;
        let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
        let deltas = names.iter().take_while(|n| **n == "delta").count();
        assert!(deltas >= 1, "{names:?}");
        assert_eq!(&names[deltas..], ["sources", "done"], "{names:?}");
        let text: String = events[..deltas]
            .iter()
            .map(|(_, d)| d["text"].as_str().unwrap())
            .collect();
        assert_eq!(text, plain["message"]["content"].as_str().unwrap());
        assert_eq!(events[deltas].1["sources"], plain["sources"]);
        let done = &events[deltas + 1].1;
        assert_eq!(done["answered"], true);
        assert_eq!(done["assistant_version"], 1);
        let conversation = done["conversation_id"].as_str().unwrap();
        let stored = get(&app, c, &format!("/api/v1/conversations/{conversation}")).await;
        assert_eq!(stored["session_id"], sess.as_str());
        assert_eq!(stored["messages"][1]["id"], done["message_id"]);
        assert_eq!(stored["messages"][0]["id"], done["user_message_id"]);
        assert_eq!(stored["messages"][1]["content"], text.as_str());
    }
}

async fn refusals_store_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.conversations.max_message_chars = 100).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    shop(&app, c).await;
    let bot = extractive_assistant(&app, c, json!({})).await;
    let sess = session(&app, c, &bot).await;
    let path = "/api/v1/conversations/send-message";
    let refuse = |body: Value, status: u16, code: &'static str| {
        let app = &app;
        async move {
            let resp = app
                .as_client(c, Method::POST, path)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_error(resp, status, code).await
        }
    };

    let e = refuse(
        json!({"session_id": sess, "message": "  "}),
        422,
        "validation_error",
    )
    .await;
    assert_eq!(e["data"]["field"], "message");
    let e = refuse(
        json!({"session_id": sess, "message": "x".repeat(101)}),
        422,
        "validation_error",
    )
    .await;
    assert_eq!(e["data"]["field"], "message");
    refuse(json!({"session_id": sess}), 422, "validation_error").await;
    refuse(
        json!({"session_id": "sess_0000", "message": "hi"}),
        404,
        "not_found",
    )
    .await;
    // Another session's conversation is not this session's to continue.
    let other = session(&app, c, &bot).await;
    let theirs = send(
        &app,
        c,
        json!({"session_id": other, "message": REFUND_QUESTION}),
    )
    .await;
    refuse(
        json!({"session_id": sess, "message": "hi", "conversation_id": theirs["conversation_id"]}),
        404,
        "not_found",
    )
    .await;

    let (status, _) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/sessions/{sess}/end"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    refuse(
        json!({"session_id": sess, "message": "hi"}),
        410,
        "session_expired",
    )
    .await;

    let live = session(&app, c, &bot).await;
    let (status, v) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/assistants/{bot}"),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    refuse(
        json!({"session_id": live, "message": "hi"}),
        409,
        "assistant_inactive",
    )
    .await;

    // Only the one accepted exchange was stored.
    let list = get(&app, c, "/api/v1/conversations/").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["session_id"], other.as_str());
    assert_eq!(list["items"][0]["message_count"], 2);
}

async fn feedback_is_validated_and_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    shop(&app, c).await;
    let bot = extractive_assistant(&app, c, json!({})).await;
    let one = send(
        &app,
        c,
        json!({"session_id": session(&app, c, &bot).await, "message": REFUND_QUESTION}),
    )
    .await;
    let two = send(
        &app,
        c,
        json!({"session_id": session(&app, c, &bot).await, "message": REFUND_QUESTION}),
    )
    .await;
    let conversation = one["conversation_id"].as_str().unwrap();
    let path = format!("/api/v1/conversations/{conversation}/feedback");

    for rating in [0, 6, -1] {
        let resp = app
            .as_client(c, Method::POST, &path)
            .json(&json!({"rating": rating}))
            .send()
            .await
            .unwrap();
        let e = assert_error(resp, 422, "validation_error").await;
        assert_eq!(e["data"]["field"], "rating");
    }
    let resp = app
        .as_client(c, Method::POST, &path)
        .json(&json!({"rating": 4, "message_id": two["message"]["id"]}))
        .send()
        .await
        .unwrap();
    let e = assert_error(resp, 422, "validation_error").await;
    assert_eq!(e["data"]["field"], "message_id");
    let resp = app
        .as_client(c, Method::POST, &path)
        .json(&json!({"rating": 4, "comment": "x".repeat(5001)}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 422, "validation_error").await;
    let resp = app
        .as_client(c, Method::POST, "/api/v1/conversations/conv_0000/feedback")
        .json(&json!({"rating": 4}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;

    let (status, fb) = app
        .call(
            c,
            Method::POST,
            &path,
            Some(json!({"rating": 5, "comment": " Spot on ", "message_id": one["message"]["id"]})),
        )
        .await;
    assert_eq!(status, 201, "{fb}");
    assert!(fb["id"].as_str().unwrap().starts_with("fb_"));
    assert_eq!(fb["rating"], 5);
    assert_eq!(fb["comment"], "Spot on");
    assert_eq!(fb["message_id"], one["message"]["id"]);
    assert_eq!(fb["conversation_id"], conversation);
    let (status, fb) = app
        .call(c, Method::POST, &path, Some(json!({"rating": 1})))
        .await;
    assert_eq!(status, 201, "{fb}");
    assert_eq!(fb["message_id"], Value::Null);

    // The conversation shows its feedback, oldest first; the unrated one none.
    let detail = get(&app, c, &format!("/api/v1/conversations/{conversation}")).await;
    let given: Vec<(Value, Value)> = detail["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rating"].clone(), f["comment"].clone()))
        .collect();
    assert_eq!(
        given,
        [(json!(5), json!("Spot on")), (json!(1), Value::Null)]
    );
    let other = two["conversation_id"].as_str().unwrap();
    let detail = get(&app, c, &format!("/api/v1/conversations/{other}")).await;
    assert_eq!(detail["feedback"], json!([]));

    // Filtering by rating finds the conversations with a feedback of that rating.
    for (rating, expected) in [
        (5, vec![conversation]),
        (1, vec![conversation]),
        (3, vec![]),
    ] {
        let list = get(&app, c, &format!("/api/v1/conversations/?rating={rating}")).await;
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "rating {rating}");
        assert_eq!(list["total"], expected.len());
    }
    for bad in ["0", "6", "five"] {
        let resp = app
            .as_client(
                c,
                Method::GET,
                &format!("/api/v1/conversations/?rating={bad}"),
            )
            .send()
            .await
            .unwrap();
        assert_error(resp, 422, "validation_error").await;
    }
}

async fn tenant_walls_hold_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let b = app.create_org("Bolt", Some(POLLING_LIMIT)).await;
    // Near-identical content in both organizations, differing only in the answer.
    let a_item = add_text(&app, &a.production, "Refund policy", REFUNDS, json!({})).await;
    let b_item = add_text(
        &app,
        &b.production,
        "Refund policy",
        &REFUNDS.replace("30 days", "14 days"),
        json!({}),
    )
    .await;
    let a_bot = extractive_assistant(&app, &a.production, json!({})).await;
    let b_bot = extractive_assistant(&app, &b.production, json!({})).await;
    let a_sess = session(&app, &a.production, &a_bot).await;
    let b_sess = session(&app, &b.production, &b_bot).await;
    let a_reply = send(
        &app,
        &a.production,
        json!({"session_id": a_sess, "message": REFUND_QUESTION}),
    )
    .await;
    let b_reply = send(
        &app,
        &b.production,
        json!({"session_id": b_sess, "message": REFUND_QUESTION}),
    )
    .await;
    assert_eq!(a_reply["sources"][0]["knowledge_id"], a_item.as_str());
    assert_eq!(b_reply["sources"][0]["knowledge_id"], b_item.as_str());
    assert!(
        b_reply["message"]["content"]
            .as_str()
            .unwrap()
            .contains("14 days")
    );
    assert!(
        !b_reply["message"]["content"]
            .as_str()
            .unwrap()
            .contains("30 days")
    );
    for s in b_reply["sources"].as_array().unwrap() {
        assert_eq!(s["knowledge_id"], b_item.as_str());
    }

    let conversation = a_reply["conversation_id"].as_str().unwrap();
    // B (and A's own sandbox) cannot reach A's session or conversation.
    for intruder in [&b.production, &a.sandbox] {
        for path in [
            format!("/api/v1/conversations/{conversation}"),
            format!("/api/v1/conversations/{conversation}/messages"),
        ] {
            let resp = app
                .as_client(intruder, Method::GET, &path)
                .send()
                .await
                .unwrap();
            assert_error(resp, 404, "not_found").await;
        }
        let resp = app
            .as_client(
                intruder,
                Method::POST,
                &format!("/api/v1/conversations/{conversation}/feedback"),
            )
            .json(&json!({"rating": 1}))
            .send()
            .await
            .unwrap();
        assert_error(resp, 404, "not_found").await;
        let resp = app
            .as_client(intruder, Method::POST, "/api/v1/conversations/send-message")
            .json(&json!({"session_id": a_sess, "message": "hi"}))
            .send()
            .await
            .unwrap();
        assert_error(resp, 404, "not_found").await;
        let list = get(
            &app,
            intruder,
            &format!("/api/v1/conversations/?session_id={a_sess}"),
        )
        .await;
        assert_eq!(list["total"], 0);
    }
    let list = get(&app, &b.production, "/api/v1/conversations/").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], b_reply["conversation_id"]);
    // A's conversation still has only its own two messages.
    let detail = get(
        &app,
        &a.production,
        &format!("/api/v1/conversations/{conversation}"),
    )
    .await;
    assert_eq!(detail["messages"].as_array().unwrap().len(), 2);
}

crate::on_both_backends!(
    grounded_reply_cites_its_item_and_is_stored,
    curated_answers_come_verbatim,
    unrelated_questions_get_the_fallback,
    the_assistants_scope_is_honoured,
    streaming_equals_the_json_reply,
    refusals_store_nothing,
    feedback_is_validated_and_stored,
    tenant_walls_hold_on_every_route,
);

/// What the fake endpoint was sent: the `Authorization` header and the JSON body.
pub type Requests = Arc<std::sync::Mutex<Vec<(Option<String>, Value)>>>;

/// A fake OpenAI-compatible endpoint: checks what it is sent and streams `pieces`, one every
/// `pause`; `fail` answers 500 instead. Counts the pieces it got out.
pub struct FakeOpenAi {
    base: String,
    pub sent: Arc<AtomicUsize>,
    pub requests: Requests,
}

pub async fn fake_openai(pieces: Vec<&'static str>, pause: Duration, fail: bool) -> FakeOpenAi {
    use poem::web::sse::{Event, SSE};
    use poem::{EndpointExt, IntoResponse, Route, handler, post};

    let sent = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
    #[derive(Clone)]
    struct Shared {
        pieces: Vec<&'static str>,
        pause: Duration,
        fail: bool,
        sent: Arc<AtomicUsize>,
        requests: Requests,
    }
    #[handler]
    async fn completions(
        req: &poem::Request,
        body: poem::web::Json<Value>,
        shared: poem::web::Data<&Shared>,
    ) -> poem::Response {
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        shared.requests.lock().unwrap().push((auth, body.0));
        if shared.fail {
            return poem::Response::builder()
                .status(poem::http::StatusCode::INTERNAL_SERVER_ERROR)
                .body("model overloaded");
        }
        let s = shared.clone();
        let chunks = futures::stream::iter(0..=s.pieces.len()).then(move |i| {
            let s = s.clone();
            async move {
                tokio::time::sleep(s.pause).await;
                match s.pieces.get(i) {
                    Some(piece) => {
                        s.sent.fetch_add(1, Ordering::SeqCst);
                        Event::message(
                            json!({"choices": [{"delta": {"content": piece}}]}).to_string(),
                        )
                    }
                    None => Event::message("[DONE]"),
                }
            }
        });
        SSE::new(chunks).into_response()
    }
    let shared = Shared {
        pieces,
        pause,
        fail,
        sent: sent.clone(),
        requests: requests.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Route::new()
        .at("/v1/chat/completions", post(completions))
        .data(shared);
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    FakeOpenAi {
        base: format!("http://{addr}/v1"),
        sent,
        requests,
    }
}

pub async fn openai_app(fake: &FakeOpenAi) -> TestApp {
    let base = fake.base.clone();
    spawn_app_with(Backend::Sqlite, move |s| {
        s.conversations.generator = companin_config::ReplyGenerator::Openai;
        s.conversations.openai_base_url = Some(base);
        s.conversations.openai_model = "fake-model".into();
        s.conversations.openai_api_key = Some("sk-test".to_owned().into());
    })
    .await
}

#[test]
fn openai_compatible_generator_streams_a_grounded_reply() {
    crate::helpers::run(async {
        let pieces = vec!["Returns are ", "accepted within ", "30 days [1]."];
        let fake = fake_openai(pieces, Duration::from_millis(5), false).await;
        let app = openai_app(&fake).await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let (refunds, _, _) = shop(&app, c).await;
        let bot = assistant(
            &app,
            c,
            json!({"name": "Ada", "tone": "friendly", "instructions": "Mention the shop name Acme."}),
        )
        .await;
        let (status, _) = app
            .call(
                c,
                Method::POST,
                "/api/v1/contexts/",
                Some(json!({"visitor_id": "vis-1", "traits": {"plan": "gold"}})),
            )
            .await;
        assert_eq!(status, 201);
        let (status, s) = app
            .call(
                c,
                Method::POST,
                "/api/v1/sessions/",
                Some(json!({"assistant_id": bot, "visitor_id": "vis-1"})),
            )
            .await;
        assert_eq!(status, 201);
        let sess = s["id"].as_str().unwrap();

        let reply = send(
            &app,
            c,
            json!({"session_id": sess, "message": REFUND_QUESTION}),
        )
        .await;
        assert_eq!(
            reply["message"]["content"],
            "Returns are accepted within 30 days [1]."
        );
        assert!(
            reply["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["knowledge_id"] == refunds.as_str())
        );
        {
            let requests = fake.requests.lock().unwrap();
            let (auth, body) = &requests[0];
            assert_eq!(auth.as_deref(), Some("Bearer sk-test"));
            assert_eq!(body["model"], "fake-model");
            assert_eq!(body["stream"], true);
            let system = body["messages"][0]["content"].as_str().unwrap();
            assert_eq!(body["messages"][0]["role"], "system");
            for part in ["Ada", "friendly", "Acme", "plan: gold"] {
                assert!(system.contains(part), "{part}: {system}");
            }
            let user = body["messages"].as_array().unwrap().last().unwrap()["content"]
                .as_str()
                .unwrap();
            assert!(
                user.contains("[1] Refund policy:") && user.ends_with(REFUND_QUESTION),
                "{user}"
            );
        }

        // Streamed, the pieces arrive as they are; the history reaches the second prompt.
        let events = stream(
            &app,
            c,
            json!({"session_id": sess, "message": "How long does shipping take?", "stream": true}),
            None,
        )
        .await;
        let deltas: Vec<&str> = events
            .iter()
            .filter(|(n, _)| n == "delta")
            .map(|(_, d)| d["text"].as_str().unwrap())
            .collect();
        assert_eq!(deltas, ["Returns are ", "accepted within ", "30 days [1]."]);
        assert_eq!(events.last().unwrap().0, "done");
        let second = fake.requests.lock().unwrap()[1].1.clone();
        let turns: Vec<&str> = second["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(turns, ["system", "user", "assistant", "user"]);
        let conversation = reply["conversation_id"].as_str().unwrap();
        let stored = get(&app, c, &format!("/api/v1/conversations/{conversation}")).await;
        assert_eq!(stored["messages"][1]["reply_kind"], "openai");
        assert_eq!(stored["context"]["plan"], "gold");
    })
}

/// One generator slot, four waiting places: a tenant's flood takes its share (two) and is
/// refused past it with 503 `busy`; another tenant still gets a place, and is served after one
/// more of the flood's replies, not after all of them.
#[test]
fn a_flood_from_one_tenant_does_not_starve_another() {
    crate::helpers::run(async {
        let pieces = vec!["Returns ", "take ", "30 days."];
        let fake = fake_openai(pieces, Duration::from_millis(120), false).await;
        let base = fake.base.clone();
        let app = spawn_app_with(Backend::Sqlite, move |s| {
            s.conversations.generator = companin_config::ReplyGenerator::Openai;
            s.conversations.openai_base_url = Some(base);
            s.conversations.openai_concurrency = 1;
            s.conversations.waiting_replies = 4;
        })
        .await;
        let mut tenants = Vec::new();
        for name in ["Flood", "Quiet"] {
            let org = app.create_org(name, Some(POLLING_LIMIT)).await;
            let c = org.production.clone();
            shop(&app, &c).await;
            let bot = assistant(&app, &c, json!({"name": name})).await;
            let sess = session(&app, &c, &bot).await;
            tenants.push((c, sess));
        }
        let ask = |c: &Creds, sess: &str, message: String| {
            app.as_client(c, Method::POST, "/api/v1/conversations/send-message")
                .json(&json!({"session_id": sess, "message": message}))
                .send()
        };
        let (flood, flood_session) = &tenants[0];
        let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..5 {
            let request = ask(
                flood,
                flood_session,
                format!("flood {i}: {REFUND_QUESTION}"),
            );
            let answers = answers.clone();
            tokio::spawn(async move {
                let resp = request.await.unwrap();
                let status = resp.status().as_u16();
                let retry_after = resp.headers().contains_key("retry-after");
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                let _ = answers.send((status, retry_after, body));
            });
        }
        // The two refusals come back at once, while the first reply is still being written: the
        // flood then holds the slot and its share of the waiting places.
        let mut statuses = Vec::new();
        while statuses.iter().filter(|s| **s == 503).count() < 2 {
            let (status, retry_after, body) = answered.recv().await.unwrap();
            if status == 503 {
                assert!(retry_after);
                assert_eq!(body["code"], "busy", "{body}");
            }
            statuses.push(status);
        }
        let (quiet, quiet_session) = &tenants[1];
        let resp = ask(quiet, quiet_session, format!("quiet: {REFUND_QUESTION}"))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "the quiet tenant is never refused");
        while statuses.len() < 5 {
            statuses.push(answered.recv().await.unwrap().0);
        }
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 200, 200, 503, 503],
            "one writing, two waiting, two refused"
        );
        // The order the endpoint was asked in: the quiet tenant's reply came right after the
        // flood's next one, ahead of the flood's last.
        let asked: Vec<String> = fake
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| {
                let last = body["messages"].as_array().unwrap().last().unwrap();
                let text = last["content"].as_str().unwrap();
                if text.contains("quiet:") {
                    "quiet"
                } else {
                    "flood"
                }
                .to_owned()
            })
            .collect();
        assert_eq!(asked, ["flood", "flood", "quiet", "flood"]);
    })
}

#[test]
fn a_failing_generator_answers_502_and_stores_nothing() {
    crate::helpers::run(async {
        let fake = fake_openai(vec![], Duration::ZERO, true).await;
        let app = openai_app(&fake).await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        shop(&app, c).await;
        let bot = assistant(&app, c, json!({"name": "Ada"})).await;
        let sess = session(&app, c, &bot).await;
        let resp = app
            .as_client(c, Method::POST, "/api/v1/conversations/send-message")
            .json(&json!({"session_id": sess, "message": REFUND_QUESTION}))
            .send()
            .await
            .unwrap();
        let e = assert_error(resp, 502, "generation_failed").await;
        assert!(e["detail"].as_str().unwrap().contains("500"), "{e}");
        // Streamed, the failure is an `error` event after the response began.
        let events = stream(
            &app,
            c,
            json!({"session_id": sess, "message": REFUND_QUESTION, "stream": true}),
            None,
        )
        .await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].0, "error");
        assert_eq!(events[0].1["code"], "generation_failed");
        assert_eq!(events[0].1["status_code"], 502);
        assert_eq!(get(&app, c, "/api/v1/conversations/").await["total"], 0);
    })
}

#[test]
fn a_client_that_leaves_stops_the_generation() {
    crate::helpers::run(async {
        let pieces = vec!["word "; 200];
        let fake = fake_openai(pieces, Duration::from_millis(20), false).await;
        let app = openai_app(&fake).await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        shop(&app, c).await;
        let bot = assistant(&app, c, json!({"name": "Ada"})).await;
        let sess = session(&app, c, &bot).await;
        let resp = app
            .as_client(c, Method::POST, "/api/v1/conversations/send-message")
            .json(&json!({"session_id": sess, "message": REFUND_QUESTION, "stream": true}))
            .send()
            .await
            .unwrap();
        let mut body = resp.bytes_stream();
        let first = body.next().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).contains("delta"));
        drop(body);
        // The fake would need 4 s for every piece; it stops soon after the client left.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let sent = fake.sent.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(fake.sent.load(Ordering::SeqCst), sent, "still generating");
        assert!(sent < 100, "{sent} pieces sent");
        assert_eq!(get(&app, c, "/api/v1/conversations/").await["total"], 0);
    })
}

#[test]
fn the_local_model_writes_a_grounded_reply() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| {
            s.conversations.generator = companin_config::ReplyGenerator::Local;
            s.conversations.max_reply_tokens = 24;
        })
        .await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let (refunds, _, _) = shop(&app, c).await;
        let bot = assistant(&app, c, json!({"name": "Ada"})).await;
        let sess = session(&app, c, &bot).await;
        let events = stream(
            &app,
            c,
            json!({"session_id": sess, "message": REFUND_QUESTION, "stream": true}),
            None,
        )
        .await;
        let text: String = events
            .iter()
            .filter(|(n, _)| n == "delta")
            .map(|(_, d)| d["text"].as_str().unwrap())
            .collect();
        assert!(!text.trim().is_empty(), "{events:?}");
        let (name, done) = events.last().unwrap();
        assert_eq!(name, "done", "{events:?}");
        let conversation = done["conversation_id"].as_str().unwrap();
        let stored = get(&app, c, &format!("/api/v1/conversations/{conversation}")).await;
        let reply = &stored["messages"][1];
        assert_eq!(reply["reply_kind"], "local");
        assert_eq!(reply["content"], text.as_str());
        assert!(
            reply["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["knowledge_id"] == refunds.as_str())
        );
        assert!(reply["first_token_ms"].as_i64().unwrap() <= reply["latency_ms"].as_i64().unwrap());
    })
}
