//! The chat widget in a real browser: headless Chromium, driven through chromedriver
//! (WebDriver), loads a shop page served on another origin, opens the widget, asks about the
//! knowledge, sees the streamed answer and its source, reloads and finds the conversation
//! kept, and rates it; the feedback is then read back through the API. A Spanish assistant's
//! widget speaks Spanish through a whole question, its sources and the rating.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/test` installs them).

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use companin_service::auth::credentials::hmac_hex;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, spawn_app, spawn_app_with};
use crate::search::{POLLING_LIMIT, add_text};

const REFUNDS: &str = "Refunds: you can return any product within 30 days of delivery for a \
    full refund. The money goes back to the original payment method within five business days.";
const SHIPPING: &str = "Shipping: orders leave our warehouse in two days. Express delivery \
    reaches most addresses overnight; international parcels take one to two weeks.";
const GREETING: &str = "Hello! Ask me about refunds or shipping.";
/// The W3C WebDriver key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const QUESTION: &str = "How many days do I have to return a product for a refund?";

fn executable(env: &str, candidates: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "the browser test needs {} (Debian packages chromium and chromium-driver: \
                 `scripts/test` installs them), or {env} pointing at it",
                candidates[0]
            )
        })
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver on a free port, stopped when dropped.
pub(crate) struct Driver {
    _process: tokio::process::Child,
    url: String,
}

pub(crate) async fn start_driver() -> Driver {
    let port = free_port();
    let process = tokio::process::Command::new(executable(
        "COMPANIN_TEST_CHROMEDRIVER",
        &["/usr/bin/chromedriver"],
    ))
    .arg(format!("--port={port}"))
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .kill_on_drop(true)
    .spawn()
    .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Driver {
        _process: process,
        url: format!("http://127.0.0.1:{port}"),
    }
}

pub(crate) async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    browser_with(driver, profile, &[]).await
}

/// A Chromium session with `extra` command-line switches (e.g. `--force-dark-mode`).
pub(crate) async fn browser_with(
    driver: &Driver,
    profile: &std::path::Path,
    extra: &[&str],
) -> Client {
    let chromium = executable("COMPANIN_TEST_CHROMIUM", &["/usr/bin/chromium"]);
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--window-size=1200,900".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium, "args": args }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// A shop page on its own origin, embedding the widget from the API's origin. Its CSS is
/// hostile on purpose: the widget must not take it.
async fn serve_page(api: &str, client_id: &str, assistant_id: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<style>button {{ background: rgb(255, 0, 0) !important; }} div {{ font-size: 40px; }}</style>
</head><body><h1>The shop</h1>
<script src="{api}/widget.js" data-client-id="{client_id}" data-assistant-id="{assistant_id}"></script>
</body></html>"#
    );
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    let app = poem::Route::new().at(
        "/",
        poem::get(poem::endpoint::make_sync(move |_| {
            poem::web::Html(html.clone())
        })),
    );
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    origin
}

pub(crate) async fn js(client: &Client, script: &str) -> Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Polls `condition` (a script returning a value) until it is truthy; answers that value.
async fn wait_for(client: &Client, what: &str, condition: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = js(client, condition).await;
        let truthy =
            !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            let log = js(
                client,
                &format!(
                    "{ROOT} return root ? root.querySelector('.log').innerText : 'no widget';"
                ),
            )
            .await;
            panic!("timed out waiting for {what}; the widget shows: {log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every script starts by finding the widget's shadow root.
const ROOT: &str = "const host = document.querySelector('companin-widget'); \
                    const root = host && host.shadowRoot;";

fn script(body: &str) -> String {
    format!("{ROOT} {body}")
}

async fn open_widget(client: &Client) {
    wait_for(
        client,
        "the widget",
        &script("return !!(root && window.Companin && window.Companin.version);"),
    )
    .await;
    js(client, &script("root.querySelector('.bubble').click();")).await;
    wait_for(
        client,
        "the panel",
        &script("return !root.querySelector('.panel').hidden;"),
    )
    .await;
}

/// Waits until the assistant's replies `r` (a JS array of their texts) satisfy `test`, a JS
/// expression on `r`; answers them.
async fn wait_for_replies(client: &Client, what: &str, test: &str) -> Value {
    wait_for(
        client,
        what,
        &script(&format!(
            "const r = (() => {{ {REPLIES} }})(); return ({test}) ? r : null;"
        )),
    )
    .await
}

/// The text of the assistant's replies (without their source lists), in order.
const REPLIES: &str = "return Array.from(root.querySelectorAll('.msg.assistant'))
    .filter(m => !m.hasAttribute('aria-busy'))
    .map(m => Array.from(m.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join(''));";

async fn shop(app: &TestApp) -> (Creds, String) {
    let org = app.create_org("Shop", Some(POLLING_LIMIT)).await;
    let c = org.production;
    add_text(app, &c, "Refund policy", REFUNDS, json!({})).await;
    add_text(app, &c, "Shipping", SHIPPING, json!({})).await;
    let (status, bot) = app
        .call(
            &c,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Shop help", "reply_mode": "extractive", "greeting": GREETING})),
        )
        .await;
    assert_eq!(status, 201, "{bot}");
    (c, bot["id"].as_str().unwrap().to_owned())
}

/// A shop with its page allowed, and Chromium showing the page with the widget open and
/// greeted.
struct Scene {
    app: TestApp,
    c: Creds,
    bot: String,
    client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// A page embedding the widget for `bot`, its origin allowed for the client.
async fn allowed_page(app: &TestApp, c: &Creds, bot: &str) -> String {
    let page = serve_page(&app.base, &c.client_id, bot).await;
    let (status, v) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/clients/{}", c.client_id),
            Some(json!({ "allowed_origins": [page] })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    page
}

async fn scene(app: TestApp) -> Scene {
    let (c, bot) = shop(&app).await;
    let page = allowed_page(&app, &c, &bot).await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, profile.path()).await;
    client.goto(&page).await.unwrap();
    open_widget(&client).await;
    let greeted = wait_for_replies(&client, "the greeting", "r.length").await;
    assert_eq!(greeted, json!([GREETING]));
    Scene {
        app,
        c,
        bot,
        client,
        _driver: driver,
        _profile: profile,
    }
}

/// The widget's message box, as a WebDriver element (typed into with real key events).
async fn message_box(client: &Client) -> Element {
    let found = js(client, &script("return root.querySelector('textarea');")).await;
    // A returned DOM element arrives as a WebDriver element reference.
    let id = found[ELEMENT_KEY]
        .as_str()
        .expect("the textarea as a WebDriver element")
        .to_owned();
    Element::from_element_id(client.clone(), id.into())
}

/// Types `question` and Enter, then waits until `replies` replies are shown; answers them.
async fn ask(client: &Client, question: &str, replies: usize) -> Value {
    message_box(client)
        .await
        .send_keys(&format!("{question}{}", char::from(Key::Enter)))
        .await
        .unwrap();
    let test = format!("r.length === {replies} && r[{}]", replies - 1);
    wait_for_replies(client, "the streamed reply", &test).await
}

/// The notices the widget shows (errors and explanations), in order.
async fn notices(client: &Client) -> Value {
    js(
        client,
        &script("return Array.from(root.querySelectorAll('.notice')).map(n => n.textContent);"),
    )
    .await
}

#[test]
fn the_widget_chats_streams_resumes_and_rates_in_chromium() {
    crate::helpers::run(async {
        let Scene {
            app,
            c,
            bot,
            client,
            // Bound, so that chromedriver and the profile live to the end of the test.
            _driver,
            _profile,
        } = scene(spawn_app(Backend::Sqlite).await).await;

        // Titled from the public config, isolated from the page's CSS, and the message box has
        // the focus.
        let look = js(
            &client,
            &script(
                "return { bubble: getComputedStyle(root.querySelector('.bubble')).backgroundColor,
                          title: root.querySelector('header span').textContent,
                          focused: root.activeElement === root.querySelector('textarea'),
                          dialog: root.querySelector('.panel').getAttribute('role'),
                          expanded: root.querySelector('.bubble').getAttribute('aria-expanded') };",
            ),
        )
        .await;
        assert_eq!(
            look,
            json!({"bubble": "rgb(47, 91, 234)", "title": "Shop help", "focused": true,
                   "dialog": "dialog", "expanded": "true"})
        );

        // Typed with the keyboard: Enter sends.
        let replies = ask(&client, QUESTION, 2).await;
        let shown = replies[1].as_str().unwrap().to_owned();
        assert!(shown.contains("30 days"), "{shown}");
        let sources = wait_for(
            &client,
            "the sources",
            &script(
                "const s = root.querySelectorAll('.msg.assistant')[1].querySelector('.sources');
                 return s && s.textContent;",
            ),
        )
        .await;
        assert!(
            sources.as_str().unwrap().contains("Refund policy"),
            "{sources}"
        );

        // What the browser showed is what the API stored, in this visitor's one session.
        let kept = js(
            &client,
            &format!(
                "return JSON.parse(localStorage.getItem('companin:{}:{bot}'));",
                c.client_id
            ),
        )
        .await;
        let conversation = kept["conversation_id"].as_str().unwrap().to_owned();
        let (status, messages) = app
            .call(
                &c,
                Method::GET,
                &format!("/api/v1/conversations/{conversation}/messages"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{messages}");
        assert_eq!(messages["total"], 2);
        assert_eq!(messages["items"][0]["content"], QUESTION);
        assert_eq!(messages["items"][1]["content"], shown.as_str());
        let (_, sessions) = app.call(&c, Method::GET, "/api/v1/sessions/", None).await;
        assert_eq!(sessions["total"], 1);
        assert_eq!(sessions["items"][0]["id"], kept["session_id"]);
        assert!(
            sessions["items"][0]["visitor_id"]
                .as_str()
                .unwrap()
                .starts_with("vis_")
        );

        // A reload keeps the conversation.
        client.refresh().await.unwrap();
        open_widget(&client).await;
        let restored = wait_for_replies(&client, "the kept conversation", "r.length === 2").await;
        assert_eq!(restored, json!([GREETING, shown]));
        let asked = js(
            &client,
            &script(
                "return Array.from(root.querySelectorAll('.msg.user')).map(m => m.textContent);",
            ),
        )
        .await;
        assert_eq!(asked, json!([QUESTION]));

        // Rating 4 with a comment.
        js(
            &client,
            &script(
                "root.querySelector('.rate button[data-rating=\"4\"]').click();
                 const comment = root.querySelector('.rate input');
                 comment.value = 'Clear answer';
                 root.querySelector('.rate .submit').click();",
            ),
        )
        .await;
        wait_for(
            &client,
            "the thanks",
            &script("return root.querySelector('.rate').textContent.includes('Thank you');"),
        )
        .await;

        // A visitor the shop's server vouches for: identify() starts their own session.
        let hash = hmac_hex(c.client_secret.as_bytes(), b"user-42");
        js(
            &client,
            &format!("window.Companin.identify({{userId: 'user-42', userHash: '{hash}'}});"),
        )
        .await;
        let fresh = format!("r.length === 1 && r[0] === '{GREETING}'");
        wait_for_replies(&client, "the verified visitor's fresh panel", &fresh).await;
        ask(&client, "How long does shipping take?", 2).await;
        client.close().await.unwrap();
        let (_, sessions) = app
            .call(&c, Method::GET, "/api/v1/sessions/?user_id=user-42", None)
            .await;
        assert_eq!(sessions["total"], 1, "{sessions}");
        assert_eq!(sessions["items"][0]["is_anonymous"], false);
        let verified = sessions["items"][0]["id"].as_str().unwrap();
        let (_, conversations) = app
            .call(
                &c,
                Method::GET,
                &format!("/api/v1/conversations/?session_id={verified}"),
                None,
            )
            .await;
        assert_eq!(conversations["total"], 1, "{conversations}");
        assert_eq!(conversations["items"][0]["user_id"], "user-42");

        let (status, report) = app
            .call(&c, Method::GET, "/api/v1/analytics/conversations/", None)
            .await;
        assert_eq!(status, 200, "{report}");
        let satisfaction = &report["totals"]["satisfaction"];
        assert_eq!(satisfaction["count"], 1, "{report}");
        assert_eq!(satisfaction["average"], 4.0);
        use sea_orm::EntityTrait;
        let stored = companin_entity::feedback::Entity::find()
            .all(&app.db().await)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].conversation_id, conversation);
        assert_eq!(stored[0].comment.as_deref(), Some("Clear answer"));
    })
}

#[test]
fn the_widget_replaces_ended_sessions_and_explains_limits_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| s.widget.messages_per_minute = 3).await;
        // The visitor cap counts in minute windows: start early in one.
        let second = chrono::Utc::now().timestamp() % 60;
        if second > 40 {
            tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
        }
        let Scene {
            app,
            c,
            bot,
            client,
            // Bound, so that chromedriver and the profile live to the end of the test.
            _driver,
            _profile,
        } = scene(app).await;
        ask(&client, QUESTION, 2).await;
        let storage = format!(
            "return JSON.parse(localStorage.getItem('companin:{}:{bot}'));",
            c.client_id
        );
        let first = js(&client, &storage).await["session_id"]
            .as_str()
            .unwrap()
            .to_owned();

        // The session ends behind the widget's back: the next question starts a new one, says
        // so, and is answered there.
        let (status, v) = app
            .call(
                &c,
                Method::POST,
                &format!("/api/v1/sessions/{first}/end"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let replies = ask(&client, "How long does shipping take?", 3).await;
        assert!(
            replies[2].as_str().unwrap().contains("two days"),
            "{replies}"
        );
        assert_eq!(
            notices(&client).await,
            json!(["Your session expired; a new one was started."])
        );
        let second = js(&client, &storage).await["session_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(second, first);
        let (_, conversations) = app
            .call(
                &c,
                Method::GET,
                &format!("/api/v1/conversations/?session_id={second}"),
                None,
            )
            .await;
        assert_eq!(
            conversations["items"][0]["message_count"], 2,
            "{conversations}"
        );

        // The fourth message of the minute (the refused attempt on the ended session counted)
        // is over the visitor cap: the widget says to wait, and nothing is answered.
        message_box(&client)
            .await
            .send_keys(&format!("Do you ship abroad?{}", char::from(Key::Enter)))
            .await
            .unwrap();
        let said = wait_for(
            &client,
            "the rate-limit notice",
            &script(
                "const n = Array.from(root.querySelectorAll('.notice')).map(n => n.textContent);
                 return n.length === 2 ? n[1] : null;",
            ),
        )
        .await;
        let said = said.as_str().unwrap();
        assert!(
            said.starts_with("You're sending messages too quickly. Please wait"),
            "{said}"
        );
        assert_eq!(
            js(&client, &script(REPLIES))
                .await
                .as_array()
                .unwrap()
                .len(),
            3
        );
        client.close().await.unwrap();
    })
}

#[test]
fn the_widget_speaks_the_assistants_language_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Tienda", Some(POLLING_LIMIT)).await;
        let c = org.production;
        let (status, qa) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/knowledge/qas/",
                Some(json!({"question": "¿Cuánto tarda el envío?",
                            "answer": "El envío tarda de tres a cinco días hábiles.",
                            "title": "Envíos"})),
            )
            .await;
        assert_eq!(status, 202, "{qa}");
        let done = crate::knowledge::wait_done(&app, &c, qa["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "ready", "{done}");
        let (status, bot) = app
            .call(
                &c,
                Method::POST,
                "/api/v1/assistants/",
                Some(json!({"name": "Tienda", "language": "es-ES", "reply_mode": "extractive"})),
            )
            .await;
        assert_eq!(status, 201, "{bot}");
        let page = allowed_page(&app, &c, bot["id"].as_str().unwrap()).await;
        let driver = start_driver().await;
        let profile = tempfile::tempdir().unwrap();
        // The browser says English: the assistant's language wins once its config is read.
        let client = browser_with(&driver, profile.path(), &["--lang=en-US"]).await;
        client.goto(&page).await.unwrap();
        open_widget(&client).await;
        let labels = wait_for(
            &client,
            "the Spanish interface",
            &script(
                "const t = root.querySelector('textarea');
                 return t.placeholder === 'Haz una pregunta…'
                   ? { send: root.querySelector('.send').textContent,
                       message: t.getAttribute('aria-label'),
                       close: root.querySelector('.close').getAttribute('aria-label'),
                       lang: root.querySelector('.panel').getAttribute('lang') }
                   : null;",
            ),
        )
        .await;
        assert_eq!(
            labels,
            json!({"send": "Enviar", "message": "Tu mensaje", "close": "Cerrar el chat",
                   "lang": "es"})
        );

        let replies = ask(&client, "¿Cuánto tarda el envío?", 1).await;
        assert_eq!(
            replies,
            json!(["El envío tarda de tres a cinco días hábiles."])
        );
        let shown = wait_for(
            &client,
            "the sources and the rating",
            &script(
                "const s = root.querySelector('.msg.assistant .sources');
                 const r = root.querySelector('#companin-rate-label');
                 return s && r ? { sources: s.firstChild.data, rate: r.textContent,
                                   star: root.querySelector('.stars button')
                                       .getAttribute('aria-label') } : null;",
            ),
        )
        .await;
        assert_eq!(
            shown,
            json!({"sources": "Fuentes:", "rate": "Valora esta conversación",
                   "star": "1 de 5"})
        );
        client.close().await.unwrap();
    });
}

/// The customer's shop on its own origin, whose server mints widget tokens with its key pair:
/// the page embeds the widget for assistant `bot` with a token (`data-token`) and names the
/// function that fetches the next one from the shop's `/token?user=…`
/// (`data-token-callback`). Answers the page's origin and a count of the tokens the callback
/// asked for.
async fn serve_minting_page(
    app: &TestApp,
    c: &Creds,
    bot: &str,
    first_token: &str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let api = &app.base;
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>The shop</h1>
<script>
window.currentUser = "user-7";
window.renewToken = function () {{
  return fetch("/token?user=" + window.currentUser).then(function (r) {{ return r.json(); }});
}};
</script>
<script src="{api}/widget.js" data-assistant-id="{bot}" data-token="{first_token}"
  data-token-callback="renewToken"></script>
</body></html>"#
    );
    let minted = Arc::new(AtomicUsize::new(0));
    let (counter, api, creds) = (minted.clone(), api.clone(), c.clone());
    let app_routes = poem::Route::new()
        .at(
            "/",
            poem::get(poem::endpoint::make_sync(move |_| {
                poem::web::Html(html.clone())
            })),
        )
        .at(
            "/token",
            poem::get(poem::endpoint::make(move |req: poem::Request| {
                let (counter, api, creds) = (counter.clone(), api.clone(), creds.clone());
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let user = req
                        .uri()
                        .query()
                        .and_then(|q| q.strip_prefix("user="))
                        .unwrap_or("nobody")
                        .to_owned();
                    let token = mint(&api, &creds, &user).await;
                    poem::web::Json(token)
                }
            })),
        );
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app_routes));
    (origin, minted)
}

/// A widget token for `user`, minted as the customer's server does: with the key pair, no
/// Origin, the user id taken as verified.
async fn mint(api: &str, c: &Creds, user: &str) -> Value {
    let resp = crate::helpers::http_client()
        .post(format!("{api}/api/v1/widget/token"))
        .header("X-API-Key", &c.client_id)
        .header("X-API-Secret", &c.client_secret)
        .json(&json!({ "user_id": user }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The ids of the users with sessions of the client `c`.
async fn session_users(app: &TestApp, c: &Creds) -> Vec<String> {
    let (status, page) = app
        .call(c, Method::GET, "/api/v1/sessions/?limit=100", None)
        .await;
    assert_eq!(status, 200, "{page}");
    let mut users: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["user_id"].as_str().map(str::to_owned))
        .collect();
    users.sort();
    users.dedup();
    users
}

#[test]
fn the_widget_starts_from_a_server_minted_token_and_renews_it_in_chromium() {
    crate::helpers::run(async {
        // Tokens live 10 s, so the test sees one expire.
        let app = spawn_app_with(Backend::Sqlite, |s| s.widget.token_ttl_secs = 10).await;
        let (c, bot) = shop(&app).await;
        let driver = start_driver().await;
        let profile = tempfile::tempdir().unwrap();
        let client = browser(&driver, profile.path()).await;
        // The token's claims name the client; the script tag names the assistant, and the
        // page's function that renews the token: no script of the page starts the widget.
        let first = mint(&app.base, &c, "user-7").await;
        let expired_at = Instant::now() + Duration::from_secs(10);
        assert_eq!(first["authenticated"], true, "{first}");
        let (page, renewals) =
            serve_minting_page(&app, &c, &bot, first["token"].as_str().unwrap()).await;
        let (status, v) = app
            .call(
                &c,
                Method::PATCH,
                &format!("/api/v1/clients/{}", c.client_id),
                Some(json!({ "allowed_origins": [page] })),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        client.goto(&page).await.unwrap();
        wait_for(
            &client,
            "the widget",
            &script("return !!(root && window.Companin && window.Companin.version);"),
        )
        .await;
        open_widget(&client).await;
        wait_for_replies(&client, "the greeting", "r.length").await;
        // The page's own token opened the widget: no renewal was needed.
        assert_eq!(renewals.load(std::sync::atomic::Ordering::SeqCst), 0);
        let replies = ask(&client, QUESTION, 2).await;
        assert!(
            replies[1].as_str().unwrap().contains("30 days"),
            "{replies}"
        );

        // Past the token's life the widget asks the page's `data-token-callback` for a new
        // one, and goes on.
        tokio::time::sleep_until((expired_at + Duration::from_millis(500)).into()).await;
        let replies = ask(&client, "How long does international shipping take?", 3).await;
        assert!(
            replies[2].as_str().unwrap().contains("two weeks"),
            "{replies}"
        );
        assert!(renewals.load(std::sync::atomic::Ordering::SeqCst) >= 1);
        assert_eq!(session_users(&app, &c).await, vec!["user-7".to_owned()]);
        assert!(notices(&client).await.as_array().unwrap().is_empty());

        // Another user signs in on the page: Companin.init with a token for them restarts the
        // widget as theirs.
        js(&client, "window.currentUser = 'user-8'; return true;").await;
        let second = mint(&app.base, &c, "user-8").await;
        js(
            &client,
            &format!(
                "window.Companin.init({{ token: '{}', assistantId: '{bot}',
                     onTokenExpired: window.renewToken }}); return true;",
                second["token"].as_str().unwrap()
            ),
        )
        .await;
        wait_for_replies(&client, "the greeting again", "r.length === 1").await;
        ask(&client, QUESTION, 2).await;
        assert_eq!(
            session_users(&app, &c).await,
            vec!["user-7".to_owned(), "user-8".to_owned()]
        );
        client.close().await.unwrap();
    });
}
