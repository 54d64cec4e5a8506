//! `sidekick calldata …`: the command line for integrators, to seal and open the call data
//! Sidekick sends with CC-Gateway `setcalldataex` (format in `sidekick-calldata` and the README).
//!
//! `main` dispatches here before anything Tauri or GTK starts, so it works without a display,
//! over SSH or in a script. Arguments are parsed by hand (std only): two subcommands and four
//! options do not need a parser crate.
//!
//! Exit status: 0 done, 1 the data could not be read, sealed, opened or written, 2 the command
//! itself was wrong (unknown subcommand or option, missing or malformed key or IV).

use std::ffi::OsString;
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::process::ExitCode;

use sidekick_calldata::{Key, NotesDocument};

/// The environment variable the key is read from when no option gives it.
const KEY_ENV: &str = "SIDEKICK_CALLDATA_KEY";

const HELP: &str = "\
sidekick calldata: seal and open Sidekick call data (the `calldata` field of CC-Gateway
setcalldataex): Base64(IV[16 bytes] + AES-128-CBC-PKCS#7(key, plaintext)).

Usage:
  sidekick calldata open [--raw] [KEY] [<calldata> | -]
  sidekick calldata seal [--iv <32 hex>] [KEY] [<text> | -]

open   Prints the plaintext: a Sidekick notes document pretty-printed, other text as it is.
       Spaces and line breaks in the call data are ignored (wrapped `base64` output is fine).
       --raw           write the plaintext bytes exactly as they are
seal   Prints the call data (Base64) for the text, sealed byte for byte (on standard input,
       `echo` adds a line break; `printf %s` does not). At most 16,367 bytes.
       --iv <32 hex>   use this IV instead of a random one: for test vectors only, since
                       reusing an IV with a key shows which messages start the same

With no <calldata> or <text>, or with -, the input is read from standard input. Put -- before
a <text> that starts with a dash.

KEY is the deployment's call-data key, 16 bytes written as 32 hex characters or 24 Base64
characters, taken from one of:
  --key-file <path>        a file holding the key (whitespace around it is ignored)
  --key <key>              the key itself. Avoid this on shared computers: other users can
                           see a command line, with the key in it, in `ps` while it runs
  SIDEKICK_CALLDATA_KEY    environment variable, used when neither option is given

Exit status: 0 done; 1 the data could not be read, sealed, opened or written; 2 the command
was wrong (unknown option, missing or malformed key or IV).
";

/// Runs `sidekick calldata …`. `args` are the process arguments: the program, `calldata`, then
/// the subcommand and its options.
pub fn calldata(args: Vec<OsString>) -> ExitCode {
    match run(args.into_iter().skip(2)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("sidekick calldata: {message}");
            eprintln!("Run `sidekick calldata --help` for usage.");
            ExitCode::from(2)
        }
        Err(CliError::Failure(message)) => {
            eprintln!("sidekick calldata: {message}");
            ExitCode::from(1)
        }
    }
}

/// Why the command stopped; the variant picks the exit status.
#[derive(Debug)]
enum CliError {
    /// The command line was wrong (exit 2).
    Usage(String),
    /// The command was right but the work failed (exit 1).
    Failure(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subcommand {
    Open,
    Seal,
}

/// The parsed command line.
#[derive(Debug, Default)]
struct Invocation {
    key: Option<String>,
    key_file: Option<OsString>,
    iv: Option<String>,
    raw: bool,
    /// The call data or text; `None` or `-` means standard input.
    input: Option<String>,
}

fn run(mut args: impl Iterator<Item = OsString>) -> Result<(), CliError> {
    let subcommand = match args.next().map(utf8).transpose()?.as_deref() {
        Some("open") => Subcommand::Open,
        Some("seal") => Subcommand::Seal,
        Some("help" | "--help" | "-h") => return write_stdout(HELP.as_bytes()),
        Some(other) => {
            return Err(CliError::Usage(format!(
                "unknown subcommand {other:?}; use open or seal"
            )))
        }
        None => return Err(CliError::Usage("say what to do: open or seal".to_owned())),
    };
    let Some(invocation) = parse_options(subcommand, args)? else {
        return write_stdout(HELP.as_bytes());
    };
    let key = resolve_key(&invocation)?;
    match subcommand {
        Subcommand::Open => open(&key, &invocation),
        Subcommand::Seal => seal(&key, &invocation),
    }
}

/// Parses the options after the subcommand; `None` when help was asked for.
fn parse_options(
    subcommand: Subcommand,
    mut args: impl Iterator<Item = OsString>,
) -> Result<Option<Invocation>, CliError> {
    let mut invocation = Invocation::default();
    let mut only_positional = false;
    while let Some(arg) = args.next() {
        // The key file is a path, which need not be UTF-8; everything else is text.
        if !only_positional && arg == "--key-file" {
            let path = args.next().ok_or_else(|| missing_value("--key-file"))?;
            set_once(&mut invocation.key_file, path, "--key-file")?;
            continue;
        }
        let arg = utf8(arg)?;
        if only_positional || arg == "-" || !arg.starts_with('-') {
            if invocation.input.is_some() {
                return Err(CliError::Usage(
                    "give at most one input (or - for standard input)".to_owned(),
                ));
            }
            invocation.input = Some(arg);
            continue;
        }
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = |name: &str| match inline_value.clone() {
            Some(v) => Ok(v),
            None => args
                .next()
                .map(utf8)
                .transpose()?
                .ok_or_else(|| missing_value(name)),
        };
        match (name, subcommand) {
            ("--help" | "-h", _) => return Ok(None),
            ("--", _) => only_positional = true,
            ("--key", _) => set_once(&mut invocation.key, value(name)?, name)?,
            ("--key-file", _) => set_once(&mut invocation.key_file, value(name)?.into(), name)?,
            ("--iv", Subcommand::Seal) => set_once(&mut invocation.iv, value(name)?, name)?,
            ("--raw", Subcommand::Open) if inline_value.is_none() => invocation.raw = true,
            _ => {
                return Err(CliError::Usage(format!(
                    "unknown option {name:?} for {}",
                    subcommand.name()
                )))
            }
        }
    }
    Ok(Some(invocation))
}

impl Subcommand {
    fn name(self) -> &'static str {
        match self {
            Subcommand::Open => "open",
            Subcommand::Seal => "seal",
        }
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), CliError> {
    if slot.replace(value).is_some() {
        return Err(CliError::Usage(format!("{name} is given twice")));
    }
    Ok(())
}

fn missing_value(name: &str) -> CliError {
    CliError::Usage(format!("{name} needs a value"))
}

fn utf8(arg: OsString) -> Result<String, CliError> {
    arg.into_string()
        .map_err(|_| CliError::Usage("an argument is not valid UTF-8 text".to_owned()))
}

/// The key from `--key-file`, `--key` or the environment, in that order of preference; the
/// options exclude each other. A malformed key is a usage error; the messages never contain it.
fn resolve_key(invocation: &Invocation) -> Result<Key, CliError> {
    let unusable =
        |source: &str, e: sidekick_calldata::KeyError| CliError::Usage(format!("{source}: {e}"));
    match (&invocation.key_file, &invocation.key) {
        (Some(_), Some(_)) => Err(CliError::Usage(
            "give the key once: --key-file or --key, not both".to_owned(),
        )),
        (Some(path), None) => {
            let shown = path.to_string_lossy();
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Failure(format!("cannot read the key file {shown}: {e}")))?;
            Key::parse(&text).map_err(|e| unusable(&format!("the key in {shown}"), e))
        }
        (None, Some(text)) => Key::parse(text).map_err(|e| unusable("the --key value", e)),
        (None, None) => match std::env::var(KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                Key::parse(&text).map_err(|e| unusable(&format!("the key in {KEY_ENV}"), e))
            }
            Err(std::env::VarError::NotUnicode(_)) => Err(CliError::Usage(format!(
                "the key in {KEY_ENV} is not valid UTF-8 text"
            ))),
            _ => Err(CliError::Usage(format!(
                "no key: give --key-file <path>, set {KEY_ENV}, or give --key <key>"
            ))),
        },
    }
}

/// The input: the argument itself, or standard input for none or `-`.
fn read_input(input: Option<&str>) -> Result<Vec<u8>, CliError> {
    match input {
        Some(text) if text != "-" => Ok(text.as_bytes().to_vec()),
        _ => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("sidekick calldata: reading standard input; end it with Ctrl-D (Ctrl-Z, Enter on Windows)");
            }
            let mut bytes = Vec::new();
            stdin
                .read_to_end(&mut bytes)
                .map_err(|e| CliError::Failure(format!("cannot read standard input: {e}")))?;
            Ok(bytes)
        }
    }
}

fn open(key: &Key, invocation: &Invocation) -> Result<(), CliError> {
    let input = read_input(invocation.input.as_deref())?;
    let text = String::from_utf8(input).map_err(|_| {
        CliError::Failure("the call data is not Base64 text (it is not even UTF-8)".to_owned())
    })?;
    // People paste wrapped or newline-terminated Base64; the envelope itself has no whitespace.
    let calldata: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let plaintext =
        sidekick_calldata::open(key, &calldata).map_err(|e| CliError::Failure(e.to_string()))?;
    if invocation.raw {
        return write_stdout(&plaintext);
    }
    if let Ok(doc) = NotesDocument::from_bytes(&plaintext) {
        let mut pretty = serde_json::to_string_pretty(&doc)
            .map_err(|e| CliError::Failure(format!("cannot format the notes document: {e}")))?;
        pretty.push('\n');
        return write_stdout(pretty.as_bytes());
    }
    let mut text = String::from_utf8(plaintext).map_err(|e| {
        CliError::Failure(format!(
            "the plaintext ({} bytes) is not UTF-8 text; add --raw to write its bytes as they are",
            e.as_bytes().len()
        ))
    })?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    write_stdout(text.as_bytes())
}

fn seal(key: &Key, invocation: &Invocation) -> Result<(), CliError> {
    let iv = invocation.iv.as_deref().map(parse_iv).transpose()?;
    let plaintext = read_input(invocation.input.as_deref())?;
    let sealed = match iv {
        Some(iv) => sidekick_calldata::seal_with_iv(key, iv, &plaintext),
        None => sidekick_calldata::seal(key, &plaintext),
    }
    .map_err(|e| CliError::Failure(e.to_string()))?;
    write_stdout(format!("{sealed}\n").as_bytes())
}

/// An IV written as 32 hex characters.
fn parse_iv(text: &str) -> Result<[u8; 16], CliError> {
    let text = text.trim();
    if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let chars = text.chars().count();
        let not_hex = if text.chars().all(|c| c.is_ascii_hexdigit()) {
            ""
        } else {
            ", not all hex digits"
        };
        return Err(CliError::Usage(format!(
            "--iv must be 32 hex characters (16 bytes); this is {chars} characters{not_hex}"
        )));
    }
    let mut iv = [0u8; 16];
    for (i, byte) in iv.iter_mut().enumerate() {
        // 32 ASCII hex digits, checked above: every pair is a byte.
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
            .map_err(|_| CliError::Usage("--iv must be 32 hex characters (16 bytes)".to_owned()))?;
    }
    Ok(iv)
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Failure(format!("cannot write the output: {e}")))
}
