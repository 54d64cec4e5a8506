//! What every test here shares: reading an answer back as XML (with quick-xml, and with xmllint
//! when it is installed), and building requests for the endpoint.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use tower::ServiceExt;

/// One action of an answer as an XML parser sees it: element name, attributes in document order
/// (values unescaped and normalised), and text (unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
}

/// Checks that `xml` is a well-formed Call Interactive answer and returns its actions. Fails the
/// test otherwise. Every answer a test produces goes through here, so xmllint sees them all.
pub fn actions_of(xml: &str) -> Vec<Element> {
    xmllint(xml);
    let mut reader = Reader::from_str(xml);
    let mut actions: Vec<Element> = Vec::new();
    let mut depth = 0;
    let mut saw_root = false;
    // The raw text (with its references) of the action being read.
    let mut raw_text = String::new();
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML ({e}):\n{xml}"));
        match event {
            Event::Decl(decl) => {
                let version = decl.version().expect("a version");
                assert_eq!(&*version, "1.0", "declared as XML 1.0:\n{xml}");
                let encoding = decl.encoding().expect("an encoding is declared").expect("readable");
                assert_eq!(&*encoding, "UTF-8", "declared as UTF-8:\n{xml}");
            }
            Event::Start(e) if depth == 0 => {
                root(&e, &mut saw_root, xml);
                depth = 1;
            }
            Event::Empty(e) if depth == 0 => root(&e, &mut saw_root, xml),
            Event::Start(e) if depth == 1 => {
                actions.push(element(&e, xml));
                raw_text.clear();
                depth = 2;
            }
            Event::Empty(e) if depth == 1 => actions.push(element(&e, xml)),
            Event::Text(t) => {
                let text: &str = &t;
                if depth == 2 {
                    raw_text.push_str(text);
                } else {
                    assert!(text.trim().is_empty(), "only indentation outside actions:\n{xml}");
                }
            }
            Event::GeneralRef(r) if depth == 2 => {
                raw_text.push('&');
                raw_text.push_str(&r);
                raw_text.push(';');
            }
            Event::End(_) if depth == 2 => {
                let text =
                    quick_xml::escape::unescape(&raw_text).unwrap_or_else(|e| panic!("bad reference ({e}):\n{xml}"));
                actions.last_mut().expect("an open action").text = text.into_owned();
                depth = 1;
            }
            Event::End(e) if depth == 1 => {
                assert_eq!(e.name().as_ref(), "Response");
                depth = 0;
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?} at depth {depth}:\n{xml}"),
        }
    }
    assert!(saw_root && depth == 0, "a complete <Response>:\n{xml}");
    actions
}

fn root(e: &BytesStart, saw_root: &mut bool, xml: &str) {
    assert_eq!(e.name().as_ref(), "Response", "the root is <Response>:\n{xml}");
    assert!(!*saw_root, "one root only:\n{xml}");
    *saw_root = true;
}

fn element(e: &BytesStart, xml: &str) -> Element {
    let attributes = e
        .attributes()
        .map(|a| {
            let a = a.unwrap_or_else(|err| panic!("bad attribute ({err}):\n{xml}"));
            let value = a.normalized_value(XmlVersion::Implicit1_0).expect("attribute value");
            (a.key.as_ref().to_owned(), value.into_owned())
        })
        .collect();
    let name = e.name().as_ref().to_owned();
    Element { name, attributes, text: String::new() }
}

/// The answer without actions, exactly.
pub const EMPTY_ANSWER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n";

/// The whole document around the given action lines.
pub fn document(lines: &[&str]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n");
    for line in lines {
        xml.push_str(line);
        xml.push('\n');
    }
    xml.push_str("</Response>\n");
    xml
}

/// Whether xmllint is installed; says once, on the terminal, when it is not.
fn xmllint_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let installed = Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success());
        if !installed {
            // Straight to the terminal: the test harness captures println! of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "xmllint is not installed: the xmllint check of the answers is SKIPPED (apt-get install libxml2-utils)"
            );
        }
        installed
    })
}

/// `xmllint --noout` on `xml`, when xmllint is installed.
pub fn xmllint(xml: &str) {
    if let Some(Err(complaint)) = xmllint_verdict(xml) {
        panic!("xmllint refused the answer:\n{xml}\n{complaint}");
    }
}

/// What `xmllint --noout` says of `xml`: `None` when it is not installed.
pub fn xmllint_verdict(xml: &str) -> Option<Result<(), String>> {
    if !xmllint_installed() {
        return None;
    }
    let mut child = Command::new("xmllint")
        .args(["--noout", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint starts");
    child.stdin.take().expect("stdin").write_all(xml.as_bytes()).expect("xmllint reads the answer");
    let out = child.wait_with_output().expect("xmllint ends");
    Some(if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) })
}

/// The token every endpoint test uses.
pub const TOKEN: &str = "test-token-0123456789";

/// Where test requests come from, unless a test says otherwise.
pub fn pbx_addr() -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 10], 40000))
}

/// A GET to `/ci/{token}?{query}` from `pbx_addr()`.
pub fn get(token: &str, query: &str) -> Request<Body> {
    request(Method::GET, &format!("/ci/{token}?{query}"), None, Body::empty())
}

/// A form POST of `body` to `/ci/{token}` from `pbx_addr()`.
pub fn post(token: &str, body: impl Into<Body>) -> Request<Body> {
    request(Method::POST, &format!("/ci/{token}"), Some("application/x-www-form-urlencoded"), body.into())
}

pub fn request(method: Method, uri: &str, content_type: Option<&str>, body: Body) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    let mut request = builder.body(body).expect("a valid request");
    request.extensions_mut().insert(ConnectInfo(pbx_addr()));
    request
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Answer {
    /// The actions of a 200 answer, after checking it is one, in XML, as XML.
    pub fn actions(&self) -> Vec<Element> {
        assert_eq!(self.status, StatusCode::OK, "an XML answer: {}", self.body);
        assert_eq!(self.content_type.as_deref(), Some("application/xml; charset=utf-8"));
        actions_of(&self.body)
    }
}

/// Sends `request` to `app` and reads the whole answer.
pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("the router always answers");
    let header_text =
        |name| response.headers().get(name).map(|v: &header::HeaderValue| v.to_str().expect("ASCII").to_owned());
    let (status, content_type, retry_after) =
        (response.status(), header_text(header::CONTENT_TYPE), header_text(header::RETRY_AFTER));
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    let body = String::from_utf8(bytes.to_vec()).expect("a UTF-8 body");
    Answer { status, content_type, retry_after, body }
}
