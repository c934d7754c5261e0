//! Wire types of the APIMart real-person avatar API, as tolerant as `API_NOTES.md` asks:
//! unknown fields are ignored, optional fields may be missing, enums have an `Unknown` arm.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The page language requested from `GET /v1/tasks/{id}?language=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
    /// Korean.
    Ko,
    /// Japanese.
    Ja,
}

impl Language {
    /// The code sent on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
            Language::Ko => "ko",
            Language::Ja => "ja",
        }
    }

    /// Parses a wire code (`en`, `zh`, `ko`, `ja`), ignoring case and a region suffix.
    pub fn from_code(code: &str) -> Option<Language> {
        let lower = code.to_ascii_lowercase();
        match lower.split(['-', '_']).next().unwrap_or_default() {
            "en" => Some(Language::En),
            "zh" => Some(Language::Zh),
            "ko" => Some(Language::Ko),
            "ja" => Some(Language::Ja),
            _ => None,
        }
    }
}

/// Status of an APIMart task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Queued.
    Pending,
    /// Running.
    Processing,
    /// Finished. For a verification session this only means "session created".
    Completed,
    /// Finished with an error; for a review, `usable_assets` may still hold approved assets.
    Failed,
    /// Cancelled upstream.
    Cancelled,
    /// A status this client does not know, kept verbatim.
    #[serde(untagged)]
    Unknown(String),
}

impl TaskStatus {
    /// Parses a status case-insensitively; unknown words are kept.
    pub fn parse(s: &str) -> TaskStatus {
        match s.to_ascii_lowercase().as_str() {
            "pending" | "queued" | "submitted" => TaskStatus::Pending,
            "processing" | "running" | "in_progress" => TaskStatus::Processing,
            "completed" | "succeeded" | "success" => TaskStatus::Completed,
            "failed" | "failure" | "error" => TaskStatus::Failed,
            "cancelled" | "canceled" => TaskStatus::Cancelled,
            _ => TaskStatus::Unknown(s.to_string()),
        }
    }

    /// Whether the task will change no more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(TaskStatus::parse(&s))
    }
}

/// Review status of one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub enum AssetStatus {
    /// Under review.
    #[default]
    Processing,
    /// Approved: its `asset://` URL can be used for generation.
    Active,
    /// Refused; see [`ReviewItem::failure`].
    Failed,
    /// A status this client does not know, kept verbatim.
    #[serde(untagged)]
    Unknown(String),
}

impl AssetStatus {
    /// Parses a status case-insensitively; unknown words are kept.
    pub fn parse(s: &str) -> AssetStatus {
        match s.to_ascii_lowercase().as_str() {
            "processing" | "pending" | "reviewing" => AssetStatus::Processing,
            "active" | "approved" | "usable" => AssetStatus::Active,
            "failed" | "rejected" | "failure" => AssetStatus::Failed,
            _ => AssetStatus::Unknown(s.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for AssetStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        Ok(s.map_or(AssetStatus::Processing, |s| AssetStatus::parse(&s)))
    }
}

/// Accepts a number or a numeric string (gateways disagree), clamped to 0-100.
fn de_progress<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    let n = match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().trim_end_matches('%').parse::<f64>().ok(),
        _ => None,
    };
    Ok(n.map(|n| n.clamp(0.0, 100.0).round() as u8))
}

/// Accepts a string or a number as an identifier.
fn de_opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.and_then(|v| value_as_id(&v)))
}

/// A JSON string or integer as an identifier string.
pub(crate) fn value_as_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The reference to a task that a POST returns.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct TaskRef {
    /// The task id, for `GET /v1/tasks/{id}`.
    pub id: String,
    /// Its status when created.
    #[serde(default = "pending")]
    pub status: TaskStatus,
    /// Progress 0-100, when sent.
    #[serde(default, deserialize_with = "de_progress")]
    pub progress: Option<u8>,
}

fn pending() -> TaskStatus {
    TaskStatus::Pending
}

/// An error attached to a task.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct TaskError {
    /// Machine code, e.g. `task_failed`.
    #[serde(default, deserialize_with = "de_opt_id")]
    pub code: Option<String>,
    /// Human message.
    #[serde(default)]
    pub message: Option<String>,
}

/// One asset in a review task's result.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct ReviewItem {
    /// Upstream asset id.
    #[serde(default, deserialize_with = "de_opt_id")]
    pub asset_id: Option<String>,
    /// The `asset://` URL, once known.
    #[serde(default)]
    pub asset_url: Option<String>,
    /// The name we submitted, when echoed.
    #[serde(default)]
    pub name: Option<String>,
    /// The source URL we submitted, when echoed.
    #[serde(default)]
    pub url: Option<String>,
    /// Review status; missing means still processing.
    #[serde(default = "processing")]
    pub status: AssetStatus,
    /// Everything else, searched for a failure reason.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

fn processing() -> AssetStatus {
    AssetStatus::Processing
}

/// Why an asset failed review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFailure {
    /// Upstream code such as `FaceMismatch`, when given.
    pub code: Option<String>,
    /// Upstream message, when given.
    pub message: Option<String>,
}

impl ReviewItem {
    /// The failure reason, looked up in the places gateways put it (`error.code`,
    /// `error.message`, `reason`, `fail_reason`, `error_code`, `error_message`, `message`).
    pub fn failure(&self) -> Option<AssetFailure> {
        let text = |v: Option<&Value>| v.and_then(value_as_id);
        let err = self.extra.get("error");
        let (mut code, mut message) = match err {
            Some(Value::Object(o)) => (text(o.get("code")), text(o.get("message"))),
            Some(Value::String(s)) => (None, Some(s.clone())),
            _ => (None, None),
        };
        for key in ["error_code", "code", "reason_code", "fail_code"] {
            code = code.or_else(|| text(self.extra.get(key)));
        }
        for key in ["error_message", "reason", "fail_reason", "message", "msg"] {
            message = message.or_else(|| text(self.extra.get(key)));
        }
        if code.is_none() && message.is_none() {
            None
        } else {
            Some(AssetFailure { code, message })
        }
    }
}

/// The `result` object of a task, any kind.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct TaskResult {
    /// Verification session: the H5 link (may contain escaped `\u0026`).
    #[serde(default)]
    pub h5_link: Option<String>,
    /// Verification session: the one-time token.
    #[serde(default)]
    pub byted_token: Option<String>,
    /// The upstream's own answer, opaque.
    #[serde(default)]
    pub raw_response: Option<Value>,
    /// Review: every asset.
    #[serde(default)]
    pub assets: Vec<ReviewItem>,
    /// Review: the approved ones.
    #[serde(default)]
    pub usable_assets: Vec<ReviewItem>,
    /// Review: the refused ones.
    #[serde(default)]
    pub failed_assets: Vec<ReviewItem>,
}

/// `GET /v1/tasks/{id}`'s `data`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Task {
    /// The task id.
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    /// Its status.
    #[serde(default = "pending")]
    pub status: TaskStatus,
    /// Progress 0-100.
    #[serde(default, deserialize_with = "de_progress")]
    pub progress: Option<u8>,
    /// The result, when there is one.
    #[serde(default, deserialize_with = "de_result")]
    pub result: TaskResult,
    /// The error, when the task failed.
    #[serde(default, deserialize_with = "de_error")]
    pub error: Option<TaskError>,
    /// The whole `data` object as received, for tolerant look-ups (see [`find_group_id`]).
    #[serde(skip)]
    pub raw: Value,
}

fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = Value::deserialize(d)?;
    value_as_id(&v).ok_or_else(|| serde::de::Error::custom("task id is not a string or number"))
}

fn de_result<'de, D: Deserializer<'de>>(d: D) -> Result<TaskResult, D::Error> {
    // A result may be null, or (for other task kinds) not an object at all.
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(v @ Value::Object(_)) => serde_json::from_value(v).unwrap_or_default(),
        _ => TaskResult::default(),
    })
}

fn de_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TaskError>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(v @ Value::Object(_)) => serde_json::from_value(v).ok(),
        Some(Value::String(s)) => Some(TaskError {
            code: None,
            message: Some(s),
        }),
        _ => None,
    })
}

impl Task {
    /// Seconds the task says it still needs (`estimated_time`, a number or a numeric string,
    /// in `data` or `data.result`), when it says.
    pub fn estimated_secs(&self) -> Option<f64> {
        let field = |v: &Value| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        self.raw
            .get("estimated_time")
            .or_else(|| self.raw.get("result").and_then(|r| r.get("estimated_time")))
            .and_then(field)
            .filter(|s| s.is_finite() && *s >= 0.0)
    }

    /// Every review item known, each once: `assets`, then any only listed in `usable_assets`
    /// or `failed_assets`. Items from the two specific lists override the general list's status.
    pub fn review_items(&self) -> Vec<ReviewItem> {
        let r = &self.result;
        let key = |i: &ReviewItem| {
            i.asset_id
                .clone()
                .or_else(|| i.name.clone())
                .or_else(|| i.url.clone())
        };
        let mut out: Vec<ReviewItem> = r.assets.clone();
        for (list, status) in [
            (&r.usable_assets, AssetStatus::Active),
            (&r.failed_assets, AssetStatus::Failed),
        ] {
            for item in list {
                let mut item = item.clone();
                if matches!(item.status, AssetStatus::Processing) {
                    item.status = status.clone();
                }
                let k = key(&item);
                match out.iter_mut().find(|o| k.is_some() && key(o) == k) {
                    Some(existing) => {
                        existing.status = item.status.clone();
                        existing.asset_url = existing.asset_url.take().or(item.asset_url);
                        for (k, v) in item.extra {
                            existing.extra.entry(k).or_insert(v);
                        }
                    }
                    None => out.push(item),
                }
            }
        }
        out
    }
}

/// Looks for the person's group id wherever the gateways put it: `group_id` or `GroupId` in
/// the object itself, or in its `result`, `Result`, `raw_response`, `data` (also when
/// `raw_response` is a JSON string), a few levels deep.
pub fn find_group_id(v: &Value) -> Option<String> {
    fn walk(v: &Value, depth: u8) -> Option<String> {
        let obj = match v {
            Value::Object(o) => o,
            Value::String(s) if depth > 0 => {
                let parsed: Value = serde_json::from_str(s).ok()?;
                return walk(&parsed, depth - 1);
            }
            _ => return None,
        };
        for key in ["group_id", "GroupId", "groupId", "GroupID"] {
            if let Some(id) = obj.get(key).and_then(value_as_id) {
                return Some(id);
            }
        }
        if depth == 0 {
            return None;
        }
        ["result", "Result", "raw_response", "data", "Data"]
            .iter()
            .filter_map(|k| obj.get(*k))
            .find_map(|inner| walk(inner, depth - 1))
    }
    walk(v, 4)
}

/// Decodes the `\u0026` escapes some gateways leave in the H5 link, and trims it.
pub fn clean_h5_link(link: &str) -> String {
    link.trim()
        .replace("\\u0026", "&")
        .replace("\\u003d", "=")
        .replace("\\u003D", "=")
        .replace("\\/", "/")
}

/// Sets the H5 page's `lng` query parameter for the languages the upstream page speaks
/// (`zh`, `en`); for the others (Korean, Japanese) the link is left as the upstream made it.
/// A link that does not parse is returned unchanged.
pub fn with_page_language(link: &str, language: Language) -> String {
    let lng = match language {
        Language::Zh => "zh",
        Language::En => "en",
        Language::Ko | Language::Ja => return link.to_string(),
    };
    let Ok(mut url) = url::Url::parse(link) else {
        return link.to_string();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "lng")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("lng", lng);
    url.to_string()
}

/// Kind of asset; one kind per submit request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssetKind {
    /// A photo.
    Image,
    /// A video clip the studio hosts.
    Video,
}

impl AssetKind {
    /// The `asset_type` value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Image => "Image",
            AssetKind::Video => "Video",
        }
    }
}

/// One asset to submit: a public URL (our upload, or the studio's own) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetInput {
    /// A public URL the reviewer can fetch until review ends.
    pub url: String,
    /// A short, unique name within the session.
    pub name: String,
    /// Image or video.
    pub kind: AssetKind,
}

/// A verification session just created (steps 1 and 1b).
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationLink {
    /// The session task id.
    pub task_id: String,
    /// The H5 link to encode in the QR code, unescaped.
    pub h5_link: String,
    /// The one-time token; ask for the result with it only after a completion signal.
    pub byted_token: String,
}

/// What asking for the verification result (step 2) told us.
#[derive(Debug, Clone, PartialEq)]
pub enum VerificationOutcome {
    /// The person is verified; assets go to this group.
    Verified {
        /// The person's asset group id.
        group_id: String,
    },
    /// The upstream said the person has not finished (`ValidateNotReady`).
    NotReady,
    /// The answer is a task still running; read it with `GET /v1/tasks/{id}`.
    Pending {
        /// The task to read.
        task_id: String,
    },
    /// Verification did not pass.
    Failed {
        /// The upstream's reason, as given (or why none could be read).
        reason: crate::text::Msg,
    },
}

/// The answer of `POST /v1/uploads/images`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct UploadedImage {
    /// Public URL, valid for 72 hours.
    pub url: String,
    /// The stored file name.
    #[serde(default)]
    pub filename: Option<String>,
    /// The stored content type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// The stored size.
    #[serde(default)]
    pub bytes: Option<u64>,
    /// When it was stored (format as given).
    #[serde(default)]
    pub created_at: Option<Value>,
}

/// The face models that accept real-person `asset://` references.
pub const FACE_MODELS: [&str; 2] = ["doubao-seedance-2.0-face", "doubao-seedance-2.0-fast-face"];

/// One reference image of a video generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageWithRole {
    /// An `asset://` URL.
    pub url: String,
    /// E.g. `reference_image`.
    pub role: String,
}

/// `POST /v1/videos/generations` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoRequest {
    /// One of [`FACE_MODELS`] for real-person assets.
    pub model: String,
    /// What to generate.
    pub prompt: String,
    /// The approved references.
    pub image_with_roles: Vec<ImageWithRole>,
    /// Seconds, 5-15.
    pub duration: u8,
    /// E.g. `720p`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// E.g. `16:9`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_language_follows_the_person_where_the_page_speaks_it() {
        let link = "https://h5.example.com/verify?token=a%26b&lng=en&x=1";
        let zh = with_page_language(link, Language::Zh);
        let url = url::Url::parse(&zh).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("token".into(), "a&b".into()),
                ("x".into(), "1".into()),
                ("lng".into(), "zh".into())
            ]
        );
        assert!(with_page_language("https://h5.example.com/v", Language::En).ends_with("?lng=en"));
        // The upstream page has no Korean or Japanese: the link stays as it came.
        assert_eq!(with_page_language(link, Language::Ko), link);
        assert_eq!(with_page_language(link, Language::Ja), link);
        assert_eq!(with_page_language("not a url", Language::Zh), "not a url");
    }
}
