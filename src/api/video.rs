//! Video generation with an approved asset.

use super::*;

impl Client {
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

/// Where a finished render's video and poster image are, read tolerantly: `result.videos[0].url`
/// as a string or a list, else `result.video_url` or `result.url`; the poster from
/// `thumbnail_url` beside the video, or in the result.
pub fn video_result(task: &Task) -> Option<(String, Option<String>)> {
    let result = task.raw.get("result")?;
    fn text(v: Option<&Value>) -> Option<String> {
        match v? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Array(items) => items.iter().find_map(|i| text(Some(i))),
            _ => None,
        }
    }
    let first = result
        .get("videos")
        .and_then(Value::as_array)
        .and_then(|v| v.first());
    let url = text(first.and_then(|v| v.get("url")))
        .or_else(|| text(first))
        .or_else(|| text(result.get("video_url")))
        .or_else(|| text(result.get("url")))?;
    let thumbnail = text(first.and_then(|v| v.get("thumbnail_url")))
        .or_else(|| text(result.get("thumbnail_url")));
    Some((url, thumbnail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(result: Value) -> Task {
        task_from_data(json!({ "id": "t", "status": "completed", "result": result })).unwrap()
    }

    #[test]
    fn the_video_is_found_in_every_shape_seen() {
        let one = task(
            json!({ "videos": [{ "url": "https://v/1.mp4", "thumbnail_url": "https://v/1.jpg" }] }),
        );
        assert_eq!(
            video_result(&one),
            Some(("https://v/1.mp4".into(), Some("https://v/1.jpg".into())))
        );
        let list = task(json!({ "videos": [{ "url": ["https://v/2.mp4"] }] }));
        assert_eq!(video_result(&list), Some(("https://v/2.mp4".into(), None)));
        let flat = task(json!({ "video_url": "https://v/3.mp4" }));
        assert_eq!(
            video_result(&flat).map(|v| v.0),
            Some("https://v/3.mp4".into())
        );
        assert_eq!(video_result(&task(json!({ "videos": [] }))), None);
        assert_eq!(
            video_result(&task(json!({ "videos": [{ "url": 7 }] }))),
            None
        );
    }
}
