//! Real-person verification: the session, the H5 link with its one-time token, the result.

use serde_json::{Value, json};

use super::*;

impl Client {
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
