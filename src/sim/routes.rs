//! The simulator's HTTP routes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Faults, Phase, PhoneError, Review, ReviewAsset, Session, Shared, SimState, TaskKind, Upload,
    VerifyShape, h5,
};
use crate::api::{FACE_MODELS, MAX_ASSETS_PER_SUBMIT, MAX_UPLOAD_BYTES};

type AppState = Arc<Shared>;

pub(super) fn router(shared: AppState) -> Router {
    let api = Router::new()
        .route("/v1/seedance2/real-avatar", post(real_avatar))
        .route("/v1/tasks/{id}", get(get_task))
        .route("/v1/uploads/images", post(upload))
        .route("/v1/videos/generations", post(video))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES * 2))
        .route_layer(middleware::from_fn_with_state(shared.clone(), faults_layer))
        .route_layer(middleware::from_fn_with_state(shared.clone(), auth_layer));
    Router::new()
        .merge(api)
        .route("/h5/{id}", get(h5_page))
        .route("/h5/{id}/{verdict}", post(h5_finish))
        .route("/files/{id}", get(file))
        .route("/_sim/counters", get(sim_counters))
        .route("/_sim/faults", get(sim_faults).post(sim_set_faults))
        .route("/_sim/advance", post(sim_advance))
        .with_state(shared)
}

fn error_body(status: StatusCode, code: &str, message: &str, kind: &str) -> Response {
    let body = json!({ "error": { "code": code, "message": message, "type": kind } });
    (status, axum::Json(body)).into_response()
}

fn payment_required() -> Response {
    error_body(
        StatusCode::PAYMENT_REQUIRED,
        "insufficient_balance",
        "Your balance is insufficient",
        "billing_error",
    )
}

fn bad_request(code: &str, message: &str) -> Response {
    error_body(
        StatusCode::BAD_REQUEST,
        code,
        message,
        "invalid_request_error",
    )
}

fn ok(data: Value) -> Response {
    axum::Json(json!({ "code": 200, "data": data })).into_response()
}

async fn auth_layer(State(shared): State<AppState>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let accepted = !given.is_empty()
        && shared
            .config
            .key
            .as_deref()
            .is_none_or(|expected| expected == given);
    if !accepted {
        shared.state().count("unauthorized");
        return error_body(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Invalid or missing API key",
            "authentication_error",
        );
    }
    next.run(req).await
}

enum Injected {
    None,
    RateLimited(u64),
    ServerError,
    Malformed,
    Drop,
}

async fn faults_layer(State(shared): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let targeted = {
        let st = shared.state();
        st.faults.only_paths.is_empty()
            || st
                .faults
                .only_paths
                .iter()
                .any(|p| path.starts_with(p.as_str()))
    };
    if !targeted {
        return next.run(req).await;
    }
    let (latency, injected) = {
        let mut st = shared.state();
        let f: &mut Faults = &mut st.faults;
        let latency = Duration::from_millis(f.latency_ms);
        let injected = if f.rate_limit_next > 0 {
            f.rate_limit_next -= 1;
            Injected::RateLimited(f.retry_after_secs)
        } else if f.server_error_next > 0 {
            f.server_error_next -= 1;
            Injected::ServerError
        } else if f.malformed_next > 0 {
            f.malformed_next -= 1;
            Injected::Malformed
        } else if f.drop_next > 0 {
            f.drop_next -= 1;
            Injected::Drop
        } else {
            Injected::None
        };
        match injected {
            Injected::RateLimited(_) => st.count("rate_limited"),
            Injected::ServerError => st.count("server_error"),
            Injected::Malformed => st.count("malformed"),
            Injected::Drop => st.count("dropped"),
            Injected::None => {}
        }
        (latency, injected)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match injected {
        Injected::None => next.run(req).await,
        Injected::RateLimited(secs) => {
            let mut resp = error_body(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "Too many requests, please slow down",
                "rate_limit_error",
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            resp
        }
        Injected::ServerError => error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_unavailable",
            "The upstream service is temporarily unavailable",
            "server_error",
        ),
        Injected::Malformed => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"code\": 200, \"data\": {\"id\": ",
        )
            .into_response(),
        Injected::Drop => {
            // The request is applied; then the body breaks off, as when a proxy drops the
            // connection: the client never learns the answer.
            let applied = next.run(req).await;
            let stream = futures_util::stream::iter([
                Ok(bytes::Bytes::from_static(b"{\"code\": 200, ")),
                Err(std::io::Error::other("connection dropped by the simulator")),
            ]);
            let mut resp = Response::new(Body::from_stream(stream));
            *resp.status_mut() = applied.status();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
    }
}

async fn real_avatar(State(shared): State<AppState>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("invalid_json", "The request body is not valid JSON");
    };
    let project = body
        .get("project_name")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    if body.get("group_id").is_some() {
        submit(&shared, &body)
    } else if let Some(token) = body.get("byted_token") {
        match token.as_str() {
            Some(t) if !t.is_empty() => query_verification(&shared, t),
            _ => bad_request(
                "invalid_parameter",
                "byted_token must be a non-empty string",
            ),
        }
    } else {
        let (response, created) = create_session(&shared, &body, &project);
        if let (Some(id), Some(after)) = (created, shared.config.phone_after) {
            tokio::spawn(super::phone::phone_later(shared.clone(), id, after));
        }
        response
    }
}

fn create_session(shared: &Shared, body: &Value, _project: &str) -> (Response, Option<String>) {
    let mut st = shared.state();
    st.count("create_session");
    let callback = body
        .get("callback_url")
        .and_then(Value::as_str)
        .unwrap_or("");
    let valid = url::Url::parse(callback)
        .map(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or(false);
    if !valid {
        return (
            bad_request(
                "invalid_parameter",
                "callback_url is required and must be an http(s) URL",
            ),
            None,
        );
    }
    if st.faults.insufficient_balance {
        return (payment_required(), None);
    }
    let id = st.next("task_rav_");
    let token = format!(
        "bt_{}_{:08x}",
        id.trim_start_matches("task_rav_"),
        fastrand_like(&id)
    );
    st.tokens.insert(token.clone(), id.clone());
    st.tasks.insert(
        id.clone(),
        TaskKind::Session(Session {
            token,
            created: shared.now(),
            callback_url: callback.to_string(),
            phase: Phase::Waiting,
            lng: "en".into(),
        }),
    );
    (ok(json!({ "id": id, "status": "completed" })), Some(id))
}

/// A deterministic scramble so tokens look opaque without a random number generator.
fn fastrand_like(seed: &str) -> u32 {
    seed.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn query_verification(shared: &Shared, token: &str) -> Response {
    let now = shared.now();
    let ttl = shared.config.link_ttl;
    let shape = shared.config.verify_shape;
    let mut st = shared.state();
    st.count("query_verification");
    *st.counters.token_uses.entry(token.to_string()).or_default() += 1;
    let Some(task_id) = st.tokens.get(token).cloned() else {
        return bad_request("InvalidToken", "byted_token is not valid");
    };
    let Some(TaskKind::Session(session)) = st.tasks.get_mut(&task_id) else {
        return bad_request("InvalidToken", "byted_token is not valid");
    };
    let expired = now > session.created + ttl;
    match session.phase {
        Phase::Consumed | Phase::Burned => {
            bad_request("TokenUsed", "byted_token has already been used")
        }
        Phase::Waiting if expired => {
            session.phase = Phase::Burned;
            bad_request("TokenExpired", "byted_token has expired")
        }
        Phase::Waiting => {
            // Asking before the person finished burns the token, as upstream does.
            session.phase = Phase::Burned;
            bad_request(
                "ValidateNotReady",
                "ValidateNotReady: the person has not finished verification",
            )
        }
        Phase::Failed => {
            session.phase = Phase::Consumed;
            ok(json!({
                "status": "failed",
                "error": { "code": "LivenessFailed", "message": "face liveness verification did not pass" }
            }))
        }
        Phase::Passed => {
            session.phase = Phase::Consumed;
            let group_id = st.next("grp_");
            st.groups.insert(group_id.clone(), task_id.clone());
            let data = match shape {
                VerifyShape::Data => json!({ "status": "completed", "group_id": group_id }),
                VerifyShape::DataResult => {
                    json!({ "status": "completed", "result": { "GroupId": group_id, "Passed": true } })
                }
                VerifyShape::DataResultUpper => {
                    json!({ "status": "completed", "Result": { "GroupId": group_id } })
                }
                VerifyShape::RawResponse => json!({
                    "status": "completed",
                    "raw_response": { "ResponseMetadata": { "RequestId": "sim" }, "Result": { "GroupId": group_id } }
                }),
                VerifyShape::Task => {
                    let id = st.next("task_ver_");
                    st.tasks
                        .insert(id.clone(), TaskKind::VerifyResult { group_id });
                    json!({ "id": id, "status": "processing" })
                }
            };
            ok(data)
        }
    }
}

/// The deterministic review rule documented in the module.
fn verdict(
    shared_base: &str,
    uploads: &SimState,
    name: &str,
    url: &str,
) -> Option<(&'static str, &'static str)> {
    let text = format!("{name} {url}").to_lowercase();
    if text.contains("fail") || text.contains("mismatch") {
        return Some(("FaceMismatch", "face consistency verification failed"));
    }
    if text.contains("faces") || text.contains("group") {
        return Some(("MultipleFaces", "more than one face was found"));
    }
    let missing_upload = url
        .strip_prefix(&format!("{shared_base}/files/"))
        .is_some_and(|id| !uploads.uploads.contains_key(id));
    if text.contains("missing") || missing_upload {
        return Some(("FetchFailed", "the asset URL could not be fetched"));
    }
    None
}

fn submit(shared: &Shared, body: &Value) -> Response {
    let now = shared.now();
    let mut st = shared.state();
    st.count("submit");
    let group_id = body.get("group_id").and_then(Value::as_str).unwrap_or("");
    if !st.groups.contains_key(group_id) {
        return bad_request("InvalidGroup", "group_id does not name a verified person");
    }
    let kind = body
        .get("asset_type")
        .and_then(Value::as_str)
        .unwrap_or("Video");
    if kind != "Image" && kind != "Video" {
        return bad_request("invalid_parameter", "asset_type must be Image or Video");
    }
    let Some(list) = body.get("assets").and_then(Value::as_array) else {
        return bad_request("invalid_parameter", "assets must be a non-empty list");
    };
    if list.is_empty() {
        return bad_request("invalid_parameter", "assets must be a non-empty list");
    }
    if list.len() > MAX_ASSETS_PER_SUBMIT {
        return bad_request(
            "too_many_assets",
            &format!("at most {MAX_ASSETS_PER_SUBMIT} assets per request"),
        );
    }
    let mut parsed = Vec::new();
    for item in list {
        let url = item.get("url").and_then(Value::as_str).unwrap_or("");
        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
        if url.is_empty() {
            return bad_request("invalid_parameter", "every asset needs a url");
        }
        parsed.push((url.to_string(), name.to_string()));
    }
    if st.faults.insufficient_balance {
        return payment_required();
    }
    st.counters
        .submit_requests
        .push((kind.to_string(), parsed.len()));
    let mut assets = Vec::new();
    for (url, name) in parsed {
        *st.counters
            .submitted
            .entry(format!("{group_id}/{name}"))
            .or_default() += 1;
        let asset_id = st.next("asset-");
        let verdict = verdict(&shared.base_url, &st, &name, &url);
        assets.push(ReviewAsset {
            name,
            url,
            asset_id,
            verdict,
        });
    }
    let id = st.next("task_rev_");
    st.tasks.insert(
        id.clone(),
        TaskKind::Review(Review {
            created: now,
            assets,
        }),
    );
    ok(json!({ "id": id, "status": "processing", "progress": 0 }))
}

#[derive(Deserialize)]
struct TaskQuery {
    language: Option<String>,
}

async fn get_task(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TaskQuery>,
) -> Response {
    let now = shared.now();
    let review_duration = shared.config.review_duration;
    let mut st = shared.state();
    st.count("get_task");
    let base = shared.base_url.clone();
    let Some(task) = st.tasks.get_mut(&id) else {
        return error_body(
            StatusCode::NOT_FOUND,
            "task_not_found",
            "No task with this id",
            "invalid_request_error",
        );
    };
    let data = match task {
        TaskKind::Session(session) => {
            if let Some(lng) = q.language.as_deref() {
                session.lng = lng.to_string();
            }
            // Gateways have been seen to leave `\u0026` escaped inside the link: so do we.
            let link = format!(
                "{base}/h5/{id}?token={}\\u0026lng={}",
                session.token, session.lng
            );
            json!({
                "id": id,
                "status": "completed",
                "progress": 100,
                "result": {
                    "h5_link": link,
                    "byted_token": session.token,
                    "raw_response": { "Result": { "H5Link": link, "BytedToken": session.token } }
                }
            })
        }
        TaskKind::VerifyResult { group_id } => json!({
            "id": id, "status": "completed", "progress": 100,
            "result": { "group_id": group_id }
        }),
        TaskKind::Video { created } => {
            let elapsed = now.saturating_sub(*created);
            let done = elapsed >= shared.config.video_duration;
            json!({
                "id": id,
                "status": if done { "completed" } else { "processing" },
                "progress": if done { 100 } else { 50 },
                "result": if done { json!({ "videos": [{ "url": format!("{base}/files/video-{id}.mp4") }] }) } else { Value::Null }
            })
        }
        TaskKind::Review(review) => {
            let review = review.clone();
            return ok(review_json(&mut st, &id, &review, now, review_duration));
        }
    };
    ok(data)
}

fn review_json(
    st: &mut SimState,
    id: &str,
    review: &Review,
    now: Duration,
    duration: Duration,
) -> Value {
    let elapsed = now.saturating_sub(review.created);
    let n = review.assets.len().max(1) as u32;
    let mut all = Vec::new();
    let mut usable = Vec::new();
    let mut failed = Vec::new();
    for (i, a) in review.assets.iter().enumerate() {
        let due = duration * (i as u32 + 1) / n;
        let item = if elapsed < due {
            json!({ "asset_id": a.asset_id, "name": a.name, "url": a.url, "status": "Processing" })
        } else if let Some((code, message)) = a.verdict {
            let item = json!({
                "asset_id": a.asset_id, "name": a.name, "url": a.url, "status": "Failed",
                "error": { "code": code, "message": message }
            });
            failed.push(item.clone());
            item
        } else {
            let asset_url = format!("asset://{}", a.asset_id);
            st.active_assets.insert(asset_url.clone(), a.name.clone());
            let item = json!({
                "asset_id": a.asset_id, "name": a.name, "url": a.url, "status": "Active",
                "asset_url": asset_url
            });
            usable.push(item.clone());
            item
        };
        all.push(item);
    }
    let finished = usable.len() + failed.len();
    let progress = (finished * 100 / review.assets.len().max(1)) as u64;
    let done = finished == review.assets.len();
    let mut data = json!({
        "id": id,
        "status": if !done { "processing" } else if failed.is_empty() { "completed" } else { "failed" },
        "progress": progress,
        "result": { "assets": all, "usable_assets": usable, "failed_assets": failed },
    });
    if done && !failed.is_empty() {
        data["error"] = json!({
            "code": "task_failed",
            "message": format!("{} of {} assets failed review", failed.len(), review.assets.len())
        });
    }
    data
}

/// The formats APIMart's upload accepts, from the content.
fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    match crate::media::sniff(bytes).ok()? {
        image::ImageFormat::Jpeg => Some("image/jpeg"),
        image::ImageFormat::Png => Some("image/png"),
        image::ImageFormat::WebP => Some("image/webp"),
        image::ImageFormat::Gif => Some("image/gif"),
        _ => None,
    }
}

async fn upload(State(shared): State<AppState>, mut form: Multipart) -> Response {
    shared.state().count("upload");
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let filename = field.file_name().unwrap_or("upload").to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((filename, bytes)),
                    Err(e) => return bad_request("invalid_multipart", &e.body_text()),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return too_large();
                }
                return bad_request("invalid_multipart", &e.body_text());
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return bad_request("missing_file", "the multipart field `file` is required");
    };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return too_large();
    }
    let Some(content_type) = sniff_image(&bytes) else {
        return bad_request(
            "unsupported_file_type",
            "only JPEG, PNG, WebP and GIF images are accepted",
        );
    };
    let mut st = shared.state();
    let id = st.next("up_");
    let size = bytes.len();
    st.uploads.insert(
        id.clone(),
        Upload {
            bytes,
            content_type: content_type.to_string(),
            filename: filename.clone(),
        },
    );
    // As APIMart documents it: the fields at the top level, not in a `data` envelope, and
    // the time it was stored (Unix seconds).
    let created_at = crate::clock::now_ms() / 1000;
    axum::Json(json!({
        "url": format!("{}/files/{id}", shared.base_url),
        "filename": filename,
        "content_type": content_type,
        "bytes": size,
        "created_at": created_at,
    }))
    .into_response()
}

fn too_large() -> Response {
    error_body(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        "The file exceeds the 20 MB limit",
        "invalid_request_error",
    )
}

async fn file(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    let st = shared.state();
    match st.uploads.get(&id) {
        Some(u) => {
            let mut headers = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&u.content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&format!(
                "inline; filename=\"{}\"",
                u.filename.replace('"', "")
            )) {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            (headers, u.bytes.clone()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

async fn video(State(shared): State<AppState>, body: axum::body::Bytes) -> Response {
    let now = shared.now();
    let mut st = shared.state();
    st.count("video");
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("invalid_json", "The request body is not valid JSON");
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    if !FACE_MODELS.contains(&model) {
        return bad_request(
            "invalid_model",
            "real-person assets need doubao-seedance-2.0-face or doubao-seedance-2.0-fast-face",
        );
    }
    let duration = body.get("duration").and_then(Value::as_u64).unwrap_or(5);
    if !(5..=15).contains(&duration) {
        return bad_request("invalid_parameter", "duration must be 5-15 seconds");
    }
    let refs = body
        .get("image_with_roles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if refs.is_empty() {
        return bad_request("invalid_parameter", "image_with_roles must not be empty");
    }
    for r in &refs {
        let url = r.get("url").and_then(Value::as_str).unwrap_or("");
        if !st.active_assets.contains_key(url) {
            return bad_request(
                "invalid_asset",
                &format!("{url} is not an approved asset of this account"),
            );
        }
    }
    let id = st.next("task_vid_");
    st.tasks
        .insert(id.clone(), TaskKind::Video { created: now });
    axum::Json(json!({ "code": 200, "data": [{ "status": "submitted", "task_id": id }] }))
        .into_response()
}

#[derive(Deserialize)]
struct H5Query {
    token: Option<String>,
    lng: Option<String>,
}

async fn h5_page(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<H5Query>,
) -> Response {
    let now = shared.now();
    let st = shared.state();
    let lng = q.lng.unwrap_or_else(|| "en".into());
    let Some(TaskKind::Session(s)) = st.tasks.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Html(h5::message_page(&lng, h5::Msg::Unknown)),
        )
            .into_response();
    };
    if q.token.as_deref() != Some(s.token.as_str()) {
        return (
            StatusCode::FORBIDDEN,
            Html(h5::message_page(&lng, h5::Msg::Unknown)),
        )
            .into_response();
    }
    if s.phase != Phase::Waiting {
        return Html(h5::message_page(&lng, h5::Msg::AlreadyDone)).into_response();
    }
    if now > s.created + shared.config.link_ttl {
        return (
            StatusCode::GONE,
            Html(h5::message_page(&lng, h5::Msg::Expired)),
        )
            .into_response();
    }
    Html(h5::verify_page(&id, &s.token, &lng)).into_response()
}

async fn h5_finish(
    State(shared): State<AppState>,
    Path((id, verdict)): Path<(String, String)>,
    Query(q): Query<H5Query>,
) -> Response {
    let lng = q.lng.clone().unwrap_or_else(|| "en".into());
    let pass = match verdict.as_str() {
        "pass" => true,
        "fail" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match super::phone::finish_on_phone(&shared, &id, Some(q.token.as_deref().unwrap_or("")), pass)
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(PhoneError::Expired) => (
            StatusCode::GONE,
            Html(h5::message_page(&lng, h5::Msg::Expired)),
        )
            .into_response(),
        Err(PhoneError::AlreadyFinished) => {
            Html(h5::message_page(&lng, h5::Msg::AlreadyDone)).into_response()
        }
        Err(PhoneError::UnknownSession | PhoneError::BadToken) => (
            StatusCode::NOT_FOUND,
            Html(h5::message_page(&lng, h5::Msg::Unknown)),
        )
            .into_response(),
    }
}

async fn sim_counters(State(shared): State<AppState>) -> Response {
    axum::Json(shared.state().counters.clone()).into_response()
}

async fn sim_faults(State(shared): State<AppState>) -> Response {
    axum::Json(shared.state().faults.clone()).into_response()
}

async fn sim_set_faults(
    State(shared): State<AppState>,
    axum::Json(f): axum::Json<Faults>,
) -> Response {
    shared.state().faults = f;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Advance {
    secs: u64,
}

async fn sim_advance(State(shared): State<AppState>, Query(a): Query<Advance>) -> Response {
    *super::lock(&shared.offset) += Duration::from_secs(a.secs);
    StatusCode::NO_CONTENT.into_response()
}
