//! Uploading a prepared image, with progress.

use super::*;

/// Size of the pieces an upload body is streamed in; progress is reported per piece.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// A request body that streams `bytes` in pieces and reports the bytes handed to the
/// connection so far on `sent` (dropped reports are fine: the next one supersedes them).
fn progress_body(bytes: bytes::Bytes, sent: tokio::sync::mpsc::Sender<u64>) -> reqwest::Body {
    let chunks: Vec<bytes::Bytes> = (0..bytes.len())
        .step_by(UPLOAD_CHUNK)
        .map(|start| bytes.slice(start..(start + UPLOAD_CHUNK).min(bytes.len())))
        .collect();
    let mut done = 0u64;
    let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
        done += chunk.len() as u64;
        let _ = sent.try_send(done);
        Ok::<_, std::io::Error>(chunk)
    }));
    reqwest::Body::wrap_stream(stream)
}

impl Client {
    /// Uploads one image (multipart field `file`). Retried on transient failures.
    pub async fn upload_image(
        &self,
        bytes: bytes::Bytes,
        filename: &str,
        content_type: &str,
    ) -> Result<UploadedImage, ApiError> {
        self.upload_image_with_progress(bytes, filename, content_type, &|_, _| {})
            .await
    }

    /// [`Client::upload_image`], telling `progress(sent, total)` as the body streams out.
    pub async fn upload_image_with_progress(
        &self,
        bytes: bytes::Bytes,
        filename: &str,
        content_type: &str,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<UploadedImage, ApiError> {
        let url = self.endpoint("/v1/uploads/images")?;
        let mime: reqwest::header::HeaderValue =
            content_type.parse().map_err(|_| ApiError::BadRequest {
                message: format!("{content_type:?} is not a valid content type"),
                code: None,
            })?;
        let total = bytes.len() as u64;
        let data = self
            .retrying("upload_image", || {
                let (tx, rx) = tokio::sync::mpsc::channel::<u64>(16);
                let part = reqwest::multipart::Part::stream_with_length(
                    progress_body(bytes.clone(), tx),
                    total,
                )
                .file_name(filename.to_string())
                .mime_str(mime.to_str().unwrap_or("application/octet-stream"));
                let url = url.clone();
                async move {
                    let part = part.map_err(|_| ApiError::BadRequest {
                        message: format!("{content_type:?} is not a valid content type"),
                        code: None,
                    })?;
                    let form = reqwest::multipart::Form::new().part("file", part);
                    let req = self
                        .http
                        .post(url)
                        .timeout(self.options.upload_timeout)
                        .multipart(form);
                    let report = async {
                        let mut rx = rx;
                        while let Some(sent) = rx.recv().await {
                            progress(sent, total);
                        }
                    };
                    let (result, ()) = tokio::join!(execute(req), report);
                    result
                }
            })
            .await?;
        parse_data(data)
    }
}
