//! A scripted peer that is not the simulator: a bare tungstenite server that answers each request
//! with frames written in the tests (mostly the vendor's examples verbatim), records every frame
//! it receives, and pushes frames on demand. A framing bug shared by the client and the simulator
//! cannot pass here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::Message;

/// Answers a request (its name and object) with frames to send back, in order.
pub type Script = Arc<dyn Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync>;

pub struct Peer {
    pub url: String,
    received: Arc<Mutex<Vec<Value>>>,
    push: broadcast::Sender<PeerCommand>,
    connections: Arc<AtomicUsize>,
    pub authorizations: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone, Debug)]
pub enum PeerCommand {
    Frame(String),
    Drop,
}

impl Peer {
    /// Listens on loopback; requests need `Authorization: Bearer <token>`.
    pub async fn start(token: &'static str, script: Script) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/ws/token/v1", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (push, _) = broadcast::channel(2048);
        let connections = Arc::new(AtomicUsize::new(0));
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let (rec, tx, count, auths) = (received.clone(), push.clone(), connections.clone(), authorizations.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (rec, script, mut pushed, count, auths) = (rec.clone(), script.clone(), tx.subscribe(), count.clone(), auths.clone());
                tokio::spawn(async move {
                    // The callback's type is tungstenite's.
                    #[allow(clippy::result_large_err)]
                    let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
                        let auth = request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                        let path_token = request.uri().path().ends_with(token);
                        auths.lock().unwrap_or_else(|p| p.into_inner()).push(auth.clone());
                        if auth == format!("Bearer {token}") || path_token {
                            Ok(response)
                        } else {
                            let mut refused = ErrorResponse::new(Some("wrong token".into()));
                            *refused.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::UNAUTHORIZED;
                            Err(refused)
                        }
                    };
                    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, check).await else { return };
                    count.fetch_add(1, Ordering::SeqCst);
                    loop {
                        tokio::select! {
                            message = ws.next() => {
                                let Some(Ok(message)) = message else { return };
                                let Message::Text(text) = message else { continue };
                                let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&text) else { continue };
                                rec.lock().unwrap_or_else(|p| p.into_inner()).push(Value::Array(items.clone()));
                                let (Some(Value::String(name)), Some(Value::Object(body))) = (items.first(), items.get(1)) else { continue };
                                for frame in script(name, body) {
                                    if ws.send(Message::Text(frame.into())).await.is_err() {
                                        return;
                                    }
                                }
                            }
                            command = pushed.recv() => match command {
                                Ok(PeerCommand::Frame(frame)) => {
                                    if ws.send(Message::Text(frame.into())).await.is_err() {
                                        return;
                                    }
                                }
                                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                                Ok(PeerCommand::Drop) | Err(_) => return,
                            }
                        }
                    }
                });
            }
        });
        Peer { url, received, push, connections, authorizations }
    }

    /// Sends a frame to every open connection.
    pub fn push(&self, frame: &str) {
        let _ = self.push.send(PeerCommand::Frame(frame.to_owned()));
    }

    /// Drops every open connection (no close frame).
    pub fn drop_all(&self) {
        let _ = self.push.send(PeerCommand::Drop);
    }

    /// Every frame received, in order.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The received frames named `name`.
    pub fn named(&self, name: &str) -> Vec<Map<String, Value>> {
        self.received()
            .into_iter()
            .filter_map(|f| match f {
                Value::Array(items) if items.first().and_then(Value::as_str) == Some(name) => items.get(1).and_then(Value::as_object).cloned(),
                _ => None,
            })
            .collect()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// `[<name>_result, {qid, result: "ok", …extra}]` echoing the request's qid.
pub fn ok(name: &str, body: &Map<String, Value>, extra: Value) -> String {
    let mut answer = Map::new();
    answer.insert("qid".into(), body.get("qid").cloned().unwrap_or(Value::Null));
    answer.insert("result".into(), Value::from("ok"));
    if let Value::Object(extra) = extra {
        answer.extend(extra);
    }
    Value::Array(vec![Value::from(format!("{name}_result")), Value::Object(answer)]).to_string()
}
