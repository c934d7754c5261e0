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
    if !(4..=15).contains(&duration) {
        return bad_request("invalid_parameter", "duration must be 4-15 seconds");
    }
    let resolution = body
        .get("resolution")
        .and_then(Value::as_str)
        .unwrap_or("480p");
    let fast = model.contains("fast");
    if !(resolution == "480p" || resolution == "720p" || (resolution == "1080p" && !fast)) {
        return bad_request(
            "invalid_parameter",
            "resolution must be 480p or 720p (1080p only with doubao-seedance-2.0-face)",
        );
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
        if !st.knows_asset(url, shared.config.accept_earlier_runs) {
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

/// A small valid MP4 (H.264, 3 s, 640x640 at 24 fps, made with ffmpeg's test pattern): every simulated
/// render's video.
pub(super) const RENDER_MP4: &[u8] = include_bytes!("../../../assets/sim/render.mp4");

/// The poster image of a simulated render: a PNG drawn once.
pub(super) fn poster_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(160, 90, |x, y| {
        image::Rgb([(x * 255 / 160) as u8, (y * 255 / 90) as u8, 160])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    if image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .is_err()
    {
        return Vec::new();
    }
    out.into_inner()
}
