//! What every platform endpoint of this crate shares: the rules for its base URL, the HTTP client
//! that trusts it, and how a failed connection reads to a person.
//!
//! Each client names itself in these sentences ("the gateway", "the recording service"), so the
//! agent learns which of the platform's servers is unreachable.

use std::time::Duration;

use url::Url;

use crate::tls::TlsTrust;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Checks a configured base URL and gives it the trailing `/` that [`Url::join`] needs to keep a
/// path prefix. Plain `http` is refused except on loopback, where the simulator runs: credentials
/// and session tokens must never cross a network unencrypted. `what` names the address in the
/// message, for example "the gateway address".
pub fn base_url(mut url: Url, what: &str) -> Result<Url, String> {
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{what} must start with https:// (plain http is allowed only for a simulator on this computer)"
            ))
        }
        other => return Err(format!("{what} must start with https://, not {other}://")),
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Why an HTTP client could not be built.
pub(crate) enum SetupError {
    /// The trust settings cannot be used (a broken CA bundle, …).
    Trust(String),
    /// reqwest refused the configuration.
    Client(reqwest::Error),
}

/// An HTTP client that trusts the endpoint as `tls` says. `cookies` keeps cookies per host (the
/// gateway's load balancer pins a session with one).
pub(crate) fn http_client(tls: &TlsTrust, cookies: bool) -> Result<reqwest::Client, SetupError> {
    let tls = crate::tls::client_config(tls).map_err(|e| SetupError::Trust(e.to_string()))?;
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(CONNECT_TIMEOUT)
        .cookie_store(cookies)
        .https_only(false)
        .build()
        .map_err(SetupError::Client)
}

/// A sentence for a request that got no HTTP answer. `who` names the server ("the gateway").
pub(crate) fn transport_text(e: &reqwest::Error, who: &str) -> String {
    // rustls reports certificate problems deep in the chain ("invalid peer certificate: …").
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if text.contains("certificate") {
            return certificate_text(&text, who);
        }
        cause = c.source();
    }
    if e.is_timeout() {
        format!("{who} did not answer in time")
    } else if e.is_connect() {
        format!("cannot connect to {who} (is the address right and the server up?)")
    } else {
        format!("the connection to {who} failed")
    }
}

/// A sentence for a refused certificate, by what rustls found wrong with it.
fn certificate_text(text: &str, who: &str) -> String {
    if text.contains(crate::tls::PIN_MISMATCH) {
        format!(
            "{who} presented a certificate other than the pinned one, so the connection was refused \
             (if the server's certificate was replaced, an administrator must update the pin)"
        )
    } else if text.contains("certificate expired") || text.contains("Expired") {
        format!("{who}'s certificate has expired, so the connection was refused ({text}); the server needs a new certificate")
    } else if text.contains("not valid yet") || text.contains("NotValidYet") {
        format!("{who}'s certificate is not valid yet ({text}); check this computer's date and time")
    } else if text.contains("NotValidForName") || text.contains("not valid for name") {
        format!("{who}'s certificate is for another host name ({text}); check the address")
    } else {
        format!(
            "{who}'s certificate is not trusted ({text}); an administrator can add its CA \
             bundle or pin its certificate"
        )
    }
}

/// The first bytes of a body, for a log line. Never use it on a body that may hold a credential.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()
}

/// A string, or a number written as one: the platform sends codes either way (`"0"` and `0`).
pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize as _;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("expected a string or a number, got {other}"))),
    }
}

/// Like [`string_or_number`], for a field that may be absent or null.
pub(crate) fn opt_string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize as _;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => Ok(Some(s)),
        serde_json::Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(serde::de::Error::custom(format!("expected a string or a number, got {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        let check = |u: &str| base_url(u.parse().unwrap(), "the address");
        assert!(check("http://127.0.0.1:9/").is_ok());
        assert!(check("http://[::1]:9/").is_ok());
        assert!(check("http://localhost:9").is_ok());
        assert!(check("https://cc.example.com:8043").is_ok());
        let e = check("http://cc.example.com:8043").unwrap_err();
        assert!(e.starts_with("the address must start with https://"), "{e}");
        assert!(check("ftp://cc.example.com").unwrap_err().contains("not ftp://"));
    }

    #[test]
    fn a_path_prefix_gets_its_trailing_slash() {
        let u = base_url("https://h:8043/proxy".parse().unwrap(), "x").unwrap();
        assert_eq!(u.join("a/b").unwrap().as_str(), "https://h:8043/proxy/a/b");
    }
}
