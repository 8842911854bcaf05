use std::time::UNIX_EPOCH;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use oauth_core::Pkce;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn request(state: &str) -> AuthorizationRequest {
    AuthorizationRequest::builder("https://auth.example/authorize".parse().unwrap())
        .redirect_uri("https://app.example/cb")
        .state(CsrfState::new(state).unwrap())
        .pkce(Pkce::from_verifier(PkceVerifier::new(format!(
            "verifier-{state}"
        ))))
        .build()
}

fn pending(state: &str, label: &str) -> PendingAuthorization {
    PendingAuthorization::new(&request(state), label, t0())
}

fn callback(state: &str) -> String {
    format!("https://app.example/cb?code=code-{state}&state={state}")
}

#[test]
fn several_tabs_complete_in_any_order_each_with_its_own_verifier() {
    let mut set = PendingAuthorizations::new();
    for (state, label) in [
        ("tab-1", "ringcentral"),
        ("tab-2", "calcom"),
        ("tab-3", "procore"),
    ] {
        set.insert(pending(state, label), t0());
    }
    for (state, label) in [
        ("tab-2", "calcom"),
        ("tab-3", "procore"),
        ("tab-1", "ringcentral"),
    ] {
        let done = set.complete(&callback(state), t0()).unwrap();
        assert_eq!(done.label(), label);
        assert_eq!(done.grant().code.secret(), format!("code-{state}"));
        let verifier = done.grant().pkce_verifier.as_ref().unwrap();
        assert_eq!(verifier.secret(), format!("verifier-{state}"));
        assert_eq!(
            done.grant().redirect_uri.as_deref(),
            Some("https://app.example/cb")
        );
    }
    assert!(set.is_empty());
}

#[test]
fn a_callback_is_accepted_once() {
    let mut set = PendingAuthorizations::new();
    set.insert(pending("s-1", "rc"), t0());
    set.insert(pending("s-2", "rc"), t0());
    set.complete(&callback("s-1"), t0()).unwrap();
    assert!(matches!(
        set.complete(&callback("s-1"), t0()),
        Err(PendingError::Unknown)
    ));
    assert_eq!(set.len(), 1, "the other tab's authorization stays");
}

#[test]
fn forged_or_missing_states_match_nothing_and_spend_nothing() {
    let mut set = PendingAuthorizations::new();
    set.insert(pending("s-1", "rc"), t0());
    for forged in [
        "https://app.example/cb?code=c&state=s-2",
        "https://app.example/cb?code=c&state=s-",
        "https://app.example/cb?code=c&state=",
        "https://app.example/cb?code=c",
        "https://app.example/cb",
    ] {
        assert!(
            matches!(set.complete(forged, t0()), Err(PendingError::Unknown)),
            "{forged}"
        );
    }
    let twice = "https://app.example/cb?code=c&state=s-1&state=s-1";
    assert!(matches!(
        set.complete(twice, t0()),
        Err(PendingError::Malformed(Error::DuplicateParameter {
            name: "state"
        }))
    ));
    assert_eq!(set.len(), 1);
    set.complete(&callback("s-1"), t0()).unwrap();
}

#[test]
fn expiry_is_ten_minutes_by_default_and_an_expired_match_is_spent() {
    let mut set = PendingAuthorizations::new();
    set.insert(pending("s-1", "rc"), t0());
    set.insert(pending("s-2", "rc"), t0());
    let just_before = t0() + DEFAULT_TTL - Duration::from_secs(1);
    assert_eq!(DEFAULT_TTL, Duration::from_secs(600));
    set.complete(&callback("s-1"), just_before).unwrap();
    let at_expiry = t0() + DEFAULT_TTL;
    match set.complete(&callback("s-2"), at_expiry) {
        Err(PendingError::Expired { label }) => assert_eq!(label, "rc"),
        other => panic!("{other:?}"),
    }
    assert!(set.is_empty());
}

#[test]
fn a_chosen_ttl_is_capped_at_a_day() {
    let short = pending("s", "rc").with_ttl(Duration::from_secs(30), t0());
    assert_eq!(short.expires_at(), t0() + Duration::from_secs(30));
    let long = pending("s", "rc").with_ttl(Duration::MAX, t0());
    assert_eq!(long.expires_at(), t0() + MAX_TTL);
}

#[test]
fn inserting_drops_expired_ones_and_keeps_the_newest_eight() {
    let mut set = PendingAuthorizations::new();
    set.insert(
        pending("old", "rc").with_ttl(Duration::from_secs(5), t0()),
        t0(),
    );
    let later = t0() + Duration::from_secs(10);
    for i in 0..10 {
        set.insert(
            PendingAuthorization::new(&request(&format!("s-{i}")), "rc", later),
            later,
        );
    }
    assert_eq!(set.len(), PendingAuthorizations::MAX_ENTRIES);
    assert!(matches!(
        set.complete(&callback("s-0"), later),
        Err(PendingError::Unknown)
    ));
    assert!(matches!(
        set.complete(&callback("old"), later),
        Err(PendingError::Unknown)
    ));
    set.complete(&callback("s-9"), later).unwrap();
    set.complete(&callback("s-2"), later).unwrap();
}

#[test]
fn a_provider_error_spends_the_authorization_and_keeps_its_label() {
    let mut set = PendingAuthorizations::new();
    set.insert(pending("s-1", "calcom"), t0());
    let denied = "https://app.example/cb?error=access_denied&state=s-1";
    match set.complete(denied, t0()) {
        Err(PendingError::Redirect { label, source }) => {
            assert_eq!(label, "calcom");
            assert!(matches!(source, Error::Authorization(_)), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(set.is_empty());
}

#[test]
fn sealed_round_trip_keeps_every_field_and_shows_no_secret() {
    let key = SealingKey::generate();
    let mut set = PendingAuthorizations::new();
    set.insert(
        pending("st-secret-1", "ringcentral").with_nonce("nonce-secret"),
        t0(),
    );
    set.insert(pending("st-secret-2", "calcom"), t0());
    let sealed = set.seal(&key, b"cookie");
    let json = serde_json::to_string(&sealed).unwrap();
    for text in [
        json.as_str(),
        &format!("{sealed:?}"),
        &format!("{set:?}"),
        &format!("{key:?}"),
    ] {
        for secret in ["st-secret", "verifier-", "nonce-secret"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let back: SealedPending = serde_json::from_str(&json).unwrap();
    let mut opened = PendingAuthorizations::open(&key, b"cookie", back.as_str()).unwrap();
    let done = opened.complete(&callback("st-secret-1"), t0()).unwrap();
    assert_eq!(done.label(), "ringcentral");
    assert_eq!(done.nonce(), Some("nonce-secret"));
    let verifier = done.grant().pkce_verifier.as_ref().unwrap();
    assert_eq!(verifier.secret(), "verifier-st-secret-1");
    let other = opened.complete(&callback("st-secret-2"), t0()).unwrap();
    assert_eq!(other.nonce(), None);
    // Sealing twice gives different text (a fresh nonce each time).
    assert_ne!(set.seal(&key, b"cookie"), set.seal(&key, b"cookie"));
    // The expiry survives to the second.
    let mut opened = PendingAuthorizations::open(&key, b"cookie", sealed.as_str()).unwrap();
    assert!(matches!(
        opened.complete(&callback("st-secret-2"), t0() + DEFAULT_TTL),
        Err(PendingError::Expired { .. })
    ));
}

#[test]
fn altered_foreign_or_oversized_sealed_text_is_refused() {
    let key = SealingKey::generate();
    let mut set = PendingAuthorizations::new();
    set.insert(pending("s-1", "rc"), t0());
    let sealed = set.seal(&key, b"cookie").into_string();
    let refused = |key: &SealingKey, purpose: &[u8], text: &str| {
        matches!(
            PendingAuthorizations::open(key, purpose, text),
            Err(PendingError::Sealed)
        )
    };
    assert!(refused(&SealingKey::generate(), b"cookie", &sealed));
    assert!(refused(&key, b"another-cookie", &sealed));
    for i in 0..sealed.len() {
        let mut bytes = sealed.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(bytes).unwrap();
        assert!(refused(&key, b"cookie", &altered), "byte {i}");
    }
    for cut in [0, 5, 12, sealed.len() - 1] {
        assert!(refused(&key, b"cookie", &sealed[..cut]), "cut {cut}");
    }
    assert!(refused(&key, b"cookie", "not base64 !"));
    assert!(refused(&key, b"cookie", &"A".repeat(MAX_SEALED_LEN + 1)));
}

#[test]
fn keys_come_from_32_bytes_of_base64_only() {
    let text = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let standard = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let a = SealingKey::from_base64(&text).unwrap();
    let b = SealingKey::from_base64(&standard).unwrap();
    let sealed = PendingAuthorizations::new().seal(&a, b"p");
    PendingAuthorizations::open(&b, b"p", sealed.as_str()).unwrap();
    for bad in ["", "c2hvcnQ", &URL_SAFE_NO_PAD.encode([7u8; 33]), "%%%"] {
        let e = SealingKey::from_base64(bad).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}");
        assert!(bad.is_empty() || !e.to_string().contains(bad), "{e}");
    }
}
