//! The "auth-v2" signature of CC-FS (huawei-protocols.md §E.2), as one pure function, and its
//! check of an incoming callback (§E.3).
//!
//! The layout comes from ports of the vendor's demo rather than from the vendor's own page, so the
//! two points the reference marks UNCONFIRMED are named options of [`SignOptions`]: whether the
//! timestamp carries milliseconds, and whether the canonical headers come after or before the
//! list of signed header names. Changing either is one line where the options are built.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header names signed, sorted, as they appear in the `Authorization` value.
pub const SIGNED_HEADERS: &str = "content-length;content-type;host";

/// The form of the timestamp in the `Authorization` value (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampFormat {
    /// `2018-07-02T02:43:08Z`, as the vendor's example shows.
    #[default]
    Seconds,
    /// `2018-07-02T02:43:08.123Z`, as the community ports write it.
    Millis,
}

/// Where the canonical headers sit in the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderOrder {
    /// `… query \n signedHeaders \n canonicalHeaders \n body` (the reference's best guess).
    #[default]
    NamesThenHeaders,
    /// `… query \n canonicalHeaders \n signedHeaders \n body` (one port's order).
    HeadersThenNames,
}

/// The UNCONFIRMED parts of the layout, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignOptions {
    /// The timestamp's form.
    pub timestamp: TimestampFormat,
    /// The canonical request's order.
    pub order: HeaderOrder,
}

/// The developer's credentials: the AK (app id, not secret) and the SK. The SK's `Debug` is
/// redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The app id, written in clear in every `Authorization` value.
    pub ak: String,
    sk: String,
}

impl Credentials {
    /// The AK and SK, as read from settings and the keychain.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { ak: ak.into(), sk: sk.into() }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("ak", &self.ak).field("sk", &"<redacted>").finish()
    }
}

/// What of a request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedParts<'a> {
    /// `POST`.
    pub method: &'a str,
    /// The path as sent, e.g. `/CCFS/resource/ccfs/queryBillData`.
    pub path: &'a str,
    /// The query pairs (none for CC-FS's POSTs).
    pub query: &'a [(&'a str, &'a str)],
    /// The `Host` header as sent: `host` or `host:port`.
    pub host: &'a str,
    /// The `Content-Type` header as sent.
    pub content_type: &'a str,
    /// The body bytes exactly as sent; `Content-Length` is their count.
    pub body: &'a [u8],
}

/// The timestamp as the `Authorization` value writes it.
pub fn timestamp(at: DateTime<Utc>, format: TimestampFormat) -> String {
    match format {
        TimestampFormat::Seconds => at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        TimestampFormat::Millis => at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    }
}

/// The whole `Authorization` header value for `parts`, signed at `at`.
pub fn authorization(credentials: &Credentials, options: SignOptions, at: DateTime<Utc>, parts: &SignedParts<'_>) -> String {
    let prefix = format!("auth-v2/{}/{}/{SIGNED_HEADERS}", credentials.ak, timestamp(at, options.timestamp));
    let signature = signature(&credentials.sk, &prefix, options.order, parts);
    format!("{prefix}/{signature}")
}

/// The hex signature of `parts` under the prefix `auth-v2/{AK}/{time}/{signedHeaders}`.
fn signature(sk: &str, prefix: &str, order: HeaderOrder, parts: &SignedParts<'_>) -> String {
    let signing_key = hmac_hex(sk.as_bytes(), prefix.as_bytes());
    hmac_hex(signing_key.as_bytes(), canonical_request(order, parts).as_bytes())
}

/// The text the signature is computed over.
pub fn canonical_request(order: HeaderOrder, parts: &SignedParts<'_>) -> String {
    let length = parts.body.len().to_string();
    // Sorted by name: content-length, content-type, host.
    let headers = [("content-length", length.as_str()), ("content-type", parts.content_type), ("host", parts.host)]
        .iter()
        .map(|(name, value)| format!("{}:{}", normalize(name), normalize(value.trim())))
        .collect::<Vec<_>>()
        .join("\n");
    let mut query: Vec<String> = parts.query.iter().map(|(k, v)| format!("{}={}", normalize(k), normalize(v))).collect();
    query.sort();
    let query = query.join("&");
    let body = normalize(&String::from_utf8_lossy(parts.body));
    let (first, second) = match order {
        HeaderOrder::NamesThenHeaders => (SIGNED_HEADERS, headers.as_str()),
        HeaderOrder::HeadersThenNames => (headers.as_str(), SIGNED_HEADERS),
    };
    format!("{}\n{}\n{query}\n{first}\n{second}\n{body}", parts.method, parts.path)
}

/// Percent-encodes every UTF-8 byte but the unreserved `A-Z a-z 0-9 - . _ ~`, in uppercase hex.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Why an incoming request's `Authorization` is refused. The texts say what failed, never the
/// expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization` header, or not five `/`-separated parts starting with `auth-v2`.
    #[error("the Authorization header is missing or not auth-v2")]
    Malformed,
    /// Signed by another developer.
    #[error("the request is signed by another AK")]
    WrongAk,
    /// The timestamp cannot be read.
    #[error("the signature's timestamp cannot be read")]
    BadTimestamp,
    /// Signed too long ago, or too far ahead.
    #[error("the signature's timestamp is {skew_secs} s away from this computer's clock (at most {window_secs} s allowed)")]
    Stale {
        /// How far off, in seconds (positive: in the past).
        skew_secs: i64,
        /// The window allowed either side.
        window_secs: i64,
    },
    /// Other headers than `content-length;content-type;host` are listed.
    #[error("the signature covers other headers than {SIGNED_HEADERS}")]
    OtherHeaders,
    /// `Content-Length` does not count the body received.
    #[error("Content-Length does not match the body")]
    LengthMismatch,
    /// The signature does not match the request.
    #[error("the signature does not match the request")]
    Mismatch,
}

/// Checks an incoming request signed with auth-v2: the AK is `credentials.ak`, the timestamp is
/// within `window` of `now`, the listed headers are the three expected, the `Content-Length` sent
/// (when one is given) counts the body, and the signature matches (compared in constant time). The
/// timestamp is accepted with or without milliseconds.
pub fn verify(
    header: Option<&str>,
    content_length: Option<&str>,
    credentials: &Credentials,
    order: HeaderOrder,
    now: DateTime<Utc>,
    window: chrono::Duration,
    parts: &SignedParts<'_>,
) -> Result<(), VerifyError> {
    let header = header.ok_or(VerifyError::Malformed)?.trim();
    let fields: Vec<&str> = header.split('/').collect();
    let [scheme, ak, stamp, signed, given] = fields[..] else {
        return Err(VerifyError::Malformed);
    };
    if scheme != "auth-v2" || given.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if ak != credentials.ak {
        return Err(VerifyError::WrongAk);
    }
    let at = DateTime::parse_from_rfc3339(stamp).map_err(|_| VerifyError::BadTimestamp)?.with_timezone(&Utc);
    let skew = now.signed_duration_since(at);
    if skew.abs() > window {
        return Err(VerifyError::Stale { skew_secs: skew.num_seconds(), window_secs: window.num_seconds() });
    }
    if signed != SIGNED_HEADERS {
        return Err(VerifyError::OtherHeaders);
    }
    if let Some(length) = content_length {
        if length.trim().parse::<usize>().ok() != Some(parts.body.len()) {
            return Err(VerifyError::LengthMismatch);
        }
    }
    let prefix = format!("auth-v2/{ak}/{stamp}/{signed}");
    let expected = signature(&credentials.sk, &prefix, order, parts);
    if constant_time_eq(expected.as_bytes(), given.to_ascii_lowercase().as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const BODY: &[u8] = br#"{"request":{"version":"2.0"},"msgBody":{"billFileName":"20180702_9239cb50a8384bb0ab503441bf089446.zip"}}"#;

    fn parts(body: &[u8]) -> SignedParts<'_> {
        SignedParts {
            method: "POST",
            path: "/CCFS/resource/ccfs/downloadBillFile",
            query: &[],
            host: "10.57.118.171:28443",
            content_type: "application/json;charset=UTF-8",
            body,
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2018, 7, 2, 2, 43, 8).single().unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn normalizes_like_the_demo_leaving_only_unreserved_bytes() {
        assert_eq!(normalize("Az09-._~"), "Az09-._~");
        assert_eq!(normalize("a b/c:{\"}"), "a%20b%2Fc%3A%7B%22%7D");
        assert_eq!(normalize("Иван"), "%D0%98%D0%B2%D0%B0%D0%BD");
    }

    #[test]
    fn lays_out_the_canonical_request_in_either_order() {
        let names_first = canonical_request(HeaderOrder::NamesThenHeaders, &parts(b"{}"));
        assert_eq!(
            names_first,
            "POST\n/CCFS/resource/ccfs/downloadBillFile\n\ncontent-length;content-type;host\n\
             content-length:2\ncontent-type:application%2Fjson%3Bcharset%3DUTF-8\nhost:10.57.118.171%3A28443\n%7B%7D"
        );
        let headers_first = canonical_request(HeaderOrder::HeadersThenNames, &parts(b"{}"));
        assert!(headers_first.starts_with("POST\n/CCFS/resource/ccfs/downloadBillFile\n\ncontent-length:2\n"), "{headers_first}");
        assert!(headers_first.ends_with("\ncontent-length;content-type;host\n%7B%7D"), "{headers_first}");
    }

    #[test]
    fn writes_the_timestamp_with_or_without_milliseconds() {
        let at = at() + chrono::Duration::milliseconds(45);
        assert_eq!(timestamp(at, TimestampFormat::Seconds), "2018-07-02T02:43:08Z");
        assert_eq!(timestamp(at, TimestampFormat::Millis), "2018-07-02T02:43:08.045Z");
    }

    #[test]
    fn the_header_has_the_documented_shape() {
        let value = authorization(&Credentials::new("ak", "sk"), SignOptions::default(), at(), &parts(BODY));
        let (prefix, signature) = value.rsplit_once('/').unwrap_or_default();
        assert_eq!(prefix, "auth-v2/ak/2018-07-02T02:43:08Z/content-length;content-type;host");
        assert_eq!(signature.len(), 64);
        assert!(signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{signature}");
    }

    #[test]
    fn verifies_its_own_signature_and_refuses_each_tampering() {
        let credentials = Credentials::new("ak", "sk");
        let window = chrono::Duration::minutes(15);
        let header = authorization(&credentials, SignOptions::default(), at(), &parts(BODY));
        let length = BODY.len().to_string();
        let check = |header: &str, length: &str, credentials: &Credentials, now: DateTime<Utc>, parts: &SignedParts<'_>| {
            verify(Some(header), Some(length), credentials, HeaderOrder::default(), now, window, parts)
        };
        assert_eq!(check(&header, &length, &credentials, at() + chrono::Duration::minutes(14), &parts(BODY)), Ok(()));
        assert_eq!(check(&header, &length, &Credentials::new("other", "sk"), at(), &parts(BODY)), Err(VerifyError::WrongAk));
        assert_eq!(check(&header, &length, &Credentials::new("ak", "other"), at(), &parts(BODY)), Err(VerifyError::Mismatch));
        assert!(matches!(
            check(&header, &length, &credentials, at() + chrono::Duration::minutes(16), &parts(BODY)),
            Err(VerifyError::Stale { skew_secs: 960, .. })
        ));
        let tampered = BODY.to_vec().iter().map(|b| if *b == b'9' { b'8' } else { *b }).collect::<Vec<u8>>();
        assert_eq!(check(&header, &length, &credentials, at(), &parts(&tampered)), Err(VerifyError::Mismatch));
        let other_host = SignedParts { host: "10.57.118.172:28443", ..parts(BODY) };
        assert_eq!(check(&header, &length, &credentials, at(), &other_host), Err(VerifyError::Mismatch));
        assert_eq!(check(&header, "12", &credentials, at(), &parts(BODY)), Err(VerifyError::LengthMismatch));
        let more_headers = header.replace("content-length;content-type;host", "content-type;host");
        assert_eq!(check(&more_headers, &length, &credentials, at(), &parts(BODY)), Err(VerifyError::OtherHeaders));
        assert_eq!(verify(None, None, &credentials, HeaderOrder::default(), at(), window, &parts(BODY)), Err(VerifyError::Malformed));
        assert_eq!(check("Bearer x", &length, &credentials, at(), &parts(BODY)), Err(VerifyError::Malformed));
    }

    #[test]
    fn accepts_a_timestamp_with_milliseconds_too() {
        let credentials = Credentials::new("ak", "sk");
        let options = SignOptions { timestamp: TimestampFormat::Millis, ..SignOptions::default() };
        let header = authorization(&credentials, options, at(), &parts(BODY));
        assert!(header.contains("T02:43:08.000Z/"), "{header}");
        let ok = verify(Some(&header), None, &credentials, HeaderOrder::default(), at(), chrono::Duration::minutes(15), &parts(BODY));
        assert_eq!(ok, Ok(()));
    }

    #[test]
    fn the_sk_stays_out_of_debug() {
        let text = format!("{:?}", Credentials::new("ak-1", "very-secret-sk"));
        assert!(text.contains("ak-1") && !text.contains("very-secret-sk"), "{text}");
    }
}
