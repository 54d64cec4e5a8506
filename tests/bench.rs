//! `sidekick-bench`: the whole app's figures, printed as one table and written to
//! `BENCHMARKS.md`. Figures, never asserts: a slow machine prints slow figures.
//!
//! Run by `scripts/bench.sh` (release build, display, keychain); see the method text below (it
//! is written into `BENCHMARKS.md` with the figures).
//!
//! Environment: `SIDEKICK_APP_BIN`, `SIDEKICK_SIM_BIN` (the release binaries), `BENCH_SOAK_CALLS`
//! (default 1,000), `BENCH_EVENTS` (default 500), `BENCH_IDLE_SECS` (default 60),
//! `BENCH_LAUNCHES` (default 10), `BENCH_OTHER` (a file with the other benchmarks' output),
//! `BENCH_OUT` (where the report goes; default `BENCHMARKS.md`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::{app_bin, root, App, Sim};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const PATIENCE: Duration = Duration::from_secs(15);
/// The agents: the first app signs in as the first, the second (no poll pause) as the second, so
/// the first one's session ending on the gateway is never in the way.
const AGENTS: [u32; 2] = [501, 502];
const PASSWORD: &str = "bench-pw-501";
const KEY_HEX: &str = "00112233445566778899aabbccddeeff";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

// ---------------------------------------------------------------------------------------------
// Processes: a process and all its descendants, their memory and CPU time.

/// Every process's parent, from `/proc/<pid>/stat`.
fn parents() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Some(fields) = stat_fields(pid) {
            if let Some(ppid) = fields.get(1).and_then(|f| f.parse().ok()) {
                map.insert(pid, ppid);
            }
        }
    }
    map
}

/// The fields of `/proc/<pid>/stat` after the command name: index 0 is the state (field 3).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// `pid` and every process below it.
fn tree(pid: u32) -> Vec<u32> {
    let parents = parents();
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parents.iter().filter(|(_, &pp)| pp == p).map(|(&c, _)| c));
        i += 1;
    }
    out
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|s| s.trim().to_owned()).unwrap_or_else(|_| "?".into())
}

#[derive(Clone, Default)]
struct Mem {
    rss_kib: u64,
    pss_kib: u64,
    uss_kib: u64,
    /// PSS by process name (summed over processes of one name), KiB.
    by_name: BTreeMap<String, u64>,
    processes: usize,
}

impl Mem {
    fn mib(kib: u64) -> f64 {
        kib as f64 / 1024.0
    }
}

/// RSS, PSS and USS (private clean + private dirty) summed over `pid`'s tree, from
/// `/proc/<pid>/smaps_rollup`.
fn tree_mem(pid: u32) -> Mem {
    let mut m = Mem::default();
    for p in tree(pid) {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) else { continue };
        let field = |name: &str| -> u64 {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let pss = field("Pss:");
        m.rss_kib += field("Rss:");
        m.pss_kib += pss;
        m.uss_kib += field("Private_Clean:") + field("Private_Dirty:");
        *m.by_name.entry(comm(p)).or_default() += pss;
        m.processes += 1;
    }
    m
}

/// User + system CPU time of `pid`'s tree, in clock ticks.
fn tree_ticks(pid: u32) -> u64 {
    tree_ticks_by_name(pid).values().sum()
}

/// User + system CPU ticks of each process of `pid`'s tree, by name.
fn tree_ticks_by_name(pid: u32) -> std::collections::BTreeMap<String, u64> {
    let mut by = std::collections::BTreeMap::new();
    for p in tree(pid) {
        if let Some(f) = stat_fields(p) {
            let t = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            *by.entry(comm(p)).or_default() += t;
        }
    }
    by
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The running process whose executable is `bin` (the app under WebDriver, started by
/// WebKitWebDriver rather than by us).
fn pid_of(bin: &Path) -> Option<u32> {
    let want = std::fs::canonicalize(bin).ok()?;
    // The newest one (start time, field 22): an earlier app may still be quitting.
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            (std::fs::read_link(format!("/proc/{pid}/exe")).ok()? == want).then_some(pid)
        })
        .max_by_key(|&pid| stat_fields(pid).and_then(|f| f.get(19).and_then(|v| v.parse::<u64>().ok())).unwrap_or(0))
}

/// Stops a process tree: SIGKILL to every member (the app's WebKit children would otherwise
/// outlive a killed parent for a moment and count in the next measurement).
async fn kill_tree(pid: u32) {
    let members = tree(pid);
    for p in &members {
        let _ = std::process::Command::new("kill").arg("-KILL").arg(p.to_string()).status();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && members.iter().any(|p| Path::new(&format!("/proc/{p}")).exists() && stat_fields(*p).is_some_and(|f| f[0] != "Z")) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Launching the app by itself (no WebDriver), as a person would.

struct Plain {
    child: tokio::process::Child,
    _dirs: tempfile::TempDir,
    /// Spawn → the app's "first screen shown" line.
    ready_after: Duration,
    /// The app's own figure (from `run()`), ms.
    own_ms: u64,
}

async fn launch_plain(args: &[&str]) -> Plain {
    let dirs = tempfile::tempdir().expect("temp dir");
    let spawned = Instant::now();
    let mut child = Command::new(app_bin())
        .args(args)
        .env("XDG_CONFIG_HOME", dirs.path().join("config"))
        .env("XDG_DATA_HOME", dirs.path().join("data"))
        .env("XDG_CACHE_HOME", dirs.path().join("cache"))
        .env("SIDEKICK_MULTI_INSTANCE", "1")
        .env("SIDEKICK_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("launch the app");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("first screen shown") {
                let own = line.split("ms=").nth(1).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok()).unwrap_or(0);
                return Some((spawned.elapsed(), own));
            }
        }
        None
    })
    .await;
    let (ready_after, own_ms) = found.ok().flatten().expect("the app said its first screen is shown within 60 s");
    // Keep draining stderr so the app never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Plain { child, _dirs: dirs, ready_after, own_ms }
}

impl Plain {
    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }
    async fn stop(self) {
        kill_tree(self.pid()).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The browser panel: the same UI build, served over HTTP, in Chromium's app mode.

/// Serves `dir` on loopback: GET only, whole files, one request a connection.
async fn serve_static(dir: PathBuf) -> u16 {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let dir = dir.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = 0;
                while got < buf.len() {
                    match sock.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                    if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..got]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_owned();
                let rel = if path == "/" { "index.html".to_owned() } else { path.trim_start_matches('/').replace("..", "") };
                let (status, body, kind) = match std::fs::read(dir.join(&rel)) {
                    Ok(b) => {
                        let kind = match rel.rsplit('.').next() {
                            Some("html") => "text/html; charset=utf-8",
                            Some("js") => "text/javascript",
                            Some("css") => "text/css",
                            Some("svg") => "image/svg+xml",
                            Some("png") => "image/png",
                            Some("woff2") => "font/woff2",
                            _ => "application/octet-stream",
                        };
                        ("200 OK", b, kind)
                    }
                    Err(_) => ("404 Not Found", b"not found".to_vec(), "text/plain"),
                };
                let header = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = sock.write_all(header.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    port
}

fn chromium_bin() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.exists())
    })
}

fn version_of(bin: &Path) -> String {
    std::process::Command::new(bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Chromium's memory showing the UI with the fake backend, `settle` after it started.
async fn chromium_panel(settle: Duration) -> Result<(Mem, String), String> {
    let bin = chromium_bin().ok_or("Chromium is not installed (scripts/bench.sh installs Debian's `chromium`)")?;
    let port = serve_static(root().join("ui/dist")).await;
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&bin);
    cmd.arg(format!("--app=http://127.0.0.1:{port}/"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--no-first-run", "--no-default-browser-check", "--window-size=400,640"]);
    // Chromium refuses to run as root with its sandbox (CI runs as root).
    if std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0")) {
        cmd.arg("--no-sandbox");
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn().map_err(|e| e.to_string())?;
    let pid = child.id().ok_or("Chromium exited at once")?;
    tokio::time::sleep(settle).await;
    let mem = tree_mem(pid);
    kill_tree(pid).await;
    drop(child);
    Ok((mem, version_of(&bin)))
}

// ---------------------------------------------------------------------------------------------
// The app under WebDriver, signed in to the simulator.

async fn sign_in_on(sim: &Sim, agent: u32, env: &[(&str, &str)]) -> App {
    let mut env = env.to_vec();
    env.push(("SIDEKICK_LOG", "info"));
    let app = App::launch_full(
        &[],
        &env,
        Some(json!({
            "recordingPath": "odfs",
            "odfsUrl": sim.odfs_url,
            "odfsAppKey": "tenant-1",
            "odfsFlowAccessCode": "10086",
        })),
    )
    .await;
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    app.click("#open-settings").await;
    app.fill("#call-data-key", KEY_HEX).await;
    app.click("#save-call-data-key").await;
    app.wait_attr("[data-testid=settings-call-data-key]", "data-saved", "true", PATIENCE).await;
    app.fill("#odfs-secret", "odfs-secret").await;
    app.click("#save-odfs-secret").await;
    app.wait_attr("[data-testid=settings-odfs-secret]", "data-saved", "true", PATIENCE).await;
    app.click("#close-settings").await;
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    app.fill("#gateway-url", &sim.gateway_url).await;
    app.fill("#agent-id", &agent.to_string()).await;
    app.fill("#password", PASSWORD).await;
    app.fill("#phone-number", "40501").await;
    app.click("#sign-in").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    app
}

/// Records, in the page, when each call card state first appears in the DOM (epoch ms, from
/// `performance.timeOrigin + performance.now()`).
const OBSERVE: &str = r#"
window.__bench = { seen: {} };
const mark = () => {
  const card = document.querySelector('[data-testid=call-card]');
  if (!card) return;
  const key = card.dataset.callId + ':' + card.dataset.state;
  if (!(key in window.__bench.seen)) window.__bench.seen[key] = performance.timeOrigin + performance.now();
};
new MutationObserver(mark).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-call-id'] });
mark();
"#;

/// One call of the shift, worked in the page as an agent would with the mouse: waits for the
/// answered call, types a note, attaches it and waits until the gateway confirmed it, starts the
/// recording and waits for ODFS, hangs up and waits for the end.
const WORK_CALL: &str = r#"
const [callId, text, done] = arguments;
const until = (what, pred, ms) => new Promise((ok, fail) => {
  const start = performance.now();
  const tick = () => {
    const v = pred();
    if (v) return ok(v);
    if (performance.now() - start > ms) return fail(new Error('timed out waiting for ' + what));
    setTimeout(tick, 5);
  };
  tick();
});
const card = (state) => document.querySelector(`[data-testid=call-card][data-call-id="${callId}"][data-state=${state}]`);
const steps = [];
let last = performance.now();
const step = () => { const now = performance.now(); steps.push(now - last); last = now; };
(async () => {
  await until('the answered call', () => card('talking'), 10000);
  step();
  const area = await until('the notes editor', () => document.querySelector('#note-text'), 5000);
  area.value = text;
  area.dispatchEvent(new Event('input', { bubbles: true }));
  const attach = await until('Attach enabled', () => document.querySelector('#note-attach:not(:disabled)'), 5000);
  attach.click();
  await until('the note confirmed', () => document.querySelector('[data-testid=note][data-delivery=confirmed]'), 10000);
  step();
  (await until('Record', () => document.querySelector('#record-start:not(:disabled)'), 5000)).click();
  await until('the recording confirmed', () => document.querySelector('[data-testid=recording][data-state=recording]'), 10000);
  step();
  (await until('Hang up', () => document.querySelector('#call-hangup:not(:disabled)'), 5000)).click();
  await until('the end', () => card('ended'), 10000);
  step();
  // When this call's card first appeared, in any state (the observer's marks; see OBSERVE).
  const marks = Object.entries(window.__bench.seen).filter(([k]) => k.startsWith(callId + ':')).map(([, v]) => v);
  for (const k of Object.keys(window.__bench.seen)) if (k.startsWith(callId + ':')) delete window.__bench.seen[k];
  return [marks.length ? Math.min(...marks) : null, steps];
})().then(([first, steps]) => done({ first, steps }), (e) => done({ error: String(e) }));
"#;

struct Latency {
    samples: Vec<f64>,
    missing: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Rings the agent `events` times, one call after another: each call rings (the caller gives up
/// after 40 ms), and the next comes once the page shows this one ended and `drain` has passed
/// (the call's remaining events are read, so the next ring meets a waiting long poll).
async fn event_to_screen(app: &App, sim: &Sim, agent: u32, events: usize, tag: &str, drain: Duration) -> Latency {
    app.client.execute(OBSERVE, vec![]).await.expect("install the observer");
    let mut samples = Vec::new();
    let mut missing = 0;
    for i in 0..events {
        let id = format!("lat-{tag}-{i}");
        let t0 = epoch_ms();
        sim.play_call(agent, json!({"caller": "+74950000000", "called": "40501", "callId": id, "ringMs": 40, "autoAnswer": false})).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let ended = format!("{id}:ended");
        let mut seen = Value::Null;
        while Instant::now() < deadline {
            seen = app.client.execute("return window.__bench.seen", vec![]).await.expect("read the marks");
            if seen.get(&ended).is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        match seen.get(format!("{id}:ringing")).and_then(Value::as_f64) {
            Some(t1) => samples.push(t1 - t0),
            None => missing += 1,
        }
        tokio::time::sleep(drain).await;
    }
    samples.sort_by(f64::total_cmp);
    Latency { samples, missing }
}

fn latency_figure(lat: &Latency) -> String {
    let (p50, p95, p99) = (percentile(&lat.samples, 50.0), percentile(&lat.samples, 95.0), percentile(&lat.samples, 99.0));
    format!(
        "p50 {p50:.1} ms, **p95 {p95:.1} ms**, p99 {p99:.1} ms, max {:.1} ms ({} rings, {} never shown)",
        lat.samples.last().copied().unwrap_or(f64::NAN),
        lat.samples.len(),
        lat.missing
    )
}

struct Soak {
    calls: usize,
    failed: Vec<String>,
    /// Ring → call card in the DOM, each call of the soak.
    latency: Latency,
    /// (calls done, PSS of the tree) at the start, every 100 calls and at the end.
    marks: Vec<(usize, Mem)>,
    took: Duration,
    /// Where a call's time went (the page's steps, CPU).
    profile: String,
}

/// The machine's busy and total CPU ticks (all cores), from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let all: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

async fn shift_soak(app: &App, sim: &Sim, agent: u32, pid: u32, calls: usize) -> Soak {
    app.client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(60)), None, None))
        .await
        .expect("script timeout");
    app.client.execute(OBSERVE, vec![]).await.expect("install the observer");
    let started = Instant::now();
    let mut marks = vec![(0, tree_mem(pid))];
    let mut failed = Vec::new();
    let mut latency = Latency { samples: Vec::new(), missing: 0 };
    // Where a call's time goes: the page's wait for each step (answered, note confirmed,
    // recording confirmed, ended), summed; and the CPU the app's tree and the machine used.
    let mut steps = [0.0f64; 4];
    let mut worked = 0usize;
    let (app_ticks, machine, by0) = (tree_ticks(pid), machine_ticks(), tree_ticks_by_name(pid));
    for i in 1..=calls {
        let id = format!("soak-{i}");
        let t0 = epoch_ms();
        sim.play_call(agent, json!({"caller": format!("+7495{:07}", i), "called": "40501", "callId": id, "ringMs": 20, "talkMs": 600000})).await;
        let text = format!("Call {i}: customer asked about order {}; callback agreed — перезвонить завтра", 4000 + i);
        match app.client.execute_async(WORK_CALL, vec![json!(id), json!(text)]).await {
            Ok(v) if v.get("error").is_none() => {
                worked += 1;
                for (sum, ms) in steps.iter_mut().zip(v["steps"].as_array().into_iter().flatten()) {
                    *sum += ms.as_f64().unwrap_or(0.0);
                }
                match v.get("first").and_then(Value::as_f64) {
                    Some(t1) => latency.samples.push(t1 - t0),
                    None => latency.missing += 1,
                }
            }
            Ok(v) => failed.push(format!("{id}: {}", v["error"])),
            Err(e) => failed.push(format!("{id}: {e}")),
        }
        if i % 100 == 0 || i == calls {
            marks.push((i, tree_mem(pid)));
            let last = &marks[marks.len() - 1].1;
            println!("  soak: {i} calls, PSS {:.1} MiB, {} failed, {:.0} s", Mem::mib(last.pss_kib), failed.len(), started.elapsed().as_secs_f64());
        }
        if failed.len() > 20 {
            println!("  soak stopped: more than 20 calls failed; first: {}", failed[0]);
            break;
        }
    }
    latency.samples.sort_by(f64::total_cmp);
    let took = started.elapsed();
    let hz = clock_ticks_per_second();
    let app_cpu = (tree_ticks(pid) - app_ticks) as f64 / hz / took.as_secs_f64() * 100.0;
    let (busy, all) = machine_ticks();
    let machine_busy = (busy - machine.0) as f64 / (all - machine.1).max(1) as f64 * 100.0;
    let n = calls.max(1) as f64;
    let per_worked = worked.max(1) as f64;
    let by = tree_ticks_by_name(pid)
        .into_iter()
        .map(|(k, v)| format!("{k} {:.0} ms", (v - by0.get(&k).copied().unwrap_or(0)) as f64 / hz * 1000.0 / n))
        .collect::<Vec<_>>()
        .join(", ");
    let profile = format!(
        "per call, mean: answered {:.0} ms, note confirmed {:.0} ms, recording confirmed {:.0} ms, ended {:.0} ms; CPU: the app's processes {app_cpu:.0} % of one core ({by} a call), the machine {machine_busy:.0} % busy",
        steps[0] / per_worked, steps[1] / per_worked, steps[2] / per_worked, steps[3] / per_worked
    );
    println!("  soak: {profile}");
    Soak { calls, failed, latency, marks, took, profile }
}

// ---------------------------------------------------------------------------------------------
// The report.

fn machine() -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).unwrap_or("?").trim().to_owned();
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let os = read("/etc/os-release")
        .lines()
        .find(|l| l.starts_with("PRETTY_NAME="))
        .map(|l| l.trim_start_matches("PRETTY_NAME=").trim_matches('"').to_owned())
        .unwrap_or_default();
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    let webkit = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    let bin = app_bin();
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    vec![
        ("CPU".into(), format!("{model}, {cores} logical cores")),
        ("memory".into(), format!("{:.1} GiB", mem_kib as f64 / 1024.0 / 1024.0)),
        ("system".into(), format!("{os}, Linux {kernel}")),
        ("display".into(), std::env::var("DISPLAY").map(|d| format!("X server {d} (Xvfb in the bench command)")).unwrap_or_else(|_| "none".into())),
        ("WebKitGTK".into(), if webkit.is_empty() { "?".into() } else { webkit }),
        ("app binary".into(), format!("{} ({:.1} MiB)", bin.display(), size as f64 / 1024.0 / 1024.0)),
    ]
}

struct Row {
    what: String,
    figure: String,
    goal: String,
    met: Option<bool>,
}

fn row(what: &str, figure: String, goal: &str, met: Option<bool>) -> Row {
    Row { what: what.into(), figure, goal: goal.into(), met }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("| measurement | figure | goal | met |\n|---|---|---|---|\n");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        out.push_str(&format!("| {} | {} | {} | {} |\n", r.what, r.figure, r.goal, met));
    }
    out
}

/// Lines of the other benchmarks' output worth a row: `(label, needle)`; the row shows the line.
fn other_rows(other: &str) -> Vec<Row> {
    let pick = |needle: &str| other.lines().find(|l| l.contains(needle)).map(|l| l.trim().to_owned());
    let mut rows = Vec::new();
    for (what, needle) in [
        ("notes: seal a 16 KB document", "document seal"),
        ("notes: open a 16 KB document", "document open"),
        ("notes: outbox drain after restart", "all 1000 notes confirmed"),
        ("Call Interactive answer latency", "p99"),
        ("CC-FS bill file (100,000 CDRs): unpack and parse", "unpack + parse"),
        (".deb size", "deb:"),
    ] {
        if let Some(line) = pick(needle) {
            rows.push(row(what, format!("`{}`", line.replace('|', "/")), "", None));
        }
    }
    rows
}

const METHOD: &str = r#"## Method

Everything runs on one machine under Xvfb (1280×800×24), the app built with the release profile,
the simulator (`sidekick-sim`, release) on loopback as every peer.

- **Memory** is read from `/proc/<pid>/smaps_rollup` of the process and every descendant (the app,
  `WebKitWebProcess`, `WebKitNetworkProcess`; Chromium's browser, zygotes, renderer, GPU and
  utility processes), summed: PSS (each shared page split between the processes sharing it),
  USS (private clean + private dirty) and RSS (which counts shared pages in every process, so it
  overstates a tree). **Idle**: the app started on its embedded demo (signed in, a call card
  showing, calls coming and going as in the README's run command), measured 30 s after it
  reported its first screen. **Browser panel**: Debian's Chromium in `--app` mode, fresh profile,
  showing the same `ui/dist` build served over HTTP on loopback, where the UI runs its scripted
  fake backend (the same demo: signed in, calls coming and going), measured 30 s after launch. As
  root (CI) Chromium needs `--no-sandbox`, which saves it the sandbox's helper process.
- **Cold start**: the time from spawning the process to the UI's "first screen shown" (the UI
  calls `window_shown` once the desk's state and the settings are loaded, Svelte has flushed the
  DOM, and an animation frame plus a task have passed, i.e. the frame is painted); the app logs it
  and the harness reads the line on the app's stderr. Fresh config directories each launch; the
  binary and libraries are in the page cache after the first launch, so this is a warm-cache
  process start. Median of N launches.
- **Event → screen**: the app signed in to the simulator through its form, long-polling. The
  harness takes the wall clock (`SystemTime`, epoch ms), then asks the simulator to ring the agent
  (an HTTP request on loopback; the simulator queues the ring's events while answering it and
  wakes the waiting poll). In the page, a `MutationObserver` notes `performance.timeOrigin +
  performance.now()` when a call card with that call id and state `ringing` is in the DOM. Both
  are this host's wall clock; the difference covers the simulator's HTTP handling, the poll's
  answer, the desk, the IPC event and Svelte's update. Each call is given up by the caller after
  40 ms, and the next rings once the page shows it ended and its last events are read. Two runs:
  polling as the vendor says (one event per answer, then a 200 ms pause: a ring is two events,
  "phone alerting" then "ringing", so the card waits one pause by protocol), 40 rings; and with
  no pause (`SIDEKICK_POLL_PAUSE_MS=0`, a benchmark-only setting), which leaves the app's own
  part: every ring of the 1,000-call soak below, from the harness's clock before the ring to the
  first mark of that call's card in any state (with `BENCH_EVENTS=N`, also N rings alone before
  the soak, each after the last one's events are read).
- **Idle CPU**: the same signed-in app, no calls, one long poll after another: user + system CPU
  ticks of the whole tree over the window, as a percentage of one core.
- **Shift soak** (no pause between polls, so a call's dozen events do not take seconds): calls
  played by the simulator one after another (answered after 20 ms); in each,
  the page (driven as a mouse would, from a script) types a note, attaches it and waits for the
  gateway's confirmation (set + read-back), starts the recording and waits for ODFS, hangs up and
  waits for the end. PSS of the tree at the start, every 100 calls and at the end; growth is
  measured from the 100-call mark (the first calls load code, fonts and caches once) and, for
  reference, from the start.
- The other figures come from the crates' own benchmarks, run by the same command.
"#;

#[tokio::main]
async fn main() {
    let launches = env_num("BENCH_LAUNCHES", 10);
    // The soak's 1,000 rings are the event → screen sample; BENCH_EVENTS rings alone, before it.
    let events = env_num("BENCH_EVENTS", 0);
    let idle_secs = env_num("BENCH_IDLE_SECS", 60);
    let soak_calls = env_num("BENCH_SOAK_CALLS", 1000);
    let settle = Duration::from_secs(env_num("BENCH_SETTLE_SECS", 30) as u64);
    let began = Instant::now();
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    // Cold start.
    println!("cold start: {launches} launches of `{} --demo`", app_bin().display());
    let mut starts = Vec::new();
    let mut own = Vec::new();
    for _ in 0..launches {
        let app = launch_plain(&["--demo"]).await;
        starts.push(app.ready_after.as_secs_f64() * 1000.0);
        own.push(app.own_ms as f64);
        app.stop().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let first = starts[0];
    let mut sorted = starts.clone();
    sorted.sort_by(f64::total_cmp);
    own.sort_by(f64::total_cmp);
    let cold = percentile(&sorted, 50.0);
    println!("  median {cold:.0} ms (first {first:.0} ms; min {:.0}, max {:.0})", sorted[0], sorted[sorted.len() - 1]);
    rows.push(row(
        "cold start: spawn → first screen (median)",
        format!("{cold:.0} ms (first launch {first:.0} ms; range {:.0}–{:.0}; from `run()`: {:.0} ms)", sorted[0], sorted[sorted.len() - 1], percentile(&own, 50.0)),
        "≤ 400 ms",
        Some(cold <= 400.0),
    ));

    // Idle memory, side by side.
    println!("idle memory: the app on its demo, {}s after its first screen", settle.as_secs());
    let app = launch_plain(&["--demo"]).await;
    tokio::time::sleep(settle).await;
    let mem = tree_mem(app.pid());
    app.stop().await;
    let parts = mem.by_name.iter().map(|(n, k)| format!("{n} {:.1}", Mem::mib(*k))).collect::<Vec<_>>().join(", ");
    println!("  PSS {:.1} MiB ({parts}); USS {:.1}; RSS {:.1}", Mem::mib(mem.pss_kib), Mem::mib(mem.uss_kib), Mem::mib(mem.rss_kib));
    rows.push(row(
        "idle memory, Sidekick (PSS of all processes)",
        format!("**{:.1} MiB** PSS ({parts}); USS {:.1} MiB; RSS {:.1} MiB; {} processes", Mem::mib(mem.pss_kib), Mem::mib(mem.uss_kib), Mem::mib(mem.rss_kib), mem.processes),
        "≤ 150 MiB",
        Some(Mem::mib(mem.pss_kib) <= 150.0),
    ));
    println!("idle memory: Chromium --app with the same UI, {}s after launch", settle.as_secs());
    match chromium_panel(settle).await {
        Ok((chrome, version)) => {
            let ratio = mem.pss_kib as f64 / chrome.pss_kib.max(1) as f64;
            println!("  PSS {:.1} MiB; USS {:.1}; RSS {:.1}; ratio {ratio:.2}", Mem::mib(chrome.pss_kib), Mem::mib(chrome.uss_kib), Mem::mib(chrome.rss_kib));
            rows.push(row(
                "idle memory, browser panel (Chromium `--app`)",
                format!("{:.1} MiB PSS; USS {:.1} MiB; RSS {:.1} MiB; {} processes ({version})", Mem::mib(chrome.pss_kib), Mem::mib(chrome.uss_kib), Mem::mib(chrome.rss_kib), chrome.processes),
                "",
                None,
            ));
            rows.push(row("Sidekick ÷ browser panel (PSS)", format!("**{ratio:.2}×**"), "≤ 0.5×", Some(ratio <= 0.5)));
        }
        Err(why) => {
            println!("  not measured: {why}");
            notes.push(format!("The browser panel was not measured: {why}."));
        }
    }

    // Signed in to the simulator, under WebDriver, polling as the vendor says (a 200 ms pause
    // after each answer): idle CPU, then rings.
    let sim = Sim::start(&[&format!("{}:{PASSWORD}", AGENTS[0]), &format!("{}:{PASSWORD}", AGENTS[1])]).await;
    let app = sign_in_on(&sim, AGENTS[0], &[]).await;
    let pid = pid_of(&app_bin()).expect("the app's process");
    tokio::time::sleep(Duration::from_secs(5)).await;
    println!("idle CPU: {idle_secs} s signed in, no calls");
    let hz = clock_ticks_per_second();
    let t0 = tree_ticks_by_name(pid);
    let w0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(idle_secs as u64)).await;
    let t1 = tree_ticks_by_name(pid);
    let secs = w0.elapsed().as_secs_f64();
    let used = |n: &String, t: &u64| t.saturating_sub(t0.get(n).copied().unwrap_or(0)) as f64 / hz / secs * 100.0;
    let cpu: f64 = t1.iter().map(|(n, t)| used(n, t)).sum();
    let by = t1.iter().map(|(n, t)| format!("{n} {:.2}", used(n, t))).collect::<Vec<_>>().join(", ");
    println!("  {cpu:.2} % of one core ({by})");
    rows.push(row(
        "idle CPU, signed in and long-polling, no calls",
        format!("{cpu:.2} % of one core over {idle_secs} s ({by}; tick {:.0} ms)", 1000.0 / hz),
        "≤ 0.3 %",
        Some(cpu <= 0.3),
    ));
    let vendor_events = env_num("BENCH_VENDOR_EVENTS", 40);
    println!("event → screen, vendor poll pause: {vendor_events} rings");
    let vendor = event_to_screen(&app, &sim, AGENTS[0], vendor_events, "vendor", Duration::from_millis(800)).await;
    println!("  {}", latency_figure(&vendor));
    rows.push(row("event → screen, polling as the vendor says (ring → call card in the DOM)", latency_figure(&vendor), "p95 ≤ 30 ms", Some(percentile(&vendor.samples, 95.0) <= 30.0 && vendor.missing == 0)));
    app.close().await;
    // The next app must not be mistaken for this one, nor share the machine with it.
    let deadline = Instant::now() + Duration::from_secs(15);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if Path::new(&format!("/proc/{pid}")).exists() {
        println!("  the first app had not quit 15 s after its session closed: stopped");
        kill_tree(pid).await;
    }

    // Again with no pause between polls: what the app itself adds, and a shift that goes fast.
    let app = sign_in_on(&sim, AGENTS[1], &[("SIDEKICK_POLL_PAUSE_MS", "0")]).await;
    let pid = pid_of(&app_bin()).expect("the app's process");
    if events > 0 {
        println!("event → screen, no poll pause: {events} rings");
        let lat = event_to_screen(&app, &sim, AGENTS[1], events, "fast", Duration::from_millis(60)).await;
        println!("  {}", latency_figure(&lat));
        rows.push(row("event → screen, no pause between polls, rings alone (the app's own part)", latency_figure(&lat), "p95 ≤ 30 ms", Some(percentile(&lat.samples, 95.0) <= 30.0 && lat.missing == 0)));
    }

    println!("shift soak: {soak_calls} calls with a note and a recording each");
    let soak = shift_soak(&app, &sim, AGENTS[1], pid, soak_calls).await;
    app.close().await;
    println!("  event → screen over the soak's rings: {}", latency_figure(&soak.latency));
    notes.push(format!("Where a soak call's time went: {}.", soak.profile));
    rows.push(row(
        "event → screen, no pause between polls, each ring of the soak (the app's own part, at work)",
        latency_figure(&soak.latency),
        "p95 ≤ 30 ms",
        Some(percentile(&soak.latency.samples, 95.0) <= 30.0 && soak.latency.missing == 0),
    ));
    let start = soak.marks[0].1.pss_kib as f64;
    let base = soak.marks.iter().find(|(n, _)| *n == 100).map(|(_, m)| m.pss_kib as f64).unwrap_or(start);
    let end = soak.marks[soak.marks.len() - 1].1.pss_kib as f64;
    let growth = (end - base) / base * 100.0;
    let growth_start = (end - start) / start * 100.0;
    let series = soak.marks.iter().map(|(n, m)| format!("{n}: {:.0}", Mem::mib(m.pss_kib))).collect::<Vec<_>>().join(", ");
    rows.push(row(
        "shift soak: PSS growth",
        format!(
            "**{growth:+.1} %** from call 100 to {} ({:+.1} % from the start); MiB by calls done: {series}; {} of {} calls failed; {:.0} s",
            soak.marks[soak.marks.len() - 1].0,
            growth_start,
            soak.failed.len(),
            soak.calls,
            soak.took.as_secs_f64()
        ),
        "≤ 10 %",
        Some(growth <= 10.0 && soak.failed.is_empty()),
    ));
    for f in soak.failed.iter().take(5) {
        notes.push(format!("Soak call failed: {f}"));
    }

    // Sizes and the other benchmarks.
    let dist = root().join("ui/dist/assets");
    let mut js = 0u64;
    let mut css = 0u64;
    let mut lazy = 0u64;
    for e in std::fs::read_dir(&dist).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        if name.starts_with("fake") {
            lazy += len;
        } else if name.ends_with(".js") {
            js += len;
        } else if name.ends_with(".css") {
            css += len;
        }
    }
    rows.push(row(
        "UI bundle the app loads",
        format!("{:.1} KiB JS + {:.1} KiB CSS (the browser-only fake backend, {:.1} KiB, is a separate chunk the app never loads)", js as f64 / 1024.0, css as f64 / 1024.0, lazy as f64 / 1024.0),
        "",
        None,
    ));
    if let Some(other) = std::env::var_os("BENCH_OTHER").and_then(|p| std::fs::read_to_string(p).ok()) {
        rows.extend(other_rows(&other));
    }

    let took = began.elapsed();
    let mut report = String::from("# Benchmarks\n\nWritten by `scripts/bench.sh` (the harness is `tests/bench.rs`); the latest run replaces this file.\n\n## Machine\n\n");
    for (k, v) in machine() {
        report.push_str(&format!("- {k}: {v}\n"));
    }
    report.push_str(&format!("- when: {} (harness time {:.0} s)\n\n## Figures\n\n", chrono_like_now(), took.as_secs_f64()));
    report.push_str(&table(&rows));
    if !notes.is_empty() {
        report.push('\n');
        for n in &notes {
            report.push_str(&format!("- {n}\n"));
        }
    }
    report.push('\n');
    report.push_str(METHOD);
    println!("\n{}", table(&rows));
    let out = std::env::var_os("BENCH_OUT").map(PathBuf::from).unwrap_or_else(|| root().join("BENCHMARKS.md"));
    std::fs::write(&out, report).expect("write the report");
    println!("written to {}", out.display());
    drop(sim);
}

/// The date and time now, UTC, from `date` (the harness has no calendar crate).
fn chrono_like_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
