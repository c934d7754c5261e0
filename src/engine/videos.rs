//! Local videos: uploaded to the studio's bucket and sent as presigned links; the names of a
//! session's objects there (deleted with it when staff ask, see `commands.rs`).

use std::path::PathBuf;

use super::ctx::Ctx;
use crate::api::bucket::Bucket;
use crate::flow::{AssetId, AssetSource, Check, Input};
use crate::text::Msg;

/// Uploads a checked local video to the bucket in parts, then hands the flow a link valid for
/// 7 days.
pub(super) async fn upload(
    ctx: Ctx,
    bucket: Result<Bucket, Msg>,
    asset: AssetId,
    path: PathBuf,
    hash: Option<String>,
) {
    let bucket = match bucket {
        Ok(b) => b,
        // Checked before a restart without the bucket: said, not lost (staff set it again).
        Err(reason) => {
            ctx.input(
                Input::UploadFailed { asset, reason },
                "upload-failed",
                format!("asset {asset}: no bucket to send it to"),
            )
            .await;
            return;
        }
    };
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .filter(|e| ["mp4", "mov", "m4v"].contains(&e.as_str()))
        .unwrap_or_else(|| "mp4".into());
    let object = bucket.object_for(
        &ctx.session,
        u64::from(asset),
        hash.as_deref().unwrap_or("video"),
        &extension,
    );
    let (progress, forward) = ctx.progress(asset);
    let send = async {
        let r = bucket
            .upload_file(
                &object,
                &path,
                hash.as_deref(),
                crate::clock::now_ms(),
                &progress,
            )
            .await;
        drop(progress);
        r
    };
    let (result, ()) = tokio::join!(send, forward);
    match result {
        Ok(stored) => {
            let url = bucket
                .link(&stored.object, crate::clock::now_ms())
                .to_string();
            let detail = format!(
                "asset {asset} stored in the studio's bucket ({} parts, {} bytes)",
                stored.parts, stored.bytes
            );
            ctx.input(Input::Uploaded { asset, url }, "uploaded", detail)
                .await;
        }
        Err(e) => {
            let reason = ctx
                .file_elsewhere(&path)
                .unwrap_or_else(|| e.advice(bucket.place()));
            ctx.input(
                Input::UploadFailed { asset, reason },
                "upload-failed",
                format!("asset {asset}: {e}"),
            )
            .await;
        }
    }
}

/// The names the bucket holds a session's local videos under (rows checked and sendable).
pub(super) fn objects_of(bucket: &Bucket, s: &crate::flow::Session) -> Vec<String> {
    s.assets
        .iter()
        .filter_map(|a| match (&a.source, &a.check) {
            (AssetSource::File { path }, Check::Ready { hash: Some(hash) })
                if crate::media::is_video_path(path) =>
            {
                let ext = path
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_else(|| "mp4".into());
                Some(bucket.object_for(&s.id, u64::from(a.id), hash, &ext))
            }
            _ => None,
        })
        .collect()
}
