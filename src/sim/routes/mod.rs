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

mod assets;
mod knobs;
mod verify;
mod video;

use assets::*;
use knobs::*;
use verify::*;
use video::*;

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
        .route("/_sim/retire/{group}", post(sim_retire))
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
