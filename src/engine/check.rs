//! The pre-send check of a row or a typed source, through the one path in `media`: a file is
//! read and prepared (at most one decode per core), a URL probed; the verdict goes to the flow
//! and the preview to the window.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use super::ctx::Ctx;
use super::protocol::Outcome;
use crate::api::AssetKind;
use crate::flow::{AssetId, AssetSource, Input};
use crate::media;
use crate::text::Msg;

/// What a pre-send check needs: a decode slot (one per core), the cache of prepared copies,
/// and whether URLs are probed.
#[derive(Clone)]
pub(super) struct Checker {
    pub slots: Arc<Semaphore>,
    pub cache: media::presend::Cache,
    /// The client that reads URLs before they are sent; `None`: they are not read.
    pub probe: Option<reqwest::Client>,
    /// The studio's bucket, where local videos go; `Err` says why they cannot be sent.
    pub bucket: Result<crate::api::bucket::Bucket, Msg>,
}

impl Checker {
    /// A local file through the one pre-send path, at most one per core at a time.
    pub(super) async fn file(&self, path: PathBuf) -> Result<media::presend::Ready, Msg> {
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

    /// A local video: its index checked (no decode), then its hash when it can be sent (a
    /// bucket is set), with a poster frame when ffmpeg is there.
    pub(super) async fn video(&self, path: PathBuf) -> media::fix::LocalVideo {
        let stopped = |why: Msg| media::fix::LocalVideo {
            length_ms: None,
            poster: None,
            verdict: Err(why),
        };
        let Ok(_slot) = self.slots.clone().acquire_owned().await else {
            return stopped(Msg::new("engine-thread-stopped"));
        };
        let bucket = self.bucket.as_ref().map(|_| ()).map_err(Clone::clone);
        tokio::task::spawn_blocking(move || media::fix::check_local(&path, bucket))
            .await
            .unwrap_or_else(|e| {
                stopped(Msg::new("media-check-stopped").text("reason", e.to_string()))
            })
    }

    /// The prepared copy of a checked file: the kept one, or prepared again (rows from before
    /// the cache, or kept longer than the upload URL lives).
    pub(super) async fn copy(
        &self,
        path: &Path,
        hash: Option<&str>,
    ) -> Result<media::presend::Copy, Msg> {
        if let Some(copy) = hash.and_then(|h| self.cache.copy(h)) {
            return Ok(copy);
        }
        let ready = self.file(path.to_path_buf()).await?;
        // Prepared again from the file: it must still be the photo that was checked.
        if hash.is_some_and(|h| h != ready.hash) {
            return Err(Msg::new("upload-file-changed").text("path", path.display().to_string()));
        }
        Ok(ready.copy)
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

/// The pre-send check of a source: a file through [`media::presend`], a URL probed (when
/// probing is on). Returns the report for the window and the verdict for the flow.
async fn inspect(
    checker: &Checker,
    source: &AssetSource,
    kind: AssetKind,
) -> (super::CheckReport, Result<Option<String>, Msg>) {
    let mut report = super::CheckReport {
        source: source.clone(),
        thumbnail: None,
        hash: None,
        problem: None,
        length_ms: None,
    };
    let verdict = match source {
        AssetSource::File { path } if kind == AssetKind::Video => {
            let found = checker.video(path.clone()).await;
            report.thumbnail = found.poster;
            report.length_ms = found.length_ms;
            report.hash = found.verdict.as_ref().ok().cloned();
            found.verdict.map(Some)
        }
        AssetSource::File { path } => match checker.file(path.clone()).await {
            Ok(ready) => {
                report.thumbnail = Some(ready.thumbnail);
                report.hash = Some(ready.hash.clone());
                Ok(Some(ready.hash))
            }
            Err(problem) => Err(problem),
        },
        AssetSource::Url { url } if checker.probe.is_some() => {
            // A preview is a decode too: one per core, like files.
            let _slot = checker.slots.clone().acquire_owned().await;
            let http = checker.probe.clone().unwrap_or_default();
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
pub(super) async fn check(checker: Checker, source: AssetSource, out: mpsc::Sender<Outcome>) {
    let kind = source.kind_by_ending();
    let (report, _) = inspect(&checker, &source, kind).await;
    let _ = out
        .send(Outcome::Emit(super::Event::Checked(Box::new(report))))
        .await;
}

/// Checks a row: the verdict goes to the flow (which starts its upload when it is usable), the
/// preview to the window.
pub(super) async fn check_row(
    ctx: Ctx,
    checker: Checker,
    asset: AssetId,
    source: AssetSource,
    kind: AssetKind,
) {
    if let AssetSource::File { path } = &source
        && let Some(why) = ctx.foreign(path)
    {
        let detail = format!("asset {asset} checked: {}", why.english());
        return ctx
            .input(
                Input::Checked {
                    asset,
                    result: Err(why),
                },
                "checked",
                detail,
            )
            .await;
    }
    let (report, mut result) = inspect(&checker, &source, kind).await;
    if let (Err(why), AssetSource::File { path }) = (&mut result, &source)
        && let Some(elsewhere) = ctx.file_elsewhere(path)
    {
        *why = elsewhere;
    }
    let detail = match &result {
        Ok(_) => format!("asset {asset} checked: usable"),
        Err(why) => format!("asset {asset} checked: {}", why.english()),
    };
    let _ = ctx
        .out
        .send(Outcome::Emit(super::Event::Checked(Box::new(report))))
        .await;
    ctx.input(Input::Checked { asset, result }, "checked", detail)
        .await;
}
