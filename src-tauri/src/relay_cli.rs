//! `sidekick relay`: Call Interactive for a cloud PBX that cannot reach the agents' desktops, and
//! the CC-FS callback for a platform that cannot reach the supervisors' desktops.
//!
//! The same servers as in the app (`sidekick-interactive`, and the desk's CC-FS callback route),
//! with no window: it answers the PBX from a rules file and forwards each caller to the apps
//! connected to its WebSocket (`/pops`); with a CC-FS AK and SK it also takes CC-FS callbacks at
//! `/ccfs/callback`, checks their auth-v2 signature, and passes each on to the apps (which keep the
//! latest, so a supervisor whose app was closed gets them on connecting). The
//! secrets come from files or the environment, never from the command line (other users see it in
//! `ps`); a server has no desktop keychain. `main` dispatches here before anything Tauri or GTK
//! starts.
//!
//! Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 could not start or stopped on an error, 2 the
//! command was wrong.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use sidekick_aicc::ccfs::Credentials;
use sidekick_desk::export::{callback_routes, CALLBACK_NOTICE, CALLBACK_PATH};
use sidekick_interactive::relay::{relay_router, RelayHub, RelayRules, POPS_ROUTE};
use sidekick_interactive::{serve, AccessToken, InteractiveState, ServerConfig};

const TOKEN_ENV: &str = "SIDEKICK_CI_TOKEN";
const KEY_ENV: &str = "SIDEKICK_RELAY_KEY";
const CCFS_SK_ENV: &str = "SIDEKICK_CCFS_SK";
const DEFAULT_LISTEN: &str = "0.0.0.0:8095";

const HELP: &str = "\
sidekick relay: answer a Telphin PBX's Call Interactive requests from a rules file, and forward
each caller to the Sidekick apps connected to it (for a PBX that cannot reach the desktops).

Usage:
  sidekick relay [--listen <address:port>] [--rules <file>] [--token-file <file>] [--key-file <file>]
                 [--ccfs-ak <AK> --ccfs-sk-file <file>]
  sidekick relay new-secret

  --listen <address:port>  where to listen (default 0.0.0.0:8095). Serve it behind a TLS proxy:
                           the apps reach it over wss:// only
  --rules <file>           a JSON list of rules, in the form of the app's settings
                           (callInteractive.rules). Without it the relay answers every request
                           with an empty <Response/>, and the IVR carries on
  --token-file <file>      the secret in the PBX's URL: http(s)://<relay>/ci/<token>
                           (or the SIDEKICK_CI_TOKEN environment variable)
  --key-file <file>        the key the apps send to read screen pops from /pops
                           (or the SIDEKICK_RELAY_KEY environment variable)
  --ccfs-ak <AK>           also take CC-FS callbacks at /ccfs/callback, signed (auth-v2) by this
                           developer AK, and pass each on to the apps; the supervisors set their
                           callback address to https://<relay>/ccfs/callback
  --ccfs-sk-file <file>    that developer's SK (or the SIDEKICK_CCFS_SK environment variable)
  new-secret               print a new random secret, for a token or a key file

The token and the key must differ, with at least 16 characters each: everyone who can read the
PBX's settings knows the token, while only the apps hold the key. Rules cannot use \"spoke with me
within\" or transfers to {me}: the relay answers for every agent. Time windows are read in the
relay's time zone (TZ). Logs go to standard error (SIDEKICK_LOG=debug for more).

Exit status: 0 stopped by Ctrl-C or SIGTERM; 1 could not start, or failed; 2 the command was wrong.
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    NewSecret,
    Run(Options),
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    listen: Option<String>,
    rules: Option<PathBuf>,
    token_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    ccfs_ak: Option<String>,
    ccfs_sk_file: Option<PathBuf>,
}

/// Runs `sidekick relay …`. `args` are the process arguments: the program, `relay`, then options.
pub fn relay(args: Vec<OsString>) -> ExitCode {
    let command = match parse(args.into_iter().skip(2)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("sidekick relay: {message}");
            eprintln!("Run `sidekick relay --help` for usage.");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Command::NewSecret => {
            println!("{}", AccessToken::generate().expose());
            ExitCode::SUCCESS
        }
        Command::Run(options) => match run(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("sidekick relay: {message}");
                ExitCode::from(1)
            }
        },
    }
}

fn parse(args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.map(|a| a.into_string().map_err(|a| format!("{a:?} is not valid UTF-8")));
    let mut first = true;
    while let Some(arg) = args.next() {
        let arg = arg?;
        let mut value = |name: &str| -> Result<String, String> {
            match args.next() {
                Some(v) => v,
                None => Err(format!("{name} needs a value")),
            }
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "new-secret" if first => {
                return match args.next() {
                    None => Ok(Command::NewSecret),
                    Some(extra) => Err(format!("new-secret takes no arguments (got {:?})", extra?)),
                };
            }
            "--listen" => options.listen = Some(value("--listen")?),
            "--rules" => options.rules = Some(value("--rules")?.into()),
            "--token-file" => options.token_file = Some(value("--token-file")?.into()),
            "--key-file" => options.key_file = Some(value("--key-file")?.into()),
            "--ccfs-ak" => options.ccfs_ak = Some(value("--ccfs-ak")?),
            "--ccfs-sk-file" => options.ccfs_sk_file = Some(value("--ccfs-sk-file")?.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
        first = false;
    }
    Ok(Command::Run(options))
}

/// A secret from its file, else from its environment variable.
fn secret(file: Option<&PathBuf>, env: &str, what: &str, option: &str) -> Result<AccessToken, String> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read the {what} from {}: {e}", path.display()))?,
        None => std::env::var(env).map_err(|_| format!("the {what} is missing: give {option} <file>, or set {env}"))?,
    };
    AccessToken::new(text.trim()).map_err(|e| format!("the {what} cannot be used: {e}"))
}

fn run(options: Options) -> Result<(), String> {
    let token = secret(options.token_file.as_ref(), TOKEN_ENV, "Call Interactive token", "--token-file")?;
    let key = secret(options.key_file.as_ref(), KEY_ENV, "relay key", "--key-file")?;
    if token.expose() == key.expose() {
        return Err("the token and the relay key are the same: the key must be a secret of the apps alone (make one with `sidekick relay new-secret`)".into());
    }
    let rules = match &options.rules {
        None => RelayRules::new(Vec::new()).map_err(|e| e.to_string())?,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the rules from {}: {e}", path.display()))?;
            RelayRules::from_json(&text).map_err(|e| format!("the rules in {} cannot be used: {e}", path.display()))?
        }
    };
    let ccfs = ccfs_credentials(&options)?;
    let listen = options.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let addr: SocketAddr =
        listen.parse().map_err(|_| format!("{listen:?} is not an address to listen on; write it as 0.0.0.0:8095"))?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("SIDEKICK_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let address = listener.local_addr().map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let hub = RelayHub::default();
        let rule_count = rules.rules().len();
        let state = InteractiveState::new(ServerConfig::new(token), rules, hub.clone());
        let mut app = relay_router(state, hub.clone(), key);
        let mut ccfs_line = String::new();
        if let Some(credentials) = ccfs {
            ccfs_line = format!(", CC-FS callbacks {CALLBACK_PATH} (AK {})", credentials.ak);
            app = app.merge(callback_routes(credentials, move |msg| {
                let body = serde_json::to_value(&msg).map_err(|e| e.to_string())?;
                hub.notify(CALLBACK_NOTICE, &body)
            }));
        }
        // One line a script can wait for; the token itself is not printed.
        println!("sidekick relay listening on {address}: PBX URL /ci/<token>, apps {POPS_ROUTE} ({rule_count} rules){ccfs_line}");
        tokio::select! {
            served = serve(listener, app) => served.map_err(|e| format!("the server stopped: {e}")),
            () = shutdown() => {
                tracing::info!("stopping");
                Ok(())
            }
        }
    })
}

/// The CC-FS developer's AK and SK, when the relay takes CC-FS callbacks.
fn ccfs_credentials(options: &Options) -> Result<Option<Credentials>, String> {
    let Some(ak) = options.ccfs_ak.as_deref().map(str::trim) else {
        return match options.ccfs_sk_file {
            Some(_) => Err("--ccfs-sk-file needs --ccfs-ak: the AK the callbacks are signed with".into()),
            None => Ok(None),
        };
    };
    if ak.is_empty() || ak.chars().count() > 64 || ak.contains('/') || ak.chars().any(char::is_whitespace) {
        return Err("the CC-FS AK must hold 1 to 64 characters, with no spaces or slashes".into());
    }
    let sk = match &options.ccfs_sk_file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read the CC-FS SK from {}: {e}", path.display()))?,
        None => std::env::var(CCFS_SK_ENV).map_err(|_| format!("the CC-FS SK is missing: give --ccfs-sk-file <file>, or set {CCFS_SK_ENV}"))?,
    };
    let sk = sk.trim();
    if sk.is_empty() {
        return Err("the CC-FS SK is empty".into());
    }
    Ok(Some(Credentials::new(ak, sk)))
}

/// Ctrl-C, or SIGTERM on Unix (what systemd sends).
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = OsString> {
        list.iter().map(OsString::from).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn options_are_read_and_mistakes_named() {
        let parsed = parse(args(&["--listen", "127.0.0.1:9", "--rules", "r.json", "--token-file", "t", "--key-file", "k"]));
        assert_eq!(
            parsed,
            Ok(Command::Run(Options {
                listen: Some("127.0.0.1:9".into()),
                rules: Some("r.json".into()),
                token_file: Some("t".into()),
                key_file: Some("k".into()),
                ..Options::default()
            }))
        );
        let parsed = parse(args(&["--ccfs-ak", "dev-ak", "--ccfs-sk-file", "sk"]));
        assert_eq!(parsed, Ok(Command::Run(Options { ccfs_ak: Some("dev-ak".into()), ccfs_sk_file: Some("sk".into()), ..Options::default() })));
        assert_eq!(parse(args(&["new-secret"])), Ok(Command::NewSecret));
        assert_eq!(parse(args(&["--help"])), Ok(Command::Help));
        assert_eq!(parse(args(&["--listen"])), Err("--listen needs a value".into()));
        assert_eq!(parse(args(&["--token", "x"])), Err("unknown argument \"--token\"".into()));
        assert_eq!(parse(args(&["--listen", "a", "new-secret"])), Err("unknown argument \"new-secret\"".into()));
    }

    #[test]
    fn secrets_come_from_files_and_must_be_long_enough() {
        let dir = std::env::temp_dir().join(format!("sidekick-relay-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let good = dir.join("good");
        std::fs::write(&good, "0123456789abcdefXYZ\n").expect("write");
        let short = dir.join("short");
        std::fs::write(&short, "abc").expect("write");
        let token = secret(Some(&good), "SIDEKICK_TEST_UNSET", "token", "--token-file").expect("read");
        assert_eq!(token.expose(), "0123456789abcdefXYZ", "the line break is not part of it");
        let refused = secret(Some(&short), "SIDEKICK_TEST_UNSET", "token", "--token-file").expect_err("too short");
        assert!(refused.starts_with("the token cannot be used: "), "{refused}");
        let missing = secret(None, "SIDEKICK_TEST_UNSET_VARIABLE", "relay key", "--key-file").expect_err("none");
        assert_eq!(missing, "the relay key is missing: give --key-file <file>, or set SIDEKICK_TEST_UNSET_VARIABLE");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn cc_fs_credentials_need_both_parts() {
        let dir = std::env::temp_dir().join(format!("sidekick-relay-ccfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let sk = dir.join("sk");
        std::fs::write(&sk, "sk-secret\n").expect("write");
        let with = |ak: Option<&str>, file: Option<&PathBuf>| {
            ccfs_credentials(&Options { ccfs_ak: ak.map(str::to_owned), ccfs_sk_file: file.cloned(), ..Options::default() })
        };
        assert_eq!(with(None, None), Ok(None), "no CC-FS: no callback route");
        assert_eq!(with(Some("dev-ak"), Some(&sk)), Ok(Some(Credentials::new("dev-ak", "sk-secret"))));
        assert!(with(None, Some(&sk)).is_err_and(|e| e.contains("needs --ccfs-ak")));
        assert!(with(Some("a/b"), Some(&sk)).is_err_and(|e| e.contains("no spaces or slashes")));
        std::fs::remove_dir_all(&dir).ok();
    }
}
