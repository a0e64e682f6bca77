//! The operator console in a real browser (headless Chromium through WebDriver): accepting an
//! invitation, the shell, members, the environment switch, the language, signing out and in
//! (a wrong password, the lockout), and a viewer's narrower console; every change is then read
//! back through the API. Also the page's headers: its policy, caching and deep links.

use fantoccini::key::Key;
use reqwest::Method;
use serde_json::json;

use super::{PASSWORD, accessible, invitation, screenshot, submit, until};
use crate::browser::{browser, js, start_driver};
use crate::helpers::{Backend, TestApp, TestOrg, spawn_app};

async fn member_roles(app: &TestApp, org: &TestOrg) -> Vec<(String, String)> {
    let (_, list) = app
        .call(&org.production, Method::GET, "/api/v1/members/", None)
        .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_console_signs_in_and_manages_members_in_chromium() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let owner_link = invitation(&app, &org, "ana@acme.example", "owner").await;

        let driver = start_driver().await;
        let profile = tempfile::tempdir().unwrap();
        let client = browser(&driver, profile.path()).await;
        js(&client, "return 1;").await;

        // The invitation's link sets the password and opens the shell.
        client.goto(&app.url(&owner_link)).await.unwrap();
        until(
            &client,
            "the password form",
            "return document.getElementById('new-password');",
        )
        .await;
        // The browser's language is English: so is the console, until it is switched.
        let heading = js(&client, "return document.querySelector('h1').textContent;").await;
        assert_eq!(heading, "Set your password");
        accessible(&client, "invitation").await;
        submit(&client, &[("new-password", PASSWORD)]).await;
        let who = until(
            &client,
            "the shell",
            "const w = document.getElementById('who'); return w && w.textContent;",
        )
        .await;
        assert_eq!(who, "ana@acme.example");
        screenshot(&client, "account").await;
        accessible(&client, "account").await;
        let path = js(&client, "return location.pathname + location.hash;").await;
        assert_eq!(path, "/dashboard/", "the token left the address bar");

        // Members: invite an editor; the link is shown once.
        js(&client, "[...document.querySelectorAll('nav a')].find(a => a.textContent === 'Members').click();").await;
        until(
            &client,
            "the members view",
            "return document.getElementById('invite-email');",
        )
        .await;
        assert_eq!(
            js(&client, "return location.pathname;").await,
            "/dashboard/members"
        );
        submit(&client, &[("invite-email", "eve@acme.example")]).await;
        let link = until(
            &client,
            "the invitation link",
            "const l = document.getElementById('invitation-link'); return l && l.textContent;",
        )
        .await;
        let link = link.as_str().unwrap().to_owned();
        assert!(
            link.starts_with(&format!("{}/dashboard/accept#token=inv_", app.base)),
            "{link}"
        );
        until(
            &client,
            "eve's row",
            "return [...document.querySelectorAll('tbody tr')].length === 2;",
        )
        .await;
        assert!(
            member_roles(&app, &org)
                .await
                .contains(&("eve@acme.example".into(), "viewer".into()))
        );
        screenshot(&client, "members").await;
        accessible(&client, "members").await;

        // A change of role, made with the select, is the API's.
        js(&client, "const s = [...document.querySelectorAll('tbody select')].find(s => s.getAttribute('aria-label').includes('eve@')); s.value = 'editor'; s.dispatchEvent(new Event('change'));").await;
        until(&client, "the confirmation", "return document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('Editor');").await;
        assert!(
            member_roles(&app, &org)
                .await
                .contains(&("eve@acme.example".into(), "editor".into()))
        );

        // Whatever people wrote is shown as text: markup in an address is not markup.
        invitation(&app, &org, "<b>bold</b>@acme.example", "viewer").await;
        client.refresh().await.unwrap();
        let cell = until(&client, "the written address", "const c = [...document.querySelectorAll('tbody td')].find(td => td.textContent.includes('bold')); return c && [c.textContent, c.querySelector('b') === null];").await;
        assert_eq!(cell, json!(["<b>bold</b>@acme.example", true]));

        // The sandbox is one switch away, in the URL, and visibly marked.
        js(&client, "const s = document.getElementById('environment'); s.value = 'sandbox'; s.dispatchEvent(new Event('change'));").await;
        let banner = until(
            &client,
            "the sandbox banner",
            "const b = document.querySelector('.sandbox-banner'); return b && b.textContent;",
        )
        .await;
        assert!(banner.as_str().unwrap().starts_with("Sandbox"), "{banner}");
        assert_eq!(js(&client, "return location.search;").await, "?env=sandbox");
        screenshot(&client, "sandbox").await;
        accessible(&client, "sandbox").await;

        // Spanish, from the switch; kept across a reload.
        js(&client, "const s = document.getElementById('language'); s.value = 'es'; s.dispatchEvent(new Event('change'));").await;
        until(&client, "Spanish", "return document.documentElement.lang === 'es' && document.querySelector('nav').textContent.includes('Cuenta');").await;
        client.refresh().await.unwrap();
        until(&client, "Spanish again", "return document.querySelector('nav') && document.querySelector('nav').textContent.includes('Miembros');").await;
        js(&client, "const s = document.getElementById('language'); s.value = 'en'; s.dispatchEvent(new Event('change'));").await;

        // Signing out shows the sign-in form; a wrong password says so; five more lock the
        // account for a while, and the form says how long.
        js(
            &client,
            "document.querySelector('nav a[href^=\"/dashboard/account\"]').click();",
        )
        .await;
        until(
            &client,
            "the account view",
            "return document.getElementById('sign-out');",
        )
        .await;
        js(&client, "document.getElementById('sign-out').click();").await;
        until(
            &client,
            "the sign-in form",
            "return document.getElementById('password');",
        )
        .await;
        submit(
            &client,
            &[
                ("email", "ana@acme.example"),
                ("password", "not the password"),
            ],
        )
        .await;
        let error = until(
            &client,
            "the error",
            "const e = document.querySelector('[role=alert]'); return e && e.textContent;",
        )
        .await;
        assert!(error.as_str().unwrap().contains("do not match"), "{error}");
        for n in 0..5 {
            js(
                &client,
                "document.querySelector('[role=alert]').textContent = '';",
            )
            .await;
            submit(
                &client,
                &[
                    ("email", "ana@acme.example"),
                    ("password", "not the password"),
                ],
            )
            .await;
            until(
                &client,
                &format!("failure {n}"),
                "return document.querySelector('[role=alert]').textContent;",
            )
            .await;
        }
        let locked = js(
            &client,
            "return document.querySelector('[role=alert]').textContent;",
        )
        .await;
        assert!(
            locked
                .as_str()
                .unwrap()
                .starts_with("Too many failed sign-ins"),
            "{locked}"
        );
        screenshot(&client, "sign-in-locked").await;
        accessible(&client, "sign-in").await;

        // Eve, an editor, accepts her invitation: her console has no members view, even by
        // its address.
        client.goto(&link).await.unwrap();
        until(
            &client,
            "eve's password form",
            "return document.getElementById('new-password');",
        )
        .await;
        // With the keyboard alone: the page puts the focus in the field, Enter submits.
        until(
            &client,
            "the focus",
            "return document.activeElement.id === 'new-password';",
        )
        .await;
        let field = client.active_element().await.unwrap();
        field
            .send_keys(&format!("{PASSWORD}{}", char::from(Key::Enter)))
            .await
            .unwrap();
        until(&client, "eve's shell", "const w = document.getElementById('who'); return w && w.textContent === 'eve@acme.example';").await;
        let nav = js(&client, "return document.querySelector('nav').textContent;").await;
        assert!(!nav.as_str().unwrap().contains("Members"), "{nav}");
        client.goto(&app.url("/dashboard/members")).await.unwrap();
        until(
            &client,
            "the home view",
            "return document.getElementById('home-title');",
        )
        .await;
        assert!(
            js(&client, "return document.getElementById('invite-email');")
                .await
                .is_null()
        );

        client.close().await.unwrap();
    });
}

#[test]
fn the_console_page_is_locked_down_and_its_assets_cached() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        for path in [
            "/dashboard/",
            "/dashboard",
            "/dashboard/members",
            "/dashboard/accept",
        ] {
            let resp = app.request(Method::GET, path).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            let h = resp.headers();
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
                "{csp}"
            );
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert_eq!(h["x-frame-options"], "DENY");
            assert_eq!(h["cache-control"], "no-cache");
            let page = resp.text().await.unwrap();
            assert!(!page.contains("<script>"), "no inline script");
        }
        let page = app
            .request(Method::GET, "/dashboard/")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let script = page
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        assert!(script.starts_with("/dashboard/assets/") && script.ends_with("/app.js"));
        let resp = app.request(Method::GET, &script).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
        // Another build's assets, or a file that is not one, are not served.
        let stale = script.replace("/assets/", "/assets/0");
        for path in [
            stale.as_str(),
            "/dashboard/assets/x/app.js",
            &script.replace("app.js", "../Cargo.toml"),
        ] {
            let resp = app.request(Method::GET, path).send().await.unwrap();
            assert_eq!(resp.status(), 404, "{path}");
        }
    });
}
