//! The operator console in a real browser (headless Chromium through WebDriver), one module
//! per area; the helpers every area's test uses are here.

use std::time::{Duration, Instant};

use fantoccini::Client;
use reqwest::Method;
use serde_json::{Value, json};

use crate::browser::{Driver, browser_with, js, start_driver};
use crate::helpers::{TestApp, TestOrg};

mod analytics;
mod assistants;
mod audit;
mod conversations;
mod developers;
mod knowledge;
mod layout;
mod members;
mod operator;

pub(super) const PASSWORD: &str = "correct horse battery";

/// Polls `condition` (a script returning a value) until it is truthy; answers that value.
pub(super) async fn until(client: &Client, what: &str, condition: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = js(client, condition).await;
        if !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0) {
            return v;
        }
        if Instant::now() > deadline {
            let page = js(client, "return document.body.innerText;").await;
            panic!("timed out waiting for {what}; the page shows: {page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// axe-core, run in the page: the WCAG rules a machine can check.
const AXE: &str = include_str!("../../vendor/axe-core-4.11.0/axe.min.js");

/// Runs axe-core on the page as it is and fails on any serious or critical violation.
pub(super) async fn accessible(client: &Client, view: &str) {
    let script = format!(
        "{AXE}
         const result = await axe.run(document, {{ resultTypes: ['violations'] }});
         return result.violations
           .filter(v => v.impact === 'serious' || v.impact === 'critical')
           .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')');"
    );
    let found = js(client, &script).await;
    assert_eq!(found, json!([]), "accessibility of the {view} view");
}

/// Saves what the browser shows as `target/screenshots/console-<name>.png` (for
/// docs/console.md and for a person reviewing a run).
pub(super) async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    std::fs::write(dir.join(format!("console-{name}.png")), png).expect("write the screenshot");
}

/// Fills the fields (`id`, value) and submits their form, as a person would.
pub(super) async fn submit(client: &Client, fields: &[(&str, &str)]) {
    let values = serde_json::to_string(&fields).unwrap();
    js(
        client,
        &format!(
            "const fields = {values};
             let form;
             for (const [id, value] of fields) {{
               const input = document.getElementById(id);
               input.value = value;
               input.dispatchEvent(new Event('input', {{ bubbles: true }}));
               form = input.form;
             }}
             form.requestSubmit();"
        ),
    )
    .await;
}

pub(super) async fn invitation(app: &TestApp, org: &TestOrg, email: &str, role: &str) -> String {
    let (status, body) = app
        .call(
            &org.production,
            Method::POST,
            "/api/v1/members/",
            Some(json!({ "email": email, "role": role })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["invitation_path"].as_str().unwrap().to_owned()
}

/// A browser of its own, signed in to the console by accepting the invitation at `link`.
pub(super) struct Console {
    pub client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// Opens `link` (an invitation path) in a new browser, sets the password and waits for the
/// shell to show `email`.
pub(super) async fn signed_in(app: &TestApp, link: &str, email: &str) -> Console {
    signed_in_with(app, link, email, &[]).await
}

/// [`signed_in`], in a browser started with `switches`.
pub(super) async fn signed_in_with(
    app: &TestApp,
    link: &str,
    email: &str,
    switches: &[&str],
) -> Console {
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser_with(&driver, profile.path(), switches).await;
    client.goto(&app.url(link)).await.unwrap();
    until(
        &client,
        "the password form",
        "return document.getElementById('new-password');",
    )
    .await;
    submit(&client, &[("new-password", PASSWORD)]).await;
    let shown = until(
        &client,
        "the shell",
        "const w = document.getElementById('who'); return w && w.textContent;",
    )
    .await;
    assert_eq!(shown, email);
    Console {
        client,
        _driver: driver,
        _profile: profile,
    }
}
