//! The console at 375 px wide with the system's dark scheme: every view fits the width (only
//! tables scroll, inside their own frame), the dark palette is the one in use, and axe-core
//! finds no serious violation (contrast included) in it.

use std::time::Duration;

use serde_json::json;

use super::conversations::{post, rated};
use super::{accessible, invitation, screenshot, signed_in_with, until};
use crate::browser::js;
use crate::helpers::{Backend, spawn_app};

#[test]
fn every_view_fits_375_px_in_the_dark_scheme() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app
            .create_org("A company with a rather long name", Some(1000))
            .await;
        let c = org.production.clone();
        let bot = post(
            &app,
            &c,
            "/assistants/",
            json!({ "name": "Help desk assistant", "reply_mode": "extractive" }),
        )
        .await;
        let bot = bot["id"].as_str().unwrap().to_owned();
        let conversation = rated(&app, &c, &bot, "visitor-with-a-long-identifier", 4, "Fine").await;
        let item =
            crate::search::add_text(&app, &c, "Opening hours", "We open at nine.", json!({})).await;

        let link = invitation(&app, &org, "owner@example.com", "owner").await;
        let console =
            signed_in_with(&app, &link, "owner@example.com", &["--force-dark-mode"]).await;
        let client = &console.client;
        client.set_window_size(375, 812).await.unwrap();
        let width = js(client, "return window.innerWidth;").await;
        assert!(width.as_u64().unwrap() <= 375, "{width}");
        assert_eq!(
            js(
                client,
                "return matchMedia('(prefers-color-scheme: dark)').matches;"
            )
            .await,
            true
        );

        for (path, name) in [
            (String::new(), "home"),
            ("assistants".into(), "assistants"),
            (format!("assistants/{bot}"), "assistant"),
            ("knowledge".into(), "knowledge"),
            (format!("knowledge/{item}"), "knowledge item"),
            ("conversations".into(), "conversations"),
            (format!("conversations/{conversation}"), "conversation"),
            ("analytics".into(), "analytics"),
            ("developers".into(), "developers"),
            ("audit".into(), "audit"),
            ("sandbox".into(), "sandbox"),
            ("members".into(), "members"),
            ("account".into(), "account"),
        ] {
            client
                .goto(&app.url(&format!("/dashboard/{path}")))
                .await
                .unwrap();
            until(client, name, "return document.querySelector('main h1');").await;
            // The view's data arrives just after its heading.
            tokio::time::sleep(Duration::from_millis(800)).await;
            let overflow = js(
                client,
                "const wide = [...document.querySelectorAll('main *')].filter(e => {
                   const r = e.getBoundingClientRect();
                   return r.right > window.innerWidth + 1 && !e.closest('.table-wrap');
                 }).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
                 return { page: document.documentElement.scrollWidth, view: window.innerWidth, wide: wide.slice(0, 5) };",
            )
            .await;
            assert!(
                overflow["page"].as_u64() <= overflow["view"].as_u64()
                    && overflow["wide"] == json!([]),
                "{name} is wider than the window: {overflow}"
            );
            let background = js(
                client,
                "return getComputedStyle(document.documentElement).backgroundColor;",
            )
            .await;
            assert_eq!(background, "rgb(13, 17, 23)", "{name} in the dark palette");
            accessible(client, name).await;
            if matches!(name, "home" | "analytics") {
                screenshot(client, &format!("{}-375-dark", name.replace(' ', "-"))).await;
            }
        }
        console.client.close().await.unwrap();
    });
}
