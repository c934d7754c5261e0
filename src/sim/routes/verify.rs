//! The verification routes: session, one-time token, result; the fake H5 pages.

use super::*;

pub(super) async fn real_avatar(
    State(shared): State<AppState>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("invalid_json", "The request body is not valid JSON");
    };
    let project = body
        .get("project_name")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    if body.get("group_id").is_some() {
        let fetched = fetched_videos(&shared, &body).await;
        submit(&shared, &body, &fetched)
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
            tokio::spawn(crate::sim::phone::phone_later(shared.clone(), id, after));
        }
        response
    }
}

pub(super) fn create_session(
    shared: &Shared,
    body: &Value,
    _project: &str,
) -> (Response, Option<String>) {
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
pub(super) fn fastrand_like(seed: &str) -> u32 {
    seed.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

pub(super) fn query_verification(shared: &Shared, token: &str) -> Response {
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
pub(super) fn verdict(
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

#[derive(Deserialize)]
pub(super) struct H5Query {
    token: Option<String>,
    lng: Option<String>,
}

pub(super) async fn h5_page(
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

pub(super) async fn h5_finish(
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
    match crate::sim::phone::finish_on_phone(
        &shared,
        &id,
        Some(q.token.as_deref().unwrap_or("")),
        pass,
    ) {
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
