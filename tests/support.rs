//! Harness for the end-to-end tests: starts `sidekick-sim` and `tauri-driver`, launches the real
//! app binary in a real window through WebKitWebDriver, and gives the tests a WebDriver client
//! with patient element helpers.
//!
//! Needs a display (the test command runs it under Xvfb), `tauri-driver` and `WebKitWebDriver` on
//! `PATH`, and the binaries built first (`cargo build -p sidekick -p sidekick-sim`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn bin(name: &str) -> PathBuf {
    // The benchmark runs the release simulator.
    if let Some(p) = std::env::var_os("SIDEKICK_SIM_BIN").filter(|_| name == "sidekick-sim") {
        return PathBuf::from(p);
    }
    let dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    let p = dir.join("debug").join(name);
    assert!(p.exists(), "{} is missing: run `cargo build -p sidekick -p sidekick-sim` first", p.display());
    p
}

/// The app binary the window tests launch: `SIDEKICK_APP_BIN` when set (the installed package's
/// `/usr/bin/sidekick`), otherwise the debug build.
pub fn app_bin() -> PathBuf {
    match std::env::var_os("SIDEKICK_APP_BIN") {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(p.exists(), "SIDEKICK_APP_BIN={} does not exist", p.display());
            p
        }
        None => bin("sidekick"),
    }
}

/// Where screenshots go.
pub fn shots_dir() -> PathBuf {
    let d = root().join("target/e2e");
    std::fs::create_dir_all(&d).expect("create target/e2e");
    d
}

/// How long opening a WebDriver session (starting the app) may take.
const SESSION_PATIENCE: Duration = Duration::from_secs(45);

/// A TCP port free on loopback now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A process stopped with SIGTERM on drop (tauri-driver only stops its WebKitWebDriver on a
/// catchable signal), then killed if it lingers.
pub struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.start_kill();
    }
}

/// A desktop notification service on the test's D-Bus session and X display (dunst), which a
/// test can ask what it shows and click as a person would (`dunstctl`).
pub struct Notifications {
    _daemon: Proc,
}

impl Notifications {
    /// Starts dunst and waits until it answers.
    pub async fn start() -> Notifications {
        let child = Command::new("dunst")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("dunst on PATH (scripts/setup.sh installs it with SETUP_E2E=1)");
        let service = Notifications { _daemon: Proc(child) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Self::dunstctl(&["count", "displayed"]).await.is_none() {
            assert!(Instant::now() < deadline, "dunst did not answer on D-Bus within 10 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        service
    }

    async fn dunstctl(args: &[&str]) -> Option<String> {
        let out = Command::new("dunstctl").args(args).output().await.ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// How many notifications are on screen.
    pub async fn displayed(&self) -> usize {
        Self::dunstctl(&["count", "displayed"]).await.and_then(|n| n.parse().ok()).unwrap_or(0)
    }

    /// Clicks the newest notification (its default action).
    pub async fn click_newest(&self) {
        assert!(Self::dunstctl(&["action", "0"]).await.is_some(), "dunstctl action failed");
    }
}

/// Sends one Call Interactive request as the simulated Telphin PBX does (`sidekick-sim pbx`) to
/// `url` with the extra `args`, and returns the answer it parsed and checked (one JSON object),
/// or panics with what the simulator found wrong.
pub async fn pbx(url: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(bin("sidekick-sim"))
        .arg("pbx")
        .arg("--url")
        .arg(url)
        .args(args)
        .output()
        .await
        .expect("run sidekick-sim pbx");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the PBX found the answer wrong: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("sidekick-sim pbx printed {stdout:?}: {e}"))
}

/// A running headless relay (`sidekick relay`, the app's own binary with no window).
pub struct Relay {
    /// Where the apps connect for screen pops (`ws://127.0.0.1:<port>/pops`).
    pub pops_url: String,
    /// The PBX's URL, token included.
    pub pbx_url: String,
    _proc: Proc,
}

impl Relay {
    /// Starts the relay on a free loopback port with `token` for the PBX, `key` for the apps, and
    /// `rules` (the app's rule JSON) written to a file.
    pub async fn start(token: &str, key: &str, rules: serde_json::Value) -> Relay {
        let dir = std::env::temp_dir().join(format!("sidekick-e2e-relay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("relay temp dir");
        let rules_file = dir.join("rules.json");
        std::fs::write(&rules_file, rules.to_string()).expect("write the relay's rules");
        let port = free_port();
        let mut child = Command::new(bin("sidekick"))
            .args(["relay", "--listen", &format!("127.0.0.1:{port}"), "--rules"])
            .arg(&rules_file)
            .env("SIDEKICK_CI_TOKEN", token)
            .env("SIDEKICK_RELAY_KEY", key)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn sidekick relay");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("the relay said it listens in time")
            .expect("read the relay's output")
            .unwrap_or_default();
        assert!(line.starts_with("sidekick relay listening on"), "{line}");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Relay {
            pops_url: format!("ws://127.0.0.1:{port}/pops"),
            pbx_url: format!("http://127.0.0.1:{port}/ci/{token}"),
            _proc: Proc(child),
        }
    }
}

/// A running `sidekick-sim`.
pub struct Sim {
    /// Base URL of its CC-Gateway.
    pub gateway_url: String,
    /// Base URL of its ODFS.
    pub odfs_url: String,
    /// Base URL of its CC-FS.
    pub ccfs_url: String,
    /// Its Era token API (`ws://127.0.0.1:PORT/ws/token/v1`).
    pub era_url: String,
    _proc: Proc,
}

impl Sim {
    /// Starts the simulator with the given agents (`id:password`).
    pub async fn start(agents: &[&str]) -> Sim {
        Self::start_with(agents, &[]).await
    }

    /// Starts the simulator with the given agents and extra command-line options.
    pub async fn start_with(agents: &[&str], options: &[&str]) -> Sim {
        let mut cmd = Command::new(bin("sidekick-sim"));
        cmd.args(options);
        for a in agents {
            cmd.arg("--agent").arg(a);
        }
        let mut child = cmd.stdout(Stdio::piped()).kill_on_drop(true).spawn().expect("spawn sidekick-sim");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("sidekick-sim printed its address in time")
            .expect("read sidekick-sim output")
            .unwrap_or_default();
        let gateway_url = line.trim().strip_prefix("gateway ").expect("first line is `gateway <url>`").to_owned();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("sidekick-sim printed its ODFS address in time")
            .expect("read sidekick-sim output")
            .unwrap_or_default();
        let odfs_url = line.trim().strip_prefix("odfs ").expect("second line is `odfs <url>`").to_owned();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("sidekick-sim printed its CC-FS address in time")
            .expect("read sidekick-sim output")
            .unwrap_or_default();
        let ccfs_url = line.trim().strip_prefix("ccfs ").expect("third line is `ccfs <url>`").to_owned();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("sidekick-sim printed its Era address in time")
            .expect("read sidekick-sim output")
            .unwrap_or_default();
        let era_url = line.trim().strip_prefix("era ").expect("fourth line is `era <url>`").to_owned();
        // Keep reading (anything later), so the simulator never writes to a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Sim { gateway_url, odfs_url, ccfs_url, era_url, _proc: Proc(child) }
    }

    /// Plays an inbound call to a signed-in agent through the control surface.
    pub async fn play_call(&self, agent: u32, body: serde_json::Value) {
        let url = format!("{}_sim/gateway/agents/{agent}/calls", self.gateway_url);
        let resp = reqwest::Client::new().post(url).json(&body).send().await.expect("sim control reachable");
        assert!(resp.status().is_success(), "sim refused the call: {}", resp.text().await.unwrap_or_default());
    }
}

impl Sim {
    /// Freezes the simulator process (SIGSTOP): the gateway is "down" — connections hang
    /// unanswered — but keeps its sessions and calls, as a gateway behind a dead link does.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused simulator run again (SIGCONT): the gateway is back.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let pid = self._proc.0.id().expect("sidekick-sim is running");
        let ok = std::process::Command::new("kill").arg(sig).arg(pid.to_string()).status().expect("kill").success();
        assert!(ok, "kill {sig} {pid} failed");
    }

    /// The call data the gateway holds for `call_id` (decoded bytes), if any was set.
    pub async fn call_data(&self, call_id: &str) -> Option<Vec<u8>> {
        let url = format!("{}_sim/gateway/calls/{call_id}/calldata", self.gateway_url);
        let body: serde_json::Value = reqwest::get(url).await.expect("sim control").json().await.expect("json");
        let b64 = body["base64"].as_str()?;
        use base64::Engine;
        Some(base64::engine::general_purpose::STANDARD.decode(b64).expect("the control route answers Base64"))
    }

    /// Posts `body` to an ODFS control route (`refuse`, `delay`, …).
    pub async fn odfs_control(&self, action: &str, body: serde_json::Value) {
        let url = format!("{}_sim/odfs/{action}", self.odfs_url);
        let resp = reqwest::Client::new().post(url).json(&body).send().await.expect("sim control reachable");
        assert!(resp.status().is_success(), "sim refused odfs/{action}");
    }

    /// Reads a CC-FS control route (`queries`, `callbacks`, `calls`).
    pub async fn ccfs_get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}_sim/ccfs/{path}", self.ccfs_url);
        let resp = reqwest::get(&url).await.expect("sim control");
        assert!(resp.status().is_success(), "sim refused GET ccfs/{path}");
        resp.json().await.expect("JSON")
    }

    /// Posts to a CC-FS control route (`seed`, `callbacks/{id}/resend`); the answer's body.
    pub async fn ccfs_post(&self, path: &str, body: serde_json::Value) -> String {
        let url = format!("{}_sim/ccfs/{path}", self.ccfs_url);
        let resp = reqwest::Client::new().post(&url).json(&body).send().await.expect("sim control");
        assert!(resp.status().is_success(), "sim refused POST ccfs/{path}");
        resp.text().await.unwrap_or_default()
    }

    /// The Era simulator's control address, `http://127.0.0.1:PORT/_sim/era/`.
    fn era_control(&self) -> String {
        let base = self.era_url.replacen("ws://", "http://", 1);
        let base = base.strip_suffix("/ws/token/v1").unwrap_or(&base).to_owned();
        format!("{base}/_sim/era/")
    }

    /// Posts to an Era control route (`offers`, `sessions/{ivrid}/press`, …); the answer's JSON.
    pub async fn era_post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let resp = reqwest::Client::new().post(format!("{}{path}", self.era_control())).json(&body).send().await.expect("sim control");
        assert!(resp.status().is_success(), "sim refused POST era/{path}");
        resp.json().await.unwrap_or(serde_json::Value::Null)
    }

    /// Reads an Era control route (`sessions`, `requests`).
    pub async fn era_get(&self, path: &str) -> serde_json::Value {
        let resp = reqwest::get(format!("{}{path}", self.era_control())).await.expect("sim control");
        assert!(resp.status().is_success(), "sim refused GET era/{path}");
        resp.json().await.expect("JSON")
    }

    /// The recordings ODFS accepted (the control route's JSON).
    pub async fn odfs_recordings(&self) -> Vec<serde_json::Value> {
        let url = format!("{}_sim/odfs/recordings", self.odfs_url);
        let body: serde_json::Value = reqwest::get(url).await.expect("sim control").json().await.expect("json");
        body["recordings"].as_array().cloned().unwrap_or_default()
    }

    /// Every Guid the simulated gateway issued to `agent`.
    pub async fn issued_guids(&self, agent: u32) -> Vec<String> {
        let url = format!("{}_sim/gateway/agents/{agent}/issued-guids", self.gateway_url);
        let body: serde_json::Value = reqwest::get(url).await.expect("sim control").json().await.expect("json");
        body["guids"].as_array().expect("guids").iter().filter_map(|g| g.as_str().map(str::to_owned)).collect()
    }

    /// Calls a `/_sim/gateway/agents/{agent}/{action}` control endpoint (`kick`, `invalidate-guid`).
    pub async fn control(&self, agent: u32, action: &str) {
        let url = format!("{}_sim/gateway/agents/{agent}/{action}", self.gateway_url);
        let resp = reqwest::Client::new().post(url).send().await.expect("sim control reachable");
        assert!(resp.status().is_success(), "sim refused {action}");
    }
}

/// The app in a window, driven over WebDriver.
pub struct App {
    /// The WebDriver session.
    pub client: Client,
    _driver: Proc,
    home: tempfile::TempDir,
}

impl App {
    /// Launches the app binary with `args`, with a fresh, empty config directory.
    pub async fn launch(args: &[&str]) -> App {
        Self::launch_with_env(args, &[]).await
    }

    /// Launches the app binary with `args` and extra environment variables (`LANG`, …).
    pub async fn launch_with_env(args: &[&str], env: &[(&str, &str)]) -> App {
        Self::launch_full(args, env, None).await
    }

    /// Launches the app with `args` and `settings` already in its `settings.json`.
    pub async fn launch_with(args: &[&str], settings: Option<serde_json::Value>) -> App {
        Self::launch_full(args, &[], settings).await
    }

    /// Launches the app with `settings` already in its `settings.json` (administrator's keys).
    pub async fn launch_with_settings(settings: serde_json::Value) -> App {
        Self::launch_full(&[], &[], Some(settings)).await
    }

    /// Launches the app with `args`, extra environment variables and `settings` already saved.
    pub async fn launch_full(args: &[&str], env: &[(&str, &str)], settings: Option<serde_json::Value>) -> App {
        // WebKitWebDriver waits forever for a browser that died at start-up (seen once under
        // Xvfb: GTK could not open the display), so a session that does not open in time is
        // abandoned — its app log printed — and the launch tried once more.
        let mut failures = Vec::new();
        for attempt in 1..=2 {
            match Self::try_launch(args, env, settings.as_ref()).await {
                Ok(app) => return app,
                Err(why) => {
                    eprintln!("app launch attempt {attempt} failed: {why}");
                    failures.push(why);
                }
            }
        }
        panic!("the app did not start: {failures:?}");
    }

    async fn try_launch(args: &[&str], env: &[(&str, &str)], settings: Option<&serde_json::Value>) -> Result<App, String> {
        let home = tempfile::tempdir().expect("temp home");
        for d in ["config", "data", "cache"] {
            std::fs::create_dir_all(home.path().join(d)).expect("XDG dir");
        }
        if let Some(s) = settings {
            let dir = home.path().join("config/dev.sidekick.desktop");
            std::fs::create_dir_all(&dir).expect("config dir");
            std::fs::write(dir.join("settings.json"), serde_json::to_vec_pretty(s).expect("json")).expect("settings.json");
        }
        let port = free_port();
        let native_port = free_port();
        // The app inherits tauri-driver's output (through WebKitWebDriver): keep it to scan.
        let log = std::fs::File::create(home.path().join("app.log")).expect("log file");
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("SIDEKICK_LOG", "debug")
            // Apps of earlier tests may still be quitting: each launch is an instance of its own
            // (a test of the single instance sets this empty).
            .env("SIDEKICK_MULTI_INSTANCE", "1")
            .envs(env.iter().copied())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver --version 2.1.0 --locked)");
        let driver = Proc(driver);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({
            "browserName": "wry",
            "tauri:options": { "application": app_bin().to_string_lossy(), "args": args },
        });
        let caps = caps.as_object().cloned().expect("object");
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let session = builder.connect(&url);
        let app_log = || {
            let log = std::fs::read_to_string(home.path().join("app.log")).unwrap_or_default();
            log.lines().take(12).collect::<Vec<_>>().join("\n")
        };
        match tokio::time::timeout(SESSION_PATIENCE, session).await {
            Ok(Ok(client)) => Ok(App { client, _driver: driver, home }),
            Ok(Err(e)) => Err(format!("no WebDriver session: {e}; app log:\n{}", app_log())),
            Err(_) => Err(format!("no WebDriver session within {SESSION_PATIENCE:?}; app log:\n{}", app_log())),
        }
    }

    /// The environment the app was started with (its XDG directories), for another process that
    /// must see the same app data.
    pub fn env(&self) -> Vec<(String, PathBuf)> {
        ["config", "data", "cache"].iter().map(|d| (format!("XDG_{}_HOME", d.to_uppercase()), self.home.path().join(d))).collect()
    }

    /// Waits until `css` matches an element whose attribute `attr` equals `value`.
    pub async fn wait_attr(&self, css: &str, attr: &str, value: &str, timeout: Duration) -> Duration {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < timeout {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.attr(attr).await.ok().flatten();
                if last.as_deref() == Some(value) {
                    return start.elapsed();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shot("timeout").await;
        panic!("{css}[{attr}] never became {value:?} within {timeout:?} (last: {last:?})\n--- the app's log, last 40 lines ---\n{}", self.log_tail(40));
    }

    /// The last `n` lines of the app's log (for a failure's message).
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.home.path().join("app.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Waits until `css` matches an element whose DOM property `prop` is not empty; returns it.
    pub async fn wait_prop_filled(&self, css: &str, prop: &str, timeout: Duration) -> String {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Some(value) = el.prop(prop).await.ok().flatten().filter(|v| !v.is_empty()) {
                    return value;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shot("timeout").await;
        panic!("{css}.{prop} stayed empty for {timeout:?}");
    }

    /// Waits until `css` matches an element whose DOM property `prop` equals `value`.
    pub async fn wait_prop(&self, css: &str, prop: &str, value: &str, timeout: Duration) {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < timeout {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.prop(prop).await.ok().flatten();
                if last.as_deref() == Some(value) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shot("timeout").await;
        panic!("{css}.{prop} never became {value:?} within {timeout:?} (last: {last:?})");
    }

    /// Waits until `css` matches an element and returns its text.
    pub async fn wait_text(&self, css: &str, timeout: Duration) -> String {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if !t.trim().is_empty() {
                        return t;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shot("timeout").await;
        panic!("{css} never appeared with text within {timeout:?}");
    }

    /// Waits until the text of `css` contains `needle`; returns the text.
    pub async fn wait_text_containing(&self, css: &str, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < timeout {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shot("timeout").await;
        panic!("{css} never contained {needle:?} within {timeout:?} (last: {last:?})");
    }

    /// Replaces the value of an input.
    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        el.clear().await.expect("clear");
        if !value.is_empty() {
            el.send_keys(value).await.expect("type");
        }
    }

    /// Erases a field's text as a person does (select all, then Backspace), so the page sees the
    /// input events that `fill`'s WebDriver clear does not send.
    pub async fn erase(&self, css: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        // Control (held until the NULL key), a, NULL, Backspace.
        el.send_keys("\u{E009}a\u{E000}\u{E003}").await.expect("type");
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.expect("click");
    }

    /// Saves a screenshot as `target/e2e/<name>.png`.
    pub async fn shot(&self, name: &str) {
        // WebKitWebDriver can hand back the previous frame right after a DOM change; two animation
        // frames later the picture matches what the assertions just saw.
        let _ = self
            .client
            .execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))", vec![])
            .await;
        // Without accelerated compositing (the app's default on Linux) WebKit takes the picture
        // at its next paint, and a page where nothing changes never paints: a one-pixel,
        // near-transparent mark is put in a corner just after the request (and taken away).
        let _ = self
            .client
            .execute(
                "setTimeout(() => { const d = document.createElement('div'); \
                 d.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;background:rgba(0,0,0,0.02);pointer-events:none'; \
                 document.body.appendChild(d); setTimeout(() => d.remove(), 500); }, 100)",
                vec![],
            )
            .await;
        match tokio::time::timeout(Duration::from_secs(15), self.client.screenshot()).await {
            Ok(Ok(png)) => {
                let _ = std::fs::write(shots_dir().join(format!("{name}.png")), png);
            }
            Ok(Err(e)) => eprintln!("screenshot {name} failed: {e}"),
            Err(_) => eprintln!("screenshot {name} timed out"),
        }
    }

    /// Ends the session (closes the app).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Closes the app and returns what it left behind: its log output, and every file under its
    /// config, data and cache directories (path, bytes).
    pub async fn close_and_collect(self) -> (String, Vec<(PathBuf, Vec<u8>)>) {
        let _ = self.client.close().await;
        // Give the app a moment to finish writing (sign-out on quit logs).
        tokio::time::sleep(Duration::from_millis(500)).await;
        let log = std::fs::read_to_string(self.home.path().join("app.log")).unwrap_or_default();
        let mut files = Vec::new();
        let mut dirs = vec![self.home.path().join("config"), self.home.path().join("data"), self.home.path().join("cache")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    files.push((p, bytes));
                }
            }
        }
        (log, files)
    }
}
