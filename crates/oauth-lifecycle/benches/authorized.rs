//! Per-request cost of authorized calls on loopback, side by side in one run: a request with
//! a hand-attached `Authorization` header (the baseline), the same request through the
//! `reqwest-middleware` chain with the [`Authorizer`], and through [`AuthorizedClient`].
//! `cargo bench -p oauth-core --bench authorized`.
//!
//! A second group, `authorized_cpu`, takes the network out: the chain ends in a middleware
//! that answers at once, so what remains is the authorizer's own work per request (token from
//! the source, origin check, header, the copy kept for a retry) against a hand-attached header.
//!
//! Criterion measures the three one after another, so load from other processes that changes
//! during the run skews their ratio. The run therefore ends with a paired measurement: rounds
//! of the same number of requests through each variant, back to back in alternating order,
//! and the median of the per-round ratios, printed as `overhead ratio ...`.

// criterion_group! and criterion_main! generate undocumented items; the paired ratio is
// printed for the report.
#![allow(missing_docs, clippy::print_stderr)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_core::{AccessToken, HttpSettings, Provider, RefreshToken, RefreshTokenGrant, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::access::{AuthorizedClient, Authorizer};
use oauth_lifecycle::reqwest_middleware::{
    self as reqwest_middleware, ClientBuilder, Middleware, Next,
};
use oauth_lifecycle::store::MemoryStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Never asked: the token stays fresh for the whole run.
struct NoRefresh;

impl Provider for NoRefresh {
    const NAME: &'static str = "bench";
}

impl RefreshTokenGrant for NoRefresh {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        Err(oauth_core::Error::Config(
            "the benchmark token never expires".into(),
        ))
    }
}

fn token() -> Token {
    Token::new(
        AccessToken::new("bench-access-token-0123456789abcdef"),
        SystemTime::now(),
    )
    .with_expires_in(Some(Duration::from_secs(86_400)))
    .with_refresh_token(Some(RefreshToken::new("bench-refresh")))
}

/// A single-threaded runtime (client and measurement on one thread) and a source whose token
/// stays fresh.
fn runtime_and_source() -> (tokio::runtime::Runtime, TokenSource<NoRefresh, MemoryStore>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let source = rt.block_on(async {
        TokenSource::builder(NoRefresh, MemoryStore::new(), "bench")
            .initial_token(token())
            .build()
            .await
            .unwrap()
    });
    (rt, source)
}

/// A minimal keep-alive HTTP/1.1 server on 127.0.0.1, on its own thread: it answers every
/// request (no body) with `200 {}`, so the measured time is the client's and the loopback's.
fn serve() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut pending = Vec::new();
                    loop {
                        let Ok(n) = stream.read(&mut buf).await else { return };
                        if n == 0 {
                            return;
                        }
                        pending.extend_from_slice(&buf[..n]);
                        while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                            pending.drain(..end + 4);
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                            if stream.write_all(reply).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
    });
    addr
}

fn authorized(c: &mut Criterion) {
    let addr = serve();
    let base = format!("http://{addr}");
    let url = format!("{base}/me");
    let (rt, source) = runtime_and_source();
    let http = HttpSettings::new("bench").build().unwrap();
    let authorizer = Authorizer::builder(source.clone(), base.clone())
        .build()
        .unwrap();
    let middleware = ClientBuilder::new(http.clone())
        .with(authorizer.clone())
        .build();
    let plain = AuthorizedClient::new(http.clone(), authorizer);
    let held = rt.block_on(source.access_token()).unwrap();

    let hand = || async {
        let response = http
            .get(&url)
            .header(reqwest::header::AUTHORIZATION, held.authorization_header())
            .send()
            .await
            .unwrap();
        black_box(response.bytes().await.unwrap());
    };
    let through_middleware = || async {
        let response = middleware.get(&url).send().await.unwrap();
        black_box(response.bytes().await.unwrap());
    };
    let through_client = || async {
        let response = plain.send(plain.get("/me").unwrap()).await.unwrap();
        black_box(response.bytes().await.unwrap());
    };

    let mut group = c.benchmark_group("authorized_get_loopback");
    group.bench_function("hand_attached_header", |b| b.to_async(&rt).iter(hand));
    group.bench_function("middleware", |b| b.to_async(&rt).iter(through_middleware));
    group.bench_function("authorized_client", |b| {
        b.to_async(&rt).iter(through_client)
    });
    group.finish();

    let middleware_ratio = paired_ratio(&rt, 50, hand, through_middleware);
    let client_ratio = paired_ratio(&rt, 50, hand, through_client);
    eprintln!(
        "overhead ratio on loopback (paired medians): middleware / hand-attached = \
         {middleware_ratio:.3}, authorized_client / hand-attached = {client_ratio:.3}"
    );
}

/// Rounds of the paired measurement.
const ROUNDS: usize = 201;

/// The median over [`ROUNDS`] rounds of `time(other) / time(base)`, each timing `per_round`
/// calls, the two run back to back in alternating order so that a change of machine load hits
/// both alike.
fn paired_ratio<A, FA, B, FB>(
    rt: &tokio::runtime::Runtime,
    per_round: u32,
    base: A,
    other: B,
) -> f64
where
    A: Fn() -> FA,
    FA: std::future::Future<Output = ()>,
    B: Fn() -> FB,
    FB: std::future::Future<Output = ()>,
{
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (b, o) = if round % 2 == 0 {
            let b = timed(rt, per_round, &base);
            (b, timed(rt, per_round, &other))
        } else {
            let o = timed(rt, per_round, &other);
            (timed(rt, per_round, &base), o)
        };
        ratios.push(o / b);
    }
    ratios.sort_by(f64::total_cmp);
    ratios[ROUNDS / 2]
}

/// Seconds for `n` calls of `run`, one after another.
fn timed<F: Fn() -> Fut, Fut: std::future::Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    n: u32,
    run: &F,
) -> f64 {
    let start = std::time::Instant::now();
    rt.block_on(async {
        for _ in 0..n {
            run().await;
        }
    });
    start.elapsed().as_secs_f64()
}

/// Ends a middleware chain with `200 {}` without sending anything.
struct Canned;

#[async_trait::async_trait]
impl Middleware for Canned {
    async fn handle(
        &self,
        request: reqwest::Request,
        _: &mut http::Extensions,
        _: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        black_box(&request);
        Ok(http::Response::new("{}").into())
    }
}

fn cpu_only(c: &mut Criterion) {
    let (rt, source) = runtime_and_source();
    let held = rt.block_on(source.access_token()).unwrap();
    let http = HttpSettings::new("bench").build().unwrap();
    let url = "https://api.example/me";
    let authorizer = Authorizer::builder(source, "https://api.example")
        .build()
        .unwrap();
    let bare = ClientBuilder::new(http.clone()).with(Canned).build();
    let authorized = ClientBuilder::new(http)
        .with(authorizer)
        .with(Canned)
        .build();

    let hand = || async {
        black_box(
            bare.get(url)
                .header(reqwest::header::AUTHORIZATION, held.authorization_header())
                .send()
                .await
                .unwrap(),
        );
    };
    let through_authorizer = || async {
        black_box(authorized.get(url).send().await.unwrap());
    };
    let mut group = c.benchmark_group("authorized_cpu");
    group.bench_function("hand_attached_header", |b| b.to_async(&rt).iter(hand));
    group.bench_function("authorizer", |b| b.to_async(&rt).iter(through_authorizer));
    group.finish();
    let ratio = paired_ratio(&rt, 1_000, hand, through_authorizer);
    eprintln!(
        "overhead ratio without network (paired median): authorizer / hand-attached = {ratio:.3}"
    );
}

criterion_group!(benches, authorized, cpu_only);
criterion_main!(benches);
