//! The engine's background work: each function runs as a task, does its IO through `api/`,
//! and reports back as an input for the session's state machine.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use super::{Internal, PollPolicy, now_ms};
use crate::api::{
    ApiError, AssetInput, AssetKind, BatchState, Client, Language, TaskStatus, VerificationOutcome,
};
use crate::flow::{AssetId, AssetSource, Input, Millis, SubmitOutcome};
use crate::media;
use crate::text::Msg;

/// What every task needs.
#[derive(Clone)]
pub(super) struct Ctx {
    pub session: String,
    pub project: String,
    pub language: Language,
    pub client: Client,
    pub out: mpsc::Sender<Internal>,
    pub poll: PollPolicy,
}

impl Ctx {
    async fn input(&self, input: Input, kind: &str, detail: String) {
        let _ = self
            .out
            .send(Internal::Input(
                self.session.clone(),
                input,
                vec![(kind.to_string(), detail)],
            ))
            .await;
    }

    async fn quiet(&self, input: Input) {
        let _ = self
            .out
            .send(Internal::Input(self.session.clone(), input, vec![]))
            .await;
    }

    async fn error(&self, message: Msg) {
        let _ = self
            .out
            .send(Internal::Error(Some(self.session.clone()), message))
            .await;
    }
}

/// Image or video, from the URL's or file's ending (images by default).
fn guess_kind(source: &AssetSource) -> AssetKind {
    let text = match source {
        AssetSource::File { path } => path.to_string_lossy().to_lowercase(),
        AssetSource::Url { url } => url::Url::parse(url)
            .map(|u| u.path().to_lowercase())
            .unwrap_or_else(|_| url.to_lowercase()),
    };
    media::kind_from_ending(&text).unwrap_or(AssetKind::Image)
}

/// A new asset as the flow takes it: the name and kind staff gave, or ones derived from the
/// source.
pub(super) fn resolve(new: super::NewAsset) -> (String, AssetSource, AssetKind) {
    let kind = new.kind.unwrap_or_else(|| guess_kind(&new.source));
    let name = new
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| name_from_source(&new.source));
    (name, new.source, kind)
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
    if kind == Some(AssetKind::Video) {
        return Err(Msg::new("paste-local-video").text("text", raw));
    }
    let path = path.canonicalize().unwrap_or(path);
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
                    e,
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

/// What a pre-send check needs: a decode slot (one per core), the cache of prepared copies,
/// and whether URLs are probed.
#[derive(Clone)]
pub(super) struct Checker {
    pub slots: Arc<Semaphore>,
    pub cache: media::presend::Cache,
    pub probe_urls: bool,
}

impl Checker {
    /// A local file through the one pre-send path, at most one per core at a time.
    async fn file(&self, path: PathBuf) -> Result<media::presend::Ready, Msg> {
        let Ok(_slot) = self.slots.clone().acquire_owned().await else {
            return Err(Msg::new("engine-thread-stopped"));
        };
        let cache = self.cache.clone();
        tokio::task::spawn_blocking(move || {
            media::presend::check_file(&path, &cache, &media::Limits::default())
        })
        .await
        .map_err(|e| Msg::new("media-check-stopped").text("reason", e.to_string()))?
    }

    /// The prepared copy of a checked file: the kept one, or prepared again (rows from before
    /// the cache, or kept longer than the upload URL lives).
    async fn copy(&self, path: &Path, hash: Option<&str>) -> Result<media::presend::Copy, Msg> {
        if let Some(copy) = hash.and_then(|h| self.cache.copy(h)) {
            return Ok(copy);
        }
        self.file(path.to_path_buf()).await.map(|ready| ready.copy)
    }
}

/// The content hashes of a session's local files (naming their prepared copies).
pub(super) fn hashes_of(s: &crate::flow::Session) -> Vec<String> {
    s.assets
        .iter()
        .filter_map(|a| match &a.check {
            crate::flow::Check::Ready { hash } => hash.clone(),
            _ => None,
        })
        .collect()
}

pub(super) async fn upload(
    ctx: Ctx,
    slots: Arc<Semaphore>,
    checker: Checker,
    asset: AssetId,
    path: PathBuf,
    hash: Option<String>,
) {
    let Ok(_permit) = slots.acquire_owned().await else {
        return;
    };
    let unreadable = |e: std::io::Error| {
        Msg::new("upload-unreadable")
            .text("path", path.display().to_string())
            .text("reason", e.to_string())
    };
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
    // Progress goes through a small channel: the callback must not block the upload.
    let (tx, mut rx) = mpsc::channel::<(u64, u64)>(8);
    let forward = {
        let ctx = ctx.clone();
        async move {
            let mut last = 0u64;
            while let Some((sent, total)) = rx.recv().await {
                // Report in steps of about 5 %, and the end.
                if sent == total || sent.saturating_sub(last) * 20 >= total.max(1) {
                    last = sent;
                    ctx.quiet(Input::UploadProgress { asset, sent, total })
                        .await;
                }
            }
        }
    };
    let progress = move |sent: u64, total: u64| {
        let _ = tx.try_send((sent, total));
    };
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
            Err(e)
                if matches!(
                    e,
                    ApiError::Unauthorized { .. } | ApiError::Other { status: 404, .. }
                ) =>
            {
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
    let _ = ctx.out.send(Internal::PollEnded(task_id)).await;
}

fn status_word(s: &TaskStatus) -> String {
    match s {
        TaskStatus::Unknown(w) => w.clone(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// The pre-send check of a source: a file through [`media::presend`], a URL probed (when
/// probing is on). Returns the report for the window and the verdict for the flow.
async fn inspect(
    checker: &Checker,
    source: &AssetSource,
) -> (super::CheckReport, Result<Option<String>, Msg>) {
    let mut report = super::CheckReport {
        source: source.clone(),
        thumbnail: None,
        hash: None,
        problem: None,
    };
    let verdict = match source {
        AssetSource::File { path } => match checker.file(path.clone()).await {
            Ok(ready) => {
                report.thumbnail = Some(ready.thumbnail);
                report.hash = Some(ready.hash.clone());
                Ok(Some(ready.hash))
            }
            Err(problem) => Err(problem),
        },
        AssetSource::Url { url } if checker.probe_urls => {
            let http = media::url::probe_client(Duration::from_secs(15));
            match media::url::probe(&http, url, &media::Limits::default()).await {
                Ok(probe) => {
                    report.thumbnail = probe.thumbnail;
                    Ok(None)
                }
                Err(p) => Err(p.advice()),
            }
        }
        AssetSource::Url { .. } => Ok(None),
    };
    report.problem = verdict.as_ref().err().cloned();
    (report, verdict)
}

/// Checks a source for the window (a replacement typed in the dialog), before it is a row.
pub(super) async fn check(checker: Checker, source: AssetSource, out: mpsc::Sender<Internal>) {
    let (report, _) = inspect(&checker, &source).await;
    let _ = out
        .send(Internal::Emit(super::Event::Checked(Box::new(report))))
        .await;
}

/// Checks a row: the verdict goes to the flow (which starts its upload when it is usable), the
/// preview to the window.
pub(super) async fn check_row(ctx: Ctx, checker: Checker, asset: AssetId, source: AssetSource) {
    let (report, result) = inspect(&checker, &source).await;
    let detail = match &result {
        Ok(_) => format!("asset {asset} checked: usable"),
        Err(why) => format!("asset {asset} checked: {}", why.english()),
    };
    let _ = ctx
        .out
        .send(Internal::Emit(super::Event::Checked(Box::new(report))))
        .await;
    ctx.input(Input::Checked { asset, result }, "checked", detail)
        .await;
}

/// One harmless call (reading a task that does not exist) tells whether the address answers
/// and the key is accepted.
pub(super) async fn test_connection(
    base_url: String,
    key: crate::api::ApiKey,
    options: crate::api::ClientOptions,
    out: mpsc::Sender<Internal>,
) {
    let result = match Client::new(&base_url, &key, options) {
        Err(e) => Err(e.advice()),
        Ok(client) => match client.get_task("avatar-kiosk-connection-test", None).await {
            Ok(_) | Err(ApiError::BadRequest { .. }) | Err(ApiError::Other { status: 404, .. }) => {
                Ok(Msg::new("api-connection-ok"))
            }
            Err(e) => Err(e.advice()),
        },
    };
    let _ = out
        .send(Internal::Emit(super::Event::ConnectionTested(result)))
        .await;
}
