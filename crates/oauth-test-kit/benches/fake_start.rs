//! How long a fake authorization server takes to be ready: start (bind, thread, runtime),
//! answer one request over a fresh connection, stop. Beside it, the same for httpmock's
//! `MockServer`, which the wire tests use. `cargo bench -p oauth-test-kit --bench fake_start`.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_test_kit::{FakeConfig, FakeServer, Grants, Request, Response, Routes};

struct Empty;

impl Routes for Empty {
    fn answer(&self, _: &Request, _: &Grants) -> Response {
        Response::empty(204)
    }

    fn failure(&self, status: u16, _: &Request) -> Response {
        Response::empty(status)
    }
}

/// One `GET /` over a new connection, read to its end.
fn get(base_url: &str) {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 "));
}

fn start(c: &mut Criterion) {
    let mut group = c.benchmark_group("start, one request, stop");
    group.bench_function("oauth-core fake", |b| {
        b.iter(|| {
            let fake = FakeServer::start(Empty, FakeConfig::new("client", None)).unwrap();
            get(&fake.base_url());
        })
    });
    group.bench_function("httpmock MockServer", |b| {
        b.iter(|| {
            let server = httpmock::MockServer::start();
            server.mock(|_, then| {
                then.status(204);
            });
            get(&server.base_url());
        })
    });
    group.finish();
}

criterion_group!(benches, start);
criterion_main!(benches);
