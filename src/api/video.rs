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
