//! The engine's background work: each function runs as a task, does its IO through `api/`,
//! and reports back as an input for the session's state machine.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use super::now_ms;
use super::protocol::Outcome;
use crate::api::{
    ApiError, AssetInput, AssetKind, BatchState, Client, TaskStatus, VerificationOutcome,
};
use crate::flow::{AssetId, AssetSource, Input, Millis, SubmitOutcome};
use crate::media;
use crate::text::Msg;

use super::ctx::Ctx;

/// A new asset as the flow takes it: the name and kind staff gave, or ones derived from the
/// source.
pub(super) fn resolve(new: super::NewAsset) -> (String, AssetSource, AssetKind) {
    let kind = new.kind.unwrap_or_else(|| new.source.kind_by_ending());
    let name = new
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| name_from_source(&new.source));
    // One form for a path, however it came (picked, dropped, pasted, typed): two names of one
    // file are one file.
    let source = match new.source {
        AssetSource::File { path } => AssetSource::File {
            path: crate::platform::paths::canonical(&path).unwrap_or(path),
        },
        url => url,
    };
    (name, source, kind)
}

/// Turns what staff typed or pasted into an asset: an http(s) URL, or the path of a file that
/// exists; otherwise the reason it cannot be one.
pub fn parse_source(raw: &str, kind: Option<AssetKind>) -> Result<super::NewAsset, Msg> {
    let raw = raw.trim();
    if raw.starts_with("http://") || raw.starts_with("https://") {
        return match url::Url::parse(raw) {
            Ok(u) if u.host().is_some() => Ok(super::NewAsset {
                name: None,
                source: AssetSource::Url { url: u.to_string() },
                kind,
            }),
            _ => Err(Msg::new("paste-not-web-address").text("text", raw)),
        };
    }
    if raw.contains("://") {
        return Err(Msg::new("paste-not-http").text("text", raw));
    }
    let path = PathBuf::from(raw);
    if !path.is_file() {
        return Err(Msg::new("paste-no-file").text("text", raw));
    }
    let path = crate::platform::paths::canonical(&path).unwrap_or(path);
    Ok(super::NewAsset {
        name: None,
        source: AssetSource::File { path },
        kind,
    })
}

/// A safe name from a file name or URL path (see [`media::safe_name`]).
fn name_from_source(source: &AssetSource) -> String {
    match source {
        AssetSource::File { path } => media::safe_name(&path.to_string_lossy()),
        AssetSource::Url { url } => {
            let last = url::Url::parse(url)
                .ok()
                .and_then(|u| {
                    u.path_segments()
                        .and_then(|mut s| s.next_back().map(str::to_string))
                })
                .unwrap_or_default();
            media::safe_name(&last)
        }
    }
}

pub(super) async fn issue_link(
    ctx: Ctx,
    callback_url: String,
    callback_key: Option<String>,
    ttl: Duration,
) {
    let issued_at = now_ms();
    match ctx
        .client
        .start_verification(&callback_url, &ctx.project, Some(ctx.language))
        .await
    {
        Ok(link) => {
            let detail = format!("link issued (task {})", link.task_id);
            let input = Input::LinkReady {
                task_id: link.task_id,
                h5_link: link.h5_link,
                token: link.byted_token,
                issued_at,
                expires_at: issued_at + ttl.as_millis() as Millis,
                callback_key,
            };
            ctx.input(input, "link-issued", detail).await;
        }
        Err(e) => {
            ctx.input(
                Input::LinkFailed { reason: e.advice() },
                "link-failed",
                e.kind().to_string(),
            )
            .await;
        }
    }
}

pub(super) async fn expire_at(ctx: Ctx, at: Millis) {
    let wait = (at - now_ms()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    ctx.quiet(Input::Tick(now_ms())).await;
}

fn outcome_log(o: &VerificationOutcome) -> (String, String) {
    match o {
        VerificationOutcome::Verified { group_id } => {
            ("verified".into(), format!("verified, group {group_id}"))
        }
        VerificationOutcome::NotReady => (
            "not-ready".into(),
            "the phone had not finished; the code is used up".into(),
        ),
        VerificationOutcome::Pending { task_id } => (
            "verification-pending".into(),
            format!("result pending in task {task_id}"),
        ),
        VerificationOutcome::Failed { reason } => ("verification-failed".into(), reason.english()),
    }
}

pub(super) async fn query_verification(ctx: Ctx, token: String) {
    match ctx.client.query_verification(&token, &ctx.project).await {
        Ok(outcome) => {
            let (kind, detail) = outcome_log(&outcome);
            ctx.input(Input::VerificationAnswer(outcome), &kind, detail)
                .await;
        }
        Err(e) if e.certainly_not_applied() => {
            // The token never reached the upstream: it is still good. Staff confirm again.
            let reason = Msg::new("verify-not-sent").msg("advice", e.advice());
            ctx.input(
                Input::VerificationNotSent { reason },
                "verification-not-sent",
                e.kind().to_string(),
            )
            .await;
        }
        Err(e) => {
            let reason = Msg::new("verify-code-spent").msg("advice", e.advice());
            ctx.input(
                Input::VerificationError { reason },
                "verification-error",
                e.kind().to_string(),
            )
            .await;
        }
    }
}

pub(super) async fn follow_verification(ctx: Ctx, task_id: String) {
    let started = tokio::time::Instant::now();
    let mut wait = ctx.poll.initial;
    loop {
        match ctx.client.verification_task(&task_id).await {
            Ok(VerificationOutcome::Pending { .. }) | Ok(VerificationOutcome::NotReady) => {}
            Ok(outcome) => {
                let (kind, detail) = outcome_log(&outcome);
                ctx.input(Input::VerificationAnswer(outcome), &kind, detail)
                    .await;
                return;
            }
            Err(e)
                if matches!(
                    e.meaning(),
                    ApiError::Unauthorized { .. } | ApiError::InsufficientBalance { .. }
                ) =>
            {
                ctx.input(
                    Input::VerificationError { reason: e.advice() },
                    "verification-error",
                    e.kind().to_string(),
                )
                .await;
                return;
            }
            Err(e) => tracing::warn!(task = %task_id, "reading the verification task failed: {e}"),
        }
        if started.elapsed() > ctx.poll.deadline {
            let reason = Msg::new("verify-late");
            ctx.input(
                Input::VerificationError { reason },
                "verification-timeout",
                task_id.clone(),
            )
            .await;
            return;
        }
        tokio::time::sleep(wait).await;
        wait = ctx.poll.next(wait);
    }
}

/// A row's local file to upload.
pub(super) struct LocalFile {
    pub asset: AssetId,
    pub kind: AssetKind,
    pub path: PathBuf,
    /// The original's content hash, naming the prepared copy.
    pub hash: Option<String>,
}

pub(super) async fn upload(
    ctx: Ctx,
    slots: Arc<Semaphore>,
    checker: super::check::Checker,
    file: LocalFile,
) {
    let LocalFile {
        asset,
        kind,
        path,
        hash,
    } = file;
    let Ok(_permit) = slots.acquire_owned().await else {
        return;
    };
    if let Some(reason) = ctx.foreign(&path) {
        let detail = format!("asset {asset}: not this desk's file");
        return ctx
            .input(
                Input::UploadFailed { asset, reason },
                "upload-failed",
                detail,
            )
            .await;
    }
    if kind == AssetKind::Video {
        return super::videos::upload(ctx, checker.bucket, asset, path, hash).await;
    }
    let unreadable = |e: std::io::Error| media::unreadable(&path, &e);
    let prepared = match checker.copy(&path, hash.as_deref()).await {
        Ok(copy) => tokio::fs::read(&copy.path)
            .await
            .map(|bytes| (copy, bytes))
            .map_err(unreadable),
        Err(reason) => Err(reason),
    };
    let (copy, bytes) = match prepared {
        Ok(x) => x,
        Err(reason) => {
            let reason = ctx.file_elsewhere(&path).unwrap_or(reason);
            ctx.input(
                Input::UploadFailed { asset, reason },
                "upload-failed",
                format!("asset {asset}: unreadable or unsupported"),
            )
            .await;
            return;
        }
    };
    let stem = media::safe_name(&path.to_string_lossy());
    let filename = format!("{stem}.{}", copy.extension);
    let (bytes, mime) = (bytes::Bytes::from(bytes), copy.content_type);
    let (progress, forward) = ctx.progress(asset);
    let send = async {
        let r = ctx
            .client
            .upload_image_with_progress(bytes, &filename, mime, &progress)
            .await;
        drop(progress);
        r
    };
    let (result, ()) = tokio::join!(send, forward);
    match result {
        Ok(up) => {
            ctx.input(
                Input::Uploaded { asset, url: up.url },
                "uploaded",
                format!("asset {asset} uploaded"),
            )
            .await
        }
        Err(e) => {
            ctx.input(
                Input::UploadFailed {
                    asset,
                    reason: e.advice(),
                },
                "upload-failed",
                format!("asset {asset}: {}", e.kind()),
            )
            .await
        }
    }
}

pub(super) async fn submit(ctx: Ctx, group_id: String, assets: Vec<(AssetId, AssetInput)>) {
    let inputs: Vec<AssetInput> = assets.iter().map(|(_, a)| a.clone()).collect();
    let batches = ctx
        .client
        .submit_assets(&group_id, &ctx.project, &inputs)
        .await;
    for batch in batches {
        // Names are unique within a session, so they map a batch back to its rows.
        let ids: Vec<AssetId> = batch
            .assets
            .iter()
            .filter_map(|a| {
                assets
                    .iter()
                    .find(|(_, x)| x.name == a.name)
                    .map(|(id, _)| *id)
            })
            .collect();
        let (outcome, kind, detail) = match batch.state {
            BatchState::Accepted(task) => {
                let d = format!(
                    "{} {} asset(s) submitted (task {})",
                    ids.len(),
                    batch.kind.as_str(),
                    task.id
                );
                (SubmitOutcome::Accepted(task.id), "submitted", d)
            }
            BatchState::Refused(e) => (
                SubmitOutcome::Refused(e.advice()),
                "submit-refused",
                e.kind().to_string(),
            ),
            BatchState::Uncertain(e) => (
                SubmitOutcome::Lost(e.advice()),
                "submit-uncertain",
                e.kind().to_string(),
            ),
            BatchState::NotSent => (
                SubmitOutcome::NotSent,
                "submit-not-sent",
                format!("{} asset(s) not sent", ids.len()),
            ),
        };
        ctx.input(
            Input::SubmitResult {
                assets: ids,
                outcome,
            },
            kind,
            detail,
        )
        .await;
    }
}

pub(super) async fn poll_review(ctx: Ctx, task_id: String, fresh: bool) {
    let started = tokio::time::Instant::now();
    let mut planner = super::poll::Planner::new(ctx.poll.clone(), fresh);
    let mut wait = planner.first_wait();
    loop {
        tokio::time::sleep(wait).await;
        let sent = started.elapsed();
        let answer = ctx.client.get_task(&task_id, None).await;
        let reading = super::poll::Reading {
            sent,
            received: started.elapsed(),
            progress: answer.as_ref().ok().and_then(|t| t.progress),
            estimated_secs: answer.as_ref().ok().and_then(|t| t.estimated_secs()),
        };
        match answer {
            Ok(task) => {
                let items = task.review_items();
                let done = task.status.is_final();
                let error = task
                    .error
                    .as_ref()
                    .and_then(|e| e.message.clone().or_else(|| e.code.clone()));
                let detail = format!(
                    "review {task_id}: {} ({}%)",
                    status_word(&task.status),
                    task.progress.unwrap_or(0)
                );
                let update = Input::ReviewUpdate {
                    task_id: task_id.clone(),
                    items,
                    done,
                    error,
                };
                if done {
                    ctx.input(update, "review-final", detail).await;
                    break;
                }
                ctx.quiet(update).await;
            }
            Err(e) if matches!(e.meaning(), ApiError::Other { status: 404, .. }) => {
                // Not a dead end: the rows say so and can be submitted again.
                let detail = format!("review {task_id}: unknown upstream");
                let lost = Input::ReviewUnknown {
                    task_id: task_id.clone(),
                };
                ctx.input(lost, "review-unknown", detail).await;
                break;
            }
            Err(e) if matches!(e.meaning(), ApiError::Unauthorized { .. }) => {
                ctx.error(e.advice()).await;
                break;
            }
            Err(e) => tracing::warn!(task = %task_id, "reading the review failed: {e}"),
        }
        if started.elapsed() > ctx.poll.deadline {
            ctx.error(Msg::new("review-slow")).await;
            break;
        }
        wait = planner.next_wait(reading);
    }
    let _ = ctx.out.send(Outcome::PollEnded(task_id)).await;
}

fn status_word(s: &TaskStatus) -> String {
    match s {
        TaskStatus::Unknown(w) => w.clone(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// One harmless call (reading a task that does not exist) tells whether the address answers
/// and the key is accepted.
pub(super) async fn test_connection(
    base_url: String,
    key: crate::api::ApiKey,
    options: crate::api::ClientOptions,
    out: mpsc::Sender<Outcome>,
) {
    let result = match Client::new(&base_url, &key, options) {
        Err(e) => Err(e.advice()),
        Ok(client) => match client.get_task("avatar-kiosk-connection-test", None).await {
            Ok(_) => Ok(Msg::new("api-connection-ok")),
            Err(e)
                if matches!(
                    e.meaning(),
                    ApiError::BadRequest { .. } | ApiError::Other { status: 404, .. }
                ) =>
            {
                Ok(Msg::new("api-connection-ok"))
            }
            Err(e) => Err(e.advice()),
        },
    };
    let _ = out
        .send(Outcome::Emit(super::Event::ConnectionTested(result)))
        .await;
}
