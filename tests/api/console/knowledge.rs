//! The console's knowledge in Chromium: files uploaded (two at once through the picker, one
//! dropped) each with its progress until the items are ready, filters kept in the address, a
//! Q&A added and found first in the search playground (as the API ranks it), an item's chunks,
//! the Q&A edited, an item deleted; each step read back through the API. A file name with
//! markup is shown as written.

use reqwest::Method;
use serde_json::{Value, json};

use super::{accessible, invitation, screenshot, signed_in, until};
use crate::browser::js;
use crate::helpers::{Backend, Creds, TestApp, spawn_app};
use crate::search::POLLING_LIMIT;

const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund. The money goes back to the original payment method within five business days.";
const HOURS: &str = "Opening hours: the support desk answers calls Monday to Friday from nine \
    to five, and the chat is staffed on Saturdays.";
const MARKUP_NAME: &str = "<img src=x onerror=window.pwned=1>.md";
const QUESTION: &str = "Do you ship to Canada?";

async fn items(app: &TestApp, creds: &Creds, query: &str) -> Value {
    let (status, body) = app
        .call(
            creds,
            Method::GET,
            &format!("/api/v1/knowledge/?{query}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The table's rows, as a script expression: `[title, status]` each.
const ROWS: &str = "[...document.querySelectorAll('tbody tr[data-item]')].map(r => \
    [r.querySelector('a').textContent, r.querySelector('.status .badge').textContent])";

#[test]
fn the_console_uploads_filters_searches_and_edits_knowledge_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Shop", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        let link = invitation(&app, &org, "ana@shop.example", "editor").await;
        let console = signed_in(&app, &link, "ana@shop.example").await;
        let client = &console.client;

        client.goto(&app.url("/dashboard/knowledge")).await.unwrap();
        until(
            client,
            "the upload form",
            "return document.getElementById('upload-files');",
        )
        .await;

        // Two files at once through the picker, one of them named with markup.
        let dir = tempfile::tempdir().unwrap();
        let refunds = dir.path().join("refunds.txt");
        std::fs::write(&refunds, REFUNDS).unwrap();
        let marked = dir.path().join(MARKUP_NAME);
        std::fs::write(&marked, format!("# Hours\n\n{HOURS}")).unwrap();
        let picker = client
            .find(fantoccini::Locator::Id("upload-files"))
            .await
            .unwrap();
        picker
            .send_keys(&format!("{}\n{}", refunds.display(), marked.display()))
            .await
            .unwrap();
        // One dropped, as a person drags a file from their desktop.
        js(
            client,
            "const dt = new DataTransfer();
             dt.items.add(new File(['Shipping: orders leave our warehouse in two days.'], 'shipping.txt', { type: 'text/plain' }));
             document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));",
        )
        .await;
        let uploads = until(
            client,
            "three uploads",
            "const rows = [...document.querySelectorAll('#uploads li')]; \
             return rows.length === 3 && rows.every(r => r.querySelector('.notice')) && \
               rows.map(r => [r.querySelector('.name').textContent, r.querySelector('progress').value]);",
        )
        .await;
        let mut names: Vec<&str> = uploads
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                assert_eq!(u[1], 1.0, "{u}");
                u[0].as_str().unwrap()
            })
            .collect();
        names.sort_unstable();
        assert_eq!(names, [MARKUP_NAME, "refunds.txt", "shipping.txt"]);

        // The table follows each item to ready on its own.
        let rows = until(
            client,
            "three ready items",
            &format!(
                "const r = {ROWS}; return r.length === 3 && r.every(x => x[1] === 'Ready') && r;"
            ),
        )
        .await;
        assert!(
            rows.as_array().unwrap().iter().any(|r| r[0] == MARKUP_NAME),
            "{rows}"
        );
        assert_eq!(
            js(
                client,
                "return window.pwned === undefined && document.querySelector('tbody img') === null;"
            )
            .await,
            true,
            "a file name is text"
        );
        let stored = items(&app, &c, "type=file").await;
        assert_eq!(stored["total"], 3);
        assert!(
            stored["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["status"] == "ready")
        );
        screenshot(client, "knowledge").await;
        accessible(client, "knowledge").await;

        // A Q&A, added with its form.
        js(
            client,
            "document.querySelector('#add-qa').closest('details').open = true;",
        )
        .await;
        for (id, value) in [
            ("qa-question", QUESTION),
            (
                "qa-answer",
                "Yes: parcels to Canada arrive within ten days.",
            ),
            ("qa-alternates", "Can I order from Canada?"),
            ("qa-tags", "shipping, international"),
        ] {
            js(
                client,
                &format!("document.getElementById('{id}').value = {};", json!(value)),
            )
            .await;
        }
        js(client, "document.getElementById('add-qa').requestSubmit();").await;
        until(
            client,
            "the ready Q&A",
            &format!(
                "const r = {ROWS}; return r.some(x => x[0] === {} && x[1] === 'Ready');",
                json!(QUESTION)
            ),
        )
        .await;
        let qa = items(&app, &c, "type=qa").await;
        assert_eq!(qa["total"], 1);
        let qa = qa["items"][0].clone();
        assert_eq!(
            qa["alternate_questions"],
            json!(["Can I order from Canada?"])
        );
        assert_eq!(qa["tags"], json!(["shipping", "international"]));
        let qa_id = qa["id"].as_str().unwrap().to_owned();

        // Filters, kept in the address across a reload.
        js(
            client,
            "const s = document.getElementById('type'); s.value = 'qa'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
        until(
            client,
            "the Q&A alone",
            "return document.querySelectorAll('tbody tr[data-item]').length === 1;",
        )
        .await;
        assert_eq!(js(client, "return location.search;").await, "?type=qa");
        client.refresh().await.unwrap();
        until(
            client,
            "the Q&A alone again",
            "return document.getElementById('type') && document.getElementById('type').value === 'qa' && document.querySelectorAll('tbody tr[data-item]').length === 1;",
        )
        .await;

        // The search playground finds the Q&A first, as the API ranks it.
        let asked = "Can you send my parcel to Canada?";
        js(
            client,
            &format!(
                "document.getElementById('search-query').value = {};
                 document.getElementById('search-query').form.requestSubmit();",
                json!(asked)
            ),
        )
        .await;
        let shown = until(
            client,
            "the search results",
            "const hits = [...document.querySelectorAll('#search-results li')]; return hits.length && hits.map(h => h.dataset.knowledge);",
        )
        .await;
        let (status, api) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/knowledge/search",
                Some(json!({ "query": asked })),
            )
            .await;
        assert_eq!(status, 200, "{api}");
        let ranked: Vec<Value> = api["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["knowledge_id"].clone())
            .collect();
        assert_eq!(shown, json!(ranked));
        assert_eq!(shown[0], qa_id);
        screenshot(client, "knowledge-search").await;

        // The item's page: its facts and chunks; the Q&A's answer edited there.
        client
            .goto(&app.url(&format!("/dashboard/knowledge/{qa_id}")))
            .await
            .unwrap();
        until(
            client,
            "the item's chunks",
            "return document.querySelectorAll('#item-chunks li').length > 0 && document.getElementById('edit-qa');",
        )
        .await;
        let chunk = js(
            client,
            "return document.querySelector('#item-chunks li .snippet').textContent;",
        )
        .await;
        assert!(chunk.as_str().unwrap().contains("ten days"), "{chunk}");
        accessible(client, "knowledge item").await;
        screenshot(client, "knowledge-item").await;
        js(
            client,
            "document.getElementById('qa-answer').value = 'Yes: parcels to Canada arrive within a week.';
             document.getElementById('edit-qa').requestSubmit();",
        )
        .await;
        until(
            client,
            "the new answer's chunk",
            "const c = document.querySelector('#item-chunks li .snippet'); return c && c.textContent.includes('within a week');",
        )
        .await;
        let (_, edited) = app
            .call(&c, Method::GET, &format!("/api/v1/knowledge/{qa_id}"), None)
            .await;
        assert_eq!(
            edited["answer"],
            "Yes: parcels to Canada arrive within a week."
        );

        // Deleting, confirmed, removes the item.
        client
            .goto(&app.url("/dashboard/knowledge?type=qa"))
            .await
            .unwrap();
        until(
            client,
            "the Q&A row",
            "return document.querySelector('tbody tr[data-item] td.actions button');",
        )
        .await;
        js(
            client,
            "window.confirm = () => true; [...document.querySelectorAll('tbody tr[data-item] td.actions button')].find(b => b.textContent === 'Delete').click();",
        )
        .await;
        until(
            client,
            "the deletion",
            "return document.querySelectorAll('tbody tr[data-item]').length === 0;",
        )
        .await;
        let (status, _) = app
            .call(&c, Method::GET, &format!("/api/v1/knowledge/{qa_id}"), None)
            .await;
        assert_eq!(status, 404);
    });
}

/// A crawled site whose page titles are markup: the item's page shows them as written, and
/// nothing they name runs.
#[test]
fn crawled_page_titles_with_markup_are_shown_as_text() {
    crate::helpers::run(async {
        use crate::crawl::{Site, html};

        const TITLE: &str = "<img src=x onerror=\"window.pwned = 1\"> Guide";
        let site = Site::start().await;
        site.set(
            "/",
            html(
                TITLE,
                r#"<p>The guide's first page.</p><a href="/more">more</a>"#,
            ),
        );
        site.set(
            "/more",
            html("<b>More</b>", "<p>The guide's second page.</p>"),
        );
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Guides", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        let (status, item) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/knowledge/urls/",
                Some(json!({ "url": site.url("/"), "crawl": { "max_depth": 1, "max_pages": 5 } })),
            )
            .await;
        assert_eq!(status, 202, "{item}");
        let id = item["id"].as_str().unwrap().to_owned();
        let done = crate::knowledge::wait_done(&app, &c, &id).await;
        assert_eq!(done["status"], "ready", "{done}");

        let link = invitation(&app, &org, "vic@guides.example", "viewer").await;
        let console = signed_in(&app, &link, "vic@guides.example").await;
        let client = &console.client;
        client
            .goto(&app.url(&format!("/dashboard/knowledge/{id}")))
            .await
            .unwrap();
        let titles = until(
            client,
            "the crawled pages",
            "const rows = [...document.querySelectorAll('#item-pages tbody tr')];
             return rows.length === 2 && rows.map(r => r.querySelector('td').firstChild.textContent).sort();",
        )
        .await;
        assert_eq!(titles, json!(["<b>More</b>", TITLE]));
        let ran = js(
            client,
            "return window.pwned !== undefined || !!document.querySelector('main img, main b');",
        )
        .await;
        assert_eq!(ran, false, "markup stays text");
        accessible(client, "crawled item").await;
        console.client.close().await.unwrap();
    });
}
