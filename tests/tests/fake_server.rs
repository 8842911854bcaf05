//! The fake's HTTP loop and its use from many tests at once: separate state per fake,
//! keep-alive, and clear answers to requests it does not take.

use std::io::{Read, Write};
use std::net::TcpStream;

use oauth_core::{AuthorizationCodeGrant, RefreshTokenGrant};
use ringcentral_oauth::AuthorizeParams;
use ringcentral_oauth::mock::FakeRingCentral;

/// Sends raw bytes and reads the answer until the server closes or `Connection: close`.
fn raw(fake: &FakeRingCentral, request: &[u8]) -> String {
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn many_fakes_run_side_by_side_each_with_its_own_state() {
    let fakes: Vec<FakeRingCentral> = (0..16).map(|_| FakeRingCentral::start()).collect();
    let mut ports: Vec<String> = fakes.iter().map(|f| f.base_url()).collect();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 16, "each binds its own port");
    std::thread::scope(|s| {
        for (i, fake) in fakes.iter().enumerate() {
            s.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let client = fake.client();
                    let request =
                        client.authorization_request(&AuthorizeParams::new("https://a.example/cb"));
                    let redirect = fake.authorize(request.url().as_str()).unwrap();
                    let grant = request.verify_redirect(redirect.as_str()).unwrap();
                    let mut token = client.exchange_code(&grant).await.unwrap();
                    for _ in 0..i {
                        token = client
                            .refresh(token.refresh_token().unwrap())
                            .await
                            .unwrap();
                    }
                });
            });
        }
    });
    for (i, fake) in fakes.iter().enumerate() {
        assert_eq!(
            fake.counts().refresh,
            i as u64,
            "fake {i} saw only its own calls"
        );
    }
    // A token of one fake means nothing to another.
    assert_eq!(fakes[0].grants().live_grants(), 1);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let fake = FakeRingCentral::start();
    let one = "GET /nowhere HTTP/1.1\r\nhost: x\r\n\r\n";
    let last = "GET /nowhere HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    let answer = raw(&fake, format!("{one}{one}{last}").as_bytes());
    assert_eq!(
        answer.matches("HTTP/1.1 404 Not Found").count(),
        3,
        "{answer}"
    );
    assert_eq!(fake.counts().requests, 3);
}

#[test]
fn requests_it_does_not_take_get_clear_statuses() {
    let fake = FakeRingCentral::start();
    let chunked = raw(
        &fake,
        b"POST /restapi/oauth/token HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(chunked.starts_with("HTTP/1.1 411"), "{chunked}");
    let huge = raw(
        &fake,
        b"POST /restapi/oauth/token HTTP/1.1\r\nhost: x\r\ncontent-length: 99999999\r\n\r\n",
    );
    assert!(huge.starts_with("HTTP/1.1 413"), "{huge}");
    let garbage = raw(&fake, b"\x01\x02 nonsense\r\n\r\n");
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    let long_head = raw(&fake, &vec![b'a'; 70 * 1024]);
    assert!(long_head.starts_with("HTTP/1.1 431"), "{long_head}");
}

#[test]
fn a_dropped_fake_closes_its_connections() {
    let fake = FakeRingCentral::start();
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    // A connection left open, as a client's pool does, and one held by a hanging fault.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /x HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    fake.fail_next(1, oauth_test_kit::Fault::Hang);
    let mut hung = TcpStream::connect(&addr).unwrap();
    hung.write_all(b"GET /x HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    drop(fake);
    for stream in [&mut idle, &mut hung] {
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut rest = Vec::new();
        // Whatever is left of the first answer, then the end of the stream (or a reset, when
        // the fake stopped before reading the request): closed, not left to time out.
        match stream.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
        assert!(
            !String::from_utf8_lossy(&rest).contains("HTTP/1.1"),
            "no second answer"
        );
    }
}
