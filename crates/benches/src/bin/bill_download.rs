//! Time to download, unpack and parse a CC-FS bill file of 100,000 CDRs (and the recording
//! index of the recorded half of them), from the CC-FS simulator on loopback.
//!
//! Prints figures; asserts nothing about speed. Run with
//! `cargo run --release -p sidekick-benches --bin bill_download`; `BENCH_ROWS=N` changes the number of
//! calls (default 100,000), `BENCH_RUNS=N` the number of timed runs (default 5).
//!
//! - `download`: `downloadBillFile`, signed, until the last byte of the ZIP is in memory;
//! - `unpack + parse`: `parse_bill_zip`, which inflates each CSV and reads it into rows;
//! - `total`: both.
//!
//! The simulator generates the ZIP when the query arrives (not timed); the callback that names the
//! file is received by a small server in this program.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use chrono::Utc;
use sidekick_aicc::ccfs::{parse_bill_zip, BillFilters, BillQuery, CallbackBody, CcfsClient, CcfsConfig, Credentials, DataType, SignOptions, CALLBACK_SUCCESS};
use sidekick_aicc::tls::TlsTrust;
use sidekick_sim::ccfs::CcfsRules;
use sidekick_sim::Scenario;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let rows = env("BENCH_ROWS", 100_000);
    let runs = env("BENCH_RUNS", 5);
    let rules = CcfsRules { callback_delay: Duration::from_millis(10), ..CcfsRules::default() };
    let sim = sidekick_sim::spawn(Scenario { ccfs: rules, ..Scenario::default() }).await.expect("the simulators start");
    sim.ccfs.seed(rows, 101, Duration::from_secs(48 * 3600));

    let names = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = names.clone();
    let app = axum::Router::new().route(
        "/cb",
        post(move |body: Bytes| {
            let seen = seen.clone();
            async move {
                if let Ok(b) = serde_json::from_slice::<CallbackBody>(&body) {
                    seen.lock().unwrap_or_else(|p| p.into_inner()).push(b.msg_body.bill_file_name);
                }
                CALLBACK_SUCCESS
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let callback = format!("http://{}/cb", listener.local_addr().expect("address")).parse().expect("url");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let rules = sim.ccfs.rules();
    let config = CcfsConfig { base_url: sim.ccfs_url.parse().expect("url"), zone: rules.zone, tls: TlsTrust::default(), sign: SignOptions::default() };
    let client = CcfsClient::new(config, Credentials::new(&rules.ak, &rules.sk)).expect("client");
    let end = Utc::now().with_timezone(&rules.zone).naive_local();
    let end = end - chrono::Duration::nanoseconds(end.and_utc().timestamp_subsec_nanos() as i64);
    let query = BillQuery { begin: end - chrono::Duration::hours(49), end, filters: BillFilters::default(), data_type: DataType::CallRecord };
    let generated = Instant::now();
    client.query_bill_data(&query, &callback).await.expect("queryBillData");
    let file = loop {
        if let Some(name) = names.lock().unwrap_or_else(|p| p.into_inner()).first().cloned() {
            break name;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let generated = generated.elapsed();

    let mut download = Vec::new();
    let mut parse = Vec::new();
    let (mut zip_bytes, mut cdrs, mut records) = (0, 0, 0);
    for _ in 0..runs + 1 {
        let t = Instant::now();
        let zip = client.download_bill_file(&file).await.expect("downloadBillFile");
        let d = t.elapsed();
        let t = Instant::now();
        let bill = parse_bill_zip(&zip).expect("the ZIP parses");
        let p = t.elapsed();
        (zip_bytes, cdrs, records) = (zip.len(), bill.calls.len(), bill.records.len());
        download.push(d);
        parse.push(p);
    }
    // The first run warms up (connections, allocator); it is not counted.
    download.remove(0);
    parse.remove(0);
    if cdrs != rows {
        eprintln!("the file holds {cdrs} CDRs, not {rows}: the figures below are not for the intended size");
    }
    let total: Vec<Duration> = download.iter().zip(&parse).map(|(d, p)| *d + *p).collect();
    println!(
        "sidekick-aicc bill_download: {cdrs} CDRs + {records} recording indexes, ZIP {:.1} MiB; the simulator made it and called back in {:.0} ms (not counted)",
        zip_bytes as f64 / 1_048_576.0,
        generated.as_secs_f64() * 1000.0
    );
    println!("{runs} runs after one warm-up; median (min–max):");
    let mut median_total = 0.0;
    for (name, times) in [("download", &download), ("unpack + parse", &parse), ("total", &total)] {
        let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        median_total = ms[ms.len() / 2];
        println!("  {name:<15} {:>8.1} ms  ({:.1}–{:.1})", ms[ms.len() / 2], ms[0], ms[ms.len() - 1]);
    }
    println!("  rows per second (total, median): {:.0}", (cdrs + records) as f64 / (median_total / 1000.0));
}
