//! Languages end to end: each item's and chunk's language detected (or chosen by the
//! uploader, and changed later), BM25 stemming a chunk in its language, a Spanish question
//! finding an English passage by its product name, bad `language` values refused with nothing
//! stored, the fallback said in the assistant's language, and a change to the multilingual
//! embedder (the default) from MiniLM: every chunk re-embedded, the chunks left to re-embed
//! counted, search working before and after, and a Spanish question
//! finding the English passage by meaning alone; with it, a Spanish visitor answered from
//! English knowledge (a curated question matched across languages, and a passage).

use reqwest::Method;
use serde_json::{Value, json};

use crate::conversations::session;
use companin_config::EmbedderModel;
use companin_service::knowledge::chunks_of_other_embedders;

use crate::helpers::{Backend, Creds, TestApp, spawn_app, spawn_sibling_with};
use crate::knowledge::{upload, wait_done, wait_job};
use crate::search::{POLLING_LIMIT, add_text, assistant};

const CANCION: &str = "La canción del verano suena en todas las radios de la ciudad. El grupo \
    la grabó en un pequeño estudio de Valencia durante la primavera.";
const LAMP: &str = "The Aurora desk lamp costs 49 euros and ships from our warehouse in two \
    days. Its warranty covers three years.";
const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund, paid back to the original payment method.";

async fn get(app: &TestApp, c: &Creds, path: &str) -> Value {
    let (status, v) = app.call(c, Method::GET, path, None).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// The items found, best first, with their scores.
async fn search_scores(app: &TestApp, c: &Creds, body: Value) -> Vec<(String, f64)> {
    let (status, v) = app
        .call(c, Method::POST, "/api/v1/knowledge/search", Some(body))
        .await;
    assert_eq!(status, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["knowledge_id"].as_str().unwrap().to_owned(),
                h["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The items found, best first.
async fn search(app: &TestApp, c: &Creds, body: Value) -> Vec<String> {
    search_scores(app, c, body)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

async fn item_count(app: &TestApp, c: &Creds) -> u64 {
    get(app, c, "/api/v1/knowledge/").await["total"]
        .as_u64()
        .unwrap()
}

#[test]
fn items_know_their_language_and_bm25_stems_in_it() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let song = add_text(&app, c, "Música", CANCION, json!({})).await;
        let lamp = add_text(&app, c, "Aurora lamp", LAMP, json!({})).await;
        add_text(&app, c, "Refunds", REFUNDS, json!({})).await;

        let item = get(&app, c, &format!("/api/v1/knowledge/{song}")).await;
        assert_eq!(item["language"], "es", "{item}");
        assert_eq!(item["language_source"], "detected");
        let chunks = get(&app, c, &format!("/api/v1/knowledge/{song}/chunks")).await;
        assert!(!chunks["items"].as_array().unwrap().is_empty());
        for chunk in chunks["items"].as_array().unwrap() {
            assert_eq!(chunk["language"], "es", "{chunk}");
        }
        assert_eq!(
            get(&app, c, &format!("/api/v1/knowledge/{lamp}")).await["language"],
            "en"
        );

        // `canciones` is in no text: the Spanish stemmer brings it and `canción` together.
        let found = search(&app, c, json!({"query": "canciones"})).await;
        assert_eq!(found.first(), Some(&song), "{found:?}");

        // A Spanish question of a Spanish assistant still finds the English passage that
        // names the product.
        let bot = assistant(&app, c, json!({"name": "Tienda", "language": "es"})).await;
        let found = search(
            &app,
            c,
            json!({"query": "¿Cuánto cuesta la lámpara Aurora?", "assistant_id": bot}),
        )
        .await;
        assert_eq!(found.first(), Some(&lamp), "{found:?}");
    });
}

#[test]
fn the_uploader_chooses_and_changes_the_language() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        // A BCP-47 tag is taken by its primary language.
        let id = add_text(&app, c, "Música", CANCION, json!({"language": "pt-BR"})).await;
        let item = get(&app, c, &format!("/api/v1/knowledge/{id}")).await;
        assert_eq!(item["language"], "pt", "{item}");
        assert_eq!(item["language_source"], "chosen");
        let chunks = get(&app, c, &format!("/api/v1/knowledge/{id}/chunks")).await;
        assert_eq!(chunks["items"][0]["language"], "pt");

        // A new language re-processes the item: its chunks are stemmed anew.
        let path = format!("/api/v1/knowledge/{id}");
        let (status, v) = app
            .call(c, Method::PATCH, &path, Some(json!({"language": "es"})))
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["version"], item["version"].as_u64().unwrap() + 1);
        let done = wait_done(&app, c, &id).await;
        assert_eq!(done["status"], "ready", "{done}");
        assert_eq!(
            (&done["language"], &done["language_source"]),
            (&json!("es"), &json!("chosen"))
        );
        let chunks = get(&app, c, &format!("{path}/chunks")).await;
        assert_eq!(chunks["items"][0]["language"], "es");

        // `null` goes back to detecting it.
        let (status, v) = app
            .call(c, Method::PATCH, &path, Some(json!({"language": null})))
            .await;
        assert_eq!(status, 200, "{v}");
        let done = wait_done(&app, c, &id).await;
        assert_eq!(
            (&done["language"], &done["language_source"]),
            (&json!("es"), &json!("detected")),
            "{done}"
        );

        // Files and Q&As take a language too.
        let (status, file) = upload(
            &app,
            c,
            "notas.txt",
            "text/plain",
            format!("{CANCION} Notas del productor.").into_bytes(),
            &[("language", "fr")],
        )
        .await;
        assert_eq!(status, 202, "{file}");
        let done = wait_done(&app, c, file["id"].as_str().unwrap()).await;
        assert_eq!(done["language"], "fr", "{done}");
        let (status, qa) = app
            .call(
                c,
                Method::POST,
                "/api/v1/knowledge/qas/",
                Some(json!({"question": "¿Cuánto tarda el envío?",
                            "answer": "De tres a cinco días hábiles.", "language": "es"})),
            )
            .await;
        assert_eq!(status, 202, "{qa}");
        assert_eq!(qa["language"], "es");
    });
}

#[test]
fn bad_languages_are_refused_naming_the_field() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let bad = ["english", "", "e", "es_ES!", "x-klingon", "12"];
        for value in bad {
            let attempts = [
                (
                    "/api/v1/knowledge/",
                    json!({"type": "text", "title": "T", "content": "Hola", "language": value}),
                ),
                (
                    "/api/v1/knowledge/qas/",
                    json!({"question": "¿Qué?", "answer": "Esto.", "language": value}),
                ),
                (
                    "/api/v1/knowledge/urls/",
                    json!({"url": "https://example.com/", "language": value}),
                ),
            ];
            for (path, body) in attempts {
                let resp = app
                    .as_client(c, Method::POST, path)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let err = crate::helpers::assert_error(resp, 422, "validation_error").await;
                assert_eq!(err["data"]["field"], "language", "{path} {value:?} → {err}");
            }
            let (status, err) = upload(
                &app,
                c,
                "a.txt",
                "text/plain",
                b"Hola".to_vec(),
                &[("language", value)],
            )
            .await;
            assert_eq!(status, 422, "{err}");
            assert_eq!(err["data"]["field"], "language", "{value:?} → {err}");
        }
        assert_eq!(item_count(&app, c).await, 0, "nothing was stored");

        // A change to a bad language leaves the item as it was.
        let id = add_text(&app, c, "Música", CANCION, json!({})).await;
        let before = get(&app, c, &format!("/api/v1/knowledge/{id}")).await;
        let resp = app
            .as_client(c, Method::PATCH, &format!("/api/v1/knowledge/{id}"))
            .json(&json!({"language": "spanish"}))
            .send()
            .await
            .unwrap();
        let err = crate::helpers::assert_error(resp, 422, "validation_error").await;
        assert_eq!(err["data"]["field"], "language");
        let after = get(&app, c, &format!("/api/v1/knowledge/{id}")).await;
        assert_eq!(after, before);
    });
}

async fn ask(app: &TestApp, c: &Creds, bot: &str, question: &str) -> Value {
    let sess = session(app, c, bot).await;
    let (status, reply) = app
        .call(
            c,
            Method::POST,
            "/api/v1/conversations/send-message",
            Some(json!({"session_id": sess, "message": question})),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    reply
}

#[test]
fn the_fallback_is_said_in_the_assistants_language() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        add_text(&app, c, "Refunds", REFUNDS, json!({})).await;
        // A threshold nothing reaches: every question falls back.
        let bot = assistant(
            &app,
            c,
            json!({"name": "Tienda", "language": "es-MX", "reply_mode": "extractive",
                   "retrieval": {"min_score": 0.99}}),
        )
        .await;
        let spanish = "Lo siento, no he encontrado una respuesta a eso en mi base de conocimiento.";
        let shown = get(&app, c, &format!("/api/v1/assistants/{bot}")).await;
        assert_eq!(shown["fallback_message"], spanish, "{shown}");
        let reply = ask(&app, c, &bot, "¿Cuánto tarda el envío?").await;
        assert_eq!(reply["message"]["content"], spanish, "{reply}");
        assert_eq!(reply["answered"], false);

        // The standard text follows the language; the assistant's own text overrides it, and
        // `null` brings the standard one back.
        let path = format!("/api/v1/assistants/{bot}");
        let patch = |body: Value| {
            let (app, c, path) = (&app, c, &path);
            async move {
                let (status, v) = app.call(c, Method::PATCH, path, Some(body)).await;
                assert_eq!(status, 200, "{v}");
                v
            }
        };
        let german = patch(json!({"language": "de"})).await;
        assert!(
            german["fallback_message"]
                .as_str()
                .unwrap()
                .starts_with("Entschuldigung"),
            "{german}"
        );
        patch(json!({"fallback_message": "No lo sé, pregunte en la tienda."})).await;
        let reply = ask(&app, c, &bot, "¿Cuánto tarda el envío?").await;
        assert_eq!(
            reply["message"]["content"],
            "No lo sé, pregunte en la tienda."
        );
        let back = patch(json!({"fallback_message": null, "language": "pt"})).await;
        assert!(
            back["fallback_message"]
                .as_str()
                .unwrap()
                .starts_with("Desculpe"),
            "{back}"
        );
        let reply = ask(&app, c, &bot, "Quanto tempo demora o envio?").await;
        assert_eq!(reply["message"]["content"], back["fallback_message"]);
    });
}

const SHIPPING: &str = "Shipping: orders leave our warehouse the next working day and arrive \
    within three to five business days anywhere in the country.";

/// The model of every chunk of `items`.
async fn chunk_models(app: &TestApp, c: &Creds, items: &[&str]) -> Vec<String> {
    let mut models = Vec::new();
    for id in items {
        let chunks = get(app, c, &format!("/api/v1/knowledge/{id}/chunks")).await;
        for chunk in chunks["items"].as_array().unwrap() {
            models.push(chunk["embedder"].as_str().unwrap().to_owned());
        }
    }
    models
}

#[test]
fn switching_to_the_multilingual_embedder_re_embeds_every_chunk() {
    crate::helpers::run(async {
        let mut english = crate::helpers::spawn_app_with(Backend::Sqlite, |s| {
            s.embedder.model = EmbedderModel::MiniLmL6V2;
        })
        .await;
        let org = english.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let refunds = add_text(&english, c, "Refunds", REFUNDS, json!({})).await;
        let shipping = add_text(&english, c, "Shipping", SHIPPING, json!({})).await;
        let lamp = add_text(&english, c, "Aurora lamp", LAMP, json!({})).await;
        let items = [refunds.as_str(), shipping.as_str(), lamp.as_str()];
        let before = chunk_models(&english, c, &items).await;
        assert!(!before.is_empty());
        assert!(before.iter().all(|m| m == "all-MiniLM-L6-v2"), "{before:?}");
        english.stop().await;

        // The same database served with the multilingual model: no chunk has its vector yet.
        let app = spawn_sibling_with(&english, |s| {
            s.embedder.model = EmbedderModel::MultilingualE5Small;
        })
        .await;
        // Search keeps working: the chunks are found by their words, with score 0 (their
        // vectors are MiniLM's, never compared with a query of the multilingual model).
        let hits = search_scores(&app, c, json!({"query": "refund"})).await;
        assert_eq!(hits.first().map(|h| &h.0), Some(&refunds), "{hits:?}");
        assert!(hits.iter().all(|h| h.1 == 0.0), "{hits:?}");
        // What the server warns of at start-up, counted.
        let db = app.db().await;
        let others = chunks_of_other_embedders(&db, "multilingual-e5-small")
            .await
            .unwrap();
        assert_eq!(
            others,
            [("all-MiniLM-L6-v2".to_owned(), before.len() as i64)]
        );

        let (status, job) = app
            .call(
                c,
                Method::POST,
                "/api/v1/knowledge/reindex",
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 202, "{job}");
        let done = wait_job(&app, c, job["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        // Re-chunked with E5's tokenizer, so the count may differ from before.
        let after = chunk_models(&app, c, &items).await;
        assert!(!after.is_empty());
        assert!(
            after.iter().all(|m| m == "multilingual-e5-small"),
            "{after:?}"
        );
        let others = chunks_of_other_embedders(&db, "multilingual-e5-small")
            .await
            .unwrap();
        assert!(others.is_empty(), "{others:?}");

        // Spanish questions find the English passages by meaning alone: no word is shared.
        let mut best = Vec::new();
        for (question, expected) in [
            ("¿Me devuelven el dinero si no me gusta?", &refunds),
            ("¿Cuántos días tarda en llegar mi pedido?", &shipping),
        ] {
            let hits = search_scores(&app, c, json!({"query": question})).await;
            assert_eq!(
                hits.first().map(|h| &h.0),
                Some(expected),
                "{question}: {hits:?}"
            );
            best.push(hits[0].1);
        }
        // Scores are read on the scale the thresholds were set on (E5's raw cosines sit near
        // 0.75 even for unrelated text): both answers count for a reply
        // (`conversations.min_relevance`, 0.3), and a question about none of it reads lower
        // than either (at 0.30 it is not below the threshold: E5 separates the two less
        // sharply than MiniLM does in English; docs/benchmarks.md).
        assert!(best.iter().all(|s| *s >= 0.3), "{best:?}");
        let unrelated = search_scores(
            &app,
            c,
            json!({"query": "¿Qué tiempo hará mañana en Tokio?"}),
        )
        .await;
        let lowest_answer = best.iter().copied().fold(f64::MAX, f64::min);
        assert!(
            unrelated.iter().all(|h| h.1 < lowest_answer),
            "{unrelated:?} against {best:?}"
        );
        let found = search(&app, c, json!({"query": "refund"})).await;
        assert_eq!(found.first(), Some(&refunds), "{found:?}");
    });
}

#[test]
fn with_e5_a_spanish_visitor_is_answered_from_english_knowledge() {
    crate::helpers::run(async {
        let app = crate::helpers::spawn_app_with(Backend::Sqlite, |s| {
            s.embedder.model = EmbedderModel::MultilingualE5Small;
        })
        .await;
        let org = app.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let refunds = add_text(&app, c, "Refunds", REFUNDS, json!({})).await;
        add_text(&app, c, "Shipping", SHIPPING, json!({})).await;
        let answer = "Orders arrive within three to five business days.";
        let (status, item) = app
            .call(
                c,
                Method::POST,
                "/api/v1/knowledge/",
                Some(
                    json!({"type": "qa", "question": "How long does shipping take?",
                            "answer": answer}),
                ),
            )
            .await;
        assert_eq!(status, 202, "{item}");
        let qa = item["id"].as_str().unwrap().to_owned();
        assert_eq!(wait_done(&app, c, &qa).await["status"], "ready");
        let bot = assistant(
            &app,
            c,
            json!({"name": "Tienda", "language": "es", "reply_mode": "extractive"}),
        )
        .await;

        // The curated question, asked in Spanish: its answer, verbatim, with that Q&A alone as
        // the source (E5's cosines across languages are read on their own line).
        let reply = ask(&app, c, &bot, "¿Cuánto tarda el envío?").await;
        assert_eq!(reply["answered"], true, "{reply}");
        assert_eq!(reply["message"]["content"], answer, "{reply}");
        assert_eq!(reply["sources"][0]["knowledge_id"], qa.as_str(), "{reply}");

        // A question no curated one matches: answered from the English passage that holds it.
        let reply = ask(&app, c, &bot, "¿Me devuelven el dinero si no me gusta?").await;
        assert_eq!(reply["answered"], true, "{reply}");
        assert_eq!(
            reply["sources"][0]["knowledge_id"],
            refunds.as_str(),
            "{reply}"
        );
    });
}
