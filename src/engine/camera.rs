//! [`super::Command::Capture`]: a photo or a clip from the desk's camera, taken on a blocking
//! thread into the data folder's `captures` (private to this user) and then added to the
//! session exactly as a file staff picked: checked, uploaded while the phone verifies, and
//! submitted with the rest. The camera's hints go on the row.

use std::path::{Path, PathBuf};

use super::actor::Actor;
use super::protocol::{CaptureAsk, Command, Event, NewAsset, Outcome};
use crate::api::AssetKind;
use crate::camera::capture;
use crate::flow::{AssetSource, Input};
use crate::text::Msg;

impl Actor {
    pub(super) async fn capture(&mut self, id: String, ask: Box<CaptureAsk>) {
        // Whatever happens, the front end hears that the camera is free again.
        let Some(ctx) = self.ctx_for(&id) else {
            self.refuse(Some(id.clone()), "engine-no-session").await;
            return self.emit(Event::CaptureEnded(id)).await;
        };
        if let Some(Err(no)) = self.sessions.get(&id).map(|s| s.takes_new_copies()) {
            let (session, message) = (Some(id.clone()), no.msg());
            self.emit(Event::Refused { session, message }).await;
            return self.emit(Event::CaptureEnded(id)).await;
        }
        let Some(ffmpeg) = crate::media::fix::ffmpeg() else {
            ctx.error(crate::camera::need_ffmpeg()).await;
            return self.emit(Event::CaptureEnded(id)).await;
        };
        let dir = self.config.captures_dir.clone();
        let camera = ask.camera.clone();
        tokio::spawn(async move {
            let session = ctx.session.clone();
            let taken =
                tokio::task::spawn_blocking(move || take(ffmpeg, &ask, &dir, &session)).await;
            let ended = Outcome::Emit(Event::CaptureEnded(ctx.session.clone()));
            let (path, kind, hints) = match taken {
                Ok(Ok(taken)) => taken,
                Ok(Err(why)) => {
                    ctx.error(why).await;
                    let _ = ctx.out.send(ended).await;
                    return;
                }
                Err(e) => {
                    ctx.error(crate::camera::failed(&camera, e.to_string()))
                        .await;
                    let _ = ctx.out.send(ended).await;
                    return;
                }
            };
            // The form the row keeps (AddAssets resolves every path so), for the hints to find it.
            let path = crate::platform::paths::canonical(&path).unwrap_or(path);
            let source = AssetSource::File { path };
            let add = Command::AddAssets(
                ctx.session.clone(),
                vec![NewAsset {
                    name: None,
                    source: source.clone(),
                    kind: Some(kind),
                }],
            );
            let _ = ctx.out.send(Outcome::Then(Box::new(add))).await;
            if !hints.is_empty() {
                let detail = format!("{} camera hint(s)", hints.len());
                ctx.input(Input::Hints { source, hints }, "camera-hints", detail)
                    .await;
            }
            let _ = ctx.out.send(ended).await;
        });
    }
}

/// Takes what `ask` says into `dir`: the file, its kind and the hints.
fn take(
    ffmpeg: &Path,
    ask: &CaptureAsk,
    dir: &Path,
    session: &str,
) -> Result<(PathBuf, AssetKind, Vec<Msg>), Msg> {
    crate::platform::private::create_dir(dir).map_err(|e| crate::camera::not_saved(dir, &e))?;
    let short: String = session
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let stem = format!(
        "{short}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let lead = capture::Lead {
        seconds: f64::from(ask.countdown),
        sink: ask.preview.clone(),
    };
    let advice = |hints: &[crate::camera::hints::Hint]| hints.iter().map(|h| h.advice()).collect();
    match ask.clip_seconds {
        None => {
            let path = dir.join(format!("photo-{stem}.jpg"));
            let photo = capture::photo(ffmpeg, &ask.camera, &lead, &path)?;
            Ok((path, AssetKind::Image, advice(&photo.hints)))
        }
        Some(seconds) => {
            let path = dir.join(format!("clip-{stem}.mp4"));
            let clip = capture::clip(ffmpeg, &ask.camera, seconds, &lead, &path)?;
            Ok((path, AssetKind::Video, advice(&clip.hints)))
        }
    }
}
