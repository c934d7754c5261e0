//! The asset routes: upload, submit, review tasks, and the stored files.

use super::*;

/// What the upstream would find fetching each video submitted from this machine (loopback
/// addresses only): the same checks as the app's, so a wrong URL or an out-of-range video fails
/// review as it would upstream. Other URLs are judged by name as before.
pub(super) async fn fetched_videos(
    shared: &Shared,
    body: &Value,
) -> std::collections::HashMap<String, (String, String)> {
    let mut verdicts = std::collections::HashMap::new();
    // A request the submit refuses anyway is not fetched.
    let group = body.get("group_id").and_then(Value::as_str).unwrap_or("");
    if !shared
        .state()
        .accepts_group(group, shared.config.accept_earlier_runs)
    {
        return verdicts;
    }
    let kind = body
        .get("asset_type")
        .and_then(Value::as_str)
        .unwrap_or("Video");
    if kind != "Video" {
        return verdicts;
    }
    let Ok(http) = crate::api::http::for_loopback_only(Duration::from_secs(20)) else {
        return verdicts;
    };
    let urls: Vec<&str> = body
        .get("assets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("url").and_then(Value::as_str))
        .collect();
    // A request the submit refuses anyway is not fetched.
    if urls.len() > MAX_ASSETS_PER_SUBMIT {
        return verdicts;
    }
    for url in urls {
        let loopback = url::Url::parse(url)
            .ok()
            .is_some_and(|u| crate::api::on_this_machine(&u));
        if !loopback {
            continue;
        }
        let check = crate::media::video::check_url(&http, url).await;
        let fetched = if check.facts.is_some() {
            "video_fetched"
        } else {
            "video_fetch_failed"
        };
        shared.state().count(fetched);
        let verdict = match check.problems.first() {
            None => continue,
            Some(crate::media::video::VideoProblem::Unreadable(_)) if check.facts.is_none() => (
                "FetchFailed".to_string(),
                "the asset URL could not be fetched as a video".to_string(),
            ),
            Some(_) => {
                let said = crate::media::video::advice(&check.problems)
                    .map(|m| m.english())
                    .unwrap_or_default();
                ("InvalidVideo".to_string(), said)
            }
        };
        verdicts.insert(url.to_string(), verdict);
    }
    verdicts
}

pub(super) fn submit(
    shared: &Shared,
    body: &Value,
    fetched: &std::collections::HashMap<String, (String, String)>,
) -> Response {
    let now = shared.now();
    let mut st = shared.state();
    st.count("submit");
    let group_id = body.get("group_id").and_then(Value::as_str).unwrap_or("");
    if !st.accepts_group(group_id, shared.config.accept_earlier_runs) {
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
        let verdict = fetched.get(&url).cloned().or_else(|| {
            verdict(&shared.base_url, &st, &name, &url)
                .map(|(code, message)| (code.to_string(), message.to_string()))
        });
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
            head_start: Duration::ZERO,
            created_ms: crate::clock::now_ms(),
            assets,
        }),
    );
    crate::sim::kept::write(shared, &st.tasks);
    ok(json!({ "id": id, "status": "processing", "progress": 0 }))
}

#[derive(Deserialize)]
pub(super) struct TaskQuery {
    language: Option<String>,
}

pub(super) async fn get_task(
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
            let total = shared.config.video_duration.max(Duration::from_millis(1));
            let done = elapsed >= total;
            let progress = (elapsed.as_millis() * 100 / total.as_millis()).min(99) as u64;
            json!({
                "id": id,
                "status": if done { "completed" } else { "processing" },
                "progress": if done { 100 } else { progress },
                "result": if done {
                    json!({ "videos": [{
                        "url": [format!("{base}/files/video-{id}.mp4")],
                        "thumbnail_url": format!("{base}/files/poster-{id}.png"),
                    }] })
                } else { Value::Null }
            })
        }
        TaskKind::Review(review) => {
            let review = review.clone();
            return ok(review_json(&mut st, &id, &review, now, review_duration));
        }
    };
    ok(data)
}

pub(super) fn review_json(
    st: &mut SimState,
    id: &str,
    review: &Review,
    now: Duration,
    duration: Duration,
) -> Value {
    let elapsed = now.saturating_sub(review.created) + review.head_start;
    let n = review.assets.len().max(1) as u32;
    let mut all = Vec::new();
    let mut usable = Vec::new();
    let mut failed = Vec::new();
    for (i, a) in review.assets.iter().enumerate() {
        let due = duration * (i as u32 + 1) / n;
        let item = if elapsed < due {
            json!({ "asset_id": a.asset_id, "name": a.name, "url": a.url, "status": "Processing" })
        } else if let Some((code, message)) = &a.verdict {
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
pub(super) fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    match crate::media::sniff(bytes).ok()? {
        image::ImageFormat::Jpeg => Some("image/jpeg"),
        image::ImageFormat::Png => Some("image/png"),
        image::ImageFormat::WebP => Some("image/webp"),
        image::ImageFormat::Gif => Some("image/gif"),
        _ => None,
    }
}

pub(super) async fn upload(State(shared): State<AppState>, mut form: Multipart) -> Response {
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

pub(super) fn too_large() -> Response {
    error_body(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        "The file exceeds the 20 MB limit",
        "invalid_request_error",
    )
}

pub(super) async fn file(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    let st = shared.state();
    // A made render's video and poster.
    let made = |task: &str| matches!(st.tasks.get(task), Some(TaskKind::Video { created }) if shared.now().saturating_sub(*created) >= shared.config.video_duration);
    if let Some(task) = id
        .strip_prefix("video-")
        .and_then(|t| t.strip_suffix(".mp4"))
        && made(task)
    {
        return (
            [(header::CONTENT_TYPE, "video/mp4")],
            super::video::RENDER_MP4,
        )
            .into_response();
    }
    if let Some(task) = id
        .strip_prefix("poster-")
        .and_then(|t| t.strip_suffix(".png"))
        && made(task)
    {
        return (
            [(header::CONTENT_TYPE, "image/png")],
            super::video::poster_png(),
        )
            .into_response();
    }
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
