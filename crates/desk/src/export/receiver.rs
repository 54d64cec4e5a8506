//! The CC-FS callback receiver: an HTTPS server (axum over rustls) that checks auth-v2, hands the
//! callback to the desk and answers at once. Without a certificate it serves plain HTTP, and only
//! on loopback (the simulator and the demo); CC-FS itself requires TLS 1.2 or later.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use chrono::Utc;
use sidekick_aicc::ccfs::sign::{verify, Credentials, HeaderOrder, SignedParts};
use sidekick_aicc::ccfs::{CallbackBody, CallbackMsg, CALLBACK_SUCCESS};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::CALLBACK_PATH;

/// The largest callback body read (the real one is about 200 bytes).
const MAX_BODY: usize = 64 * 1024;

/// What the receiver does with a checked callback: store it, and start the download. It returns
/// quickly (the download runs apart); an error makes the receiver answer 500, so CC-FS calls again.
pub(crate) type Sink = Arc<dyn Fn(CallbackMsg) -> Result<(), String> + Send + Sync>;

/// How the receiver checks callbacks.
#[derive(Clone)]
pub(crate) struct Checker {
    pub credentials: Credentials,
    pub order: HeaderOrder,
    pub window: chrono::Duration,
}

#[derive(Clone)]
struct ReceiverState {
    checker: Checker,
    sink: Sink,
}

/// A running receiver; stops when dropped.
pub(crate) struct Running {
    task: JoinHandle<()>,
    pub addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The TLS identity: PEM certificate chain and key files.
pub(crate) struct Identity<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
}

/// Binds `listen` and serves the callback path. With `identity`, HTTPS; without, plain HTTP
/// refused unless `listen` is a loopback address.
pub(crate) async fn start(listen: SocketAddr, identity: Option<Identity<'_>>, checker: Checker, sink: Sink) -> Result<Running, String> {
    let tls = match identity {
        Some(identity) => Some(tls_config(identity)?),
        None if listen.ip().is_loopback() => None,
        None => {
            return Err(
                "the callback receiver needs a certificate and key (CC-FS calls back over HTTPS only); plain HTTP is allowed only on 127.0.0.1".into(),
            )
        }
    };
    let listener = TcpListener::bind(listen).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!("port {} is in use by another program; choose another", listen.port()),
        std::io::ErrorKind::PermissionDenied => format!("this computer does not let the app listen on port {}", listen.port()),
        _ => format!("cannot listen on {listen}: {e}"),
    })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = router(ReceiverState { checker, sink });
    let task = match tls {
        None => tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("the CC-FS callback receiver stopped: {e}");
            }
        }),
        Some(config) => tokio::spawn(serve_tls(listener, Arc::new(config), app)),
    };
    Ok(Running { task, addr })
}

fn router(state: ReceiverState) -> Router {
    Router::new().route(CALLBACK_PATH, axum::routing::post(callback)).with_state(state)
}

/// The callback route alone, for a server of someone else's (the relay).
pub(crate) fn router_for(checker: Checker, sink: Sink) -> Router {
    router(ReceiverState { checker, sink })
}

/// Accepts TLS connections and serves `app` on each.
async fn serve_tls(listener: TcpListener, config: Arc<rustls::ServerConfig>, app: Router) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!("the CC-FS callback receiver could not accept a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(stream)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::info!(%peer, "TLS handshake with a caller of the CC-FS callback failed: {e}");
                    return;
                }
                Err(_) => return,
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new()).serve_connection(io, service).await {
                tracing::debug!(%peer, "CC-FS callback connection ended: {e}");
            }
        });
    }
}

/// The server's TLS settings from PEM files: TLS 1.2 and 1.3 only (rustls has nothing older).
fn tls_config(identity: Identity<'_>) -> Result<rustls::ServerConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(identity.cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("the callback certificate {} cannot be read: {e}", identity.cert.display()))?;
    if certs.is_empty() {
        return Err(format!("the callback certificate {} holds no certificate", identity.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(identity.key)
        .map_err(|e| format!("the callback key {} cannot be read: {e}", identity.key.display()))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the callback certificate and key do not go together: {e}"))
}

async fn callback(State(state): State<ReceiverState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return json(StatusCode::PAYLOAD_TOO_LARGE, "413", "the body is too large"),
    };
    let headers = &parts.headers;
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let host = text(header::HOST);
    let content_type = text(header::CONTENT_TYPE);
    let signed = SignedParts { method: parts.method.as_str(), path: parts.uri.path(), query: &[], host: &host, content_type: &content_type, body: &body };
    let checker = &state.checker;
    let auth = header_text(headers, header::AUTHORIZATION);
    let length = header_text(headers, header::CONTENT_LENGTH);
    if let Err(e) = verify(auth.as_deref(), length.as_deref(), &checker.credentials, checker.order, Utc::now(), checker.window, &signed) {
        tracing::warn!("CC-FS callback refused: {e}");
        return json(StatusCode::UNAUTHORIZED, "401", &e.to_string());
    }
    let callback: CallbackBody = match serde_json::from_slice(&body) {
        Ok(callback) => callback,
        Err(e) => {
            tracing::warn!("CC-FS callback with a body that cannot be read: {e}");
            return json(StatusCode::BAD_REQUEST, "400", "the body is not a CC-FS callback");
        }
    };
    tracing::info!(response_id = %callback.msg_body.response_id, file = %callback.msg_body.bill_file_name, "CC-FS callback");
    match (state.sink)(callback.msg_body) {
        Ok(()) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json;charset=UTF-8")
            .body(Body::from(CALLBACK_SUCCESS))
            .unwrap_or_default(),
        Err(e) => {
            tracing::warn!("CC-FS callback could not be stored: {e}");
            json(StatusCode::INTERNAL_SERVER_ERROR, "500", "the callback could not be stored; call again")
        }
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn json(status: StatusCode, code: &str, text: &str) -> Response {
    let body = serde_json::json!({ "resultCode": code, "resultDesc": text }).to_string();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json;charset=UTF-8")
        .body(Body::from(body))
        .unwrap_or_default()
}
