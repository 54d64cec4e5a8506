//! Files of the script (ivr-protocols.md §A.7): storage prefixes, and the checks made before a
//! file request is sent.

/// The storage prefixes of the platform (long form, short alias).
pub const STORAGE_PREFIXES: [(&str, &str); 7] = [
    (":SYNC_COMMON", ":SYN_MEDIA"),
    (":SYNC_DOMAIN_DATA", ":SYN_DOM"),
    (":SYNC_DOMAIN_COMMON", ":SYN_DOM_MEDIA"),
    (":SITESHARE_PUBLIC", ":SS_PUB"),
    (":SITESHARE_DOMAIN_DATA", ":SS_DOM"),
    (":GLOBALSHARE_PUBLIC", ":GS_PUB"),
    (":GLOBALSHARE_DOMAIN_DATA", ":GS_DOM"),
];

/// The prefix used when none is given.
pub const DEFAULT_PREFIX: &str = ":SYNC_DOMAIN_DATA";

/// How long a link from `ivrapi_file_get_path` works.
pub const LINK_LIFETIME: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Why a path or URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// The destination folder of a static upload: empty means [`DEFAULT_PREFIX`]; otherwise it must
/// start with a known prefix (its first segment), and may not climb with `..`.
pub fn dest_path(dest: &str) -> Result<String, FileError> {
    let dest = dest.trim();
    if dest.is_empty() {
        return Ok(format!("{DEFAULT_PREFIX}/"));
    }
    let head = dest.split('/').next().unwrap_or("");
    if !STORAGE_PREFIXES.iter().any(|(long, short)| head.eq_ignore_ascii_case(long) || head.eq_ignore_ascii_case(short)) {
        let known: Vec<&str> = STORAGE_PREFIXES.iter().map(|(l, _)| *l).collect();
        return Err(FileError(format!("{dest:?} does not start with a storage prefix ({})", known.join(", "))));
    }
    check_segments(dest)?;
    Ok(dest.to_owned())
}

/// A script file path to get a link for: a `:PREFIX/…` path (including `:TEMP`), no `..`.
pub fn script_path(path: &str) -> Result<String, FileError> {
    let path = path.trim();
    if !path.starts_with(':') || path.len() < 3 {
        return Err(FileError(format!("{path:?} is not a script file path (they start with a storage prefix such as :TEMP/ or :GS_PUB/)")));
    }
    check_segments(path)?;
    Ok(path.to_owned())
}

/// A URL the platform downloads from: http or https with a host.
pub fn source_url(text: &str) -> Result<String, FileError> {
    let url = url::Url::parse(text.trim()).map_err(|_| FileError(format!("{text:?} is not an address to download from")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(FileError(format!("{text:?} must be an http:// or https:// address")));
    }
    Ok(url.to_string())
}

fn check_segments(path: &str) -> Result<(), FileError> {
    if path.split('/').any(|s| s == "..") || path.contains('\\') || path.chars().any(char::is_control) {
        return Err(FileError(format!("{path:?} may not hold '..', backslashes or control characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_paths_are_checked() {
        assert_eq!(dest_path("").as_deref(), Ok(":SYNC_DOMAIN_DATA/"));
        assert_eq!(dest_path(":GS_PUB/x/y/").as_deref(), Ok(":GS_PUB/x/y/"));
        assert_eq!(dest_path(":SITESHARE_PUBLIC/a").as_deref(), Ok(":SITESHARE_PUBLIC/a"));
        assert!(dest_path(":NOPE/a").is_err());
        assert!(dest_path("/etc/passwd").is_err());
        assert!(dest_path(":GS_PUB/../x").is_err());
        assert_eq!(script_path(":TEMP/ivr_records/a.wav").as_deref(), Ok(":TEMP/ivr_records/a.wav"));
        assert!(script_path("a.wav").is_err());
        assert!(source_url("ftp://x/a.mp3").is_err());
        assert!(source_url("http://192.168.0.112/14.mp3").is_ok());
    }
}
