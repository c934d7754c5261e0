//! A test render's IO: the one billed request, the task followed to its end, and the video
//! downloaded into the data folder before its URL expires.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::ctx::Ctx;
use crate::api::{ApiError, ImageWithRole, TaskStatus, VideoRequest};
use crate::flow::{Input, RenderId, RenderInput, RenderRequest};
use crate::text::Msg;

/// Renders take minutes; after this long the task is no longer followed.
const DEADLINE: Duration = Duration::from_secs(15 * 60);
/// A render is a few seconds of video: anything larger is not one.
const MAX_VIDEO_BYTES: u64 = 512 * 1024 * 1024;
/// A poster image.
const MAX_THUMBNAIL_BYTES: u64 = 16 * 1024 * 1024;
/// Downloads tried before the render is said to have failed (waits of 1, 2, 4, 8 s between).
const DOWNLOAD_TRIES: u32 = 5;

async fn said(ctx: &Ctx, input: RenderInput, kind: &str, detail: String) {
    ctx.input(Input::Render(input), kind, detail).await;
}

/// The render failed: why, for staff, and what the log keeps.
async fn gave_up(ctx: &Ctx, render: RenderId, reason: Msg, detail: String) {
    said(
        ctx,
        RenderInput::Failed(render, reason),
        "render-failed",
        detail,
    )
    .await;
}

/// Sends the request once. An answer that may have been lost is said, never sent again.
pub(super) async fn create(ctx: Ctx, render: RenderId, request: RenderRequest) {
    let body = VideoRequest {
        model: request.model().to_string(),
        prompt: request.prompt.clone(),
        image_with_roles: request
            .asset_urls
            .iter()
            .map(|url| ImageWithRole {
                url: url.clone(),
                role: "reference_image".into(),
            })
            .collect(),
        duration: request.duration,
        resolution: Some(request.resolution.clone()),
        size: None,
    };
    match ctx.client.create_video(&body).await {
        Ok(task_id) => {
            let detail = format!("render {render}: task {task_id} ({})", body.model);
            said(
                &ctx,
                RenderInput::Created(render, task_id),
                "render-created",
                detail,
            )
            .await;
        }
        Err(e) => {
            let reason = if crate::api::answer_may_be_lost(&e) {
                Msg::new("render-answer-lost")
            } else {
                e.advice()
            };
            let detail = format!("render {render}: {}", e.kind());
            said(
                &ctx,
                RenderInput::Failed(render, reason),
                "render-failed",
                detail,
            )
            .await;
        }
    }
}

/// Reads the task until it is made, failed, or too slow.
pub(super) async fn follow(ctx: Ctx, render: RenderId, task_id: String) {
    let started = tokio::time::Instant::now();
    let mut last_progress = None;
    loop {
        tokio::time::sleep(ctx.poll.initial.max(Duration::from_millis(100))).await;
        match ctx.client.get_task(&task_id, None).await {
            Ok(task) => match &task.status {
                TaskStatus::Completed => {
                    let input = match crate::api::video_result(&task) {
                        Some((url, thumbnail_url)) => RenderInput::Made {
                            render,
                            url,
                            thumbnail_url,
                        },
                        None => RenderInput::Failed(render, Msg::new("render-no-video")),
                    };
                    let detail = format!("render {render}: made");
                    return said(&ctx, input, "render-made", detail).await;
                }
                TaskStatus::Failed | TaskStatus::Cancelled => {
                    let reason = task
                        .error
                        .as_ref()
                        .and_then(|e| e.message.clone().or_else(|| e.code.clone()))
                        .map_or_else(|| Msg::new("render-failed-upstream"), Msg::verbatim);
                    let detail = format!("render {render}: {:?}", task.status);
                    return gave_up(&ctx, render, reason, detail).await;
                }
                _ => {
                    if let Some(p) = task.progress.filter(|p| Some(*p) != last_progress) {
                        last_progress = Some(p);
                        ctx.quiet(Input::Render(RenderInput::Progress(render, p)))
                            .await;
                    }
                }
            },
            Err(e) if matches!(e.meaning(), ApiError::Unauthorized { .. }) => {
                let detail = format!("render {render}: {}", e.kind());
                return gave_up(&ctx, render, e.advice(), detail).await;
            }
            Err(e) => tracing::warn!(task = %task_id, "reading the render failed: {e}"),
        }
        if started.elapsed() > DEADLINE {
            let reason = Msg::new("render-slow").text("task", task_id.clone());
            let detail = format!("render {render}: no video after 15 minutes");
            return gave_up(&ctx, render, reason, detail).await;
        }
    }
}

/// Downloads the video (and its poster image, when there is one) into `dir`.
pub(super) async fn download(
    ctx: Ctx,
    http: reqwest::Client,
    dir: PathBuf,
    render: RenderId,
    url: String,
    thumbnail_url: Option<String>,
) {
    let stem = format!("{}-{render}", ctx.session);
    let video = dir.join(format!("{stem}.mp4"));
    let input = match fetch_patiently(&http, &url, &video, MAX_VIDEO_BYTES).await {
        Ok(()) if is_mp4(&video).await => {
            let thumbnail = match thumbnail_url {
                Some(t) => {
                    let path = dir.join(format!("{stem}-poster.{}", image_extension(&t)));
                    match fetch_patiently(&http, &t, &path, MAX_THUMBNAIL_BYTES).await {
                        Ok(()) => Some(path),
                        Err(e) => {
                            tracing::warn!("the render's poster image was not saved: {e}");
                            None
                        }
                    }
                }
                None => None,
            };
            RenderInput::Saved {
                render,
                path: video,
                thumbnail,
            }
        }
        Ok(()) => {
            let _ = tokio::fs::remove_file(&video).await;
            RenderInput::Failed(render, Msg::new("render-not-mp4"))
        }
        Err(reason) => RenderInput::Failed(render, reason),
    };
    let detail = format!("render {render}: download");
    said(&ctx, input, "render-saved", detail).await;
}

/// The poster's file ending, from its URL (a JPEG when it does not say).
fn image_extension(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    ["png", "webp", "jpeg", "jpg"]
        .into_iter()
        .find(|e| path.ends_with(&format!(".{e}")))
        .unwrap_or("jpg")
}

/// Whether the file starts as an MP4 (an `ftyp` box): its first eight bytes are read.
async fn is_mp4(path: &Path) -> bool {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 8];
    match tokio::fs::File::open(path).await {
        Ok(mut f) => f.read_exact(&mut head).await.is_ok() && &head[4..8] == b"ftyp",
        Err(_) => false,
    }
}

/// [`fetch`], tried again after a pause when it fails (the address lasts about a day; a
/// network hiccup must not lose a paid video).
async fn fetch_patiently(
    http: &reqwest::Client,
    url: &str,
    path: &Path,
    cap: u64,
) -> Result<(), Msg> {
    let mut pause = Duration::from_secs(1);
    let mut tries = 1;
    loop {
        match fetch(http, url, path, cap).await {
            Ok(()) => return Ok(()),
            Err(e) if tries >= DOWNLOAD_TRIES => return Err(e),
            Err(e) => {
                tracing::warn!("downloading a render failed (try {tries}): {}", e.id());
                tokio::time::sleep(pause).await;
                pause *= 2;
                tries += 1;
            }
        }
    }
}

/// Streams `url` into `path` through a `.part` file, at most `cap` bytes; the `.part` file is
/// removed when anything fails.
async fn fetch(http: &reqwest::Client, url: &str, path: &Path, cap: u64) -> Result<(), Msg> {
    let part = path.with_extension("part");
    let fetched = fetch_into(http, url, &part, cap).await;
    if fetched.is_err() {
        let _ = tokio::fs::remove_file(&part).await;
        return fetched;
    }
    tokio::fs::rename(&part, path)
        .await
        .map_err(|e| download_failed(format!("{}: {e}", path.display())))
}

fn download_failed(why: String) -> Msg {
    Msg::new("render-download-failed").text("reason", crate::text::short_printable(&why, 200))
}

async fn fetch_into(http: &reqwest::Client, url: &str, part: &Path, cap: u64) -> Result<(), Msg> {
    let failed = download_failed;
    let answer = http.get(url).send().await.map_err(|e| {
        failed(crate::text::short_printable(
            &e.without_url().to_string(),
            200,
        ))
    })?;
    if !answer.status().is_success() {
        return Err(failed(format!("HTTP {}", answer.status().as_u16())));
    }
    if let Some(dir) = part.parent() {
        crate::platform::private::create_dir(dir)
            .map_err(|e| failed(format!("{}: {e}", dir.display())))?;
    }
    let file = crate::platform::private::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(part)
        .and_then(|f| crate::platform::private::narrow_file(&f).map(|()| f))
        .map_err(|e| failed(format!("{}: {e}", part.display())))?;
    let mut file = tokio::fs::File::from_std(file);
    let mut written = 0u64;
    let mut body = answer.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| failed(e.without_url().to_string()))?;
        written += chunk.len() as u64;
        if written > cap {
            return Err(failed(format!("larger than {} MB", cap / 1024 / 1024)));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| failed(format!("{}: {e}", part.display())))?;
    }
    file.sync_all()
        .await
        .map_err(|e| failed(format!("{}: {e}", part.display())))
}
