//! The studio's own S3-compatible bucket (AWS S3, R2, MinIO, SeaweedFS...): local videos go
//! there by multipart upload and are submitted as presigned GET links. Requests are signed by
//! `rusty-s3` and sent with the app's HTTP client; the secret never leaves this value.

mod multipart;

use std::time::Duration;

use rusty_s3::{Credentials, S3Action, UrlStyle};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::text::Msg;

/// How long a presigned GET link stays valid: S3's longest, 7 days (the review needs 24 h).
pub const LINK_VALID: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a signed request of our own is valid (it is sent at once).
const REQUEST_VALID: Duration = Duration::from_secs(15 * 60);
/// S3's smallest part (every part but the last): 5 MiB.
pub const MIN_PART: u64 = 5 * 1024 * 1024;

/// Where the bucket is: nothing secret (Settings or the `--s3-*` options).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BucketPlace {
    /// The server's address; empty: AWS S3 in `region`.
    pub endpoint: String,
    /// The bucket's name; empty: no bucket (local videos cannot be sent).
    pub bucket: String,
    /// The region (`us-east-1` when empty).
    pub region: String,
    /// Put before every object name, such as `kiosk/`.
    pub prefix: String,
}

impl BucketPlace {
    /// A bucket is named.
    pub fn is_set(&self) -> bool {
        !self.bucket.trim().is_empty()
    }

    fn region(&self) -> &str {
        match self.region.trim() {
            "" => "us-east-1",
            r => r,
        }
    }

    /// The address shown in messages: the endpoint (without any `user:password@`), or AWS's.
    pub fn shown(&self) -> String {
        match self.endpoint.trim() {
            "" => format!("https://s3.{}.amazonaws.com/{}", self.region(), self.bucket),
            e => {
                let mut at = e.to_string();
                if let Ok(mut url) = Url::parse(e) {
                    let _ = url.set_username("");
                    let _ = url.set_password(None);
                    at = url.to_string();
                }
                format!("{}/{}", at.trim_end_matches('/'), self.bucket.trim())
            }
        }
    }
}

/// The access key pair (the keyring's, or `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`).
#[derive(Clone)]
pub struct BucketKeys {
    /// The access key id (not secret, but kept with its secret).
    pub access: String,
    /// The secret access key.
    pub secret: SecretString,
    /// A session token, with temporary keys (`AWS_SESSION_TOKEN`).
    pub token: Option<SecretString>,
}

impl std::fmt::Debug for BucketKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketKeys")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// What went wrong with the bucket; each says what staff can do ([`BucketError::advice`]).
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    /// The address or name cannot make a bucket URL.
    #[error("the bucket's address is not usable: {0}")]
    Address(String),
    /// The server refused the keys or the signature.
    #[error("the bucket refused the credentials ({0})")]
    Denied(String),
    /// No such bucket.
    #[error("no such bucket")]
    Missing,
    /// No answer.
    #[error("the bucket could not be reached: {0}")]
    Unreachable(String),
    /// Another refusal.
    #[error("the bucket answered {status} {code}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// S3's error code, when it gave one.
        code: String,
    },
    /// The local file could not be read.
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    /// The file is not the one that was checked.
    #[error("the file changed since it was checked")]
    Changed,
    /// The server says this computer's clock is wrong (signatures carry the time).
    #[error("the bucket says this computer's clock is wrong")]
    Clock,
}

/// The studio's bucket, ready to sign requests.
#[derive(Clone)]
pub struct Bucket {
    place: BucketPlace,
    bucket: rusty_s3::Bucket,
    keys: Credentials,
    http: reqwest::Client,
    part_size: u64,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The object's name in the bucket.
    pub object: String,
    /// Parts sent.
    pub parts: u16,
    /// Bytes sent.
    pub bytes: u64,
}

fn stamp(now_ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The time a request is signed with: now, as it leaves.
fn signed_now() -> jiff::Timestamp {
    stamp(crate::clock::now_ms())
}

/// A transport failure in words, without the signed URL.
fn reason(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// S3's `<Code>` from an error body, when there is one.
fn error_code(body: &str) -> String {
    body.split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.trim().chars().take(60).collect())
        .unwrap_or_default()
}

impl Bucket {
    /// The bucket at `place`, signing with `keys`. A custom endpoint is addressed path-style
    /// (`ENDPOINT/BUCKET/OBJECT`, as SeaweedFS and MinIO need); AWS by virtual host.
    pub fn new(place: &BucketPlace, keys: &BucketKeys) -> Result<Bucket, BucketError> {
        let name = place.bucket.trim().to_string();
        if name.is_empty() {
            return Err(BucketError::Address("no bucket name".into()));
        }
        let (endpoint, style) = match place.endpoint.trim() {
            "" => (
                format!("https://s3.{}.amazonaws.com", place.region()),
                UrlStyle::VirtualHost,
            ),
            e => (e.to_string(), UrlStyle::Path),
        };
        let endpoint = Url::parse(&endpoint).map_err(|e| BucketError::Address(e.to_string()))?;
        // Keys sign each request, but the videos themselves (people's faces) would cross the
        // network readable by anyone on it.
        if endpoint.scheme() != "https" && !crate::api::on_this_machine(&endpoint) {
            return Err(BucketError::Address(
                "the endpoint must use https (plain http only for a server on this computer)"
                    .into(),
            ));
        }
        let bucket = rusty_s3::Bucket::new(endpoint, style, name, place.region().to_string())
            .map_err(|e| BucketError::Address(e.to_string()))?;
        Ok(Bucket {
            place: place.clone(),
            bucket,
            keys: match &keys.token {
                Some(token) => Credentials::new_with_token(
                    keys.access.trim(),
                    keys.secret.expose_secret().trim(),
                    token.expose_secret().trim(),
                ),
                None => Credentials::new(keys.access.trim(), keys.secret.expose_secret().trim()),
            },
            http: super::http::for_bucket(Duration::from_secs(15)),
            part_size: 8 * 1024 * 1024,
        })
    }

    /// Parts of this size (at least S3's 5 MiB): tests and measurements choose it.
    pub fn with_part_size(mut self, bytes: u64) -> Bucket {
        self.part_size = bytes.max(MIN_PART);
        self
    }

    /// Where the bucket is.
    pub fn place(&self) -> &BucketPlace {
        &self.place
    }

    /// The object name of a session's asset: ids only, never a person's name.
    pub fn object_for(&self, session: &str, asset: u64, hash: &str, extension: &str) -> String {
        let short: String = hash.chars().take(16).collect();
        let prefix = self.place.prefix.trim().trim_start_matches('/');
        let slash = if prefix.is_empty() || prefix.ends_with('/') {
            ""
        } else {
            "/"
        };
        format!("{prefix}{slash}{session}/{asset}-{short}.{extension}")
    }

    /// Whether `object` has the form [`Bucket::object_for`] gives for `session` in this
    /// bucket's prefix: a stored row names objects, and only this app's are deleted.
    pub fn is_ours(&self, session: &str, object: &str) -> bool {
        let ours = self.object_for(session, 0, "", "");
        // `PREFIX/SESSION/` then `ASSET-HASH.EXT`.
        let Some(head) = ours.strip_suffix("0-.") else {
            return false;
        };
        let Some(rest) = object.strip_prefix(head) else {
            return false;
        };
        let Some((asset, tail)) = rest.split_once('-') else {
            return false;
        };
        let Some((hash, ext)) = tail.split_once('.') else {
            return false;
        };
        !asset.is_empty()
            && asset.bytes().all(|b| b.is_ascii_digit())
            && (1..=16).contains(&hash.len())
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
            && (1..=5).contains(&ext.len())
            && ext.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    /// A link anyone may GET for [`LINK_VALID`] from `now_ms`.
    pub fn link(&self, object: &str, now_ms: i64) -> Url {
        self.bucket
            .get_object(Some(&self.keys), object)
            .sign_with_time(LINK_VALID, &stamp(now_ms))
    }

    fn refused(&self, status: reqwest::StatusCode, body: &str) -> BucketError {
        let code = error_code(body);
        match (status.as_u16(), code.as_str()) {
            (_, "NoSuchBucket") => BucketError::Missing,
            (_, "RequestTimeTooSkewed") => BucketError::Clock,
            (401 | 403, _) => BucketError::Denied(if code.is_empty() {
                status.to_string()
            } else {
                code
            }),
            _ => BucketError::Refused {
                status: status.as_u16(),
                code,
            },
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, BucketError> {
        let resp = req
            .send()
            .await
            .map_err(|e| BucketError::Unreachable(reason(e)))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body = answer_text(resp).await.unwrap_or_default();
        Err(self.refused(status, &body))
    }

    /// One plain PUT of `bytes` as `object` (small objects; the baseline of the upload
    /// measurement).
    pub async fn put_whole(&self, object: &str, bytes: bytes::Bytes) -> Result<(), BucketError> {
        let url = self
            .bucket
            .put_object(Some(&self.keys), object)
            .sign_with_time(REQUEST_VALID, &signed_now());
        self.send(self.http.put(url).body(bytes)).await.map(|_| ())
    }

    /// Deletes an object (a missing one counts as deleted).
    pub async fn delete(&self, object: &str) -> Result<(), BucketError> {
        let url = self
            .bucket
            .delete_object(Some(&self.keys), object)
            .sign_with_time(REQUEST_VALID, &signed_now());
        self.send(self.http.delete(url)).await.map(|_| ())
    }
}

impl BucketError {
    /// What staff can do about it.
    pub fn advice(&self, place: &BucketPlace) -> Msg {
        let at = place.shown();
        match self {
            BucketError::Address(reason) => Msg::new("bucket-address")
                .text("endpoint", at)
                .text("reason", reason),
            BucketError::Denied(code) => Msg::new("bucket-denied").text("code", code),
            BucketError::Missing => Msg::new("bucket-missing").text("endpoint", at),
            BucketError::Unreachable(reason) => Msg::new("bucket-unreachable")
                .text("endpoint", at)
                .text("reason", reason),
            BucketError::Refused { status, code } => Msg::new("bucket-failed")
                .text("status", status.to_string())
                .text("code", code),
            BucketError::Unreadable(reason) => Msg::new("bucket-unreadable").text("reason", reason),
            BucketError::Changed => Msg::new("bucket-file-changed"),
            BucketError::Clock => Msg::new("bucket-clock"),
        }
    }
}

#[cfg(test)]
mod tests;

/// The most of an answer's body read: S3's answers are a few hundred bytes of XML; a server
/// that sends more is not read further.
pub(crate) const MAX_ANSWER: usize = 64 * 1024;

/// An answer's body as text, at most [`MAX_ANSWER`] bytes of it.
pub(crate) async fn answer_text(mut resp: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_ANSWER.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ANSWER {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}
