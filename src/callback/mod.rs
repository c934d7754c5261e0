//! The small HTTP listener that receives the phone's redirect at the end of the H5 flow (or a
//! webhook POST), so the app advances the moment the person finishes.
//!
//! `callback_url` is `http://<address>:<port>/cb/<session>/<key>`, with a fresh random key for
//! each link, so a phone still open on an older link cannot complete a newer one. Session ids
//! are unguessable, and only sessions the engine registered are answered; anything else gets
//! 404. The bare `/cb/<session>` is answered too (links issued before keys, webhooks that send
//! the token).

mod serve;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::api::Language;

pub use serve::{Counters, Limits};

/// A hit on its way to the engine, with where to say whether the session took it.
#[derive(Debug)]
pub struct Delivery {
    /// What arrived.
    pub hit: CallbackHit,
    /// `true` when the session applied it (the page then says it was received).
    pub accepted: oneshot::Sender<bool>,
}

/// What the phone (or a webhook) told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackHit {
    /// The session in the URL.
    pub session: String,
    /// `resultCode` (`10000` = passed).
    pub result_code: String,
    /// `bytedToken`, when sent.
    pub token: Option<String>,
    /// `resultMsg`/`message`, when sent.
    pub message: Option<String>,
    /// The link's key from the address, when it had one.
    pub key: Option<String>,
}

/// A fresh key for a link's callback address: 128 random bits, hex.
pub fn new_key() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which page the person's phone is shown after its redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The session took a passing result.
    Passed,
    /// The session took a result that did not pass.
    NotPassed,
    /// A known session that did not take this result (an older code, one already used).
    NotAccepted,
    /// No such session here.
    Unknown,
}

/// The words of a page in a language: `(title, sentence)`. The listener knows no sentences;
/// the engine gives it these from the translations.
pub type Pages = Arc<dyn Fn(Language, PageKind) -> (String, String) + Send + Sync>;

/// Sessions that may receive a callback, with the person's language for the page.
#[derive(Clone)]
pub struct Registry {
    sessions: Arc<Mutex<HashMap<String, Language>>>,
    pages: Pages,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    /// An empty registry whose pages say `pages`' words.
    pub fn new(pages: Pages) -> Registry {
        Registry {
            sessions: Arc::default(),
            pages,
        }
    }

    /// Lets `session` receive callbacks.
    pub fn register(&self, session: &str, language: Language) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(session.to_string(), language);
    }

    /// Stops answering for `session`.
    pub fn unregister(&self, session: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(session);
    }

    fn language(&self, session: &str) -> Option<Language> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(session)
            .copied()
    }

    /// The page, as HTML.
    fn page(&self, lang: Language, kind: PageKind) -> String {
        let (title, text) = (self.pages)(lang, kind);
        page_html(lang.code(), &title, &text)
    }
}

/// The first non-loopback IPv4 address of this machine (the LAN address the phone can reach),
/// or 127.0.0.1 when there is none. Reads the interface list; sends nothing.
pub fn lan_address() -> IpAddr {
    if_addrs::get_if_addrs()
        .ok()
        .and_then(|ifs| {
            ifs.into_iter()
                .filter(|i| !i.is_loopback())
                .map(|i| i.ip())
                .find(|ip| matches!(ip, IpAddr::V4(v4) if v4.is_private()))
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// A running listener.
pub struct CallbackServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    counters: Arc<Counters>,
}

impl CallbackServer {
    /// Listens on `bind` (port 0 picks a free port) and forwards hits to `hits`.
    pub async fn start(
        bind: SocketAddr,
        registry: Registry,
        hits: mpsc::Sender<Delivery>,
    ) -> std::io::Result<CallbackServer> {
        CallbackServer::start_with(bind, registry, hits, Limits::default()).await
    }

    /// [`CallbackServer::start`] with other limits (tests make them small).
    pub async fn start_with(
        bind: SocketAddr,
        registry: Registry,
        hits: mpsc::Sender<Delivery>,
        limits: Limits,
    ) -> std::io::Result<CallbackServer> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Shared {
            registry,
            hits,
            max_body: limits.max_body,
        });
        let app = Router::new()
            .route("/cb/{session}", get(on_get).post(on_post))
            .route("/cb/{session}/{key}", get(on_get).post(on_post))
            .layer(DefaultBodyLimit::max(limits.max_body))
            .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
            .with_state(state);
        let (tx, rx) = oneshot::channel::<()>();
        let counters = Arc::new(Counters::default());
        tokio::spawn(serve::serve(listener, app, limits, counters.clone(), rx));
        tracing::info!(%addr, "callback listener ready");
        Ok(CallbackServer {
            addr,
            shutdown: Some(tx),
            counters,
        })
    }

    /// What it served and turned away so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The callback URL for a session. A listener on every interface (0.0.0.0) is reached
    /// through the LAN address.
    pub fn url_for(&self, session: &str, key: &str) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(lan_address());
        }
        format!("http://{addr}/cb/{session}/{key}")
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

struct Shared {
    registry: Registry,
    hits: mpsc::Sender<Delivery>,
    max_body: usize,
}

/// Before any body is read: an unknown session gets 404, a body announced over the cap 413.
async fn gate(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let session = request
        .uri()
        .path()
        .strip_prefix("/cb/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    if state.registry.language(session).is_none() {
        return (
            StatusCode::NOT_FOUND,
            Html(state.registry.page(Language::En, PageKind::Unknown)),
        )
            .into_response();
    }
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > state.max_body) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(request).await
}

#[derive(Debug, Default, Deserialize)]
struct Params {
    // Never a bare `code`: webhooks in the APIMart style carry `"code": 200`, which is not a
    // verification result.
    #[serde(rename = "resultCode", alias = "result_code")]
    result_code: Option<String>,
    #[serde(rename = "bytedToken", alias = "byted_token", alias = "token")]
    byted_token: Option<String>,
    #[serde(rename = "resultMsg", alias = "message", alias = "msg")]
    result_msg: Option<String>,
}

impl Params {
    fn code(&self) -> Option<String> {
        self.result_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    }

    /// From a JSON webhook body, where the code may be a number.
    fn from_json(body: &[u8]) -> Option<Params> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let get = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| v.get(*k).and_then(crate::api::types::value_as_id))
        };
        Some(Params {
            result_code: get(&["resultCode", "result_code"]),
            byted_token: get(&["bytedToken", "byted_token", "token"]),
            result_msg: get(&["resultMsg", "message", "msg"]),
        })
    }
}

/// Hands a hit to the engine and waits for its word: `Ok((language, passed, accepted))`.
async fn forward(
    state: &Shared,
    session: &str,
    key: Option<String>,
    p: &Params,
) -> Result<(Language, bool, bool), StatusCode> {
    let Some(language) = state.registry.language(session) else {
        return Err(StatusCode::NOT_FOUND);
    };
    let Some(code) = p.code() else {
        return Err(StatusCode::BAD_REQUEST);
    };
    let passed = code == "10000";
    let hit = CallbackHit {
        session: session.to_string(),
        result_code: code,
        token: p.byted_token.clone(),
        message: p.result_msg.clone(),
        key,
    };
    let (accepted, reply) = oneshot::channel();
    state
        .hits
        .send(Delivery { hit, accepted })
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    let accepted = reply.await.unwrap_or(false);
    Ok((language, passed, accepted))
}

/// The address's parts: the session, and the link's key when the address has one.
#[derive(Deserialize)]
struct Address {
    session: String,
    key: Option<String>,
}

/// The phone's browser arrives: forward the result, and thank the person in their language.
async fn on_get(
    State(state): State<Arc<Shared>>,
    Path(Address { session, key }): Path<Address>,
    Query(p): Query<Params>,
) -> Response {
    match forward(&state, &session, key, &p).await {
        // The page tells the truth: "received" only when the session took it.
        Ok((lang, passed, accepted)) => Html(state.registry.page(
            lang,
            match (accepted, passed) {
                (true, true) => PageKind::Passed,
                (true, false) => PageKind::NotPassed,
                (false, _) => PageKind::NotAccepted,
            },
        ))
        .into_response(),
        Err(StatusCode::NOT_FOUND) => (
            StatusCode::NOT_FOUND,
            Html(state.registry.page(Language::En, PageKind::Unknown)),
        )
            .into_response(),
        Err(status) => (
            status,
            Html(state.registry.page(Language::En, PageKind::Unknown)),
        )
            .into_response(),
    }
}

/// A server-side notification (JSON, a form, or the query string).
async fn on_post(
    State(state): State<Arc<Shared>>,
    Path(Address { session, key }): Path<Address>,
    Query(q): Query<Params>,
    body: axum::body::Bytes,
) -> Response {
    // A webhook may send JSON or a form; fall back to the query string.
    let from_body = Params::from_json(&body).or_else(|| form_params(&body));
    let p = match from_body {
        Some(b) if b.result_code.is_some() => b,
        _ => q,
    };
    match forward(&state, &session, key, &p).await {
        Ok((_, _, accepted)) => axum::Json(serde_json::json!({ "ok": accepted })).into_response(),
        Err(status) => (status, axum::Json(serde_json::json!({ "ok": false }))).into_response(),
    }
}

fn form_params(body: &[u8]) -> Option<Params> {
    let pairs: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |keys: &[&str]| keys.iter().find_map(|k| pairs.get(*k).cloned());
    let code = get(&["resultCode", "result_code"])?;
    Some(Params {
        result_code: Some(code),
        byted_token: get(&["bytedToken", "byted_token", "token"]),
        result_msg: get(&["resultMsg", "message", "msg"]),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page for a phone's browser: large, centred text.
fn page_html(lang: &str, title: &str, text: &str) -> String {
    let (lang, title, text) = (escape(lang), escape(title), escape(text));
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<style>body{{font-family:sans-serif;text-align:center;margin:3rem 1rem}}h1{{font-size:1.6rem}}p{{font-size:1.2rem}}</style>\
</head><body><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_key_in_the_address_reaches_the_engine() {
        let registry = Registry::new(Arc::new(|lang, kind| {
            (format!("{lang:?}-{kind:?}"), "<b>".into())
        }));
        registry.register("s1", Language::Ko);
        let (tx, mut rx) = mpsc::channel(4);
        let server = CallbackServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), registry, tx)
            .await
            .unwrap();
        let base = format!("http://{}", server.addr());
        let get = |path: String| async move { reqwest::get(path).await.unwrap() };

        // The engine's part: take the first hit, refuse the second.
        let engine = tokio::spawn(async move {
            let mut hits = Vec::new();
            for accept in [true, false] {
                let d: Delivery = rx.recv().await.unwrap();
                hits.push(d.hit);
                d.accepted.send(accept).unwrap();
            }
            (hits, rx)
        });
        let page = get(format!("{base}/cb/s1/k123?resultCode=10000")).await;
        assert_eq!(page.status(), 200);
        let text = page.text().await.unwrap();
        assert!(text.contains("lang=\"ko\"") && text.contains("<h1>Ko-Passed</h1>"));
        assert!(text.contains("&lt;b&gt;"), "words are escaped: {text}");

        // The bare address still answers (older links, webhooks with the token); a result the
        // session did not take is not called received.
        let bare = get(format!("{base}/cb/s1?resultCode=10000&bytedToken=t9")).await;
        assert_eq!(bare.status(), 200);
        assert!(bare.text().await.unwrap().contains("Ko-NotAccepted"));
        let (hits, mut rx) = engine.await.unwrap();
        assert_eq!(hits[0].key.as_deref(), Some("k123"));
        assert_eq!(hits[0].token, None);
        assert_eq!(
            (hits[1].key.as_deref(), hits[1].token.as_deref()),
            (None, Some("t9"))
        );

        // Unknown sessions get nothing, whatever the key.
        let unknown = get(format!("{base}/cb/nobody/k123?resultCode=10000")).await;
        assert_eq!(unknown.status(), 404);
        assert!(unknown.text().await.unwrap().contains("En-Unknown"));
        assert!(rx.try_recv().is_err());
        assert!(server.url_for("s1", "k123").ends_with("/cb/s1/k123"));
    }
}
