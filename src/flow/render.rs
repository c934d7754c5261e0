//! Test renders: a short video made by a -face model from the person's approved assets, followed
//! until the file is on this computer. A render is billed, so its request is sent once: a
//! render whose answer was lost is said to be lost, never sent again.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{AssetState, Effect, Millis, Refusal, Session};
use crate::text::Msg;

/// Identifier of a render within its session.
pub type RenderId = u32;

/// The version of the consent text the window and `onboard` record with each session. It
/// changes whenever the consent sentence in `assets/i18n/*.ftl` changes meaning.
pub const CONSENT_VERSION: &str = "2026-06-consent-v1";

/// The model for ordinary renders and the faster, cheaper one.
pub const FACE_MODEL: &str = "doubao-seedance-2.0-face";
/// The faster model.
pub const FAST_FACE_MODEL: &str = "doubao-seedance-2.0-fast-face";

/// How many reference images a face model takes, when nobody says otherwise (an assumption: the
/// docs do not give the number).
pub const MAX_REFERENCES: usize = 4;

/// A prompt to start from, in the person's language.
pub fn default_prompt(language: crate::api::Language) -> &'static str {
    use crate::api::Language;
    match language {
        Language::Ko => {
            "이 사람이 밝은 스튜디오에서 카메라를 바라보며 미소 짓고 천천히 고개를 돌린다."
        }
        Language::Zh => "此人在明亮的摄影棚里看着镜头微笑，然后慢慢转头。",
        Language::Ja => "明るいスタジオでこの人物がカメラを見て微笑み、ゆっくりと顔を横に向ける。",
        Language::En => {
            "The person smiles at the camera in a bright studio, then slowly turns their head."
        }
    }
}

/// What staff ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderRequest {
    /// What to film.
    pub prompt: String,
    /// The fast model.
    pub fast: bool,
    /// Seconds, 4-15.
    pub duration: u8,
    /// `480p` or `720p`.
    pub resolution: String,
    /// The approved `asset://` URLs to use, in order.
    pub asset_urls: Vec<String>,
    /// The estimate shown before sending, in thousandths of the currency unit.
    pub estimated_cost_milli: u64,
}

impl RenderRequest {
    /// The model's name upstream.
    pub fn model(&self) -> &'static str {
        if self.fast {
            FAST_FACE_MODEL
        } else {
            FACE_MODEL
        }
    }
}

/// The estimated cost, in thousandths of the currency unit: seconds times the price per second.
pub fn estimate_milli(duration: u8, price_per_second: f64) -> u64 {
    let cost = f64::from(duration) * price_per_second.max(0.0) * 1000.0;
    if cost.is_finite() {
        cost.round() as u64
    } else {
        0
    }
}

/// Where one render stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RenderState {
    /// The request is out; no answer yet.
    Sending,
    /// Accepted; being made.
    Running {
        /// The task to poll.
        task_id: String,
        /// 0-100.
        progress: u8,
    },
    /// Made; the file is being downloaded.
    Downloading {
        /// The task.
        task_id: String,
        /// The video's URL (valid about a day).
        url: String,
        /// A poster image's URL, when the task gives one.
        thumbnail_url: Option<String>,
    },
    /// On this computer.
    Done {
        /// The task.
        task_id: String,
        /// The MP4 in the data folder.
        path: PathBuf,
        /// Its poster image, when there is one.
        thumbnail: Option<PathBuf>,
    },
    /// It did not work; the sentence says what to do.
    Failed {
        /// The task, when one was created.
        task_id: Option<String>,
        /// Why.
        reason: Msg,
    },
}

/// One test render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Render {
    /// Within the session.
    pub id: RenderId,
    /// What was asked.
    pub request: RenderRequest,
    /// When it was asked.
    pub created_at: Millis,
    /// Where it stands.
    pub state: RenderState,
}

impl RenderState {
    /// The upstream task, once one was created.
    pub fn task_id(&self) -> Option<&str> {
        match self {
            RenderState::Running { task_id, .. }
            | RenderState::Downloading { task_id, .. }
            | RenderState::Done { task_id, .. } => Some(task_id),
            RenderState::Failed { task_id, .. } => task_id.as_deref(),
            RenderState::Sending => None,
        }
    }
}

impl Render {
    /// Still moving: asked, being made or being downloaded.
    pub fn in_flight(&self) -> bool {
        matches!(
            self.state,
            RenderState::Sending | RenderState::Running { .. } | RenderState::Downloading { .. }
        )
    }
}

/// What happened to a render (from the engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderInput {
    /// Staff ask for a render.
    Start(RenderRequest, Millis),
    /// The upstream accepted it.
    Created(RenderId, String),
    /// It moved on.
    Progress(RenderId, u8),
    /// It is made.
    Made {
        /// Which.
        render: RenderId,
        /// The video's URL.
        url: String,
        /// A poster image's URL.
        thumbnail_url: Option<String>,
    },
    /// The file is saved.
    Saved {
        /// Which.
        render: RenderId,
        /// The MP4.
        path: PathBuf,
        /// Its poster image.
        thumbnail: Option<PathBuf>,
    },
    /// It failed.
    Failed(RenderId, Msg),
}

impl Session {
    /// The approved `asset://` URLs, in the order the rows were added.
    pub fn active_urls(&self) -> Vec<String> {
        self.current_assets()
            .filter_map(|a| match &a.state {
                AssetState::Active { asset_url, .. } => Some(asset_url.clone()),
                _ => None,
            })
            .collect()
    }

    /// The `asset://` URLs a render uses: the named rows, which must be approved, or without
    /// names the approved images (as many as a face model takes). The sentence says what is
    /// wrong otherwise.
    pub fn pick_for_render(&self, names: &[String]) -> Result<Vec<String>, Msg> {
        if self.withdrawn_at.is_some() {
            return Err(Msg::new("render-withdrawn"));
        }
        if names.is_empty() {
            let urls: Vec<String> = self
                .current_assets()
                .filter(|a| a.kind == crate::api::AssetKind::Image)
                .filter_map(|a| match &a.state {
                    AssetState::Active { asset_url, .. } => Some(asset_url.clone()),
                    _ => None,
                })
                .take(MAX_REFERENCES)
                .collect();
            return if urls.is_empty() {
                Err(Msg::new("render-no-active"))
            } else {
                Ok(urls)
            };
        }
        if names.len() > MAX_REFERENCES {
            return Err(Msg::new("render-too-many").num("max", MAX_REFERENCES as i64));
        }
        names
            .iter()
            .map(|name| {
                let row = self
                    .current_assets()
                    .find(|a| a.name == *name)
                    .ok_or_else(|| Msg::new("render-unknown-asset").text("name", name.clone()))?;
                if row.kind != crate::api::AssetKind::Image {
                    return Err(Msg::new("render-asset-not-image").text("name", name.clone()));
                }
                match &row.state {
                    AssetState::Active { asset_url, .. } => Ok(asset_url.clone()),
                    other => Err(Msg::new("render-asset-not-active")
                        .text("name", name.clone())
                        .text("status", other.word())),
                }
            })
            .collect()
    }

    /// A render still moving.
    pub fn rendering(&self) -> bool {
        self.renders.iter().any(Render::in_flight)
    }

    /// Nothing more will happen by itself: the wizard's step is final and no render is moving.
    pub fn at_rest(&self) -> bool {
        self.stage().is_final() && !self.rendering()
    }

    pub(super) fn render_input(&mut self, input: RenderInput) -> Result<Vec<Effect>, Refusal> {
        match input {
            RenderInput::Start(request, now) => self.start_render(request, now),
            RenderInput::Created(id, task_id) => {
                let r = self.render_mut(id)?;
                if r.state != RenderState::Sending {
                    return Err(Refusal::NotNow("refusal-render-stale"));
                }
                r.state = RenderState::Running {
                    task_id: task_id.clone(),
                    progress: 0,
                };
                Ok(vec![Effect::FollowRender {
                    render: id,
                    task_id,
                }])
            }
            RenderInput::Progress(id, progress) => {
                let r = self.render_mut(id)?;
                if let RenderState::Running { progress: p, .. } = &mut r.state {
                    *p = progress.min(100);
                }
                Ok(vec![])
            }
            RenderInput::Made {
                render,
                url,
                thumbnail_url,
            } => {
                let r = self.render_mut(render)?;
                let RenderState::Running { task_id, .. } = &r.state else {
                    return Err(Refusal::NotNow("refusal-render-stale"));
                };
                r.state = RenderState::Downloading {
                    task_id: task_id.clone(),
                    url: url.clone(),
                    thumbnail_url: thumbnail_url.clone(),
                };
                Ok(vec![Effect::DownloadRender {
                    render,
                    url,
                    thumbnail_url,
                }])
            }
            RenderInput::Saved {
                render,
                path,
                thumbnail,
            } => {
                let r = self.render_mut(render)?;
                let RenderState::Downloading { task_id, .. } = &r.state else {
                    return Err(Refusal::NotNow("refusal-render-stale"));
                };
                r.state = RenderState::Done {
                    task_id: task_id.clone(),
                    path,
                    thumbnail,
                };
                Ok(vec![])
            }
            RenderInput::Failed(id, reason) => {
                let r = self.render_mut(id)?;
                if !r.in_flight() {
                    return Err(Refusal::NotNow("refusal-render-stale"));
                }
                let task_id = r.state.task_id().map(str::to_string);
                r.state = RenderState::Failed { task_id, reason };
                Ok(vec![])
            }
        }
    }

    fn start_render(
        &mut self,
        request: RenderRequest,
        now: Millis,
    ) -> Result<Vec<Effect>, Refusal> {
        if self.group_id().is_none() || self.cancelled {
            return Err(Refusal::NotNow("refusal-render-not-verified"));
        }
        if request.asset_urls.is_empty() {
            return Err(Refusal::NotNow("refusal-render-no-assets"));
        }
        // Only approved assets: a failed or unknown one is refused before any request.
        let active = self.active_urls();
        if request.asset_urls.iter().any(|u| !active.contains(u)) {
            return Err(Refusal::NotNow("refusal-render-not-active"));
        }
        if !(4..=15).contains(&request.duration) {
            return Err(Refusal::NotNow("refusal-render-duration"));
        }
        let id = self.renders.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        // A new copy to come: the purge considers this person again.
        self.copies_removed_at = None;
        self.renders.push(Render {
            id,
            request: request.clone(),
            created_at: now,
            state: RenderState::Sending,
        });
        Ok(vec![Effect::CreateVideo {
            render: id,
            request,
        }])
    }

    fn render_mut(&mut self, id: RenderId) -> Result<&mut Render, Refusal> {
        self.renders
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(Refusal::NotNow("refusal-render-stale"))
    }

    /// After a restart: a request whose answer never came is lost (it may have been billed, so it
    /// is not sent again); the others are followed again.
    pub(super) fn resume_renders(&mut self) -> Vec<Effect> {
        let mut actions = Vec::new();
        for r in &mut self.renders {
            match &r.state {
                RenderState::Sending => {
                    r.state = RenderState::Failed {
                        task_id: None,
                        reason: Msg::new("render-answer-lost"),
                    };
                }
                RenderState::Running { task_id, .. } => actions.push(Effect::FollowRender {
                    render: r.id,
                    task_id: task_id.clone(),
                }),
                RenderState::Downloading {
                    url, thumbnail_url, ..
                } => actions.push(Effect::DownloadRender {
                    render: r.id,
                    url: url.clone(),
                    thumbnail_url: thumbnail_url.clone(),
                }),
                RenderState::Done { .. } | RenderState::Failed { .. } => {}
            }
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::AssetKind;
    use crate::api::Language;
    use crate::flow::{AssetSource, Input};

    fn verified_with(states: &[AssetState]) -> Session {
        let mut s = Session::new(
            "s".into(),
            "P".into(),
            String::new(),
            "p".into(),
            Language::En,
            0,
        );
        s.verification = super::super::Verification::Verified {
            group_id: "g".into(),
        };
        for st in states {
            let id = s.push_asset(
                "a",
                AssetSource::Url {
                    url: "https://x/a.jpg".into(),
                },
                AssetKind::Image,
            );
            let a = s.asset_mut(id).unwrap();
            a.state = st.clone();
            a.submissions = 1;
        }
        s
    }

    fn request(urls: &[&str]) -> RenderRequest {
        RenderRequest {
            prompt: "walks".into(),
            fast: false,
            duration: 5,
            resolution: "480p".into(),
            asset_urls: urls.iter().map(|u| u.to_string()).collect(),
            estimated_cost_milli: 500,
        }
    }

    #[test]
    fn only_approved_assets_are_sent_and_a_lost_answer_is_never_sent_again() {
        let active = AssetState::Active {
            asset_url: "asset://ok".into(),
            asset_id: None,
        };
        let failed = AssetState::Failed {
            code: Some("FaceMismatch".into()),
            message: None,
        };
        let mut s = verified_with(&[active, failed]);
        let before = s.clone();
        let refused = s.apply(Input::Render(RenderInput::Start(
            request(&["asset://nope"]),
            1,
        )));
        assert_eq!(refused, Err(Refusal::NotNow("refusal-render-not-active")));
        assert_eq!(s, before);
        let effects = s
            .apply(Input::Render(RenderInput::Start(
                request(&["asset://ok"]),
                1,
            )))
            .unwrap();
        assert!(matches!(
            effects[..],
            [Effect::CreateVideo { render: 1, .. }]
        ));
        assert!(s.rendering() && !s.at_rest());
        // A crash before the answer: lost, and nothing is sent on resume.
        let mut crashed = s.clone();
        let again = crashed.resume_renders();
        assert!(again.is_empty());
        assert!(matches!(
            crashed.renders[0].state,
            RenderState::Failed { task_id: None, .. }
        ));
        // Accepted, then a crash: the task is followed again.
        s.apply(Input::Render(RenderInput::Created(1, "t1".into())))
            .unwrap();
        let mut crashed = s.clone();
        assert_eq!(
            crashed.resume_renders(),
            vec![Effect::FollowRender {
                render: 1,
                task_id: "t1".into()
            }]
        );
        s.apply(Input::Render(RenderInput::Made {
            render: 1,
            url: "http://v".into(),
            thumbnail_url: None,
        }))
        .unwrap();
        s.apply(Input::Render(RenderInput::Saved {
            render: 1,
            path: "/r.mp4".into(),
            thumbnail: None,
        }))
        .unwrap();
        assert!(!s.rendering());
        // A late failure does not undo a saved file.
        assert!(
            s.apply(Input::Render(RenderInput::Failed(
                1,
                Msg::new("render-no-video")
            )))
            .is_err()
        );
    }

    #[test]
    fn a_render_asked_before_a_cancel_is_still_followed_to_its_file() {
        let active = AssetState::Active {
            asset_url: "asset://ok".into(),
            asset_id: None,
        };
        let mut s = verified_with(&[active]);
        s.apply(Input::Render(RenderInput::Start(
            request(&["asset://ok"]),
            1,
        )))
        .unwrap();
        s.apply(Input::Render(RenderInput::Created(1, "t1".into())))
            .unwrap();
        s.apply(Input::Cancel).unwrap();
        // No new render on a cancelled session, but the billed one is followed.
        assert!(
            s.apply(Input::Render(RenderInput::Start(
                request(&["asset://ok"]),
                2
            )))
            .is_err()
        );
        assert_eq!(
            s.resume(3),
            vec![Effect::FollowRender {
                render: 1,
                task_id: "t1".into()
            }]
        );
        s.apply(Input::Render(RenderInput::Failed(
            1,
            Msg::new("render-no-video"),
        )))
        .unwrap();
        assert!(!s.rendering());
    }

    #[test]
    fn named_assets_must_be_approved_images_and_few_enough() {
        let active = AssetState::Active {
            asset_url: "asset://ok".into(),
            asset_id: None,
        };
        let mut s = verified_with(&[active.clone(), active]);
        s.assets[1].kind = AssetKind::Video;
        s.assets[1].name = "clip".into();
        s.assets[0].name = "front".into();
        assert_eq!(s.pick_for_render(&[]).unwrap().len(), 1, "images only");
        let err = s.pick_for_render(&["clip".into()]).unwrap_err();
        assert_eq!(err.id(), "render-asset-not-image");
        let err = s.pick_for_render(&["nobody".into()]).unwrap_err();
        assert_eq!(err.id(), "render-unknown-asset");
        let five: Vec<String> = (0..5).map(|_| "front".to_string()).collect();
        assert_eq!(
            s.pick_for_render(&five).unwrap_err().id(),
            "render-too-many"
        );
    }

    #[test]
    fn the_estimate_is_seconds_times_the_price() {
        assert_eq!(estimate_milli(5, 0.1), 500);
        assert_eq!(estimate_milli(15, 0.07), 1050);
        assert_eq!(estimate_milli(5, -1.0), 0);
        assert_eq!(estimate_milli(5, f64::NAN), 0);
    }
}
