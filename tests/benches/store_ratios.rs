//! Encrypted against plain, per store, as ratios: a read (`TokenStore::load`) and a
//! refresh-and-persist (`TokenSource::access_token` after expiry) through each store, the plain
//! and the encrypted one taking turns in short batches (who goes first alternating), so that
//! whatever else the machine does falls on both alike. Each ratio is the median over rounds of
//! encrypted time / plain time within one round.
//!
//! `cargo bench -p oauth-sdk-tests --features redis,postgres --bench store_ratios`
//! (`-- --rounds N`, default 15)

// A benchmark's output is its report.
#![allow(missing_docs, clippy::print_stdout)]

mod stores_common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_core::ManualClock;
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{EncryptedStore, TokenStore};
use stores_common::{PLAIN, SEALED, Visit, each_store, runtime, source};

/// How long one batch of one contender takes, about.
const BATCH: Duration = Duration::from_millis(40);

/// The encrypted store's bound: within 10 % of the plain one.
const TARGET: f64 = 1.10;

struct Side<S: TokenStore + Clone> {
    store: S,
    key: &'static str,
    source: TokenSource<stores_common::Instant, S>,
    clock: Arc<ManualClock>,
}

impl<S: TokenStore + Clone> Side<S> {
    fn new(rt: &tokio::runtime::Runtime, store: S, key: &'static str) -> Self {
        let (source, clock) = source(rt, store.clone(), key);
        Self {
            store,
            key,
            source,
            clock,
        }
    }

    /// Seconds for `n` operations of `kind`.
    fn time(&self, rt: &tokio::runtime::Runtime, kind: Op, n: u32) -> f64 {
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..n {
                match kind {
                    Op::Read => {
                        black_box(self.store.load(self.key).await.unwrap());
                    }
                    Op::Refresh => {
                        self.clock.advance(Duration::from_secs(7200));
                        black_box(self.source.access_token().await.unwrap());
                    }
                }
            }
        });
        start.elapsed().as_secs_f64()
    }
}

#[derive(Clone, Copy)]
enum Op {
    Read,
    Refresh,
}

struct Ratios {
    rounds: usize,
    rows: Vec<String>,
    met: bool,
}

impl Ratios {
    /// Median per-operation times of plain and encrypted, and the median ratio.
    fn compare<S: TokenStore + Clone, E: TokenStore + Clone>(
        &self,
        rt: &tokio::runtime::Runtime,
        plain: &Side<S>,
        encrypted: &Side<E>,
        op: Op,
    ) -> (f64, f64, f64) {
        // Warm up, and size the batches from the plain side's speed.
        let probe = plain.time(rt, op, 20) / 20.0;
        encrypted.time(rt, op, 20);
        let n = ((BATCH.as_secs_f64() / probe.max(1e-9)) as u32).clamp(20, 200_000);
        let (mut p, mut e, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..self.rounds {
            let (tp, te) = if round % 2 == 0 {
                let tp = plain.time(rt, op, n);
                (tp, encrypted.time(rt, op, n))
            } else {
                let te = encrypted.time(rt, op, n);
                (plain.time(rt, op, n), te)
            };
            p.push(tp / f64::from(n));
            e.push(te / f64::from(n));
            r.push(te / tp);
        }
        (median(p), median(e), median(r))
    }
}

impl Visit for Ratios {
    fn visit<S: TokenStore + Clone>(
        &mut self,
        rt: &tokio::runtime::Runtime,
        name: &str,
        plain: S,
        encrypted: Arc<EncryptedStore<S>>,
    ) {
        let plain = Side::new(rt, plain, PLAIN);
        let encrypted = Side::new(rt, encrypted, SEALED);
        let (rp, re, rr) = self.compare(rt, &plain, &encrypted, Op::Read);
        let (fp, fe, fr) = self.compare(rt, &plain, &encrypted, Op::Refresh);
        // The memory store does no I/O for sealing to hide behind: its row is shown, not held
        // to the bound.
        let held = name != "memory";
        let ok = rr <= TARGET && fr <= TARGET;
        if held {
            self.met &= ok;
        }
        self.rows.push(format!(
            "| {name} | {} | {} | {rr:.3} | {} | {} | {fr:.3} | {} |",
            us(rp),
            us(re),
            us(fp),
            us(fe),
            if !held {
                "–"
            } else if ok {
                "yes"
            } else {
                "NO"
            }
        ));
    }
}

fn us(seconds: f64) -> String {
    format!("{:.1} µs", seconds * 1e6)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut rounds = 15;
    while let Some(arg) = args.next() {
        if arg == "--rounds" {
            rounds = args
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(15)
                .max(1);
        }
    }
    let rt = runtime();
    let mut ratios = Ratios {
        rounds,
        rows: Vec::new(),
        met: true,
    };
    each_store(&rt, &mut ratios);
    println!(
        "store_ratios: {rounds} rounds, batches of about {BATCH:?} per side, plain and encrypted alternating"
    );
    println!();
    println!(
        "| store | read, plain | read, encrypted | ratio | refresh-and-persist, plain | encrypted | ratio | within 10 % |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for row in &ratios.rows {
        println!("{row}");
    }
    println!();
    println!(
        "encrypted within 10 % of plain over file, Redis and PostgreSQL: {}",
        if ratios.met { "yes" } else { "NO" }
    );
}
