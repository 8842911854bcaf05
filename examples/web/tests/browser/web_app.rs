//! The example web app in Chromium: each provider connected, called and disconnected; two
//! tabs completing out of order; forged and replayed callbacks refused with a readable page.

use fantoccini::Client;

use crate::harness::{Shots, WebApp, click, fresh_dir, in_browser, provider_login, wait_text};

/// The four providers as the app names them in element ids and URLs, with what its
/// disconnection page says about revocation.
const PROVIDERS: [(&str, &str, &str); 4] = [
    ("ringcentral", "RingCentral", "revoked this app's access"),
    ("calcom", "Cal.com", "has no way for an app to revoke"),
    ("procore", "Procore", "revoked this app's access"),
    (
        "sunshine",
        "Sunshine Conversations",
        "revoked this app's access",
    ),
];

/// Connects `slug` in the current tab as `user`; returns the callback URL the browser landed on.
async fn connect(
    client: &Client,
    app: &WebApp,
    slug: &str,
    user: &str,
    shots: &mut Shots,
) -> String {
    client
        .goto(&format!("{}/", app.base))
        .await
        .expect("the list");
    click(client, &format!("#connect-{slug}")).await;
    provider_login(client, user, shots, &format!("{slug}-provider-login")).await;
    wait_text(client, "#notice h1", "is connected").await;
    client.current_url().await.expect("a URL").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_provider_connects_calls_its_api_and_disconnects() {
    in_browser("web-each-chromium", |client| async move {
        let app = WebApp::start(&fresh_dir("web-each-store"));
        let mut shots = Shots::new("each_provider");

        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        for (slug, _, _) in PROVIDERS {
            wait_text(&client, &format!("#status-{slug}"), "Not connected").await;
        }
        shots.take(&client, "list-nothing-connected").await;

        for (slug, name, revoked) in PROVIDERS {
            let user = format!("user-of-{slug}");
            let callback = connect(&client, &app, slug, &user, &mut shots).await;
            assert!(
                callback.starts_with(&format!("{}/callback/{slug}?", app.base)),
                "{callback}"
            );
            shots.take(&client, &format!("{slug}-connected")).await;

            // The API answers with the owner of the token the app sent: the user who signed in.
            click(&client, "#api").await;
            let heading = wait_text(&client, "#notice h1", "answered").await;
            assert_eq!(heading, format!("{name} answered 200"));
            wait_text(&client, "#answer", &user).await;
            shots.take(&client, &format!("{slug}-api")).await;

            click(&client, "#back").await;
            wait_text(&client, &format!("#status-{slug}"), "Connected").await;
            shots
                .take(&client, &format!("{slug}-listed-connected"))
                .await;
            click(&client, &format!("#disconnect-{slug}")).await;
            wait_text(&client, "#notice h1", &format!("{name} is disconnected")).await;
            wait_text(&client, "#notice", revoked).await;
            shots.take(&client, &format!("{slug}-disconnected")).await;

            // The same callback again (a reload, the back button, a copied link): refused.
            client.goto(&callback).await.expect("the callback again");
            wait_text(&client, "#notice h1", "This sign-in link is not valid").await;
            wait_text(&client, "#notice", "press Connect again").await;
            shots
                .take(&client, &format!("{slug}-replayed-callback"))
                .await;

            client
                .goto(&format!("{}/", app.base))
                .await
                .expect("the list");
            wait_text(&client, &format!("#status-{slug}"), "Not connected").await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_tab_completes_first_and_the_first_tab_still_completes() {
    in_browser("web-tabs-chromium", |client| async move {
        let app = WebApp::start(&fresh_dir("web-tabs-store"));
        let mut shots = Shots::new("two_tabs");

        // Tab A starts a RingCentral connection and stops at the provider's login page.
        let tab_a = client.window().await.expect("the first tab");
        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        click(&client, "#connect-ringcentral").await;
        wait_text(&client, "form", "Sign in").await;

        // Tab B starts another and completes it.
        let tab_b = client.new_window(true).await.expect("a second tab").handle;
        client.switch_to_window(tab_b).await.expect("tab B");
        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        click(&client, "#connect-ringcentral").await;
        provider_login(&client, "bob", &mut shots, "tab-b-login").await;
        wait_text(&client, "#notice h1", "RingCentral is connected").await;
        click(&client, "#api").await;
        wait_text(&client, "#answer", "\"bob\"").await;
        shots.take(&client, "tab-b-api").await;

        // Tab A completes afterwards: its authorization was kept beside B's.
        client.switch_to_window(tab_a).await.expect("tab A");
        provider_login(&client, "alice", &mut shots, "tab-a-login").await;
        wait_text(&client, "#notice h1", "RingCentral is connected").await;
        shots.take(&client, "tab-a-connected").await;
        click(&client, "#api").await;
        wait_text(&client, "#answer", "\"alice\"").await;
        shots.take(&client, "tab-a-api").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_callbacks_get_a_readable_refusal_and_change_nothing() {
    in_browser("web-forged-chromium", |client| async move {
        let app = WebApp::start(&fresh_dir("web-forged-store"));
        let mut shots = Shots::new("forged");

        // Without any sign-in started in this browser.
        let forged = format!("{}/callback/procore?code=forged&state=forged", app.base);
        client.goto(&forged).await.expect("a forged callback");
        wait_text(&client, "#notice h1", "This sign-in cannot be completed").await;
        wait_text(&client, "#notice", "press Connect again").await;
        shots.take(&client, "forged-no-session").await;

        // With one started: a made-up state still matches nothing, and the real one still works.
        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        click(&client, "#connect-procore").await;
        wait_text(&client, "form", "Sign in").await;
        let login_page = client.current_url().await.expect("a URL");
        client.goto(&forged).await.expect("a forged callback");
        wait_text(&client, "#notice h1", "This sign-in link is not valid").await;
        shots.take(&client, "forged-state").await;
        // A provider's error answer for a state this browser never issued is refused the same way.
        let denied = format!(
            "{}/callback/procore?error=access_denied&state=forged",
            app.base
        );
        client.goto(&denied).await.expect("a forged error");
        wait_text(&client, "#notice h1", "This sign-in link is not valid").await;
        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        wait_text(&client, "#status-procore", "Not connected").await;

        client
            .goto(login_page.as_str())
            .await
            .expect("back to the login");
        provider_login(&client, "carol", &mut shots, "procore-login").await;
        wait_text(&client, "#notice h1", "Procore is connected").await;
        shots
            .take(&client, "procore-connected-after-forgeries")
            .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_postgres_a_connection_outlives_the_process_that_made_it() {
    in_browser("web-pg-chromium", |client| async move {
        let postgres = oauth_sdk_tests::postgres::PostgresServer::start();
        let url = postgres.url();
        // Each process also gets a file store of its own, which must stay unused.
        let (files_1, files_2) = (fresh_dir("web-pg-files-1"), fresh_dir("web-pg-files-2"));
        let args = |files: &std::path::Path| {
            let mut args = vec![std::ffi::OsString::from("--postgres"), url.clone().into()];
            args.extend(["--store-dir".into(), files.as_os_str().to_owned()]);
            args
        };
        let mut shots = Shots::new("postgres");
        {
            let app = WebApp::start_with(&args(&files_1));
            connect(&client, &app, "ringcentral", "erin", &mut shots).await;
        }
        // Another process (another port; cookies are per host) reads the same table.
        let app = WebApp::start_with(&args(&files_2));
        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        wait_text(&client, "#status-ringcentral", "Connected").await;
        shots.take(&client, "listed-by-another-process").await;
        click(&client, "#disconnect-ringcentral").await;
        wait_text(&client, "#notice h1", "RingCentral is disconnected").await;
        client
            .goto(&format!("{}/", app.base))
            .await
            .expect("the list");
        wait_text(&client, "#status-ringcentral", "Not connected").await;
        let unused = |dir: &std::path::Path| std::fs::read_dir(dir).map_or(0, Iterator::count) == 0;
        assert!(
            unused(&files_1) && unused(&files_2),
            "a token went to a file"
        );
    })
    .await;
}
