//! Local videos: uploaded to the studio's bucket and sent as presigned links; the names of a
//! session's objects there (deleted with it when staff ask, see `commands.rs`).

use std::path::PathBuf;

use super::ctx::Ctx;
use crate::api::bucket::Bucket;
use crate::flow::{AssetId, Input};
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
    // The object keeps the file's own ending (`.mp4`, `.mov`).
    let extension = path
        .extension()
        .map_or_else(|| "mp4".into(), |e| e.to_string_lossy().to_lowercase());
    let object = bucket.object_for(
        &ctx.session,
        u64::from(asset),
        hash.as_deref().unwrap_or("video"),
        &extension,
    );
    let (progress, forward) = ctx.progress(asset);
    let send = async {
        let r = bucket
            .upload_file(&object, &path, hash.as_deref(), &progress)
            .await;
        drop(progress);
        r
    };
    let (result, ()) = tokio::join!(send, forward);
    match result {
        Ok(stored) => {
            // Where it is, kept with the row before its link is used: deleting the person can
            // then delete exactly this object.
            let at = crate::flow::Hosted {
                bucket: bucket.place().shown(),
                object: stored.object.clone(),
            };
            ctx.quiet(Input::Hosted { asset, at }).await;
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

/// The objects a session has in a bucket: those in `bucket` (the one set now), and the
/// address of another one that holds some (set since they were uploaded).
pub(super) fn objects_of(
    bucket: &Bucket,
    s: &crate::flow::Session,
) -> (Vec<String>, Option<String>) {
    let here = bucket.place().shown();
    let mut elsewhere = None;
    let mut objects = Vec::new();
    for hosted in s.assets.iter().filter_map(|a| a.hosted.as_ref()) {
        if hosted.bucket == here {
            // A row names the object: only one of the form this app makes for this session
            // is deleted, never another object of the bucket.
            if bucket.is_ours(&s.id, &hosted.object) {
                objects.push(hosted.object.clone());
            } else {
                tracing::warn!(session = %s.id, "a row names an object this app did not make");
            }
        } else {
            elsewhere = Some(hosted.bucket.clone());
        }
    }
    (objects, elsewhere)
}
