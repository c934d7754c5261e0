//! The wire under the client: reading an answer (capped), and turning a status and a body
//! into the envelope's `data` or a typed error.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use super::error;
use super::{ApiError, types};

pub(super) fn map_transport(e: reqwest::Error) -> ApiError {
    // Drop the URL: it holds nothing secret, but staff do not need it and logs stay short.
    let e = e.without_url();
    // A failed connect (refused, no route, DNS, connect timeout) never sent the request.
    if e.is_connect() {
        ApiError::Unreachable {
            detail: error_chain(&e),
        }
    } else if e.is_timeout() {
        ApiError::Timeout
    } else {
        ApiError::Connection {
            detail: format!(
                "the connection broke before the answer arrived: {}",
                error_chain(&e)
            ),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

pub(super) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    // Seconds as an integer, or (leniently) a decimal; anything absurd is ignored rather than
    // allowed to overflow. (The HTTP-date form is rare for 429s and is ignored too.)
    v.parse::<u64>().ok().map(Duration::from_secs).or_else(|| {
        v.parse::<f64>()
            .ok()
            .and_then(|f| Duration::try_from_secs_f64(f).ok())
    })
}

/// Pulls `(code, message)` out of an error body in either documented shape.
pub(super) fn error_fields(body: &Value) -> (Option<String>, Option<String>) {
    if let Some(err) = body.get("error") {
        if let Some(s) = err.as_str() {
            return (None, Some(s.to_string()));
        }
        let code = err.get("code").and_then(types::value_as_id);
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string);
        return (code, message);
    }
    let code = body.get("code").and_then(types::value_as_id);
    let message = body
        .get("message")
        .or_else(|| body.get("msg"))
        .and_then(Value::as_str)
        .map(str::to_string);
    (code, message)
}

fn status_error(
    status: u16,
    code: Option<String>,
    message: String,
    retry_after: Option<Duration>,
) -> ApiError {
    match status {
        400 => ApiError::BadRequest { message, code },
        401 | 403 => ApiError::Unauthorized { message },
        402 => ApiError::InsufficientBalance { message },
        413 => ApiError::PayloadTooLarge { message },
        429 => ApiError::RateLimited {
            retry_after,
            message,
        },
        500..=599 => ApiError::Server { status, message },
        _ => ApiError::Other {
            status,
            code,
            message,
        },
    }
}

/// Sends a request and interprets the answer with [`interpret_response`].
/// The largest answer read from the API: a review of many assets is a few kilobytes.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// Reads a response body, stopping at `max` bytes: `Ok(None)` when it is longer.
pub async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > max {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

pub(super) async fn execute(req: reqwest::RequestBuilder) -> Result<Value, ApiError> {
    let resp = req.send().await.map_err(map_transport)?;
    let status = resp.status().as_u16();
    let retry_after = parse_retry_after(resp.headers());
    let body = read_capped(resp, MAX_ANSWER_BYTES)
        .await
        .map_err(map_transport)?
        .ok_or_else(|| ApiError::Decode {
            detail: format!("the answer is over {} MB", MAX_ANSWER_BYTES >> 20),
            excerpt: String::new(),
        })?;
    interpret_response(status, retry_after, &body)
}

/// Turns an HTTP answer into the envelope's `data` (or the whole body when it has no `data`),
/// or a typed error: by HTTP status, by a non-200 `code` in the body, or by an `error` object.
pub fn interpret_response(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Value, ApiError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    if !(200..300).contains(&status) {
        let (code, message) = parsed.as_ref().map(error_fields).unwrap_or((None, None));
        let message = message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
            let text = error::excerpt(body);
            if text.trim().is_empty() {
                format!("HTTP {status}")
            } else {
                text
            }
        });
        return Err(status_error(status, code, message, retry_after));
    }
    let value = parsed.map_err(|e| ApiError::Decode {
        detail: e.to_string(),
        excerpt: error::excerpt(body),
    })?;
    // Some answers carry `{"code": <non-200>, "message"}` with HTTP 200.
    if let Some(code) = value
        .get("code")
        .and_then(Value::as_i64)
        .filter(|c| *c != 200 && *c != 0)
    {
        let (err_code, message) = error_fields(&value);
        let message = message.unwrap_or_else(|| format!("code {code}"));
        let status = u16::try_from(code).unwrap_or(500);
        let err_code = err_code.filter(|c| *c != code.to_string());
        // Not the HTTP status: the request was taken, so it is never "certainly not applied".
        return Err(ApiError::InBody(Box::new(status_error(
            status,
            err_code,
            message,
            retry_after,
        ))));
    }
    if value.get("data").is_none() && value.get("error").is_some() {
        let (code, message) = error_fields(&value);
        return Err(ApiError::Other {
            status,
            code,
            message: message.unwrap_or_else(|| "the API reported an error".into()),
        });
    }
    match value {
        Value::Object(mut map) if map.contains_key("data") => {
            Ok(map.remove("data").unwrap_or(Value::Null))
        }
        other => Ok(other),
    }
}
