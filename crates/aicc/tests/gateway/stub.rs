//! A stand-in server that answers with bodies exactly as the fixture files hold them (never
//! re-serialized by any of our types) and records every request, so a test can compare what a
//! client sent with the vendor's example and read the vendor's example answer.

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// A fixture file's text, byte for byte. `dir` is `gateway` or `odfs`.
pub fn raw_fixture(dir: &str, name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// One request as the stand-in server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub guid: Option<String>,
    pub body: Vec<u8>,
}

/// Every request seen so far, oldest first.
pub type Log = Arc<Mutex<Vec<Seen>>>;

/// Serves `answer(path_and_query)` = (HTTP status, body) on a loopback port, with a `Set-GUID:
/// <set_guid>` header when one is given. Returns the base URL and the request log.
pub async fn serve(answer: impl Fn(&str) -> (u16, String) + Send + Sync + 'static, set_guid: Option<&'static str>) -> (String, Log) {
    let seen: Log = Arc::default();
    let answer = Arc::new(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (log, answer) = (log.clone(), answer.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (log, answer) = (log.clone(), answer.clone());
                    async move {
                        let method = req.method().to_string();
                        let path_and_query = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
                        let guid = req.headers().get("guid").and_then(|v| v.to_str().ok()).map(str::to_owned);
                        let body = req.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
                        let (status, text) = answer(&path_and_query);
                        log.lock().unwrap().push(Seen { method, path_and_query, guid, body });
                        let mut resp = hyper::Response::builder().status(status);
                        if let Some(g) = set_guid {
                            resp = resp.header("Set-GUID", g);
                        }
                        Ok::<_, std::convert::Infallible>(resp.body(Full::new(Bytes::from(text))).unwrap())
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(tcp), service).await;
            });
        }
    });
    (url, seen)
}
