//! Typed errors of the APIMart client. Every variant knows what staff can do about it.

use std::time::Duration;

use crate::text::Msg;

/// Anything that can go wrong when talking to APIMart.
///
/// `Display` is a short technical description (for logs); [`ApiError::advice`] is the sentence
/// staff see. Neither ever contains the API key.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum ApiError {
    /// The configured base URL cannot be parsed.
    #[error("the base URL {url:?} is not a valid URL: {reason}")]
    InvalidBaseUrl {
        /// What was configured.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The base URL uses plain `http` towards a host that is not this machine.
    #[error(
        "the base URL {url:?} must use https (plain http is allowed only for 127.0.0.1, ::1 or localhost)"
    )]
    InsecureBaseUrl {
        /// What was configured.
        url: String,
    },
    /// The API key is empty.
    #[error("no API key is configured")]
    MissingKey,
    /// HTTP 400: the server refused the request as malformed or invalid.
    #[error("bad request: {message}")]
    BadRequest {
        /// The server's message.
        message: String,
        /// The server's error code, when it sent one.
        code: Option<String>,
    },
    /// HTTP 401: the key is missing or wrong.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// The server's message.
        message: String,
    },
    /// HTTP 402: the account balance is too low.
    #[error("payment required: {message}")]
    InsufficientBalance {
        /// The server's message.
        message: String,
    },
    /// HTTP 413: the file or body is too large.
    #[error("payload too large: {message}")]
    PayloadTooLarge {
        /// The server's message.
        message: String,
    },
    /// HTTP 429: too many requests.
    #[error("rate limited (retry after {retry_after:?}): {message}")]
    RateLimited {
        /// How long the server asked us to wait, from `Retry-After`.
        retry_after: Option<Duration>,
        /// The server's message.
        message: String,
    },
    /// HTTP 5xx: the server failed.
    #[error("server error {status}: {message}")]
    Server {
        /// The HTTP status code (500-599).
        status: u16,
        /// The server's message.
        message: String,
    },
    /// Any other refusal: an unexpected status, or a non-200 `code` in the envelope.
    #[error("the API answered {status} ({code:?}): {message}")]
    Other {
        /// The HTTP status code.
        status: u16,
        /// The server's error code, when it sent one.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// The request or the connection took longer than the configured timeout.
    #[error("the request timed out")]
    Timeout,
    /// No connection could be opened: the request was never sent.
    #[error("could not connect to the API: {detail}")]
    Unreachable {
        /// What the network layer said (no secrets).
        detail: String,
    },
    /// The connection broke after the request went out, before the answer arrived.
    #[error("the connection to the API broke: {detail}")]
    Connection {
        /// What the network layer said (no secrets: URLs and OS errors only).
        detail: String,
    },
    /// The server answered something that is not the JSON we expect.
    #[error("the API answered something unreadable ({detail}): {excerpt:?}")]
    Decode {
        /// What did not parse.
        detail: String,
        /// The first bytes of the body, for the log.
        excerpt: String,
    },
    /// An HTTP 200 whose body carries an error code: the gateway took the request and answered,
    /// so unlike the same status on the HTTP line it may have done something upstream.
    #[error("{0}")]
    InBody(Box<ApiError>),
}

/// How many characters of an unreadable body are kept for the log.
pub const EXCERPT_CHARS: usize = 200;

/// Keeps the start of a body for diagnostics, on a character boundary.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

impl ApiError {
    /// Whether repeating the same request may succeed (429, 5xx, timeouts, broken connections,
    /// and garbled answers, which are most often a proxy's error page).
    ///
    /// Only calls that are safe to repeat are ever retried; see [`crate::api::retry`].
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. }
                | ApiError::Server { .. }
                | ApiError::Timeout
                | ApiError::Unreachable { .. }
                | ApiError::Connection { .. }
                | ApiError::Decode { .. }
        )
    }

    /// Whether the request certainly did nothing upstream: it was never sent, or it was refused
    /// before any work (bad key, no balance, rate limited). A one-time token survives these.
    pub fn certainly_not_applied(&self) -> bool {
        matches!(
            self,
            ApiError::Unreachable { .. }
                | ApiError::Unauthorized { .. }
                | ApiError::InsufficientBalance { .. }
                | ApiError::RateLimited { .. }
                | ApiError::MissingKey
                | ApiError::InvalidBaseUrl { .. }
                | ApiError::InsecureBaseUrl { .. }
        )
    }

    /// The error as the server meant it, seen through [`ApiError::InBody`].
    pub fn meaning(&self) -> &ApiError {
        match self {
            ApiError::InBody(inner) => inner,
            other => other,
        }
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A stable identifier of the error class, for translations and the event log.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::InBody(inner) => inner.kind(),
            ApiError::InvalidBaseUrl { .. } => "invalid-base-url",
            ApiError::InsecureBaseUrl { .. } => "insecure-base-url",
            ApiError::MissingKey => "missing-key",
            ApiError::BadRequest { .. } => "bad-request",
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::InsufficientBalance { .. } => "insufficient-balance",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::RateLimited { .. } => "rate-limited",
            ApiError::Server { .. } => "server-error",
            ApiError::Other { .. } => "other",
            ApiError::Timeout => "timeout",
            ApiError::Unreachable { .. } => "unreachable",
            ApiError::Connection { .. } => "connection",
            ApiError::Decode { .. } => "decode",
        }
    }

    /// The sentence staff read: what happened, in plain words, and what to do next.
    pub fn advice(&self) -> Msg {
        match self {
            ApiError::InBody(inner) => inner.advice(),
            ApiError::InvalidBaseUrl { url, .. } => {
                Msg::new("api-invalid-base-url").text("url", url)
            }
            ApiError::InsecureBaseUrl { url } => Msg::new("api-insecure-base-url").text("url", url),
            ApiError::MissingKey => Msg::new("api-missing-key"),
            ApiError::BadRequest { message, code } if group_gone(message, code.as_deref()) => {
                Msg::new("api-group-retired").text("message", message)
            }
            // The gateway may take only public callback addresses (its webhooks do).
            ApiError::BadRequest { message, code } if names_callback(message, code.as_deref()) => {
                Msg::new("api-callback-refused").text("message", message)
            }
            ApiError::BadRequest { message, .. } => {
                Msg::new("api-bad-request").text("message", message)
            }
            ApiError::Unauthorized { message } => {
                Msg::new("api-unauthorized").text("message", message)
            }
            ApiError::InsufficientBalance { message } => {
                Msg::new("api-insufficient-balance").text("message", message)
            }
            ApiError::PayloadTooLarge { message } => {
                Msg::new("api-payload-too-large").text("message", message)
            }
            ApiError::RateLimited {
                retry_after,
                message,
            } => match retry_after {
                Some(wait) => Msg::new("api-rate-limited-wait")
                    .num("seconds", wait.as_secs().max(1))
                    .text("message", message),
                None => Msg::new("api-rate-limited").text("message", message),
            },
            ApiError::Server { status, message } => Msg::new("api-server")
                .num("status", *status)
                .text("message", message),
            ApiError::Other {
                status, message, ..
            } => Msg::new("api-other")
                .num("status", *status)
                .text("message", message),
            ApiError::Timeout => Msg::new("api-timeout"),
            ApiError::Unreachable { .. } | ApiError::Connection { .. } => {
                Msg::new("api-unreachable")
            }
            ApiError::Decode { .. } => Msg::new("api-decode"),
        }
    }
}

/// An answer that says the asset group is unknown, deleted or expired. The code is not
/// documented: a code or message that names the group together with one of those words
/// (`InvalidGroup`, as the simulator answers; "group not found"...).
/// Whether a refusal names the callback address (`callback_url`, "callback").
fn names_callback(message: &str, code: Option<&str>) -> bool {
    let lower = format!("{} {}", message, code.unwrap_or_default()).to_ascii_lowercase();
    lower.contains("callback")
}

fn group_gone(message: &str, code: Option<&str>) -> bool {
    let says = |text: &str, words: &[&str]| {
        let text = text.to_ascii_lowercase();
        text.contains("group") && words.iter().any(|w| text.contains(w))
    };
    says(
        code.unwrap_or_default(),
        &["invalid", "notfound", "not_found", "deleted", "expired"],
    ) || says(
        message,
        &[
            "not found",
            "does not exist",
            "deleted",
            "expired",
            "invalid",
            "no longer",
        ],
    )
}

#[cfg(test)]
mod group_tests {
    use super::*;

    #[test]
    fn only_a_group_said_to_be_gone_asks_for_a_new_verification() {
        let refused = |code: &str, message: &str| ApiError::BadRequest {
            code: Some(code.into()),
            message: message.into(),
        };
        let gone = |e: ApiError| e.advice().id() == "api-group-retired";
        assert!(gone(refused(
            "InvalidGroup",
            "group_id does not name a verified person"
        )));
        assert!(gone(refused("x", "asset group not found")));
        assert!(!gone(refused(
            "group_limit_exceeded",
            "too many assets in the group"
        )));
        assert!(!gone(refused("MultipleFaces", "more than one face")));
    }

    /// A refusal of the callback address says the way out, not a bare error.
    #[test]
    fn a_refused_callback_address_says_the_way_out() {
        let refused = ApiError::BadRequest {
            code: Some("invalid_request".into()),
            message: "callback_url must be a public https address".into(),
        };
        assert_eq!(refused.advice().id(), "api-callback-refused");
        let other = ApiError::BadRequest {
            code: None,
            message: "project_name too long".into(),
        };
        assert_eq!(other.advice().id(), "api-bad-request");
    }
}
