//! The APIMart client: wire types, typed errors, retries and uploads. It holds no app state.
//!
//! Every call of `API_NOTES.md` is one method of [`Client`]. Calls that are safe to repeat
//! (task reads, uploads, session creation) are retried on transient failures; the others
//! (the one-time verification result, asset submission, video generation) never are, because a
//! lost answer may hide an accepted request.

pub mod error;
pub mod http;
pub mod retry;
mod transport;
pub mod types;

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

use crate::text::Msg;

pub use error::ApiError;
pub use retry::RetryPolicy;
use transport::execute;
#[cfg(test)]
use transport::parse_retry_after;
pub use transport::{MAX_ANSWER_BYTES, interpret_response, read_capped};
pub use types::*;

/// The production gateway.
pub const DEFAULT_BASE_URL: &str = "https://api.apimart.ai";

/// Upstream limit of assets in one submit request (API_NOTES: assume 20).
pub const MAX_ASSETS_PER_SUBMIT: usize = 20;

/// APIMart's upload limit for one image.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// An API key. It cannot be printed: `Debug` and `Display` show a placeholder.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key; surrounding whitespace (a pasted newline) is removed.
    pub fn new(key: impl Into<String>) -> ApiKey {
        let key: String = key.into();
        ApiKey(SecretString::from(key.trim().to_string()))
    }

    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().is_empty()
    }

    /// The key itself. Only the HTTP layer and `secrets.rs` may call this.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for ApiKey {
    fn eq(&self, other: &ApiKey) -> bool {
        self.expose() == other.expose()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

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

/// Checks a base URL: it must parse, and use https unless the host is this machine.
pub fn validate_base_url(raw: &str) -> Result<Url, ApiError> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|e| ApiError::InvalidBaseUrl {
        url: trimmed.to_string(),
        reason: e.to_string(),
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
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

/// Splits assets into submit requests: one asset kind per request, at most
/// [`MAX_ASSETS_PER_SUBMIT`] each, in the order given (images first when both appear, as they
/// are found in the list).
pub fn plan_batches(assets: &[AssetInput]) -> Vec<(AssetKind, Vec<AssetInput>)> {
    let mut kinds: Vec<AssetKind> = Vec::new();
    for a in assets {
        if !kinds.contains(&a.kind) {
            kinds.push(a.kind);
        }
    }
    let mut out = Vec::new();
    for kind in kinds {
        let of_kind: Vec<AssetInput> = assets.iter().filter(|a| a.kind == kind).cloned().collect();
        for chunk in of_kind.chunks(MAX_ASSETS_PER_SUBMIT) {
            out.push((kind, chunk.to_vec()));
        }
    }
    out
}

/// What became of one submit request.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchState {
    /// Accepted: a review task to poll.
    Accepted(TaskRef),
    /// Refused for sure (the server answered with an error): nothing was created.
    Refused(ApiError),
    /// The answer was lost (timeout, broken connection, 5xx, unreadable body): the request may
    /// have been accepted. Never send it again blindly; reconcile by reading tasks.
    Uncertain(ApiError),
    /// Not sent, because an earlier request of the same submit failed.
    NotSent,
}

/// One request of a submit.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitBatch {
    /// The `asset_type` of the request.
    pub kind: AssetKind,
    /// The assets it carried.
    pub assets: Vec<AssetInput>,
    /// What happened to it.
    pub state: BatchState,
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

    /// Step 1: creates a verification session. Safe to retry (an unused session costs nothing).
    pub async fn create_session(
        &self,
        callback_url: &str,
        project: &str,
    ) -> Result<TaskRef, ApiError> {
        let body = json!({ "callback_url": callback_url, "project_name": project });
        let data = self
            .retrying("create_session", || {
                self.post_json("/v1/seedance2/real-avatar", &body)
            })
            .await?;
        parse_data::<TaskRef>(data)
    }

    /// Reads a task (`GET /v1/tasks/{id}`), optionally asking for a page language. Retried.
    pub async fn get_task(&self, id: &str, language: Option<Language>) -> Result<Task, ApiError> {
        let mut url = self.endpoint(&format!("/v1/tasks/{}", urlencode_segment(id)))?;
        if let Some(lang) = language {
            url.query_pairs_mut().append_pair("language", lang.code());
        }
        let data = self
            .retrying("get_task", || {
                execute(
                    self.http
                        .get(url.clone())
                        .timeout(self.options.request_timeout),
                )
            })
            .await?;
        task_from_data(data)
    }

    /// Steps 1 and 1b together: creates a session, then reads its H5 link and token.
    pub async fn start_verification(
        &self,
        callback_url: &str,
        project: &str,
        language: Option<Language>,
    ) -> Result<VerificationLink, ApiError> {
        let created = self.create_session(callback_url, project).await?;
        self.verification_link(&created.id, language).await
    }

    /// Step 1b: the H5 link and one-time token of a session task, `\u0026` decoded.
    pub async fn verification_link(
        &self,
        task_id: &str,
        language: Option<Language>,
    ) -> Result<VerificationLink, ApiError> {
        let task = self.get_task(task_id, language).await?;
        let link = task
            .result
            .h5_link
            .as_deref()
            .map(clean_h5_link)
            .map(|l| match language {
                Some(lang) => with_page_language(&l, lang),
                None => l,
            });
        match (link, task.result.byted_token.clone()) {
            (Some(h5_link), Some(byted_token))
                if !h5_link.is_empty() && !byted_token.is_empty() =>
            {
                Ok(VerificationLink {
                    task_id: task.id,
                    h5_link,
                    byted_token,
                })
            }
            _ => Err(ApiError::Decode {
                detail: "the session has no h5_link or byted_token".into(),
                excerpt: error::excerpt(task.raw.to_string().as_bytes()),
            }),
        }
    }

    /// Step 2: asks for the verification result with the one-time token. **Never retried**
    /// (except after a 429, which the gateway answers before anything reaches the upstream):
    /// the token is consumed by the first request that reaches the upstream. Call it once,
    /// after a completion signal.
    pub async fn query_verification(
        &self,
        byted_token: &str,
        project: &str,
    ) -> Result<VerificationOutcome, ApiError> {
        let body = json!({ "byted_token": byted_token, "project_name": project });
        let answer = self
            .retrying_refusals("query_verification", || {
                self.post_json("/v1/seedance2/real-avatar", &body)
            })
            .await;
        match answer {
            Ok(data) => Ok(verification_outcome(&data)),
            Err(e) if mentions_not_ready(&e) => Ok(VerificationOutcome::NotReady),
            Err(e) => Err(e),
        }
    }

    /// Follows a [`VerificationOutcome::Pending`] task once: verified when its result holds a
    /// group id, failed when the task failed, still pending otherwise.
    pub async fn verification_task(&self, task_id: &str) -> Result<VerificationOutcome, ApiError> {
        let task = self.get_task(task_id, None).await?;
        if matches!(task.status, TaskStatus::Failed | TaskStatus::Cancelled) {
            return Ok(VerificationOutcome::Failed {
                reason: task_error_text(&task),
            });
        }
        Ok(match find_group_id(&task.raw) {
            Some(group_id) => VerificationOutcome::Verified { group_id },
            None => VerificationOutcome::Pending { task_id: task.id },
        })
    }

    /// Step 3 for one request: at most [`MAX_ASSETS_PER_SUBMIT`] assets of one kind. Never
    /// retried blindly: only a 429 (refused before anything was done) is sent again. Prefer
    /// [`Client::submit_assets`], which splits and classifies.
    pub async fn submit_batch(
        &self,
        group_id: &str,
        project: &str,
        kind: AssetKind,
        assets: &[AssetInput],
    ) -> Result<TaskRef, ApiError> {
        let list: Vec<Value> = assets
            .iter()
            .map(|a| json!({ "url": a.url, "name": a.name }))
            .collect();
        let body = json!({
            "group_id": group_id,
            "project_name": project,
            "asset_type": kind.as_str(),
            "assets": list,
        });
        let data = self
            .retrying_refusals("submit", || {
                self.post_json("/v1/seedance2/real-avatar", &body)
            })
            .await?;
        parse_data(data)
    }

    /// Step 3: submits assets to the person's group, split by kind and into requests of at
    /// most 20. Stops at the first request that fails; the ones after it are `NotSent`.
    pub async fn submit_assets(
        &self,
        group_id: &str,
        project: &str,
        assets: &[AssetInput],
    ) -> Vec<SubmitBatch> {
        let mut out = Vec::new();
        let mut stopped = false;
        for (kind, batch) in plan_batches(assets) {
            let state = if stopped {
                BatchState::NotSent
            } else {
                match self.submit_batch(group_id, project, kind, &batch).await {
                    Ok(task) => BatchState::Accepted(task),
                    Err(e) => {
                        stopped = true;
                        // A request never sent (Unreachable) is refused for sure, like a 4xx.
                        if answer_may_be_lost(&e) {
                            BatchState::Uncertain(e)
                        } else {
                            BatchState::Refused(e)
                        }
                    }
                }
            };
            out.push(SubmitBatch {
                kind,
                assets: batch,
                state,
            });
        }
        out
    }

    /// Uploads one image (multipart field `file`). Retried on transient failures.
    pub async fn upload_image(
        &self,
        bytes: bytes::Bytes,
        filename: &str,
        content_type: &str,
    ) -> Result<UploadedImage, ApiError> {
        self.upload_image_with_progress(bytes, filename, content_type, &|_, _| {})
            .await
    }

    /// [`Client::upload_image`], telling `progress(sent, total)` as the body streams out.
    pub async fn upload_image_with_progress(
        &self,
        bytes: bytes::Bytes,
        filename: &str,
        content_type: &str,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<UploadedImage, ApiError> {
        let url = self.endpoint("/v1/uploads/images")?;
        let mime: reqwest::header::HeaderValue =
            content_type.parse().map_err(|_| ApiError::BadRequest {
                message: format!("{content_type:?} is not a valid content type"),
                code: None,
            })?;
        let total = bytes.len() as u64;
        let data = self
            .retrying("upload_image", || {
                let (tx, rx) = tokio::sync::mpsc::channel::<u64>(16);
                let part = reqwest::multipart::Part::stream_with_length(
                    progress_body(bytes.clone(), tx),
                    total,
                )
                .file_name(filename.to_string())
                .mime_str(mime.to_str().unwrap_or("application/octet-stream"));
                let url = url.clone();
                async move {
                    let part = part.map_err(|_| ApiError::BadRequest {
                        message: format!("{content_type:?} is not a valid content type"),
                        code: None,
                    })?;
                    let form = reqwest::multipart::Form::new().part("file", part);
                    let req = self
                        .http
                        .post(url)
                        .timeout(self.options.upload_timeout)
                        .multipart(form);
                    let report = async {
                        let mut rx = rx;
                        while let Some(sent) = rx.recv().await {
                            progress(sent, total);
                        }
                    };
                    let (result, ()) = tokio::join!(execute(req), report);
                    result
                }
            })
            .await?;
        parse_data(data)
    }

    /// Starts a video generation with approved `asset://` references. Never retried (it is
    /// billed). Returns the task id to poll.
    pub async fn create_video(&self, request: &VideoRequest) -> Result<String, ApiError> {
        let body = serde_json::to_value(request).map_err(|e| ApiError::Decode {
            detail: format!("the request could not be encoded: {e}"),
            excerpt: String::new(),
        })?;
        let data = self.post_json("/v1/videos/generations", &body).await?;
        let first = match &data {
            Value::Array(items) => items.first(),
            other => Some(other),
        };
        first
            .and_then(|v| v.get("task_id").or_else(|| v.get("id")))
            .and_then(types::value_as_id)
            .ok_or_else(|| ApiError::Decode {
                detail: "the answer has no task_id".into(),
                excerpt: error::excerpt(data.to_string().as_bytes()),
            })
    }
}

/// Size of the pieces an upload body is streamed in; progress is reported per piece.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// A request body that streams `bytes` in pieces and reports the bytes handed to the
/// connection so far on `sent` (dropped reports are fine: the next one supersedes them).
fn progress_body(bytes: bytes::Bytes, sent: tokio::sync::mpsc::Sender<u64>) -> reqwest::Body {
    let chunks: Vec<bytes::Bytes> = (0..bytes.len())
        .step_by(UPLOAD_CHUNK)
        .map(|start| bytes.slice(start..(start + UPLOAD_CHUNK).min(bytes.len())))
        .collect();
    let mut done = 0u64;
    let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
        done += chunk.len() as u64;
        let _ = sent.try_send(done);
        Ok::<_, std::io::Error>(chunk)
    }));
    reqwest::Body::wrap_stream(stream)
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

/// Interprets the `data` of a step-2 answer in every shape API_NOTES lists.
pub fn verification_outcome(data: &Value) -> VerificationOutcome {
    let status = data
        .get("status")
        .and_then(Value::as_str)
        .map(TaskStatus::parse);
    // A failed answer is a failure even when it names a group: only a verified person's group
    // may take assets.
    if matches!(status, Some(TaskStatus::Failed | TaskStatus::Cancelled)) {
        let reason = ["error", "result"]
            .iter()
            .filter_map(|k| data.get(*k))
            .find_map(|v| {
                v.get("message")
                    .or_else(|| v.get("reason"))
                    .and_then(Value::as_str)
                    .map(|m| Msg::verbatim(crate::text::short_printable(m, 300)))
            })
            .unwrap_or_else(|| Msg::new("verify-did-not-pass"));
        return VerificationOutcome::Failed { reason };
    }
    if let Some(group_id) = find_group_id(data) {
        return VerificationOutcome::Verified { group_id };
    }
    if data.to_string().contains("ValidateNotReady") {
        return VerificationOutcome::NotReady;
    }
    match data.get("id").and_then(types::value_as_id) {
        Some(task_id) => VerificationOutcome::Pending { task_id },
        None => VerificationOutcome::Failed {
            reason: Msg::new("verify-no-answer"),
        },
    }
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
