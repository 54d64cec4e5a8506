//! The HTTP endpoint the PBX calls: `GET` or `POST /ci/{token}`.
//!
//! What it does with a request, in order:
//!
//! 1. **Rate limit** per source address ([`RateLimit`]); over it: 429 with `Retry-After`.
//! 2. **Token**: the path segment is compared with the [`AccessToken`] in constant time; a wrong
//!    or unreadable one is 404 with an empty body, like any unknown path.
//! 3. **Parse** the query string and, when there is one, the form body
//!    ([`CallInteractiveRequest::parse`]); a refusal is 400 with the reason as plain text. The
//!    vendor does not document the POST's `Content-Type`, so a body is read as a form whatever
//!    it declares; only when that finds no `CallID` in a body declared as something else does the
//!    reason say the body is not a form.
//! 4. **Screen pop**: the request goes to the [`ScreenPop`] sink at once, whatever the answer.
//! 5. **Decide**: the [`Decider`] chooses the actions, within the budget (1 s by default) counted
//!    from the request's arrival. A decider that is late, fails, panics or returns actions the
//!    PBX would refuse gets the empty answer `<Response/>` (HTTP 200), and so does a body still
//!    arriving at the budget: the IVR then carries on as configured, which is what the caller
//!    needs from an agent's desktop that is busy or wrong.
//! 6. **Answer**: HTTP 200, `Content-Type: application/xml; charset=utf-8`.
//!
//! The vendor documents neither how long the PBX waits nor what it does with an error or a bad
//! document (`reference/ivr-protocols.md` §B.5); hence the short budget and the empty answer on
//! every failure that is ours. A 400 is kept for requests that are not Call Interactive requests
//! at all, where an empty answer would hide a misconfigured URL.
//!
//! The source address is the TCP peer, which [`serve`] records. Behind a reverse proxy every
//! request would share the proxy's address, so a relay should serve the router directly.
//!
//! Logs carry the `CallID` and what was answered, never the token, and caller names and numbers
//! only at `debug`.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::action::Action;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::request::{quote, CallInteractiveRequest, RequestError};
use crate::response::{Response, CONTENT_TYPE};
use crate::token::AccessToken;

/// The route, with the token as its one path parameter.
pub const ROUTE: &str = "/ci/{token}";

/// How long the decider may take, unless configured.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(1);

/// The largest form body read, unless configured: the documented parameters take a few hundred
/// bytes, and URL variables little more.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// The form content type the PBX posts.
const FORM: &str = "application/x-www-form-urlencoded";

/// How the endpoint behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The secret path segment.
    pub token: AccessToken,
    /// How long the decider may take, from the request's arrival.
    pub budget: Duration,
    /// Requests per source address.
    pub rate_limit: RateLimit,
    /// The largest form body read; a larger one is refused (400).
    pub max_body_bytes: usize,
}

impl ServerConfig {
    /// The defaults: a 1 s budget, [`RateLimit::default`], 16 KiB bodies.
    pub fn new(token: AccessToken) -> Self {
        Self { token, budget: DEFAULT_BUDGET, rate_limit: RateLimit::default(), max_body_bytes: DEFAULT_MAX_BODY_BYTES }
    }
}

/// The path to configure in the IVR for `token` (prefix it with the app's address).
pub fn path_for(token: &AccessToken) -> String {
    ROUTE.replace("{token}", token.expose())
}

/// Why a decider gave no actions; only logged.
pub type DecideError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`Decider`] returns.
pub type DecideFuture = Pin<Box<dyn Future<Output = Result<Vec<Action>, DecideError>> + Send>>;

/// Chooses the actions for a request (the app's rules over its settings and call history). It
/// runs on its own task, so it may await; what it has not answered within the budget is
/// dropped. Any `Fn(Arc<CallInteractiveRequest>) -> impl Future<Output = Result<Vec<Action>, _>>`
/// is a decider.
pub trait Decider: Send + Sync + 'static {
    /// The actions for `request` (an empty list for none).
    fn decide(&self, request: Arc<CallInteractiveRequest>) -> DecideFuture;
}

impl<F, Fut> Decider for F
where
    F: Fn(Arc<CallInteractiveRequest>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Action>, DecideError>> + Send + 'static,
{
    fn decide(&self, request: Arc<CallInteractiveRequest>) -> DecideFuture {
        Box::pin(self(request))
    }
}

/// Receives every valid request, for the screen pop. It is called on the request's own task
/// before the answer is chosen, so it must return at once (hand the request on, do not look
/// anything up). Any `Fn(Arc<CallInteractiveRequest>)` is a sink, and so is an
/// `mpsc::Sender<Arc<CallInteractiveRequest>>`.
pub trait ScreenPop: Send + Sync + 'static {
    /// Shows (or forwards) `request`.
    fn pop(&self, request: Arc<CallInteractiveRequest>);
}

impl<F: Fn(Arc<CallInteractiveRequest>) + Send + Sync + 'static> ScreenPop for F {
    fn pop(&self, request: Arc<CallInteractiveRequest>) {
        self(request)
    }
}

/// Never waits: when the channel is full the pop is dropped (the answer matters more) and a
/// warning logged.
impl ScreenPop for mpsc::Sender<Arc<CallInteractiveRequest>> {
    fn pop(&self, request: Arc<CallInteractiveRequest>) {
        if let Err(e) = self.try_send(request) {
            let full = matches!(e, mpsc::error::TrySendError::Full(_));
            tracing::warn!(call_id = %e.into_inner().call_id, full, "the screen pop was dropped: its channel is full or closed");
        }
    }
}

/// The endpoint's shared state; cheap to clone.
#[derive(Clone)]
pub struct InteractiveState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    limiter: RateLimiter,
    decider: Box<dyn Decider>,
    screen_pop: Box<dyn ScreenPop>,
}

impl InteractiveState {
    /// State for [`router`]: how to behave, who decides, where screen pops go.
    pub fn new(config: ServerConfig, decider: impl Decider, screen_pop: impl ScreenPop) -> Self {
        let limiter = RateLimiter::new(config.rate_limit);
        Self {
            inner: Arc::new(Inner { config, limiter, decider: Box::new(decider), screen_pop: Box::new(screen_pop) }),
        }
    }
}

/// `GET` and `POST` [`ROUTE`]. Serve it with [`serve`] (or with
/// `into_make_service_with_connect_info::<SocketAddr>()`) so the rate limit sees each source;
/// without that every request counts as one unknown source.
pub fn router(state: InteractiveState) -> Router {
    Router::new().route(ROUTE, get(answer).post(answer)).with_state(state)
}

/// Serves `app` on `listener`, recording each connection's address for the rate limit.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
}

type HttpResponse = axum::response::Response;

async fn answer(
    State(state): State<InteractiveState>,
    token: Result<Path<String>, PathRejection>,
    request: Request,
) -> HttpResponse {
    let arrived = Instant::now();
    let inner = &state.inner;
    let source = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip().to_canonical());
    if let Err(wait) = inner.limiter.take(source, arrived) {
        // Not a warning: a flood would fill the log with them.
        tracing::debug!(%source, "Call Interactive request refused: over the rate limit");
        return too_many(wait);
    }
    if !token.is_ok_and(|Path(token)| inner.config.token.matches(&token)) {
        tracing::warn!(%source, "Call Interactive request with a wrong token");
        return plain(StatusCode::NOT_FOUND, String::new());
    }
    let deadline = arrived + inner.config.budget;
    let call = match tokio::time::timeout_at(deadline, read(request, inner.config.max_body_bytes)).await {
        Ok(Ok(call)) => Arc::new(call),
        Ok(Err(e)) => {
            tracing::warn!(%source, "Call Interactive request refused: {e}");
            return plain(StatusCode::BAD_REQUEST, e.to_string());
        }
        Err(_) => {
            tracing::warn!(%source, "answering without actions: the request's body did not arrive within the budget");
            return xml(&Response::empty());
        }
    };
    tracing::debug!(call_id = %call.call_id, caller = ?call.caller_id_num, name = ?call.caller_id_name, "Call Interactive request");
    if catch_unwind(AssertUnwindSafe(|| inner.screen_pop.pop(call.clone()))).is_err() {
        tracing::error!(call_id = %call.call_id, "the screen pop panicked");
    }
    let response = decide_within(&state, call.clone(), deadline).await;
    tracing::info!(call_id = %call.call_id, actions = response.actions().len(), "Call Interactive answered");
    xml(&response)
}

fn xml(response: &Response) -> HttpResponse {
    let mut http = HttpResponse::new(Body::from(response.to_xml()));
    http.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    http
}

/// The decider's actions if it answers by `deadline` with actions the PBX takes; otherwise the
/// empty answer, with the reason logged.
async fn decide_within(state: &InteractiveState, call: Arc<CallInteractiveRequest>, deadline: Instant) -> Response {
    let call_id = call.call_id.clone();
    let decider = state.clone();
    // Its own task, so that a panic in the app's code (even before its future is returned) is
    // an error here and not a dropped connection.
    let mut task = tokio::spawn(async move { decider.inner.decider.decide(call).await });
    let failure = match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(Ok(Ok(actions))) => match Response::new(actions) {
            Ok(response) => return response,
            Err(e) => format!("the decider's actions would be refused: {e}"),
        },
        Ok(Ok(Err(e))) => format!("the decider failed: {e}"),
        Ok(Err(e)) => format!("the decider stopped: {e}"),
        Err(_) => {
            task.abort();
            "the decider did not answer within the budget".to_owned()
        }
    };
    tracing::warn!(call_id = %call_id, "answering without actions: {failure}");
    Response::empty()
}

/// The request's parameters from its query string and form body.
async fn read(request: Request, max_body_bytes: usize) -> Result<CallInteractiveRequest, RequestError> {
    let (parts, body) = request.into_parts();
    let body = body_bytes(body, max_body_bytes).await?;
    let query = parts.uri.query().unwrap_or("").as_bytes();
    CallInteractiveRequest::parse(query, &body).map_err(|e| match (e, declared_other_than_form(&parts.headers)) {
        (RequestError::MissingCallId, Some(content_type)) if !body.is_empty() => {
            RequestError::NotAForm { content_type }
        }
        (e, _) => e,
    })
}

async fn body_bytes(body: Body, limit: usize) -> Result<Bytes, RequestError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(RequestError::BodyTooLarge { limit }),
        Err(_) => Err(RequestError::UnreadableBody),
    }
}

/// The declared `Content-Type` (shortened), when it is not a form.
fn declared_other_than_form(headers: &HeaderMap) -> Option<String> {
    let text = String::from_utf8_lossy(headers.get(header::CONTENT_TYPE)?.as_bytes()).into_owned();
    let essence = text.split(';').next().unwrap_or_default().trim();
    (!essence.eq_ignore_ascii_case(FORM)).then(|| quote(&text))
}

fn plain(status: StatusCode, text: String) -> HttpResponse {
    let mut http = HttpResponse::new(Body::from(text));
    *http.status_mut() = status;
    http.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    http
}

fn too_many(wait: Duration) -> HttpResponse {
    let mut http = plain(StatusCode::TOO_MANY_REQUESTS, "too many requests from this address".to_owned());
    // Whole seconds, rounded up, and at most an hour (a source with no refill would wait forever).
    let seconds = wait.as_secs_f64().ceil().clamp(1.0, 3600.0) as u64;
    http.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    http
}
