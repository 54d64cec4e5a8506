//! Response latency of the Call Interactive endpoint over loopback at a steady request rate.
//!
//! Prints figures; asserts nothing about speed (the goal is p99 under 5 ms at 200 requests a
//! second). Run with `cargo run --release -p sidekick-benches --bin ci_latency`. `BENCH_SECONDS=N`
//! changes how long it sends (default 60), `BENCH_RATE=N` the requests per second (default 200).
//!
//! - Server: the real [`router`] served with [`serve`] on `127.0.0.1:0`, in a runtime of its own
//!   (two worker threads), answering from the rules of `tests/fixtures/rules/route_back.json`
//!   with a call-history lookup, so each request is parsed, popped (into a channel drained by a
//!   task), decided, checked and written as XML. The rate limit allows the benchmark's rate, so
//!   it is consulted on every request without refusing one.
//! - Client: one reqwest client (keep-alive) on a single-threaded runtime, alternating a GET with
//!   the vendor's example query and a POST with a Cyrillic form body. It is open-loop: a request
//!   starts every 1/rate seconds whether or not earlier ones have answered, so a slow answer
//!   cannot hide by holding back the next request.
//! - Latency is measured twice: from the moment the request was sent to its full answer
//!   (`service`, the figure the goal is about), and from the moment it was due (`scheduled`,
//!   which adds the lateness of the client's own timer: tokio's timers fire on whole
//!   milliseconds, so this adds up to about 1 ms even on an idle machine). The first second is a
//!   warm-up and is not counted.

use std::sync::Arc;
use std::time::Duration;

use sidekick_interactive::rules::{decide, Rule, TimeOfDay};
use sidekick_interactive::{
    router, serve, AccessToken, CallInteractiveRequest, DecideError, InteractiveState, RateLimit, ServerConfig,
};
use tokio::time::{Instant, MissedTickBehavior};

const RULES: &str = include_str!("../../../interactive/tests/fixtures/rules/route_back.json");
const GET_QUERY: &str = include_str!("../../../interactive/tests/fixtures/requests/vendor_example.query");
const POST_FORM: &str = include_str!("../../../interactive/tests/fixtures/requests/cyrillic_post.form");
const WARM_UP: Duration = Duration::from_secs(1);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

/// One request's outcome.
struct Sample {
    counted: bool,
    ok: bool,
    service: Duration,
    scheduled: Duration,
}

fn main() {
    let seconds = env_number("BENCH_SECONDS", 60);
    let rate = env_number("BENCH_RATE", 200);

    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (base_url, token) = server.block_on(start_server(rate));

    let client = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    println!(
        "sidekick-interactive: {rate} requests/s for {seconds} s (+1 s warm-up) to {base_url}/ci/<token> over loopback"
    );
    let samples = client.block_on(send_steadily(&format!("{base_url}/ci/{token}"), rate, seconds));
    report(&samples);
}

/// Serves the endpoint; returns its base URL and token.
async fn start_server(rate: u64) -> (String, String) {
    let rules: Arc<Vec<Rule>> = Arc::new(serde_json::from_str(RULES).expect("the rules fixture reads"));
    let noon = TimeOfDay::new(12, 0).expect("a time");
    let decider = move |call: Arc<CallInteractiveRequest>| {
        let rules = rules.clone();
        async move {
            let history = |number: &str| (number == "000*306").then_some(Duration::from_secs(3600));
            decide(&rules, &call, noon, &history, Some("4012")).map_err(DecideError::from)
        }
    };
    let (pops, mut popped) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(async move { while popped.recv().await.is_some() {} });
    let token = AccessToken::generate();
    let mut config = ServerConfig::new(token.clone());
    let rate = u32::try_from(rate).unwrap_or(u32::MAX);
    config.rate_limit = RateLimit { burst: rate, per_second: rate.saturating_mul(2) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let addr = listener.local_addr().expect("bound");
    let app = router(InteractiveState::new(config, decider, pops));
    tokio::spawn(async move { serve(listener, app).await.expect("the server runs") });
    (format!("http://{addr}"), token.expose().to_owned())
}

async fn send_steadily(url: &str, rate: u64, seconds: u64) -> Vec<Sample> {
    let client = reqwest::Client::new();
    let start = Instant::now();
    let counted_from = start + WARM_UP;
    let until = counted_from + Duration::from_secs(seconds);
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    // Late ticks fire at once, as an open-loop sender should.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for n in 0u64.. {
        let due = ticks.tick().await;
        if due >= until {
            break;
        }
        let request = if n % 2 == 0 {
            client.get(format!("{url}?{}", GET_QUERY.trim()))
        } else {
            client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(POST_FORM.trim().to_owned())
        };
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = match request.send().await {
                Ok(response) => {
                    response.status().is_success() && response.text().await.is_ok_and(|b| b.contains("<Response"))
                }
                Err(_) => false,
            };
            let done = Instant::now();
            Sample { counted: due >= counted_from, ok, service: done - sent, scheduled: done - due }
        }));
    }
    let mut samples = Vec::with_capacity(tasks.len());
    for task in tasks {
        samples.push(task.await.expect("a request task"));
    }
    samples
}

fn report(samples: &[Sample]) {
    let counted: Vec<&Sample> = samples.iter().filter(|s| s.counted).collect();
    let failed = counted.iter().filter(|s| !s.ok).count();
    println!("requests: {} counted ({} in warm-up), {} failed", counted.len(), samples.len() - counted.len(), failed);
    for (label, pick) in
        [("service", (|s: &Sample| s.service) as fn(&Sample) -> Duration), ("scheduled", |s| s.scheduled)]
    {
        let mut latencies: Vec<Duration> = counted.iter().map(|s| pick(s)).collect();
        latencies.sort_unstable();
        let at = |p: f64| {
            // Nearest rank.
            let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len().max(1));
            latencies.get(rank - 1).copied().unwrap_or_default()
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{label:>9}: p50 {:.3} ms  p95 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
            ms(at(0.50)),
            ms(at(0.95)),
            ms(at(0.99)),
            ms(latencies.last().copied().unwrap_or_default())
        );
    }
}
