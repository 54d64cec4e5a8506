//! TLS trust for the platform endpoints. Verification is always on; there is no switch that
//! turns it off.
//!
//! - By default a server must present a chain to one of the operating system's root
//!   certificates, for the host name dialled.
//! - An administrator may add CA certificates (PEM), as on-premises gateways often use a private
//!   CA: they are trusted in addition to the OS roots.
//! - An administrator may pin an endpoint to one certificate by the SHA-256 of its DER encoding
//!   (the "fingerprint" tools print). A pinned endpoint must present exactly that certificate; the
//!   chain and name are then not consulted, because the pin is stricter than both (this is what
//!   makes a self-signed or IP-address certificate usable without trusting anything else). The
//!   handshake signature is still checked, so only the holder of that certificate's key passes.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

/// How to trust one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// Extra CA certificates in PEM, trusted in addition to the OS roots.
    pub ca_bundle_pem: Option<Vec<u8>>,
    /// SHA-256 of the one certificate (DER) the server must present.
    pub pin_sha256: Option<[u8; 32]>,
}

/// Why a trust setting cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsTrustError {
    /// The CA bundle holds no certificate, or a broken one.
    #[error("the CA bundle could not be read: {0}")]
    Bundle(String),
    /// The pin is not 64 hexadecimal digits.
    #[error("a certificate pin is a SHA-256 fingerprint: 64 hexadecimal digits (colons allowed), not \"{0}\"")]
    Pin(String),
    /// The TLS library refused the configuration.
    #[error("TLS could not be set up: {0}")]
    Setup(String),
}

/// Parses a fingerprint as tools print it: `AB:CD:…` or `abcd…`, 64 hex digits.
pub fn parse_pin(text: &str) -> Result<[u8; 32], TlsTrustError> {
    let hex: String = text.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    let bad = || TlsTrustError::Pin(text.to_owned());
    if hex.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// The SHA-256 fingerprint of a DER certificate.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls client configuration for `trust`.
pub fn client_config(trust: &TlsTrust) -> Result<rustls::ClientConfig, TlsTrustError> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsTrustError::Setup(e.to_string()))?;
    if let Some(pin) = trust.pin_sha256 {
        return Ok(builder
            .dangerous() // the pinned verifier below still verifies; see the module docs
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate { pin, provider }))
            .with_no_client_auth());
    }
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::warn!("an OS root certificate could not be loaded: {e}");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = &trust.ca_bundle_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| TlsTrustError::Bundle(e.to_string()))?;
            roots.add(cert).map_err(|e| TlsTrustError::Bundle(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(TlsTrustError::Bundle("it contains no PEM certificate".into()));
        }
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// How a pin mismatch shows in rustls's error text (its `Debug`), for the message a person reads.
pub(crate) const PIN_MISMATCH: &str = "PinMismatch";

/// The certificate presented is not the pinned one.
#[derive(Debug)]
struct PinMismatch;

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the certificate is not the pinned one")
    }
}

impl std::error::Error for PinMismatch {}

/// Accepts exactly one certificate, by fingerprint, and checks the handshake signature with it.
#[derive(Debug)]
struct PinnedCertificate {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = fingerprint(end_entity);
        // Not secret data, but compare without an early exit anyway.
        if seen.iter().zip(self.pin.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0 {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(Arc::new(PinMismatch)))))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_as_tools_print_them() {
        let colons = "AB:".repeat(31) + "AB";
        assert_eq!(parse_pin(&colons), Ok([0xAB; 32]));
        assert_eq!(parse_pin(&"0f".repeat(32)), Ok([0x0F; 32]));
        assert!(parse_pin("abc").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn an_empty_bundle_is_refused() {
        let e = client_config(&TlsTrust { ca_bundle_pem: Some(b"not a certificate".to_vec()), pin_sha256: None }).unwrap_err();
        assert!(matches!(e, TlsTrustError::Bundle(_)), "{e}");
    }
}
