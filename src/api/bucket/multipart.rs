//! A local file into the bucket by multipart upload: parts read in order (hashed as they are
//! read), a few sent at once, each request signed when it leaves; an upload that fails or is
//! dropped is aborted on the server.

use std::path::Path;
use std::time::Duration;

use rusty_s3::S3Action;
use rusty_s3::actions::{CompleteMultipartUpload, CreateMultipartUpload};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::{Bucket, BucketError, REQUEST_VALID, Stored, error_code, reason, signed_now};

/// Parts sent at once: enough to fill an office uplink, a bounded amount of memory.
const PARALLEL_PARTS: usize = 3;
/// Tries of one part before the upload fails.
const PART_TRIES: u32 = 3;
/// S3's most parts in one upload.
const MAX_PARTS: u64 = 10_000;

/// Aborts an unfinished multipart upload when dropped (a failure, or the task cancelled by an
/// engine that stops), so no half upload stays on the server.
struct AbortOnDrop {
    bucket: Bucket,
    object: String,
    upload_id: String,
    armed: bool,
}

impl AbortOnDrop {
    async fn abort_now(mut self) {
        self.armed = false;
        abort(&self.bucket, &self.object, &self.upload_id).await;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (bucket, object, upload_id) = (
                self.bucket.clone(),
                std::mem::take(&mut self.object),
                std::mem::take(&mut self.upload_id),
            );
            rt.spawn(async move { abort(&bucket, &object, &upload_id).await });
        }
    }
}

async fn abort(bucket: &Bucket, object: &str, upload_id: &str) {
    let url = bucket
        .bucket
        .abort_multipart_upload(Some(&bucket.keys), object, upload_id)
        .sign_with_time(REQUEST_VALID, &signed_now());
    if let Err(e) = bucket.send(bucket.http.delete(url)).await {
        tracing::warn!("an abandoned upload could not be aborted: {e}");
    }
}

/// Whether a failed part may be sent again: no answer, a timeout, too many requests, or the
/// server's own trouble.
fn transient(e: &BucketError) -> bool {
    match e {
        BucketError::Unreachable(_) => true,
        BucketError::Refused { status, code } => {
            matches!(status, 408 | 429 | 500..=599) || code == "RequestTimeout"
        }
        _ => false,
    }
}

impl Bucket {
    /// Uploads a local file as `object` in parts of [`Bucket::with_part_size`] (more when the
    /// file would need over 10,000), a few at once, telling `progress(sent, total)` as parts
    /// finish. The file's SHA-256 must be `hash` (the one checked), or the upload is
    /// abandoned. A failed upload is aborted on the server.
    pub async fn upload_file(
        &self,
        object: &str,
        path: &Path,
        hash: Option<&str>,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Stored, BucketError> {
        let unreadable = |e: std::io::Error| BucketError::Unreadable(e.to_string());
        let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        let total = file.metadata().await.map_err(unreadable)?.len();
        let url = self
            .bucket
            .create_multipart_upload(Some(&self.keys), object)
            .sign_with_time(REQUEST_VALID, &signed_now());
        let body = super::answer_text(self.send(self.http.post(url)).await?)
            .await
            .map_err(|e| BucketError::Unreachable(reason(e)))?;
        let created =
            CreateMultipartUpload::parse_response(&body).map_err(|_| BucketError::Refused {
                status: 200,
                code: error_code(&body),
            })?;
        let guard = AbortOnDrop {
            bucket: self.clone(),
            object: object.to_string(),
            upload_id: created.upload_id().to_string(),
            armed: true,
        };
        let sent = self
            .send_parts(object, &guard.upload_id, &mut file, total, hash, progress)
            .await;
        let finished = match sent {
            Ok(etags) => self.complete(object, &guard.upload_id, &etags).await,
            Err(e) => Err(e),
        };
        match finished {
            Ok(parts) => {
                let mut guard = guard;
                guard.armed = false;
                Ok(Stored {
                    object: object.to_string(),
                    parts,
                    bytes: total,
                })
            }
            Err(e) => {
                guard.abort_now().await;
                Err(e)
            }
        }
    }

    /// Reads the file in order (hashing it) and sends its parts a few at once; the ETags in
    /// part order.
    async fn send_parts(
        &self,
        object: &str,
        upload_id: &str,
        file: &mut tokio::fs::File,
        total: u64,
        hash: Option<&str>,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Vec<String>, BucketError> {
        let part_size = self.part_size.max(total.div_ceil(MAX_PARTS));
        let count =
            u16::try_from(total.div_ceil(part_size).max(1)).map_err(|_| BucketError::Refused {
                status: 0,
                code: "TooManyParts".into(),
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
            let mut part = Vec::with_capacity(usize::try_from(part_size).unwrap_or(0));
            (&mut *file)
                .take(part_size)
                .read_to_end(&mut part)
                .await
                .map_err(|e| BucketError::Unreadable(e.to_string()))?;
            hasher.update(&part);
            let (this, object, upload_id) =
                (self.clone(), object.to_string(), upload_id.to_string());
            running.spawn(async move {
                let len = part.len() as u64;
                let etag = this
                    .put_part(&object, &upload_id, number, part.into())
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
    ) -> Result<String, BucketError> {
        let mut tries = 0;
        loop {
            tries += 1;
            // Signed as it leaves: a slow upload's later parts are not refused as expired.
            let url = self
                .bucket
                .upload_part(Some(&self.keys), object, number, upload_id)
                .sign_with_time(REQUEST_VALID, &signed_now());
            match self.send(self.http.put(url).body(part.clone())).await {
                Ok(resp) => {
                    return Ok(resp
                        .headers()
                        .get(reqwest::header::ETAG)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string());
                }
                Err(e) if tries < PART_TRIES && transient(&e) => {
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
    ) -> Result<u16, BucketError> {
        let action: CompleteMultipartUpload<'_, _> = self.bucket.complete_multipart_upload(
            Some(&self.keys),
            object,
            upload_id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign_with_time(REQUEST_VALID, &signed_now());
        let resp = self.send(self.http.post(url).body(action.body())).await?;
        // S3 may answer 200 and still report an error in the body.
        let body = super::answer_text(resp).await.unwrap_or_default();
        if body.contains("<Error>") {
            return Err(BucketError::Refused {
                status: 200,
                code: error_code(&body),
            });
        }
        Ok(u16::try_from(etags.len()).unwrap_or(u16::MAX))
    }
}
