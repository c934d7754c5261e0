//! What the actor does with each front-end command. Each becomes an input to a session (saved,
//! announced, then acted on) or a reading of the store.

use super::actor::Actor;
use super::protocol::Outcome;
use super::{Command, Event, check, io, now_ms};
use crate::api::Language;
use crate::flow::{AssetId, AssetSource, AuditAction, Effect, Input, Session};
use crate::text::Msg;

/// One log line: what happened, in the words the audit log keeps.
pub(super) fn log(what: &str, text: impl Into<String>) -> Vec<(String, String)> {
    vec![(what.to_string(), text.into())]
}

impl Actor {
    pub(super) async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Start {
                id,
                person,
                note,
                consent,
                language,
                project,
            } => {
                self.start_session(id, &person, note, consent, language, &project)
                    .await;
            }
            Command::NewLink(id) => {
                // A session that failed verification left the registry; a new code brings it back.
                if self.ensure_loaded(&id).await.is_ok()
                    && let Some(s) = self.sessions.get(&id)
                {
                    self.registry.register(&id, s.language);
                }
                let log = log("new-link", "staff asked for a new code");
                self.apply(&id, Input::RequestLink, log, true).await;
            }
            Command::ConfirmPhone(id) => {
                let log = log("staff-confirmed", "staff confirmed the phone shows success");
                self.apply(&id, Input::StaffConfirmed, log, true).await;
            }
            Command::AddAssets(id, list) => self.add_assets(id, list).await,
            Command::Remove(id, asset) => {
                let log = log("asset-removed", format!("asset {asset} removed"));
                self.apply(&id, Input::Remove(asset), log, true).await;
            }
            Command::Submit(id) => {
                let log = log("submit", "staff submitted the assets");
                self.apply(&id, Input::Submit, log, true).await;
            }
            Command::Resubmit(id, asset) => {
                let log = log("resubmit", format!("asset {asset} resubmitted"));
                self.apply(&id, Input::Resubmit(asset), log, true).await;
            }
            Command::Replace(id, asset, new) => {
                let (name, source, kind) = io::resolve(new);
                if let AssetSource::File { path } = &source {
                    self.own.record(&id, path);
                }
                let input = Input::Replace {
                    asset,
                    name,
                    source,
                    kind,
                };
                let log = log("replace", format!("asset {asset} replaced"));
                self.apply(&id, input, log, true).await;
            }
            Command::Cancel(id) => {
                let log = log("cancelled", "staff cancelled the session");
                self.apply(&id, Input::Cancel, log, true).await;
                self.registry.unregister(&id);
            }
            Command::Refresh(id) => self.refresh(id).await,
            Command::List => self.emit_history().await,
            Command::Everyone => match self.store.call(|s| s.everyone()).await {
                Ok(all) => self.emit(Event::Everyone(std::sync::Arc::new(all))).await,
                Err(e) => {
                    self.store_failed(None, &e).await;
                    let message = e.advice();
                    self.emit(Event::Error {
                        session: None,
                        message,
                    })
                    .await;
                }
            },
            Command::Render(id, ask) => self.render(id, ask).await,
            Command::Delete(id) => self.delete(id).await,
            Command::DeleteWithObjects(id) => self.delete_with_objects(id).await,
            Command::Purge { days, dry_run } => self.purge(days, dry_run, false).await,
            Command::Withdraw(id) => self.withdraw(id).await,
            Command::Receipt(id) => self.receipt(id).await,
            Command::TookOut { how, entries } => self.took_out(how, entries).await,
            Command::AuditLog(id) => self.audit_log(id).await,
            cmd @ (Command::CurrentConsent
            | Command::NewConsentVersion(_)
            | Command::ConsentShown { .. }) => self.consent_command(cmd).await,
            Command::FixVideo(id, asset, start_ms) => self.fix_video(id, asset, start_ms).await,
            Command::Capture(id, ask) => self.capture(id, ask).await,
            Command::Check(source) => {
                tokio::spawn(check::check(self.checker(), source, self.internal.clone()));
            }
            Command::TestConnection { base_url, key } => {
                let options = self.config.client.clone();
                let out = self.internal.clone();
                tokio::spawn(io::test_connection(base_url, key, options, out));
            }
            Command::Get(id) => self.get(id).await,
            Command::Peek(id) => self.peek(id).await,
        }
    }

    /// Staff add assets: this desk may read the files picked here, for this session.
    async fn add_assets(&mut self, id: String, list: Vec<super::NewAsset>) {
        let items: Vec<_> = list.into_iter().map(io::resolve).collect();
        for (_, source, _) in &items {
            if let AssetSource::File { path } = source {
                self.own.record(&id, path);
            }
        }
        let what = format!("{} asset(s) added", items.len());
        let log = log("assets-added", what.clone());
        if self
            .apply_reporting(&id, Input::AddAssets(items), log, true)
            .await
        {
            self.audit(AuditAction::Add, Some(&id), what).await;
        }
    }

    pub(super) async fn refuse(&self, session: Option<String>, id: &'static str) {
        let message = Msg::new(id);
        self.emit(Event::Refused { session, message }).await;
    }

    async fn start_session(
        &mut self,
        id: String,
        person: &str,
        note: String,
        consent: super::Consent,
        language: Language,
        project: &str,
    ) {
        if consent == super::Consent::None {
            return self.refuse(None, "engine-need-consent").await;
        }
        let person = person.trim().to_string();
        if person.is_empty() {
            return self.refuse(None, "engine-need-name").await;
        }
        if self.store_down {
            return self.refuse(None, "engine-roster-down").await;
        }
        let owned = id.clone();
        let stored = self.store.call(move |s| s.load(&owned)).await;
        if let Err(e) = &stored {
            // Not known to be new: nothing starts (the roster being away is said once).
            self.store_failed(None, e).await;
            let message = e.advice();
            return self
                .emit(Event::Refused {
                    session: Some(id),
                    message,
                })
                .await;
        }
        if self.sessions.contains_key(&id) || matches!(stored, Ok(Some(_))) {
            return self.refuse(Some(id), "engine-session-exists").await;
        }
        let project = match project.trim() {
            "" => "default".to_string(),
            p => p.to_string(),
        };
        // The consent is kept before anything is sent; a decline sends nothing.
        let record = match self.keep_consent(&id, &person, language, consent).await {
            Ok(record) => record,
            Err(message) => {
                let session = Some(id);
                return self.emit(Event::Refused { session, message }).await;
            }
        };
        let mut session = Session::new(id.clone(), person, note, project, language, now_ms());
        session.kiosk = self.config.kiosk.clone();
        session.consent_version = record.version.to_string();
        self.registry.register(&id, language);
        self.sessions.insert(id.clone(), session);
        let log = log("consent", "consent recorded; session started");
        if !self
            .apply_reporting(&id, Input::RequestLink, log, true)
            .await
        {
            // Never saved: it never existed.
            self.sessions.remove(&id);
            self.registry.unregister(&id);
            self.unsaved.remove(&id);
            return;
        }
        let by = match record.by {
            crate::flow::ConsentBy::Person => "given by the person",
            crate::flow::ConsentBy::Staff => "attested by staff",
        };
        let detail = format!("session started; consent text {} {by}", record.version);
        self.audit(AuditAction::Start, Some(&id), detail).await;
    }

    /// Reads the session's review tasks again now.
    async fn refresh(&mut self, id: String) {
        if let Err(message) = self.ensure_loaded(&id).await {
            let session = Some(id);
            return self.emit(Event::Refused { session, message }).await;
        }
        let tasks: Vec<String> = self
            .sessions
            .get(&id)
            .map(|s| s.review_tasks.clone())
            .unwrap_or_default();
        let actions = tasks
            .into_iter()
            .map(|task_id| Effect::PollReview { task_id })
            .collect();
        self.late_polls = true;
        self.run_actions(&id, actions);
        self.late_polls = false;
    }

    /// A session as held here, else as stored: read, not taken up.
    pub(super) async fn known(&self, id: &str) -> Option<Session> {
        if let Some(s) = self.sessions.get(id) {
            return Some(s.clone());
        }
        let owned = id.to_string();
        self.store
            .call(move |s| s.load(&owned))
            .await
            .ok()
            .flatten()
    }

    async fn delete(&mut self, id: String) {
        // Read, not taken up: deleting carries nothing on. A session another desk drives is
        // refused by the store.
        let stored = self.known(&id).await;
        // A render still moving is billed and on its way to this folder: it finishes first.
        if stored.as_ref().is_some_and(Session::rendering) {
            return self.refuse(Some(id), "engine-render-moving").await;
        }
        let owned = id.clone();
        match self.store.call(move |s| s.delete(&owned, now_ms())).await {
            Ok(_) => {
                if let Some(s) = stored {
                    self.remove_copies(&s).await;
                }
                self.sessions.remove(&id);
                self.registry.unregister(&id);
                self.unsaved.remove(&id);
                let what = "the person's records and the copies this desk made deleted";
                self.audit(AuditAction::Delete, Some(&id), what.into())
                    .await;
                self.emit(Event::Deleted(id)).await
            }
            Err(crate::store::StoreError::Held(kiosk)) => {
                let message = Msg::new("engine-held").text("kiosk", kiosk);
                self.emit(Event::Refused {
                    session: Some(id),
                    message,
                })
                .await;
            }
            Err(e) => {
                let message = e.advice();
                self.emit(Event::Error {
                    session: Some(id),
                    message,
                })
                .await;
            }
        }
        self.emit_history().await;
    }

    async fn get(&mut self, id: String) {
        if let Err(message) = self.ensure_loaded(&id).await {
            let session = Some(id);
            return self.emit(Event::Refused { session, message }).await;
        }
        if let Some(s) = self.sessions.get(&id) {
            let snapshot = Box::new(s.clone());
            self.emit(Event::Session(snapshot)).await;
        }
    }

    /// A test render: the assets are picked (and must be approved) before anything is sent.
    async fn render(&mut self, id: String, ask: super::RenderAsk) {
        if let Err(message) = self.ensure_loaded(&id).await {
            let session = Some(id);
            return self.emit(Event::Refused { session, message }).await;
        }
        let picked = match self.sessions.get(&id) {
            Some(s) => s.pick_for_render(&ask.assets),
            None => Err(Msg::new("engine-no-session")),
        };
        let asset_urls = match picked {
            Ok(urls) => urls,
            Err(message) => {
                let session = Some(id);
                return self.emit(Event::Refused { session, message }).await;
            }
        };
        let request = crate::flow::RenderRequest {
            prompt: ask.prompt,
            fast: ask.fast,
            duration: ask.duration,
            resolution: ask.resolution,
            asset_urls,
            estimated_cost_milli: crate::flow::estimate_milli(ask.duration, ask.price_per_second),
        };
        let detail = format!(
            "test render asked: {}, {} s, {}",
            request.model(),
            request.duration,
            request.resolution
        );
        let input = Input::Render(crate::flow::RenderInput::Start(request, now_ms()));
        let log = log("render-asked", detail.clone());
        if self.apply_reporting(&id, input, log, true).await {
            self.audit(AuditAction::Render, Some(&id), detail).await;
        }
    }

    /// A snapshot to read or export, taking nothing up.
    async fn peek(&mut self, id: String) {
        let snapshot = match self.sessions.get(&id) {
            Some(s) => Ok(Some(s.clone())),
            None => {
                let owned = id.clone();
                self.store.call(move |s| s.load(&owned)).await
            }
        };
        match snapshot {
            Ok(Some(s)) => self.emit(Event::Session(Box::new(s))).await,
            Ok(None) => self.refuse(Some(id), "engine-no-session").await,
            Err(e) => {
                self.store_failed(Some(&id), &e).await;
                let message = e.advice();
                self.emit(Event::Refused {
                    session: Some(id),
                    message,
                })
                .await;
            }
        }
    }
}

/// Local videos' commands: fixing one, deleting a person's objects in the bucket.
impl Actor {
    /// [`super::Command::DeleteWithObjects`]: the objects go first (in the background); the
    /// session is deleted only when every one of them is gone.
    pub(super) async fn delete_with_objects(&mut self, id: String) {
        let bucket = match &self.config.bucket {
            Ok(b) => b.clone(),
            Err(why) => {
                let message = Msg::new("bucket-delete-failed").msg("reason", why.clone());
                return self
                    .emit(super::Event::Error {
                        session: Some(id),
                        message,
                    })
                    .await;
            }
        };
        let Some(session) = self.known(&id).await else {
            return self.refuse(Some(id), "engine-no-session").await;
        };
        // A session another desk drives is refused before any object goes (the delete after
        // would be refused too, and its links would be dead).
        if !self.sessions.contains_key(&id) {
            let owned = id.clone();
            match self.store.call(move |s| s.take(&owned, now_ms())).await {
                Ok(crate::store::Taken::HeldBy(kiosk)) => {
                    let message = Msg::new("engine-held").text("kiosk", kiosk);
                    let session = Some(id);
                    return self.emit(Event::Refused { session, message }).await;
                }
                Ok(_) => {}
                Err(e) => {
                    let (session, message) = (Some(id), e.advice());
                    return self.emit(Event::Error { session, message }).await;
                }
            }
        }
        // Nothing goes while something of the person is still moving: a billed render, or a
        // video on its way to the bucket (its object would stay behind).
        if session.rendering() {
            return self.refuse(Some(id), "engine-render-moving").await;
        }
        if session.assets.iter().any(|a| {
            matches!(
                a.state,
                crate::flow::AssetState::Uploading { .. }
                    | crate::flow::AssetState::Submitting { .. }
            )
        }) {
            return self.refuse(Some(id), "engine-upload-moving").await;
        }
        let (objects, elsewhere) = super::videos::objects_of(&bucket, &session);
        if let Some(other) = elsewhere {
            let message = Msg::new("bucket-elsewhere").text("bucket", other);
            return self
                .emit(super::Event::Error {
                    session: Some(id),
                    message,
                })
                .await;
        }
        let out = self.internal.clone();
        tokio::spawn(async move {
            for object in &objects {
                if let Err(e) = bucket.delete(object).await {
                    let message =
                        Msg::new("bucket-delete-failed").msg("reason", e.advice(bucket.place()));
                    let _ = out.send(Outcome::Error(Some(id), message)).await;
                    return;
                }
            }
            tracing::info!(session = %id, "{} objects deleted from the bucket", objects.len());
            let _ = out
                .send(Outcome::Then(Box::new(super::Command::Delete(id))))
                .await;
        });
    }

    /// [`super::Command::FixVideo`]: ffmpeg makes the copy on a blocking thread; the copy then
    /// takes the row's place (checked and sent as any new row).
    pub(super) async fn fix_video(&mut self, id: String, asset: AssetId, start_ms: u64) {
        let row = self.sessions.get(&id).and_then(|s| {
            s.assets
                .iter()
                .find(|a| a.id == asset && a.is_current())
                .and_then(|a| match &a.source {
                    AssetSource::File { path } => Some((a.name.clone(), path.clone())),
                    AssetSource::Url { .. } => None,
                })
        });
        let (Some((name, path)), Some(ctx)) = (row, self.ctx_for(&id)) else {
            return self.refuse(Some(id), "refusal-asset-gone").await;
        };
        if let Some(why) = ctx.foreign(&path) {
            return ctx.error(why).await;
        }
        if let Some(Err(no)) = self.sessions.get(&id).map(|s| s.takes_new_copies()) {
            let (session, message) = (Some(id), no.msg());
            return self.emit(Event::Refused { session, message }).await;
        }
        let dir = self.config.fixed_dir.clone();
        tokio::spawn(async move {
            let fixed = tokio::task::spawn_blocking(move || {
                crate::media::fix::fix_if_needed(&path, start_ms, &dir)
            })
            .await
            .unwrap_or_else(|e| Err(Msg::new("video-fix-failed").text("reason", e.to_string())));
            match fixed {
                Ok(Some(copy)) => {
                    let detail = format!("asset {asset} fixed from {start_ms} ms");
                    let input = Input::Replace {
                        asset,
                        name,
                        source: AssetSource::File { path: copy },
                        kind: crate::api::AssetKind::Video,
                    };
                    ctx.input(input, "video-fixed", detail).await;
                }
                Ok(None) => ctx.error(Msg::new("video-fix-nothing")).await,
                Err(why) => ctx.error(why).await,
            }
        });
    }
}
