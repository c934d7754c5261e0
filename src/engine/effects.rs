//! What the actor starts for a session's actions: each effect of the state machine becomes a
//! background task carrying the session's context.

use super::actor::Actor;
use super::{check, ctx, io};
use crate::flow::{self, Effect};

impl Actor {
    /// What a pre-send check needs.
    pub(super) fn checker(&self) -> check::Checker {
        check::Checker {
            slots: self.check_slots.clone(),
            cache: self.cache.clone(),
            probe: self.probe_http.clone(),
            bucket: self.config.bucket.clone(),
        }
    }

    /// What a background task of session `id` carries (`None`: it is not held here).
    pub(super) fn ctx_for(&self, id: &str) -> Option<ctx::Ctx> {
        let session = self.sessions.get(id)?;
        Some(ctx::Ctx {
            session: id.to_string(),
            project: session.project.clone(),
            language: session.language,
            client: self.client.clone(),
            out: self.internal.clone(),
            poll: self.config.poll.clone(),
            elsewhere: (!session.kiosk.is_empty() && session.kiosk != self.config.kiosk)
                .then(|| session.kiosk.clone()),
            own: self.own.clone(),
        })
    }

    pub(super) fn run_actions(&mut self, id: &str, actions: Vec<Effect>) {
        let Some(ctx) = self.ctx_for(id) else {
            return;
        };
        for action in actions {
            match action {
                Effect::IssueLink => {
                    let (url, key) = self.callback_url(id);
                    tokio::spawn(io::issue_link(ctx.clone(), url, key, self.config.link_ttl));
                }
                Effect::QueryVerification { token } => {
                    tokio::spawn(io::query_verification(ctx.clone(), token));
                }
                Effect::FollowVerification { task_id } => {
                    tokio::spawn(io::follow_verification(ctx.clone(), task_id));
                }
                Effect::Check {
                    asset,
                    source,
                    kind,
                } => {
                    let checker = self.checker();
                    tokio::spawn(check::check_row(ctx.clone(), checker, asset, source, kind));
                }
                Effect::Upload {
                    asset,
                    kind,
                    path,
                    hash,
                } => {
                    let file = io::LocalFile {
                        asset,
                        kind,
                        path,
                        hash,
                    };
                    let slots = self.upload_slots.clone();
                    tokio::spawn(io::upload(ctx.clone(), slots, self.checker(), file));
                }
                Effect::Submit { group_id, assets } => {
                    tokio::spawn(io::submit(ctx.clone(), group_id, assets));
                }
                Effect::CreateVideo { render, request } => {
                    tokio::spawn(super::render::create(ctx.clone(), render, request));
                }
                Effect::FollowRender { render, task_id } => {
                    tokio::spawn(super::render::follow(ctx.clone(), render, task_id));
                }
                Effect::DownloadRender {
                    render,
                    url,
                    thumbnail_url,
                } => {
                    tokio::spawn(super::render::download(
                        ctx.clone(),
                        self.download_http.clone(),
                        self.config.renders_dir.clone(),
                        render,
                        url,
                        thumbnail_url,
                    ));
                }
                Effect::PollReview { task_id } => {
                    if self.polling.insert(task_id.clone()) {
                        let fresh = !self.late_polls;
                        tokio::spawn(io::poll_review(ctx.clone(), task_id, fresh));
                    }
                }
            }
        }
        // A link that is out gets a timer, so an expired code is shown as expired on time.
        if let Some(link) = self.sessions.get(id).and_then(|s| s.link())
            && link.token_state == flow::TokenState::Waiting
            && self.expiry_timers.insert(link.task_id.clone())
        {
            tokio::spawn(io::expire_at(ctx, link.expires_at));
        }
    }
}
