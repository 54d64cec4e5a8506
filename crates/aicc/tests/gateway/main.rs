//! The CC-Gateway client against the vendor's example payloads and against the simulator.

use std::time::Duration;

use serde_json::Value;
use sidekick_aicc::gateway::*;

mod calldata;
mod odfs;
mod recording;
mod stub;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/gateway/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn event_of(name: &str) -> GatewayEvent {
    let raw: RawEvent = serde_json::from_value(fixture(name)["event"].clone()).unwrap();
    GatewayEvent::parse(&raw)
}

/// Conformance: every event fixture (vendor-shaped) types as the documented event.
#[test]
fn vendor_shaped_events_parse() {
    assert_eq!(event_of("event_inservice.json"), GatewayEvent::InService);
    assert_eq!(event_of("event_state_ready.json"), GatewayEvent::StateReady);
    assert_eq!(event_of("event_state_busy.json"), GatewayEvent::StateBusy);
    assert_eq!(event_of("event_phone_alerting.json"), GatewayEvent::PhoneAlerting);
    assert_eq!(event_of("event_phone_offhook.json"), GatewayEvent::PhoneOffhook);
    assert_eq!(event_of("event_phone_release.json"), GatewayEvent::PhoneRelease);
    assert_eq!(event_of("event_shutdown.json"), GatewayEvent::ShutdownService);
    let party = CallParty { call_id: "1455885056-1095".into(), caller: "13500000001".into(), called: "40038".into(), feature: Some(0) };
    assert_eq!(event_of("event_ringing.json"), GatewayEvent::Ringing(party.clone()));
    assert_eq!(event_of("event_talking.json"), GatewayEvent::Talking(party));
    assert_eq!(event_of("event_call_release.json"), GatewayEvent::CallRelease { call_id: "1455885056-1095".into() });
    assert_eq!(event_of("event_hold.json"), GatewayEvent::Hold { call_id: "1455885056-1095".into() });
    assert_eq!(event_of("event_state_set_not_ready.json"), GatewayEvent::StateNotReady);
    assert_eq!(event_of("event_state_cancel_not_ready.json"), GatewayEvent::StateReady);
    assert_eq!(event_of("event_state_set_rest.json"), GatewayEvent::StateRest);
    assert_eq!(event_of("event_state_cancel_rest.json"), GatewayEvent::StateReady);
    assert_eq!(event_of("event_state_set_work.json"), GatewayEvent::StateWork);
    assert_eq!(event_of("event_state_cancel_work.json"), GatewayEvent::StateReady);
    // An event type Sidekick does not act on is kept as Other, never an error.
    assert_eq!(event_of("event_unknown_to_sidekick.json"), GatewayEvent::Other { event_type: "AgentEvent_Call_Out_Fail".into() });
    assert_eq!(event_of("event_customer_release.json"), GatewayEvent::CustomerRelease { call_id: "1455885056-1095".into() });
    let recorded = RecordInfo {
        call_id: "1455885056-1095".into(),
        task_id: "5206".into(),
        record_id: "Yc1v1a291d20260720t1102150".into(),
        file_name: "Y:/1/5/20260720/291/1102150.V3".into(),
        caller: "13500000001".into(),
        called: "40038".into(),
        location_id: "256".into(),
        file_media_type: Some(1),
    };
    assert_eq!(event_of("event_record.json"), GatewayEvent::Record(recorded));
    let GatewayEvent::RecordFail(failed) = event_of("event_record_fail.json") else { panic!("Record_Fail must type as RecordFail") };
    assert_eq!((failed.call_id.as_str(), failed.task_id.as_str(), failed.location_id.as_str()), ("1455885056-1095", "5207", "65535"));
    let stopped = RecordStop {
        task_id: "5206".into(),
        call_id: None,
        begin_time: Some(1_784_529_735_000),
        end_time: Some(1_784_529_772_000),
        record_format: Some(3),
        file_media_type: Some(1),
    };
    assert_eq!(event_of("event_stop_record_done.json"), GatewayEvent::StopRecordDone(stopped), "jsonKey arrays are ignored");
}

#[test]
fn sign_in_request_matches_the_vendor_example() {
    let req = SignInRequest {
        password: String::new(),
        phonenum: "40038".into(),
        status: Some(4),
        autoanswer: None,
        releasephone: Some(false),
        agenttype: Some(4),
    };
    assert_eq!(serde_json::to_value(&req).unwrap(), fixture("signin_request.json"));
}

async fn sim(poll_wait_ms: u64) -> sidekick_sim::SimHandle {
    sidekick_sim::spawn(sidekick_sim::Scenario {
        agents: vec![(291, "pw".into())],
        gateway: sidekick_sim::gateway::GatewayRules { poll_wait: Duration::from_millis(poll_wait_ms), ..Default::default() },
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client(url: &str) -> GatewayClient {
    GatewayClient::new(GatewayConfig { base_url: url.parse().unwrap(), agent_id: AgentId::new(291).unwrap(), tls: Default::default() })
        .unwrap()
}

fn request(password: &str) -> SignInRequest {
    SignInRequest { password: password.into(), phonenum: "40038".into(), status: Some(4), autoanswer: None, releasephone: None, agenttype: Some(4) }
}

#[tokio::test]
async fn signs_in_takes_the_guid_and_polls_events() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    assert!(!c.has_session());
    let r = c.sign_in(&request("pw")).await.unwrap();
    assert_eq!(r.workno.as_deref(), Some("291"));
    assert!(c.has_session(), "the Guid from Set-GUID is kept");
    let first = c.poll_event().await.unwrap().map(|(_, e)| e);
    assert_eq!(first, Some(GatewayEvent::InService));
    let second = c.poll_event().await.unwrap().map(|(_, e)| e);
    assert_eq!(second, Some(GatewayEvent::StateReady));
    assert_eq!(c.poll_event().await.unwrap(), None, "an empty long poll is not an error");
    c.sign_out().await.unwrap();
    assert!(!c.has_session());
}

#[tokio::test]
async fn refusals_are_typed_with_what_may_help() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let e = c.sign_in(&request("wrong")).await.unwrap_err();
    assert_eq!((e.retcode(), e.retry_kind()), (Some("100-004"), RetryKind::NeedsAttention));
    c.sign_in(&request("pw")).await.unwrap();
    let again = client(&sim.gateway_url).sign_in(&request("pw")).await.unwrap_err();
    assert_eq!(again.retcode(), Some("100-002"), "a second sign-in is refused as signed in elsewhere");
    sim.gateway.kick(291);
    let e = c.poll_event().await.unwrap_err();
    assert_eq!((e.retcode(), e.retry_kind()), (Some("100-006"), RetryKind::SignInAgain));
}

#[tokio::test]
async fn unreachable_gateway_is_a_network_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = client(&format!("http://127.0.0.1:{port}/")).sign_in(&request("pw")).await.unwrap_err();
    assert_eq!(e.retry_kind(), RetryKind::NetworkFailure);
    assert!(e.to_string().contains("cannot connect"), "{e}");
}

#[tokio::test]
async fn poll_before_sign_in_is_refused_locally() {
    let sim = sim(100).await;
    let e = client(&sim.gateway_url).poll_event().await.unwrap_err();
    assert!(matches!(e, GatewayError::NoSession));
}

/// AUTHMODE 2: the gateway rotates the Guid on poll answers and old ones expire; the client must
/// switch to each new one or it would be refused once the first Guid's lifetime passed.
#[tokio::test]
async fn follows_guid_rotation_across_many_rotations() {
    use sidekick_sim::gateway::{AuthMode, GatewayRules};
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario {
        agents: vec![(291, "pw".into())],
        gateway: GatewayRules {
            poll_wait: Duration::from_millis(5),
            auth_mode: AuthMode::Dynamic { interval: Duration::from_millis(20), lifetime: Duration::from_millis(600) },
            sign_out_after: Duration::from_secs(120),
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&sim.gateway_url);
    c.sign_in(&request("pw")).await.unwrap();
    let started = std::time::Instant::now();
    // Past the first Guid's lifetime, and at least 10 rotations.
    while started.elapsed() < Duration::from_millis(900) || sim.gateway.guid_rotations(291) < 10 {
        c.poll_event().await.expect("every poll is accepted because the client follows the rotation");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(sim.gateway.guid_rotations(291) >= 10);
}

#[tokio::test]
async fn forced_sign_in_takes_over_a_session_held_elsewhere() {
    let sim = sim(100).await;
    let first = client(&sim.gateway_url);
    first.sign_in(&request("pw")).await.unwrap();
    let second = client(&sim.gateway_url);
    assert_eq!(second.sign_in(&request("pw")).await.unwrap_err().retcode(), Some("100-002"));
    second.force_sign_in(&request("pw")).await.unwrap();
    assert!(second.poll_event().await.is_ok());
    let told = first.poll_event().await.unwrap().map(|(_, e)| e);
    assert_eq!(told, Some(GatewayEvent::ShutdownService), "the replaced session is told it was signed out");
    let e = first.poll_event().await.unwrap_err();
    assert_eq!(e.retry_kind(), RetryKind::SignInAgain, "after that its Guid is refused: {e}");
}

#[tokio::test]
async fn state_requests_are_checked_before_sending() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    c.sign_in(&request("pw")).await.unwrap();
    for bad in [StateRequest::Busy { reason: Some(199), prolong: false }, StateRequest::Rest { seconds: 0, cause: 0 }, StateRequest::Rest { seconds: 86_400, cause: 0 }] {
        let e = c.set_state(bad).await.unwrap_err();
        assert!(matches!(e, GatewayError::Invalid(_)), "{bad:?} must be refused locally: {e}");
    }
    c.set_state(StateRequest::Busy { reason: Some(250), prolong: false }).await.unwrap();
    let e = c.set_state(StateRequest::Busy { reason: Some(250), prolong: false }).await.unwrap_err();
    assert_eq!(e.retcode(), Some("100-009"), "the gateway wants prolong for a second busy");
    c.set_state(StateRequest::Rest { seconds: 86_399, cause: 255 }).await.unwrap();
}

/// TLS against a gateway with a self-signed certificate for 127.0.0.1 (as on-premises gateways
/// often have): refused with the OS roots alone, accepted with the certificate in the CA bundle or
/// pinned by fingerprint, refused with any other pin. Verification is never switched off.
mod tls {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Bytes;
    use sidekick_aicc::tls::{fingerprint, TlsTrust};
    use std::sync::Arc;

    /// A TLS server answering every request with the vendor's sign-in answer and a Set-GUID.
    async fn tls_gateway() -> (String, String, Vec<u8>) {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
        serve_tls(key.cert, key.signing_key).await
    }

    /// A certificate for 127.0.0.1 valid only from `from` to `until` (years, 1 January).
    async fn tls_gateway_valid(from: i32, until: i32) -> (String, String, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(until, 1, 1);
        let cert = params.self_signed(&key).unwrap();
        serve_tls(cert, key).await
    }

    async fn serve_tls(cert: rcgen::Certificate, key: rcgen::KeyPair) -> (String, String, Vec<u8>) {
        let cert_pem = cert.pem();
        let cert_der = cert.der().to_vec();
        let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert_der.clone().into()], key_der)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://127.0.0.1:{}/", listener.local_addr().unwrap().port());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service = hyper::service::service_fn(|_req| async {
                        let body = fixture("signin_response.json").to_string();
                        let resp = hyper::Response::builder()
                            .header("Set-GUID", "JSESSIONID=tls-guid.AgentGateway0")
                            .body(Full::new(Bytes::from(body)))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(resp)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        (url, cert_pem, cert_der)
    }

    fn client_with(url: &str, tls: TlsTrust) -> GatewayClient {
        GatewayClient::new(GatewayConfig { base_url: url.parse().unwrap(), agent_id: AgentId::new(291).unwrap(), tls }).unwrap()
    }

    #[tokio::test]
    async fn self_signed_gateway_needs_a_bundle_or_a_pin() {
        let (url, pem, der) = tls_gateway().await;
        let e = client_with(&url, TlsTrust::default()).sign_in(&request("pw")).await.unwrap_err();
        assert_eq!(e.retry_kind(), RetryKind::NetworkFailure, "an untrusted certificate fails the connection: {e}");
        assert!(e.to_string().contains("certificate is not trusted"), "the message says why: {e}");

        let bundle = TlsTrust { ca_bundle_pem: Some(pem.into_bytes()), pin_sha256: None };
        client_with(&url, bundle).sign_in(&request("pw")).await.expect("trusted through the admin CA bundle");

        let pinned = TlsTrust { ca_bundle_pem: None, pin_sha256: Some(fingerprint(&der)) };
        client_with(&url, pinned).sign_in(&request("pw")).await.expect("trusted through its pin");

        let mut other = fingerprint(&der);
        other[0] ^= 1;
        let wrong = TlsTrust { ca_bundle_pem: None, pin_sha256: Some(other) };
        let e = client_with(&url, wrong).sign_in(&request("pw")).await.unwrap_err();
        assert_eq!(e.retry_kind(), RetryKind::NetworkFailure);
        assert!(e.to_string().contains("other than the pinned one"), "the message names the pin: {e}");
    }

    /// Signs in to a gateway whose certificate (trusted through the CA bundle) is valid only
    /// from `from` to `until`; the refusal.
    async fn refused_outside_validity(from: i32, until: i32) -> GatewayError {
        let (url, pem, _) = tls_gateway_valid(from, until).await;
        let bundle = TlsTrust { ca_bundle_pem: Some(pem.into_bytes()), pin_sha256: None };
        let e = client_with(&url, bundle).sign_in(&request("pw")).await.unwrap_err();
        assert_eq!(e.retry_kind(), RetryKind::NetworkFailure);
        e
    }

    /// Trusted through the bundle, but past its end date: refused, and the message says expired.
    #[tokio::test]
    async fn an_expired_certificate_is_refused_even_when_its_ca_is_trusted() {
        let e = refused_outside_validity(2020, 2021).await;
        assert!(e.to_string().contains("certificate has expired"), "the message says expired: {e}");
    }

    /// Not valid until a date far ahead (or this computer's clock is behind): refused, and the
    /// message points at the clock.
    #[tokio::test]
    async fn a_certificate_not_yet_valid_is_refused_with_a_word_about_the_clock() {
        let e = refused_outside_validity(2090, 2091).await;
        assert!(e.to_string().contains("not valid yet") && e.to_string().contains("date and time"), "{e}");
    }

    /// No source file in the workspace turns verification off: the only `dangerous()` call is
    /// the pinned verifier, which still verifies; reqwest's switches are never used.
    #[test]
    fn no_setting_turns_certificate_verification_off() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut sources = Vec::new();
        let mut dirs = vec![root.join("crates"), root.join("src-tauri/src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() && !path.ends_with("tests") && !path.ends_with("target") {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push(path);
                }
            }
        }
        assert!(sources.len() > 50, "the workspace's sources were found: {}", sources.len());
        let mut dangerous = Vec::new();
        for path in &sources {
            let text = std::fs::read_to_string(path).unwrap();
            for word in ["danger_accept_invalid_certs", "danger_accept_invalid_hostnames", "NoCertificateVerification", "dangerous()"] {
                if text.contains(word) {
                    dangerous.push(format!("{}: {word}", path.strip_prefix(&root).unwrap_or(path).display()));
                }
            }
        }
        assert_eq!(dangerous, vec!["crates/aicc/src/tls.rs: dangerous()".to_owned()], "verification must never be switchable off");
    }
}

#[tokio::test]
async fn a_reset_connection_is_a_network_failure() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    c.sign_in(&request("pw")).await.unwrap();
    sim.gateway.inject(sidekick_sim::gateway::Fault::Reset, 1);
    let e = c.poll_event().await.unwrap_err();
    assert_eq!(e.retry_kind(), RetryKind::NetworkFailure, "a broken-off answer is retried like a network failure: {e}");
    assert!(c.poll_event().await.is_ok(), "the next poll goes through");
}

/// Conformance: the current-call answer, with `called` typed as a number as the vendor's table
/// says, and the idle answer with an empty `result`.
#[test]
fn current_call_answers_parse() {
    let info: CallInfo = serde_json::from_value(fixture("callinfo_response.json")["result"].clone()).unwrap();
    assert_eq!(info.callid, "1732250000-0007");
    assert_eq!(info.called, "40038", "a numeric `called` is read as text");
    assert!(info.answered());
    assert_eq!(fixture("callinfo_idle_response.json")["result"], serde_json::json!({}));
}

/// After a sign-in in the middle of a call (an app restarted mid-call), the gateway names the
/// call, ringing or answered; with no call it names none.
#[tokio::test]
async fn the_current_call_is_read_after_sign_in() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    c.sign_in(&request("pw")).await.unwrap();
    assert_eq!(c.current_call().await.unwrap(), None);
    sim.gateway.play_inbound_call(
        291,
        sidekick_sim::gateway::CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("7-now".into()), ring_ms: 300, talk_ms: 60_000, auto_answer: true },
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ringing = c.current_call().await.unwrap().expect("a ringing call");
    assert_eq!((ringing.callid.as_str(), ringing.caller.as_str(), ringing.answered()), ("7-now", "13500000001", false));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let c2 = client(&sim.gateway_url);
    c2.force_sign_in(&request("pw")).await.unwrap();
    let talking = c2.current_call().await.unwrap().expect("the call outlives the session");
    assert!(talking.answered());
    assert_eq!(talking.called, "40038");
}
