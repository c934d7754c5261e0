//! The studio's own S3-compatible bucket (AWS S3, R2, MinIO, SeaweedFS...): local videos go
//! there by multipart upload and are submitted as presigned GET links. Requests are signed by
//! `rusty-s3` and sent with the app's HTTP client; the secret never leaves this value.

use std::path::Path;
use std::time::Duration;

use rusty_s3::actions::{CompleteMultipartUpload, CreateMultipartUpload};
use rusty_s3::{Credentials, S3Action, UrlStyle};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use url::Url;

use crate::text::Msg;

/// How long a presigned GET link stays valid: S3's longest, 7 days (the review needs 24 h).
pub const LINK_VALID: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a signed request of our own is valid (it is sent at once).
const REQUEST_VALID: Duration = Duration::from_secs(15 * 60);
/// S3's smallest part (every part but the last): 5 MiB.
pub const MIN_PART: u64 = 5 * 1024 * 1024;
/// Parts sent at once: enough to fill an office uplink, a bounded amount of memory.
const PARALLEL_PARTS: usize = 3;
/// Tries of one part before the upload fails.
const PART_TRIES: u32 = 3;

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

    /// The address shown in messages: the endpoint, or AWS's.
    pub fn shown(&self) -> String {
        match self.endpoint.trim() {
            "" => format!("https://s3.{}.amazonaws.com/{}", self.region(), self.bucket),
            e => format!("{}/{}", e.trim_end_matches('/'), self.bucket),
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
        let bucket = rusty_s3::Bucket::new(endpoint, style, name, place.region().to_string())
            .map_err(|e| BucketError::Address(e.to_string()))?;
        Ok(Bucket {
            place: place.clone(),
            bucket,
            keys: Credentials::new(keys.access.trim(), keys.secret.expose_secret().trim()),
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
        let body = resp.text().await.unwrap_or_default();
        Err(self.refused(status, &body))
    }

    /// Uploads a local file as `object` in parts of [`Bucket::with_part_size`], a few at once,
    /// telling `progress(sent, total)` as parts finish. The file's SHA-256 must be `hash` (the
    /// one checked), or the upload is abandoned. A failed upload is aborted on the server.
    pub async fn upload_file(
        &self,
        object: &str,
        path: &Path,
        hash: Option<&str>,
        now_ms: i64,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Stored, BucketError> {
        let unreadable = |e: std::io::Error| BucketError::Unreadable(e.to_string());
        let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        let total = file.metadata().await.map_err(unreadable)?.len();
        let create = self
            .bucket
            .create_multipart_upload(Some(&self.keys), object);
        let url = create.sign_with_time(REQUEST_VALID, &stamp(now_ms));
        let body = self
            .send(self.http.post(url))
            .await?
            .text()
            .await
            .map_err(|e| BucketError::Unreachable(reason(e)))?;
        let created =
            CreateMultipartUpload::parse_response(&body).map_err(|_| BucketError::Refused {
                status: 200,
                code: error_code(&body),
            })?;
        let upload_id = created.upload_id().to_string();
        let sent = self
            .send_parts(object, &upload_id, &mut file, total, hash, now_ms, progress)
            .await;
        let finished = match sent {
            Ok(etags) => self.complete(object, &upload_id, &etags, now_ms).await,
            Err(e) => Err(e),
        };
        match finished {
            Ok(parts) => Ok(Stored {
                object: object.to_string(),
                parts,
                bytes: total,
            }),
            Err(e) => {
                let abort = self
                    .bucket
                    .abort_multipart_upload(Some(&self.keys), object, &upload_id)
                    .sign_with_time(REQUEST_VALID, &stamp(now_ms));
                if let Err(a) = self.send(self.http.delete(abort)).await {
                    tracing::warn!("an abandoned upload could not be aborted: {a}");
                }
                Err(e)
            }
        }
    }

    /// Reads the file in order (hashing it) and sends its parts a few at once; the ETags in
    /// part order.
    #[allow(clippy::too_many_arguments)]
    async fn send_parts(
        &self,
        object: &str,
        upload_id: &str,
        file: &mut tokio::fs::File,
        total: u64,
        hash: Option<&str>,
        now_ms: i64,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Vec<String>, BucketError> {
        let count = u16::try_from(total.div_ceil(self.part_size).max(1)).map_err(|_| {
            BucketError::Refused {
                status: 0,
                code: "TooManyParts".into(),
            }
        })?;
        let mut hasher = Sha256::new();
        let mut running = tokio::task::JoinSet::new();
        let mut etags: Vec<(u16, String)> = Vec::with_capacity(usize::from(count));
        let mut sent = 0u64;
        let mut finished = |done: Result<Result<(u16, u64, String), BucketError>, _>| {
            let (number, len, etag) =
                done.map_err(|e: tokio::task::JoinError| BucketError::Unreadable(e.to_string()))??;
            sent += len;
            progress(sent, total);
            etags.push((number, etag));
            Ok::<_, BucketError>(())
        };
        for number in 1..=count {
            if running.len() >= PARALLEL_PARTS
                && let Some(done) = running.join_next().await
            {
                finished(done)?;
            }
            let mut part = Vec::with_capacity(usize::try_from(self.part_size).unwrap_or(0));
            (&mut *file)
                .take(self.part_size)
                .read_to_end(&mut part)
                .await
                .map_err(|e| BucketError::Unreadable(e.to_string()))?;
            hasher.update(&part);
            let (this, object, upload_id) =
                (self.clone(), object.to_string(), upload_id.to_string());
            running.spawn(async move {
                let len = part.len() as u64;
                let etag = this
                    .put_part(&object, &upload_id, number, part.into(), now_ms)
                    .await?;
                Ok((number, len, etag))
            });
        }
        while let Some(done) = running.join_next().await {
            finished(done)?;
        }
        let read_hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if hash.is_some_and(|h| h != read_hash) {
            return Err(BucketError::Changed);
        }
        etags.sort_by_key(|(n, _)| *n);
        Ok(etags.into_iter().map(|(_, e)| e).collect())
    }

    async fn put_part(
        &self,
        object: &str,
        upload_id: &str,
        number: u16,
        part: bytes::Bytes,
        now_ms: i64,
    ) -> Result<String, BucketError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let url = self
                .bucket
                .upload_part(Some(&self.keys), object, number, upload_id)
                .sign_with_time(REQUEST_VALID, &stamp(now_ms));
            match self.send(self.http.put(url).body(part.clone())).await {
                Ok(resp) => {
                    let etag = resp
                        .headers()
                        .get(reqwest::header::ETAG)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    return Ok(etag);
                }
                Err(e @ (BucketError::Unreachable(_) | BucketError::Refused { .. }))
                    if tries < PART_TRIES
                        && !matches!(
                            e,
                            BucketError::Refused {
                                status: 400..=499,
                                ..
                            }
                        ) =>
                {
                    tracing::warn!("part {number} is sent again: {e}");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(tries))).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn complete(
        &self,
        object: &str,
        upload_id: &str,
        etags: &[String],
        now_ms: i64,
    ) -> Result<u16, BucketError> {
        let action: CompleteMultipartUpload<'_, _> = self.bucket.complete_multipart_upload(
            Some(&self.keys),
            object,
            upload_id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign_with_time(REQUEST_VALID, &stamp(now_ms));
        let resp = self.send(self.http.post(url).body(action.body())).await?;
        // S3 may answer 200 and still report an error in the body.
        let body = resp.text().await.unwrap_or_default();
        if body.contains("<Error>") {
            return Err(BucketError::Refused {
                status: 200,
                code: error_code(&body),
            });
        }
        Ok(u16::try_from(etags.len()).unwrap_or(u16::MAX))
    }

    /// One plain PUT of `bytes` as `object` (small objects; the baseline of the upload
    /// measurement).
    pub async fn put_whole(
        &self,
        object: &str,
        bytes: bytes::Bytes,
        now_ms: i64,
    ) -> Result<(), BucketError> {
        let url = self
            .bucket
            .put_object(Some(&self.keys), object)
            .sign_with_time(REQUEST_VALID, &stamp(now_ms));
        self.send(self.http.put(url).body(bytes)).await.map(|_| ())
    }

    /// Deletes an object (a missing one counts as deleted).
    pub async fn delete(&self, object: &str, now_ms: i64) -> Result<(), BucketError> {
        let url = self
            .bucket
            .delete_object(Some(&self.keys), object)
            .sign_with_time(REQUEST_VALID, &stamp(now_ms));
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> BucketKeys {
        BucketKeys {
            access: "AKID".into(),
            secret: SecretString::from("very-secret-value".to_string()),
        }
    }

    #[test]
    fn a_custom_endpoint_is_path_style_and_aws_is_virtual_host() {
        let mut place = BucketPlace {
            endpoint: "http://127.0.0.1:8333".into(),
            bucket: "studio".into(),
            ..BucketPlace::default()
        };
        let b = Bucket::new(&place, &keys()).unwrap();
        let link = b.link("k/s1/1-abc.mp4", 1_700_000_000_000);
        assert!(
            link.as_str()
                .starts_with("http://127.0.0.1:8333/studio/k/s1/1-abc.mp4?")
        );
        assert!(link.as_str().contains("X-Amz-Expires=604800"), "{link}");
        assert!(link.as_str().contains("us-east-1"), "default region");
        place.endpoint.clear();
        place.region = "eu-west-1".into();
        let b = Bucket::new(&place, &keys()).unwrap();
        let link = b.link("x.mp4", 1_700_000_000_000);
        assert!(
            link.as_str()
                .starts_with("https://studio.s3.eu-west-1.amazonaws.com/x.mp4?")
        );
    }

    #[test]
    fn the_secret_is_in_no_link_and_no_debug_text() {
        let place = BucketPlace {
            endpoint: "http://127.0.0.1:8333".into(),
            bucket: "studio".into(),
            ..BucketPlace::default()
        };
        let b = Bucket::new(&place, &keys()).unwrap();
        let link = b.link("a.mp4", 1_700_000_000_000);
        assert!(!link.as_str().contains("very-secret-value"));
        assert!(!format!("{b:?} {:?}", keys()).contains("very-secret-value"));
    }

    #[test]
    fn object_names_carry_ids_and_the_prefix_only() {
        let mut place = BucketPlace {
            endpoint: "http://127.0.0.1:1".into(),
            bucket: "b".into(),
            prefix: "kiosk".into(),
            ..BucketPlace::default()
        };
        let b = Bucket::new(&place, &keys()).unwrap();
        assert_eq!(
            b.object_for("s-9", 3, "0123456789abcdef0123", "mp4"),
            "kiosk/s-9/3-0123456789abcdef.mp4"
        );
        place.prefix = "/in/".into();
        let b = Bucket::new(&place, &keys()).unwrap();
        assert_eq!(b.object_for("s", 1, "ab", "mov"), "in/s/1-ab.mov");
    }

    #[test]
    fn refusals_say_what_to_check() {
        assert_eq!(
            error_code("<Error><Code>SignatureDoesNotMatch</Code></Error>"),
            "SignatureDoesNotMatch"
        );
        assert_eq!(error_code("nonsense"), "");
        let place = BucketPlace {
            bucket: "b".into(),
            ..BucketPlace::default()
        };
        let b = Bucket::new(&place, &keys()).unwrap();
        let e = b.refused(
            reqwest::StatusCode::FORBIDDEN,
            "<Error><Code>InvalidAccessKeyId</Code></Error>",
        );
        assert_eq!(e.advice(&place).id(), "bucket-denied");
        let e = b.refused(
            reqwest::StatusCode::NOT_FOUND,
            "<Error><Code>NoSuchBucket</Code></Error>",
        );
        assert_eq!(e.advice(&place).id(), "bucket-missing");
        assert!(Bucket::new(&BucketPlace::default(), &keys()).is_err());
    }
}
