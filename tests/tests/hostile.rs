//! Hostile answers, through every provider's client: absurd lifetimes and epochs, oversized
//! bodies, error text that echoes the request's secrets or carries control characters, and a
//! caller's HTTP client that follows redirects. Property tests run each provider's token
//! decoding over hostile bodies.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use calcom_oauth::CalcomClient;
use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::runtime::time::MAX_LIFETIME;
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant,
    ClientCredentialsGrant, ClientSecret, Error, RefreshToken, RefreshTokenGrant, Token,
};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{MemoryStore, TokenStore};
use oauth_sdk_tests::{RESERVED_SECRET, assert_no_secrets, clock, t0};
use procore_oauth::ProcoreClient;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ringcentral_oauth::RingCentralClient;
use serde_json::{Value, json};
use sunshine_conversations_oauth::SunshineClient;

#[path = "../../crates/oauth-core/tests/support/hostile_json.rs"]
mod hostile_json;
use hostile_json::{any_json, assert_scrubbed, encodings, hostile_number};

/// A refresh token with characters that every encoding changes.
const OLD_REFRESH: &str = "rt/old+1 %2F\"é";
const CODE: &str = "code:9/x+y z";

/// The four providers, each through the call that decodes its token answer.
#[derive(Clone, Copy, Debug)]
enum Provider {
    /// `client_credentials` (JSON body with the secret).
    Procore,
    /// `refresh` (secret in `x-cal-secret-key`, refresh token in the JSON body).
    Calcom,
    /// `exchange_code` (secret and code in the JSON body).
    Sunshine,
    /// `refresh` (HTTP Basic, refresh token in the form body).
    RingCentral,
}

const PROVIDERS: [Provider; 4] = [
    Provider::Procore,
    Provider::Calcom,
    Provider::Sunshine,
    Provider::RingCentral,
];

impl Provider {
    fn token_path(self) -> &'static str {
        match self {
            Self::Procore => "/oauth/token",
            Self::Calcom => "/v2/oauth/cal-id/refresh",
            Self::Sunshine => "/sc/oauth/token",
            Self::RingCentral => "/restapi/oauth/token",
        }
    }

    /// A well-formed token answer with these values in its lifetime and epoch fields.
    fn token_body(self, first: Value, second: Value) -> Value {
        match self {
            Self::Procore => json!({
                "access_token": "at", "token_type": "bearer", "refresh_token": "rt-new",
                "expires_in": first, "created_at": second,
            }),
            Self::Calcom => json!({"status": "success", "data": {
                "accessToken": "at", "refreshToken": "rt-new",
                "accessTokenExpiresAt": first, "refreshTokenExpiresAt": second,
            }}),
            Self::Sunshine => json!({
                "access_token": "at", "token_type": "Bearer", "expires_in": first,
                "created_at": second,
            }),
            Self::RingCentral => json!({
                "access_token": "at", "token_type": "bearer", "refresh_token": "rt-new",
                "expires_in": first, "refresh_token_expires_in": second,
                "session_expires_in": first, "session_idle_timeout": second,
            }),
        }
    }

    /// The secrets the call sends.
    fn secrets(self) -> Vec<String> {
        let mut secrets = vec![RESERVED_SECRET.to_owned()];
        match self {
            Self::Procore => {}
            Self::Calcom | Self::RingCentral => secrets.push(OLD_REFRESH.to_owned()),
            Self::Sunshine => secrets.push(CODE.to_owned()),
        }
        secrets
    }

    /// A client of this provider on `server` (with this HTTP client, if given).
    fn client(self, server: &MockServer, http: Option<reqwest::Client>) -> Client {
        macro_rules! build {
            ($builder:expr) => {{
                let mut builder = $builder
                    .client_secret(ClientSecret::new(RESERVED_SECRET))
                    .clock(clock());
                if let Some(http) = http {
                    builder = builder.http_client(http);
                }
                builder.build().unwrap()
            }};
        }
        let base = server.base_url();
        match self {
            Self::Procore => {
                Client::Procore(build!(ProcoreClient::builder("pc-id").base_url(base)))
            }
            Self::Calcom => Client::Calcom(build!(CalcomClient::builder("cal-id").base_url(base))),
            Self::Sunshine => Client::Sunshine(build!(
                SunshineClient::builder("sc-id").base_url(format!("{base}/sc"))
            )),
            Self::RingCentral => {
                Client::RingCentral(build!(RingCentralClient::builder("rc-id").base_url(base)))
            }
        }
    }

    /// Calls once against an answer of `status` and `body`.
    async fn answered(
        self,
        server: &MockServer,
        status: u16,
        body: &str,
    ) -> oauth_core::Result<Token> {
        self.client(server, None)
            .answered(server, status, body)
            .await
    }
}

/// A built client of one provider.
enum Client {
    Procore(ProcoreClient),
    Calcom(CalcomClient),
    Sunshine(SunshineClient),
    RingCentral(RingCentralClient),
}

impl Client {
    fn provider(&self) -> Provider {
        match self {
            Self::Procore(_) => Provider::Procore,
            Self::Calcom(_) => Provider::Calcom,
            Self::Sunshine(_) => Provider::Sunshine,
            Self::RingCentral(_) => Provider::RingCentral,
        }
    }

    /// The call that decodes a token answer.
    async fn call(&self) -> oauth_core::Result<Token> {
        match self {
            Self::Procore(c) => c.client_credentials().await,
            Self::Calcom(c) => c.refresh(&RefreshToken::new(OLD_REFRESH)).await,
            Self::Sunshine(c) => {
                c.exchange_code(&AuthorizationGrant::from_code(AuthorizationCode::new(CODE)))
                    .await
            }
            Self::RingCentral(c) => c.refresh(&RefreshToken::new(OLD_REFRESH)).await,
        }
    }

    /// Calls once against an answer of `status` and `body`.
    async fn answered(
        &self,
        server: &MockServer,
        status: u16,
        body: &str,
    ) -> oauth_core::Result<Token> {
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path(self.provider().token_path());
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        let result = self.call().await;
        mock.delete_async().await;
        result
    }
}

/// Every time in a decoded token lies in range, and survives the stored form.
fn check_token(token: &Token) -> Result<(), TestCaseError> {
    let century = oauth_core::runtime::time::after(token.received_at(), MAX_LIFETIME);
    for at in [token.expires_at(), token.refresh_token_expires_at()]
        .into_iter()
        .flatten()
    {
        prop_assert!(at <= century, "{at:?} is past a century from receipt");
    }
    let stored = serde_json::to_string(&token.exposing_secrets()).unwrap();
    let back: Token = serde_json::from_str(&stored).unwrap();
    prop_assert_eq!(back.expires_at(), token.expires_at());
    prop_assert_eq!(
        back.refresh_token_expires_at(),
        token.refresh_token_expires_at()
    );
    prop_assert_eq!(back.received_at(), token.received_at());
    Ok(())
}

/// A hostile token answer: hostile values in a well-formed answer's lifetime and epoch
/// fields, or any JSON at all.
#[derive(Clone, Debug)]
enum Answer {
    Fields(Value, Value),
    Any(Value),
}

/// Runs `cases` hostile token answers through `provider`: each gives a token or a typed error,
/// never a panic, and a token's times are in range and survive the stored form; a well-formed
/// 200 answer whose lifetimes are non-negative integers of any size always gives a token.
fn decoder_property(provider: Provider, cases: u32) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(MockServer::start_async());
    let client = provider.client(&server, None);
    let answer = prop_oneof![
        3 => (hostile_number(), hostile_number()).prop_map(|(a, b)| Answer::Fields(a, b)),
        1 => any_json().prop_map(Answer::Any),
    ];
    let status = prop_oneof![
        4 => Just(200u16),
        1 => prop::sample::select(vec![400u16, 401, 429, 500, 503]),
    ];
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let decoded = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&(answer, status), |(answer, status)| {
            let (body, must_decode) = match answer {
                Answer::Fields(a, b) => {
                    let integers = a.is_u64() && b.is_u64();
                    (provider.token_body(a, b), integers && status == 200)
                }
                Answer::Any(body) => (body, false),
            };
            let text = serde_json::to_string(&body).unwrap();
            match runtime.block_on(client.answered(&server, status, &text)) {
                Ok(token) => {
                    prop_assert_eq!(status, 200);
                    check_token(&token)?;
                    decoded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(e) => {
                    prop_assert!(!must_decode, "{:?} refused {}: {}", provider, text, e);
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            Ok(())
        })
        .unwrap();
    // The success path must be exercised, not only the refusals.
    let decoded = decoded.into_inner();
    assert!(
        decoded >= cases / 5,
        "{provider:?}: only {decoded} of {cases} answers decoded"
    );
}

#[test]
fn procore_token_decoding_survives_hostile_answers() {
    decoder_property(Provider::Procore, 256);
}

#[test]
fn calcom_token_decoding_survives_hostile_answers() {
    decoder_property(Provider::Calcom, 256);
}

#[test]
fn sunshine_token_decoding_survives_hostile_answers() {
    decoder_property(Provider::Sunshine, 256);
}

#[test]
fn ringcentral_token_decoding_survives_hostile_answers() {
    decoder_property(Provider::RingCentral, 256);
}

// Item 5: lifetimes and epochs near u64::MAX.

#[tokio::test]
async fn absurd_lifetimes_and_epochs_are_clamped_to_a_century() {
    let server = MockServer::start_async().await;
    let century = t0() + MAX_LIFETIME;
    for huge in [
        json!(u64::MAX),
        json!(1e19),
        json!("99999999999999999999999"),
    ] {
        for provider in [Provider::Procore, Provider::RingCentral] {
            let body = provider.token_body(huge.clone(), huge.clone()).to_string();
            let token = provider.answered(&server, 200, &body).await.unwrap();
            assert_eq!(token.expires_at(), Some(century), "{provider:?} {huge}");
            assert_eq!(token.refresh_token().unwrap().secret(), "rt-new");
        }
        let body = Provider::Calcom
            .token_body(huge.clone(), huge.clone())
            .to_string();
        let token = Provider::Calcom
            .answered(&server, 200, &body)
            .await
            .unwrap();
        assert_eq!(token.expires_at(), Some(century), "{huge}");
        assert_eq!(token.refresh_token_expires_at(), Some(century), "{huge}");
    }
    // Procore: an absurd `created_at` cannot be right, so the lifetime counts from receipt.
    let body = Provider::Procore
        .token_body(json!(7200), json!(u64::MAX))
        .to_string();
    let token = Provider::Procore
        .answered(&server, 200, &body)
        .await
        .unwrap();
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(7200)));
    // RingCentral: an absurd refresh token lifetime too.
    let body = Provider::RingCentral
        .token_body(json!(3600), json!(1e19))
        .to_string();
    let token = Provider::RingCentral
        .answered(&server, 200, &body)
        .await
        .unwrap();
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(3600)));
    assert_eq!(token.refresh_token_expires_at(), Some(century));
}

#[tokio::test]
async fn a_token_source_keeps_the_rotated_refresh_token_whatever_the_lifetime() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(200).json_body(json!({
                "access_token": "at-new", "token_type": "bearer", "refresh_token": "rt-rotated",
                "expires_in": 1e19, "refresh_token_expires_in": u64::MAX,
            }));
        })
        .await;
    let clock = clock();
    let client = RingCentralClient::builder("rc-id")
        .client_secret(ClientSecret::new("s"))
        .base_url(server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let expired = Token::new(AccessToken::new("at-old"), t0() - Duration::from_secs(7200))
        .with_expires_in(Some(Duration::from_secs(3600)))
        .with_refresh_token(Some(RefreshToken::new("rt-old")));
    let store = Arc::new(MemoryStore::new());
    let source = TokenSource::builder(client, store.clone(), "acct")
        .initial_token(expired)
        .clock(clock)
        .build()
        .await
        .unwrap();
    let token = source.access_token().await.unwrap();
    assert_eq!(token.access_token().secret(), "at-new");
    assert_eq!(refresh.calls_async().await, 1);
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-rotated");
    assert_eq!(stored.token.expires_at(), Some(t0() + MAX_LIFETIME));
}

// Item 6: a limit on every body.

#[tokio::test]
async fn an_oversized_answer_is_refused_whatever_its_status() {
    let server = MockServer::start_async().await;
    let huge_token =
        json!({"access_token": "a".repeat(2 << 20), "token_type": "bearer"}).to_string();
    let huge_error =
        json!({"error": "invalid_grant", "error_description": "x".repeat(2 << 20)}).to_string();
    for provider in PROVIDERS {
        for (status, body) in [(200, &huge_token), (400, &huge_error), (503, &huge_error)] {
            let e = provider.answered(&server, status, body).await.unwrap_err();
            assert!(
                matches!(e, Error::ResponseTooLarge { status: s, limit: 1_048_576 } if s == status),
                "{provider:?} {status}: {e:?}"
            );
            assert_eq!(e.status(), Some(status));
            assert!(!e.is_transient() && !e.is_permanent());
        }
    }
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(200)
                .json_body(json!({"access_token": "a".repeat(300), "token_type": "bearer"}));
        })
        .await;
    let client = |limit| {
        RingCentralClient::builder("rc-id")
            .base_url(server.base_url())
            .max_response_bytes(limit)
            .build()
            .unwrap()
    };
    let e = client(256)
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ResponseTooLarge {
                status: 200,
                limit: 256
            }
        ),
        "{e:?}"
    );
    let token = client(4096).refresh(&RefreshToken::new("r")).await.unwrap();
    assert_eq!(token.access_token().secret().len(), 300);
}

/// A one-shot HTTP server on 127.0.0.1 that answers with a chunked body, one HTTP chunk per
/// item of `chunks`, and no `Content-Length`; returns its base URL.
fn chunked_server(chunks: impl Iterator<Item = Vec<u8>> + Send + 'static) -> String {
    one_shot_server(move |stream| {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        for chunk in chunks {
            let frame = format!("{:x}\r\n", chunk.len());
            let ok = stream.write_all(frame.as_bytes()).is_ok()
                && stream.write_all(&chunk).is_ok()
                && stream.write_all(b"\r\n").is_ok();
            if !ok {
                // The client stopped reading at its limit.
                return;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    })
    .0
}

/// The error of a RingCentral refresh against the server at `base`, with the default limit.
async fn refresh_error(base: String) -> Error {
    RingCentralClient::builder("rc-id")
        .base_url(base)
        .build()
        .unwrap()
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap_err()
}

/// A server on 127.0.0.1 that takes one connection, reads its request and lets `answer` write
/// the response; returns its base URL and its thread.
fn one_shot_server(
    answer: impl FnOnce(&mut std::net::TcpStream) + Send + 'static,
) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        answer(&mut stream);
    });
    (base, thread)
}

#[tokio::test]
async fn a_body_without_content_length_is_cut_off_at_the_limit() {
    let base = chunked_server(std::iter::repeat_n(vec![b' '; 64 * 1024], 1024));
    let e = refresh_error(base).await;
    assert!(
        matches!(e, Error::ResponseTooLarge { status: 200, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    // The server declares 10 MB, sends 2 bytes and hangs up: reading would end in a broken
    // body, so only the declared length can give `ResponseTooLarge`.
    let (base, server) = one_shot_server(|stream| {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{}";
        let _ = stream.write_all(head.as_bytes());
    });
    let e = refresh_error(base).await;
    assert!(
        matches!(
            e,
            Error::ResponseTooLarge {
                status: 200,
                limit: 1_048_576
            }
        ),
        "{e:?}"
    );
    server.join().unwrap();
}

#[tokio::test]
async fn a_body_in_many_chunks_is_read_whole_and_counted_whole() {
    let body = json!({"access_token": "a".repeat(300), "token_type": "bearer"}).to_string();
    let pieces =
        |body: &str| -> Vec<Vec<u8>> { body.as_bytes().chunks(50).map(<[u8]>::to_vec).collect() };
    let client = |base: String, limit: u64| {
        RingCentralClient::builder("rc-id")
            .base_url(base)
            .max_response_bytes(limit)
            .build()
            .unwrap()
    };
    let token = client(chunked_server(pieces(&body).into_iter()), 4096)
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap();
    assert_eq!(token.access_token().secret(), "a".repeat(300));
    // No chunk is over the limit; together they are.
    let e = client(chunked_server(pieces(&body).into_iter()), 256)
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ResponseTooLarge {
                status: 200,
                limit: 256
            }
        ),
        "{e:?}"
    );
}

// Item 7: secrets echoed in error text.

/// The ways a server echoes `secret`: as is, JSON-escaped inside JSON text, and percent-encoded.
fn echoes(secret: &str) -> String {
    let json = serde_json::to_string(secret).unwrap();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    format!("raw <{secret}> json <{json}> form <{form}>")
}

#[tokio::test]
async fn secrets_the_request_carried_are_scrubbed_from_error_text() {
    let server = MockServer::start_async().await;
    for provider in PROVIDERS {
        let secrets = provider.secrets();
        let echoed: String = secrets
            .iter()
            .map(|s| echoes(s))
            .collect::<Vec<_>>()
            .join("; ");
        let bodies = [
            (
                400,
                json!({"error": "invalid_grant", "error_description": echoed, "error_uri": echoed}),
            ),
            (
                401,
                json!({"errors": [{"code": echoed, "title": echoed, "errorCode": echoed,
                                      "message": echoed, "parameterName": echoed}]}),
            ),
            (
                422,
                json!({"code": 422, "message": echoed, "reason": echoed, "fields": {echoed.clone(): [echoed]}}),
            ),
            (
                400,
                json!({"status": "error", "error": {"code": echoed, "message": echoed}}),
            ),
            // An error inside a success, as Cal.com sends them.
            (
                200,
                json!({"status": "error", "error": {"code": "BadRequestException", "message": echoed}}),
            ),
            // And as Procore sends them.
            (
                200,
                json!({"error": "invalid_grant", "error_description": echoed}),
            ),
        ];
        // The same, with every name JSON-escaped so that no word the error check looks for
        // appears as it is: the answer must still be read as the error it is, and scrubbed.
        let escaped = format!(
            r#"{{"\u0065rror": "invalid_grant", "\u0065rror_description": {}}}"#,
            serde_json::to_string(&echoed).unwrap()
        );
        let bodies = bodies
            .into_iter()
            .map(|(status, body)| (status, body.to_string()))
            .chain([(200, escaped)]);
        for (status, body) in bodies {
            let e = provider.answered(&server, status, &body).await.unwrap_err();
            let shown = format!("{e} {e:?}");
            assert_no_secrets(
                &shown,
                &secrets.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            // The encoded forms too.
            for secret in &secrets {
                let form: String =
                    url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
                assert!(!shown.contains(&form), "{provider:?}: {form} in {shown}");
            }
        }
    }
}

#[tokio::test]
async fn the_basic_credentials_are_scrubbed_in_every_form() {
    use base64::Engine;
    let server = MockServer::start_async().await;
    let pair = format!(
        "rc-id:{}",
        url::form_urlencoded::byte_serialize(RESERVED_SECRET.as_bytes()).collect::<String>()
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(&pair);
    let body = json!({
        "error": "invalid_client",
        "error_description": format!("bad header `Basic {basic}` ({pair}, secret {RESERVED_SECRET})"),
    });
    let e = Provider::RingCentral
        .answered(&server, 401, &body.to_string())
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert_no_secrets(&shown, &[&basic, RESERVED_SECRET, &pair[6..]]);
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(
        shown.contains("rc-id"),
        "the client id is no secret: {shown}"
    );
}

#[tokio::test]
async fn error_text_is_bounded_and_control_characters_escaped() {
    let server = MockServer::start_async().await;
    // 40 entries of 20 kB: within the body limit, far past what is kept.
    let hostile = format!(
        "\u{1b}[2J\u{1b}]0;owned\u{7}\r\nFAKE LOG LINE\u{202e}{}",
        "z".repeat(20_000)
    );
    let body = json!({
        "error": "invalid_grant",
        "error_description": hostile,
        "errors": vec![json!({"errorCode": "OAU-1", "message": hostile}); 40],
    });
    let e = Provider::RingCentral
        .answered(&server, 400, &body.to_string())
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(!shown.chars().any(char::is_control), "{shown}");
    assert!(!shown.contains('\u{202e}'));
    assert!(shown.contains("\\u{1b}[2J"), "{shown}");
    assert!(shown.len() < 20 * 1024, "{} bytes", shown.len());
}

// Item 10: a caller's client that follows redirects.

#[tokio::test]
async fn an_answer_from_a_followed_redirect_is_refused() {
    let server = MockServer::start_async().await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200).json_body(json!({
                "access_token": "attacker-token", "token_type": "bearer", "refresh_token": "attacker-rt",
                "expires_in": 3600,
                "status": "success",
                "data": {"accessToken": "attacker-token", "refreshToken": "attacker-rt"}
            }));
        })
        .await;
    // Building one of the crates' clients installs the TLS provider a plain reqwest client needs.
    let _ = Provider::RingCentral.client(&server, None);
    let mut redirected = 0;
    for provider in PROVIDERS {
        let target = format!("{}/elsewhere", server.base_url());
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path(provider.token_path());
                then.status(307).header("location", target.as_str());
            })
            .await;
        let following = reqwest::Client::builder().build().unwrap();
        let e = provider
            .client(&server, Some(following))
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::RedirectFollowed { status: 200 }),
            "{provider:?}: {e:?}"
        );
        redirected += 1;
        assert_eq!(elsewhere.calls_async().await, redirected);
        assert_no_secrets(&format!("{e} {e:?}"), &["attacker-token", "attacker-rt"]);
        // The crate's own client does not follow: the redirect itself is reported.
        let e = provider.client(&server, None).call().await.unwrap_err();
        assert!(
            matches!(e, Error::UnexpectedRedirect { status: 307 }),
            "{provider:?}: {e:?}"
        );
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn a_success_answer_that_repeats_a_secret_is_left_whole() {
    // A server that does not rotate sends the refresh token back: it must not be scrubbed.
    let server = MockServer::start_async().await;
    let body = json!({
        "access_token": "at", "token_type": "bearer", "expires_in": 3600,
        "refresh_token": OLD_REFRESH, "scope": format!("echo {RESERVED_SECRET}"),
    });
    let token = Provider::RingCentral
        .answered(&server, 200, &body.to_string())
        .await
        .unwrap();
    assert_eq!(token.refresh_token().unwrap().secret(), OLD_REFRESH);
    assert!(
        token
            .scopes()
            .contains(RESERVED_SECRET.split(' ').next().unwrap())
    );
}

/// Secrets of any printable characters (reserved ones frequent), echoed by the server in any of
/// the forms [`encodings`] lists, never reach the error's text: RingCentral (refresh token in
/// the form body, secret in HTTP Basic) and Procore (secret in the JSON body).
#[test]
fn secrets_of_any_bytes_echoed_in_any_form_are_scrubbed() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(MockServer::start_async());
    let printable = "[%+\\\\\"/ &=:;?#@'<>a-zA-Z0-9é€😀]{4,20}";
    let strategy = (
        printable,
        printable,
        prop::collection::vec("[a-z .,:]{0,12}", 3),
        (0usize..8, 0usize..8),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(refresh, secret, around, (f1, f2), procore)| {
            let echoed = format!(
                "{}{}{}{}{}",
                around[0],
                encodings(&refresh)[f1],
                around[1],
                encodings(&secret)[f2],
                around[2]
            );
            let body = json!({
                "error": "invalid_grant",
                "error_description": echoed,
                "message": echoed,
                "errors": [{"errorCode": "OAU-211", "message": echoed}],
            })
            .to_string();
            let result = runtime.block_on(async {
                let mock = server
                    .mock_async(|when, then| {
                        when.method(POST);
                        then.status(400)
                            .header("content-type", "application/json")
                            .body(&body);
                    })
                    .await;
                let result = if procore {
                    ProcoreClient::builder("pc-id")
                        .client_secret(ClientSecret::new(secret.clone()))
                        .base_url(server.base_url())
                        .build()
                        .unwrap()
                        .client_credentials()
                        .await
                } else {
                    RingCentralClient::builder("rc-id")
                        .client_secret(ClientSecret::new(secret.clone()))
                        .base_url(server.base_url())
                        .build()
                        .unwrap()
                        .refresh(&RefreshToken::new(refresh.clone()))
                        .await
                };
                mock.delete_async().await;
                result
            });
            let e = result.expect_err("a 400 answer");
            let secrets = if procore {
                vec![secret.clone()]
            } else {
                vec![refresh.clone(), secret.clone()]
            };
            assert_scrubbed(&e.to_string(), &secrets)?;
            prop_assert!(e.to_string().contains("[redacted]"), "{}", e);
            Ok(())
        })
        .unwrap();
}

/// The calls whose request does not carry the client secret, each on a client configured with
/// it: an answer can still echo it (a server that logs or validates the client's registration).
#[derive(Clone, Copy, Debug)]
enum SecretlessCall {
    ProcoreTokenInfo,
    SunshineTokenInfo,
    SunshineRevoke,
    CalcomAuthorize,
    RingCentralAuthorize,
}

impl SecretlessCall {
    const ALL: [Self; 5] = [
        Self::ProcoreTokenInfo,
        Self::SunshineTokenInfo,
        Self::SunshineRevoke,
        Self::CalcomAuthorize,
        Self::RingCentralAuthorize,
    ];

    /// Runs the call against `server`, reduced to its error.
    async fn error(self, server: &MockServer) -> Error {
        use oauth_core::{TokenIntrospection, TokenRevocation};
        let base = server.base_url();
        let secret = || ClientSecret::new(RESERVED_SECRET);
        let token = Token::new(AccessToken::new("bearer-1"), t0());
        let result = match self {
            Self::ProcoreTokenInfo => ProcoreClient::builder("pc-id")
                .client_secret(secret())
                .base_url(base)
                .build()
                .unwrap()
                .token_info(token.access_token())
                .await
                .map(drop),
            Self::SunshineTokenInfo | Self::SunshineRevoke => {
                let client = SunshineClient::builder("sc-id")
                    .client_secret(secret())
                    .base_url(base)
                    .build()
                    .unwrap();
                if matches!(self, Self::SunshineRevoke) {
                    client.revoke(&token).await
                } else {
                    client.token_info(token.access_token()).await.map(drop)
                }
            }
            Self::CalcomAuthorize => CalcomClient::builder("cal-id")
                .client_secret(secret())
                .base_url(base)
                .build()
                .unwrap()
                .authorize("https://app.example/cb", None)
                .await
                .map(drop),
            Self::RingCentralAuthorize => RingCentralClient::builder("rc-id")
                .client_secret(secret())
                .base_url(base)
                .build()
                .unwrap()
                .authorize_with_post(&ringcentral_oauth::AuthorizeParams::new(
                    "https://app.example/cb",
                ))
                .await
                .map(drop),
        };
        result.expect_err("an error answer")
    }
}

/// A client's own secret, echoed in any form in the answer to a call that did not send it,
/// is printed neither by `Display` nor by `Debug` of the error: every call, every provider's
/// error shape, every encoding [`encodings`] lists, client and server error statuses.
#[tokio::test]
async fn the_clients_own_secret_is_scrubbed_from_answers_to_calls_that_did_not_send_it() {
    let server = MockServer::start_async().await;
    let mut cases = 0;
    for call in SecretlessCall::ALL {
        for echoed in encodings(RESERVED_SECRET) {
            let echoed = format!("client {echoed} is not registered");
            let bodies = [
                json!({"error": "invalid_client", "error_description": echoed}),
                json!({"errors": [{"code": "unauthorized", "title": echoed}]}),
                json!({"status": "error", "error": {"code": "BadRequestException", "message": echoed}}),
                json!({"error": "invalid_request", "error_description": echoed,
                       "errors": [{"errorCode": "OAU-101", "message": echoed}]}),
            ];
            for (status, body) in [400, 500]
                .into_iter()
                .zip(bodies.iter().cycle())
                .chain([401, 403, 400, 502].into_iter().zip(bodies.iter()))
            {
                let mock = server
                    .mock_async(|_, then| {
                        then.status(status)
                            .header("content-type", "application/json")
                            .body(body.to_string());
                    })
                    .await;
                let e = call.error(&server).await;
                mock.delete_async().await;
                let shown = format!("{e}\n{e:?}");
                assert_scrubbed(&shown, &[RESERVED_SECRET.to_owned()])
                    .unwrap_or_else(|failure| panic!("{call:?}, {status}: {failure}"));
                cases += 1;
            }
        }
    }
    assert!(cases >= 150, "{cases} cases");
}

/// A redirect that carries an error and, all the same, a code that its error text repeats:
/// the error does not print the code, in any form.
#[test]
fn a_code_echoed_in_a_redirect_error_is_not_printed() {
    let code = "sekrit-code/1+2 é";
    for echoed in encodings(code) {
        let request = procore_oauth::ProcoreClient::builder("pc-id")
            .client_secret(ClientSecret::new(RESERVED_SECRET))
            .build()
            .unwrap()
            .authorization_request("https://app.example/cb");
        let state = request
            .url()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        let mut redirect = url::Url::parse("https://app.example/cb").unwrap();
        redirect
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", &format!("code {echoed} was refused"))
            .append_pair("error_uri", &format!("https://idp.example/e?code={echoed}"))
            .append_pair("code", code)
            .append_pair("state", &state);
        let e = request.verify_redirect(redirect.as_str()).unwrap_err();
        assert!(matches!(e, Error::Authorization(_)), "{e:?}");
        let shown = format!("{e}\n{e:?}");
        assert_scrubbed(&shown, &[code.to_owned()]).unwrap();
        assert!(shown.contains("access_denied"), "{shown}");
    }
}

/// A generated request body, a generated answer and a stored token, serialized the ordinary
/// way (an application's log line), print none of their secrets; the same body sent by the
/// generated client carries every value, and the stored document read back is whole.
#[tokio::test]
async fn secrets_serialize_only_through_the_named_path() {
    use procore_oauth::types;
    let body = types::TokenRequest {
        client_id: "pc-id".into(),
        client_secret: ClientSecret::new("log-secret-1"),
        code: Some(AuthorizationCode::new("log-code-1")),
        grant_type: types::GrantType::AuthorizationCode,
        redirect_uri: Some("https://app.example/cb".into()),
        refresh_token: Some(RefreshToken::new("log-refresh-1")),
    };
    let answer: types::TokenResponse = serde_json::from_value(json!({
        "access_token": "log-access-1", "refresh_token": "log-refresh-2", "expires_in": 60,
    }))
    .unwrap();
    let token = Token::new(AccessToken::new("log-access-3"), t0())
        .with_refresh_token(Some(RefreshToken::new("log-refresh-3")))
        .with_extra(
            [("id_token".to_owned(), json!("log-id-3"))]
                .into_iter()
                .collect::<serde_json::Map<_, _>>(),
        );
    let stored: oauth_core::StoredToken =
        serde_json::from_str(&serde_json::to_string(&token.exposing_secrets()).unwrap()).unwrap();
    for shown in [
        serde_json::to_string(&body).unwrap(),
        serde_json::to_string(&answer).unwrap(),
        serde_json::to_string(&stored).unwrap(),
    ] {
        assert!(!shown.contains("log-"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
    assert_eq!(
        Token::from_stored(stored).extra()["id_token"],
        json!("log-id-3")
    );

    let server = MockServer::start_async().await;
    let wire = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").json_body(json!({
                "client_id": "pc-id", "client_secret": "log-secret-1", "code": "log-code-1",
                "grant_type": "authorization_code", "redirect_uri": "https://app.example/cb",
                "refresh_token": "log-refresh-1",
            }));
            then.status(200)
                .json_body(json!({"access_token": "at", "token_type": "bearer"}));
        })
        .await;
    let connection = oauth_core::ClientOptions::new(server.base_url(), "oauth-sdk-tests")
        .connect()
        .unwrap();
    let client = procore_oauth::generated::Client::try_from(&connection).unwrap();
    client.oauth_token_post(&body).await.unwrap();
    wire.assert_async().await;
}
