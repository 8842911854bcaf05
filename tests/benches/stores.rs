//! A read (`TokenStore::load`) and a refresh-and-persist (`TokenSource::access_token` after
//! expiry: refresh lock, re-read, refresh, compare-and-swap, unlock) through each store, plain
//! and encrypted, with criterion. Redis and PostgreSQL run on loopback servers the benchmark
//! starts; the provider answers at once, so the figures are the stores' own cost. The ratio of
//! encrypted to plain comes from `--bench store_ratios`, which alternates the two in one loop.
//!
//! `cargo bench -p oauth-sdk-tests --features redis,postgres --bench stores`

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

mod stores_common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_lifecycle::store::{EncryptedStore, TokenStore};
use stores_common::{PLAIN, SEALED, Visit, each_store, runtime, source};

struct Bench<'a>(&'a mut Criterion);

impl Bench<'_> {
    fn one<S: TokenStore + Clone>(
        &mut self,
        rt: &tokio::runtime::Runtime,
        name: &str,
        store: S,
        key: &str,
    ) {
        let (source, clock) = source(rt, store.clone(), key);
        self.0.benchmark_group("read").bench_function(name, |b| {
            b.to_async(rt)
                .iter(|| async { black_box(store.load(key).await.unwrap()) })
        });
        self.0
            .benchmark_group("refresh_and_persist")
            .bench_function(name, |b| {
                b.to_async(rt).iter(|| async {
                    clock.advance(Duration::from_secs(7200));
                    black_box(source.access_token().await.unwrap())
                })
            });
    }
}

impl Visit for Bench<'_> {
    fn visit<S: TokenStore + Clone>(
        &mut self,
        rt: &tokio::runtime::Runtime,
        name: &str,
        plain: S,
        encrypted: Arc<EncryptedStore<S>>,
    ) {
        self.one(rt, &format!("{name}/plain"), plain, PLAIN);
        self.one(rt, &format!("{name}/encrypted"), encrypted, SEALED);
    }
}

fn stores(c: &mut Criterion) {
    let rt = runtime();
    each_store(&rt, &mut Bench(c));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = stores
}
criterion_main!(benches);
