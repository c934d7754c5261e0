//! Video generation.

use super::*;

pub(super) async fn video(State(shared): State<AppState>, body: axum::body::Bytes) -> Response {
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
