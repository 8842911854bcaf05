//! An error inside a 200, through every provider call whose answer is JSON: each error shape
//! the provider sends, echoing every secret the request carried, with its names as they are
//! and JSON-escaped. Each is a server error with status 200, and its text holds no secret.
//!
//! Whether a success body carries an error is decided by the provider's error schema alone
//! (`ErrorBody::reports_error`), for every body: a check that skipped some bodies (a list of
//! words to look for first, say) would let one of these through unscrubbed, and the secret it
//! echoes would reach the error's text.

use calcom_oauth::{CalcomClient, CalcomOAuth2Client};
use httpmock::Method::{DELETE, GET, POST};
use httpmock::{Method, MockServer};
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant,
    ClientCredentialsGrant, ClientSecret, Error, PkceVerifier, RefreshToken, RefreshTokenGrant,
    Token, TokenIntrospection, TokenRevocation,
};
use oauth_sdk_tests::{RESERVED_SECRET, assert_no_secrets, clock, t0};
use procore_oauth::ProcoreClient;
use ringcentral_oauth::RingCentralClient;
use serde_json::{Value, json};
use sunshine_conversations_oauth::SunshineClient;

const REFRESH: &str = "rt/old+1 %2Fé";
const CODE: &str = "code:9/x+y z";
const VERIFIER: &str = "verifier-7f3a-secret-0b9c";
const ACCESS: &str = "at-info-4d2e/secret";

/// Every call of every provider that reads a JSON answer.
#[derive(Clone, Copy, Debug)]
enum Call {
    ProcoreClientCredentials,
    ProcoreRefresh,
    ProcoreTokenInfo,
    CalcomRefresh,
    CalcomOAuth2Exchange,
    CalcomOAuth2Refresh,
    SunshineExchange,
    SunshineTokenInfo,
    SunshineRevoke,
    RingCentralExchange,
    RingCentralRefresh,
}

const CALLS: [Call; 11] = [
    Call::ProcoreClientCredentials,
    Call::ProcoreRefresh,
    Call::ProcoreTokenInfo,
    Call::CalcomRefresh,
    Call::CalcomOAuth2Exchange,
    Call::CalcomOAuth2Refresh,
    Call::SunshineExchange,
    Call::SunshineTokenInfo,
    Call::SunshineRevoke,
    Call::RingCentralExchange,
    Call::RingCentralRefresh,
];

/// The error bodies of an RFC 6749 token endpoint.
fn rfc6749(echoed: &str) -> Vec<Value> {
    vec![json!({"error": "invalid_grant", "error_description": echoed, "error_uri": echoed})]
}

impl Call {
    fn endpoint(self) -> (Method, &'static str) {
        match self {
            Self::ProcoreClientCredentials | Self::ProcoreRefresh => (POST, "/oauth/token"),
            Self::ProcoreTokenInfo => (GET, "/oauth/token/info"),
            Self::CalcomRefresh => (POST, "/v2/oauth/cal-id/refresh"),
            Self::CalcomOAuth2Exchange | Self::CalcomOAuth2Refresh => {
                (POST, "/v2/auth/oauth2/token")
            }
            Self::SunshineExchange => (POST, "/sc/oauth/token"),
            Self::SunshineTokenInfo => (GET, "/sc/v2/tokenInfo"),
            Self::SunshineRevoke => (DELETE, "/sc/oauth/authorization"),
            Self::RingCentralExchange | Self::RingCentralRefresh => (POST, "/restapi/oauth/token"),
        }
    }

    /// The secrets the request carries.
    fn secrets(self) -> Vec<&'static str> {
        match self {
            Self::ProcoreClientCredentials => vec![RESERVED_SECRET],
            Self::ProcoreRefresh
            | Self::CalcomRefresh
            | Self::CalcomOAuth2Refresh
            | Self::RingCentralRefresh => vec![RESERVED_SECRET, REFRESH],
            Self::CalcomOAuth2Exchange | Self::RingCentralExchange => {
                vec![RESERVED_SECRET, CODE, VERIFIER]
            }
            Self::SunshineExchange => vec![RESERVED_SECRET, CODE],
            Self::ProcoreTokenInfo | Self::SunshineTokenInfo | Self::SunshineRevoke => {
                vec![ACCESS]
            }
        }
    }

    /// Every error shape the provider documents or is seen to send, with `echoed` in each of
    /// its texts.
    fn error_bodies(self, echoed: &str) -> Vec<Value> {
        let mut bodies = rfc6749(echoed);
        match self {
            Self::ProcoreClientCredentials | Self::ProcoreRefresh | Self::ProcoreTokenInfo => {
                bodies.push(json!({"code": 401, "message": echoed, "reason": echoed}));
                bodies.push(json!({"message": echoed}));
            }
            Self::CalcomRefresh | Self::CalcomOAuth2Exchange | Self::CalcomOAuth2Refresh => {
                bodies.push(json!({"status": "error", "error": {
                    "code": "BadRequestException", "message": echoed, "details": {"m": echoed}
                }}));
            }
            Self::SunshineExchange | Self::SunshineTokenInfo | Self::SunshineRevoke => {
                bodies.push(json!({"errors": [{"code": "unauthorized", "title": echoed}]}));
            }
            Self::RingCentralExchange | Self::RingCentralRefresh => {
                bodies.push(json!({
                    "errorCode": "OAU-213", "message": echoed,
                    "errors": [{"errorCode": "OAU-213", "message": echoed}]
                }));
            }
        }
        bodies
    }

    /// Makes the call against `server` and returns its error, if any.
    async fn run(self, server: &MockServer) -> Option<Error> {
        let base = server.base_url();
        let grant = AuthorizationGrant {
            code: AuthorizationCode::new(CODE),
            pkce_verifier: Some(PkceVerifier::new(VERIFIER)),
            redirect_uri: Some("https://app.example/cb".into()),
        };
        let refresh = RefreshToken::new(REFRESH);
        let access = AccessToken::new(ACCESS);
        let secret = || ClientSecret::new(RESERVED_SECRET);
        let procore = || {
            ProcoreClient::builder("pc-id")
                .client_secret(secret())
                .base_url(&base)
                .clock(clock())
                .build()
                .unwrap()
        };
        let calcom = || {
            CalcomOAuth2Client::builder("cal-o2-id")
                .client_secret(secret())
                .base_url(&base)
                .clock(clock())
                .build()
                .unwrap()
        };
        let sunshine = || {
            SunshineClient::builder("sc-id")
                .client_secret(secret())
                .base_url(format!("{base}/sc"))
                .clock(clock())
                .build()
                .unwrap()
        };
        let ringcentral = || {
            RingCentralClient::builder("rc-id")
                .client_secret(secret())
                .base_url(&base)
                .clock(clock())
                .build()
                .unwrap()
        };
        let token = || Token::new(AccessToken::new(ACCESS), t0());
        match self {
            Self::ProcoreClientCredentials => procore().client_credentials().await.err(),
            Self::ProcoreRefresh => procore().refresh(&refresh).await.err(),
            Self::ProcoreTokenInfo => procore().token_info(&access).await.err(),
            Self::CalcomRefresh => CalcomClient::builder("cal-id")
                .client_secret(secret())
                .base_url(&base)
                .clock(clock())
                .build()
                .unwrap()
                .refresh(&refresh)
                .await
                .err(),
            Self::CalcomOAuth2Exchange => calcom().exchange_code(&grant).await.err(),
            Self::CalcomOAuth2Refresh => calcom().refresh(&refresh).await.err(),
            Self::SunshineExchange => sunshine().exchange_code(&grant).await.err(),
            Self::SunshineTokenInfo => sunshine().token_info(&access).await.err(),
            Self::SunshineRevoke => sunshine().revoke(&token()).await.err(),
            Self::RingCentralExchange => ringcentral().exchange_code(&grant).await.err(),
            Self::RingCentralRefresh => ringcentral().refresh(&refresh).await.err(),
        }
    }
}

/// `value` as JSON text with the first letter of every object member's name written as a
/// `\u` escape: the same document, with no name spelled out.
fn escaped_names(value: &Value) -> String {
    match value {
        Value::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(name, v)| {
                    let mut chars = name.chars();
                    let first = chars
                        .next()
                        .map_or(String::new(), |c| format!("\\u{:04x}", u32::from(c)));
                    let rest = serde_json::to_string(chars.as_str()).unwrap();
                    format!("\"{first}{}:{}", &rest[1..], escaped_names(v))
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(escaped_names).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

#[test]
fn escaping_the_names_keeps_the_document() {
    let value = json!({"error": "x", "errors": [{"code": 1, "é": {"t": "\"q\""}}]});
    let text = escaped_names(&value);
    assert!(!text.contains("error") && !text.contains("code"), "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
}

#[tokio::test]
async fn every_error_inside_a_200_is_reported_and_scrubbed() {
    let server = MockServer::start_async().await;
    for call in CALLS {
        let secrets = call.secrets();
        // Each secret as is and form-encoded; then also JSON-escaped inside JSON text, as
        // servers echo them. The first gives a body with no `\` in it.
        let echo = |json_too: bool| {
            secrets
                .iter()
                .map(|s| {
                    let form: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
                    let json = serde_json::to_string(s).unwrap();
                    if json_too {
                        format!("<{s}> <{form}> <{json}>")
                    } else {
                        format!("<{s}> <{form}>")
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let plain = call.error_bodies(&echo(false));
        let escaped = call.error_bodies(&echo(true));
        let texts = plain
            .iter()
            .map(Value::to_string)
            .chain(escaped.iter().map(Value::to_string))
            .chain(escaped.iter().map(escaped_names));
        for text in texts {
            let (method, path) = call.endpoint();
            let mock = server
                .mock_async(|when, then| {
                    when.method(method).path(path);
                    then.status(200)
                        .header("content-type", "application/json")
                        .body(&text);
                })
                .await;
            let error = call.run(&server).await;
            mock.assert_async().await;
            mock.delete_async().await;
            let Some(error) = error else {
                panic!("{call:?}: a 200 with {text} was taken for a success");
            };
            let Error::Server(server_error) = &error else {
                panic!("{call:?}: {text} gave {error:?}, not a server error");
            };
            assert_eq!(server_error.status, 200, "{call:?}: {text}");
            let shown = format!("{error} {error:?}");
            assert_no_secrets(&shown, &secrets);
            for secret in &secrets {
                let form: String =
                    url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
                assert!(!shown.contains(&form), "{call:?}: {form} in {shown}");
            }
            // The echoing text reached the error, scrubbed, rather than being dropped.
            assert!(
                shown.contains("[redacted]"),
                "{call:?}: {text} gave {shown}"
            );
        }
    }
}
