//! The APIMart client: wire types, typed errors, retries and uploads. It holds no app state.
//!
//! Every call of `API_NOTES.md` is one method of [`Client`]. Calls that are safe to repeat
//! (task reads, uploads, session creation) are retried on transient failures; the others
//! (the one-time verification result, asset submission, video generation) never are, because a
//! lost answer may hide an accepted request.

mod assets;
pub mod bucket;
pub mod error;
pub mod http;
mod key;
pub mod retry;
mod transport;
pub mod types;
mod upload;
mod verify;
mod video;

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::text::Msg;

pub use assets::{BatchState, SubmitBatch, plan_batches};
pub use error::ApiError;
pub use key::ApiKey;
pub use retry::RetryPolicy;
use transport::execute;
#[cfg(test)]
use transport::parse_retry_after;
pub use transport::{MAX_ANSWER_BYTES, interpret_response, read_capped};
pub use types::*;
pub use verify::verification_outcome;
pub use video::video_result;

/// The production gateway.
pub const DEFAULT_BASE_URL: &str = "https://api.apimart.ai";

/// Upstream limit of assets in one submit request (API_NOTES: assume 20).
pub const MAX_ASSETS_PER_SUBMIT: usize = 20;

/// APIMart's upload limit for one image.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Timeouts and retries of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole JSON request.
    pub request_timeout: Duration,
    /// Time allowed for a whole upload (files are up to 20 MB).
    pub upload_timeout: Duration,
    /// Retries of the calls that are safe to repeat.
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(180),
            retry: RetryPolicy::default(),
        }
    }
}

/// Whether a URL names this machine: `localhost` or a loopback address.
pub fn on_this_machine(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Checks a base URL: it must parse, and use https unless the host is this machine.
pub fn validate_base_url(raw: &str) -> Result<Url, ApiError> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|e| ApiError::InvalidBaseUrl {
        url: trimmed.to_string(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if on_this_machine(&url) => {}
        "http" => {
            return Err(ApiError::InsecureBaseUrl {
                url: trimmed.to_string(),
            });
        }
        other => {
            return Err(ApiError::InvalidBaseUrl {
                url: trimmed.to_string(),
                reason: format!("the scheme must be https, not {other}"),
            });
        }
    }
    if url.host().is_none() {
        return Err(ApiError::InvalidBaseUrl {
            url: trimmed.to_string(),
            reason: "it has no host".into(),
        });
    }
    Ok(url)
}

/// The typed async APIMart client.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    options: ClientOptions,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client for `base_url` with `key`. Fails on an invalid or insecure URL or an
    /// empty key.
    pub fn new(base_url: &str, key: &ApiKey, options: ClientOptions) -> Result<Client, ApiError> {
        let base = validate_base_url(base_url)?;
        if key.is_empty() {
            return Err(ApiError::MissingKey);
        }
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                ApiError::Unauthorized {
                    message: "the API key contains characters that cannot be sent".into(),
                }
            })?;
        // Marked sensitive so that reqwest and hyper never show it in Debug output.
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http =
            http::for_api(headers, options.connect_timeout).map_err(|e| ApiError::Unreachable {
                detail: format!("the HTTP client could not start: {e}"),
            })?;
        Ok(Client {
            http,
            base,
            options,
        })
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn endpoint(&self, path: &str) -> Result<Url, ApiError> {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{prefix}{path}"));
        Ok(url)
    }

    /// Retries transient failures: for calls that are safe to repeat.
    async fn retrying<T, F, Fut>(&self, what: &'static str, op: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        self.retrying_if(what, ApiError::is_transient, op).await
    }

    /// Retries only a 429: the gateway refused the request before doing anything, so even a
    /// call that must not be repeated blindly (a submit, a one-time token) is safe to send again.
    async fn retrying_refusals<T, F, Fut>(&self, what: &'static str, op: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        self.retrying_if(what, |e| matches!(e, ApiError::RateLimited { .. }), op)
            .await
    }

    async fn retrying_if<T, F, Fut>(
        &self,
        what: &'static str,
        retryable: impl Fn(&ApiError) -> bool,
        op: F,
    ) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        retry::with_retries(
            &self.options.retry,
            retryable,
            op,
            |attempt, error, wait| {
                tracing::warn!(
                    call = what,
                    attempt,
                    kind = error.kind(),
                    ?wait,
                    "retrying: {error}"
                );
            },
        )
        .await
    }

    async fn post_json(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        let url = self.endpoint(path)?;
        let req = self
            .http
            .post(url)
            .timeout(self.options.request_timeout)
            .json(body);
        execute(req).await
    }
}

/// Whether a failed non-retried POST may still have been applied upstream.
pub fn answer_may_be_lost(e: &ApiError) -> bool {
    matches!(
        e.meaning(),
        ApiError::Timeout
            | ApiError::Connection { .. }
            | ApiError::Server { .. }
            | ApiError::Decode { .. }
    )
}

fn mentions_not_ready(e: &ApiError) -> bool {
    let text = match e.meaning() {
        ApiError::BadRequest { message, code } | ApiError::Other { message, code, .. } => {
            format!("{message} {}", code.as_deref().unwrap_or_default())
        }
        _ => return false,
    };
    text.contains("ValidateNotReady")
}

fn task_error_text(task: &Task) -> Msg {
    task.error
        .as_ref()
        .and_then(|e| e.message.clone().or_else(|| e.code.clone()))
        .map_or_else(|| Msg::new("verify-did-not-pass"), Msg::verbatim)
}

fn urlencode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Parses an envelope's `data` into `T`; a mismatch is a [`ApiError::Decode`].
pub fn parse_data<T: serde::de::DeserializeOwned>(data: Value) -> Result<T, ApiError> {
    serde_json::from_value(data.clone()).map_err(|e| ApiError::Decode {
        detail: e.to_string(),
        excerpt: error::excerpt(data.to_string().as_bytes()),
    })
}

/// Parses a task from an envelope's `data`, keeping the raw object for tolerant look-ups.
pub fn task_from_data(data: Value) -> Result<Task, ApiError> {
    let mut task: Task = parse_data(data.clone())?;
    task.raw = data;
    Ok(task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(validate_base_url("https://api.apimart.ai").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8787").is_ok());
        assert!(validate_base_url("http://localhost:1").is_ok());
        assert!(validate_base_url("http://[::1]:1").is_ok());
        assert!(matches!(
            validate_base_url("http://api.apimart.ai"),
            Err(ApiError::InsecureBaseUrl { .. })
        ));
        assert!(matches!(
            validate_base_url("http://192.168.1.4:80"),
            Err(ApiError::InsecureBaseUrl { .. })
        ));
        assert!(matches!(
            validate_base_url("ftp://api.apimart.ai"),
            Err(ApiError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            validate_base_url("api.apimart.ai"),
            Err(ApiError::InvalidBaseUrl { .. })
        ));
    }

    #[test]
    fn absurd_retry_after_values_do_not_panic() {
        let mut h = HeaderMap::new();
        for (value, expected) in [
            ("7", Some(Duration::from_secs(7))),
            ("1.5", Some(Duration::from_millis(1500))),
            ("1e20", None),
            ("99999999999999999999", None),
            ("-3", None),
            ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ] {
            h.insert(
                reqwest::header::RETRY_AFTER,
                HeaderValue::from_static(value),
            );
            assert_eq!(parse_retry_after(&h), expected, "{value}");
        }
    }

    #[test]
    fn key_never_prints() {
        let key = ApiKey::new("sk-very-secret-123\n");
        assert_eq!(key.expose(), "sk-very-secret-123");
        assert!(!format!("{key:?} {key}").contains("secret"));
        let client = Client::new("https://api.apimart.ai", &key, ClientOptions::default());
        assert!(!format!("{client:?}").contains("secret"));
    }

    #[test]
    fn empty_key_is_refused() {
        let err = Client::new(
            "https://api.apimart.ai",
            &ApiKey::new("  "),
            ClientOptions::default(),
        )
        .err();
        assert_eq!(err, Some(ApiError::MissingKey));
    }

    fn assets(n: usize, kind: AssetKind) -> Vec<AssetInput> {
        (0..n)
            .map(|i| AssetInput {
                url: format!("https://cdn.example/{i}"),
                name: format!("{kind:?}-{i}"),
                kind,
            })
            .collect()
    }

    #[test]
    fn batches_split_by_twenty_and_kind() {
        let plan = plan_batches(&assets(45, AssetKind::Image));
        assert_eq!(
            plan.iter().map(|(_, b)| b.len()).collect::<Vec<_>>(),
            [20, 20, 5]
        );
        let mut mixed = assets(3, AssetKind::Image);
        mixed.splice(1..1, assets(2, AssetKind::Video));
        let plan = plan_batches(&mixed);
        assert_eq!(plan.len(), 2);
        assert!(plan[0].1.iter().all(|a| a.kind == AssetKind::Image));
        assert_eq!(plan[0].1.len(), 3);
        assert!(plan[1].1.iter().all(|a| a.kind == AssetKind::Video));
        assert!(plan_batches(&[]).is_empty());
    }
}
