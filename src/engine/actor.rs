//! The actor: every change goes through the session's state machine, is saved, then
//! announced; the actions it returns run afterwards.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use super::protocol::Outcome;
use super::{CallbackMode, Command, EngineConfig, Event, Resume, Wake, check, ctx, io, now_ms};
use crate::api::Client;
use crate::callback::{CallbackServer, Delivery, Registry};
use crate::flow::{self, Effect, Input, Session};
use crate::store::SessionStore;
use crate::text::Msg;

/// The engine's state, owned by one task: commands, background results and the phone's
/// callbacks are taken one at a time.
pub(super) struct Actor {
    pub(super) config: EngineConfig,
    pub(super) client: Client,
    pub(super) store: Box<dyn SessionStore>,
    pub(super) sessions: HashMap<String, Session>,
    pub(super) events: mpsc::Sender<Event>,
    pub(super) wake: Wake,
    pub(super) internal: mpsc::Sender<Outcome>,
    pub(super) registry: Registry,
    pub(super) callback: Option<CallbackServer>,
    pub(super) polling: HashSet<String>,
    pub(super) expiry_timers: HashSet<String>,
    pub(super) upload_slots: Arc<Semaphore>,
    pub(super) check_slots: Arc<Semaphore>,
    pub(super) cache: crate::media::presend::Cache,
    /// Reads URLs before they are sent (built once), when the configuration asks for it.
    pub(super) probe_http: Option<reqwest::Client>,
    /// Polls started now read tasks created earlier (resume, Refresh): their progress did not
    /// start at 0 when polling started.
    pub(super) late_polls: bool,
}

impl Actor {
    pub(super) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut internal: mpsc::Receiver<Outcome>,
        mut hits: mpsc::Receiver<Delivery>,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) {
        let resumed = self.resume_all().await;
        let callback = self
            .callback
            .as_ref()
            .map(|c| format!("http://{}", c.addr()));
        let ids = resumed.iter().map(|(id, _)| id.clone()).collect();
        self.emit(Event::Ready {
            callback,
            resumed: ids,
        })
        .await;
        self.late_polls = true;
        for (id, actions) in resumed {
            if let Some(s) = self.sessions.get(&id) {
                let snapshot = Box::new(s.clone());
                self.emit(Event::Session(snapshot)).await;
            }
            self.run_actions(&id, actions);
        }
        self.late_polls = false;
        loop {
            tokio::select! {
                _ = &mut stop => break,
                Some(cmd) = commands.recv() => self.command(cmd).await,
                Some(msg) = internal.recv() => match msg {
                    Outcome::Input(id, input, log) => { self.apply(&id, input, log, false).await; }
                    Outcome::PollEnded(task) => { self.polling.remove(&task); }
                    Outcome::Error(session, message) => self.emit(Event::Error { session, message }).await,
                    Outcome::Emit(event) => self.emit(event).await,
                },
                Some(Delivery { hit, accepted }) = hits.recv() => {
                    let code = crate::text::short_printable(&hit.result_code, 16);
                    let input = Input::PhoneCallback { result_code: hit.result_code, token: hit.token, message: hit.message, callback_key: hit.key };
                    let log = vec![("phone-callback".to_string(), format!("resultCode {code}"))];
                    let applied = self.apply_reporting(&hit.session, input, log, false).await;
                    let _ = accepted.send(applied);
                }
                else => break,
            }
        }
    }

    pub(super) async fn emit(&self, event: Event) {
        if self.events.send(event).await.is_ok() {
            (self.wake)();
        }
    }

    /// Loads unfinished sessions and makes their interrupted work honest; returns each with
    /// the actions to carry out once the front end knows the engine is ready.
    pub(super) async fn resume_all(&mut self) -> Vec<(String, Vec<Effect>)> {
        let ids = match self.store.unfinished() {
            Ok(ids) => ids,
            Err(e) => {
                self.emit(Event::Error {
                    session: None,
                    message: e.advice(),
                })
                .await;
                return vec![];
            }
        };
        let wanted = |id: &String| match &self.config.resume {
            Resume::All => true,
            Resume::Only(list) => list.contains(id),
        };
        let ids: Vec<String> = ids.into_iter().filter(|id| wanted(id)).collect();
        let mut resumed = Vec::new();
        for id in ids {
            match self.store.load(&id) {
                Ok(Some(mut session)) => {
                    let actions = session.resume(now_ms());
                    self.registry.register(&session.id, session.language);
                    if let Err(e) = self.store.save(
                        &session,
                        now_ms(),
                        &[("resumed".into(), "resumed after a restart".into())],
                    ) {
                        self.emit(Event::Error {
                            session: Some(id.clone()),
                            message: e.advice(),
                        })
                        .await;
                        continue;
                    }
                    self.sessions.insert(id.clone(), session);
                    resumed.push((id, actions));
                }
                Ok(None) => {}
                Err(e) => {
                    self.emit(Event::Error {
                        session: Some(id.clone()),
                        message: e.advice(),
                    })
                    .await
                }
            }
        }
        resumed
    }

    /// Loads a session into memory when a command names one that is not loaded (History).
    pub(super) fn ensure_loaded(&mut self, id: &str) -> bool {
        if self.sessions.contains_key(id) {
            return true;
        }
        match self.store.load(id) {
            Ok(Some(s)) => {
                self.registry.register(&s.id, s.language);
                self.sessions.insert(id.to_string(), s);
                true
            }
            _ => false,
        }
    }

    pub(super) async fn emit_history(&self) {
        match self.store.list() {
            Ok(list) => self.emit(Event::History(list)).await,
            Err(e) => {
                self.emit(Event::Error {
                    session: None,
                    message: e.advice(),
                })
                .await
            }
        }
    }

    /// Applies an input: on success saves, announces, then carries out the actions.
    pub(super) async fn apply(
        &mut self,
        id: &str,
        input: Input,
        log: Vec<(String, String)>,
        from_staff: bool,
    ) {
        self.apply_reporting(id, input, log, from_staff).await;
    }

    /// [`Actor::apply`], saying whether the session took the input (and sent what it asked).
    pub(super) async fn apply_reporting(
        &mut self,
        id: &str,
        input: Input,
        log: Vec<(String, String)>,
        from_staff: bool,
    ) -> bool {
        if !self.ensure_loaded(id) {
            if from_staff {
                self.emit(Event::Refused {
                    session: Some(id.to_string()),
                    message: Msg::new("engine-no-session"),
                })
                .await;
            }
            return false;
        }
        let ephemeral = matches!(input, Input::UploadProgress { .. });
        let Some(session) = self.sessions.get_mut(id) else {
            return false;
        };
        let before = session.clone();
        match session.apply(input) {
            Ok(mut actions) => {
                let mut applied = true;
                if *session == before {
                    return true;
                }
                // What precedes a request that cannot be taken back (a submit, the one-time
                // code) is on disk, synced, before the request leaves.
                let durable = actions
                    .iter()
                    .any(|a| matches!(a, Effect::Submit { .. } | Effect::QueryVerification { .. }));
                let snapshot = session.clone();
                let saved = match (ephemeral, durable) {
                    (true, _) => Ok(()),
                    (false, true) => self.store.save_durable(&snapshot, now_ms(), &log),
                    (false, false) => self.store.save(&snapshot, now_ms(), &log),
                };
                if let Err(e) = saved {
                    self.emit(Event::Error {
                        session: Some(id.to_string()),
                        message: e.advice(),
                    })
                    .await;
                    if from_staff {
                        // A staff command not saved is not done: roll back, start nothing.
                        self.sessions.insert(id.to_string(), before);
                        return false;
                    }
                    // The IO already happened (a task id, an upload): forgetting it would lose
                    // work, so it stays in memory for the next save. But what is not on disk
                    // is not sent: withheld requests wait as "not sent".
                    let all = actions.len();
                    actions = self.withhold(id, actions);
                    applied = actions.len() == all;
                }
                let Some(snapshot) = self.sessions.get(id).cloned() else {
                    return false;
                };
                if snapshot.stage().is_final() {
                    self.registry.unregister(id);
                }
                self.emit(Event::Session(Box::new(snapshot))).await;
                self.run_actions(id, actions);
                applied
            }
            Err(refusal) => {
                if from_staff {
                    self.emit(Event::Refused {
                        session: Some(id.to_string()),
                        message: Msg::new("engine-not-now").msg("why", refusal.msg()),
                    })
                    .await;
                } else {
                    tracing::debug!(session = id, "late or stale input ignored: {refusal}");
                }
                false
            }
        }
    }

    /// Keeps back the requests a failed save was to make durable: a submit's rows become "not
    /// sent" (staff submit again), a result request leaves the code unused (staff confirm
    /// again). Returns the actions that may still run.
    pub(super) fn withhold(&mut self, id: &str, actions: Vec<Effect>) -> Vec<Effect> {
        let Some(session) = self.sessions.get_mut(id) else {
            return actions;
        };
        let mut kept = Vec::new();
        for action in actions {
            let undo = match &action {
                Effect::Submit { assets, .. } => Input::SubmitResult {
                    assets: assets.iter().map(|(a, _)| *a).collect(),
                    outcome: flow::SubmitOutcome::NotSent,
                },
                Effect::QueryVerification { .. } => Input::VerificationNotSent {
                    reason: Msg::new("engine-not-saved"),
                },
                _ => {
                    kept.push(action);
                    continue;
                }
            };
            if let Err(refusal) = session.apply(undo) {
                tracing::warn!(
                    session = id,
                    "a withheld request could not be undone: {refusal}"
                );
            }
        }
        kept
    }

    /// A new link's callback address and the key in it. The studio's own URL has a key only
    /// when its template asks for one with `{link}`.
    pub(super) fn callback_url(&self, session: &str) -> (String, Option<String>) {
        let key = crate::callback::new_key();
        match (&self.config.callback, &self.callback) {
            (CallbackMode::External(template), _) => {
                let url = template.replace("{session}", session);
                if url.contains("{link}") {
                    (url.replace("{link}", &key), Some(key))
                } else {
                    (url, None)
                }
            }
            (_, Some(server)) => (server.url_for(session, &key), Some(key)),
            (CallbackMode::Listen(addr), None) => {
                (format!("http://{addr}/cb/{session}/{key}"), Some(key))
            }
        }
    }

    /// What a pre-send check needs.
    pub(super) fn checker(&self) -> check::Checker {
        check::Checker {
            slots: self.check_slots.clone(),
            cache: self.cache.clone(),
            probe: self.probe_http.clone(),
        }
    }

    pub(super) fn run_actions(&mut self, id: &str, actions: Vec<Effect>) {
        let Some(session) = self.sessions.get(id) else {
            return;
        };
        let ctx = ctx::Ctx {
            session: id.to_string(),
            project: session.project.clone(),
            language: session.language,
            client: self.client.clone(),
            out: self.internal.clone(),
            poll: self.config.poll.clone(),
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
                Effect::Check { asset, source } => {
                    tokio::spawn(check::check_row(ctx.clone(), self.checker(), asset, source));
                }
                Effect::Upload { asset, path, hash } => {
                    tokio::spawn(io::upload(
                        ctx.clone(),
                        self.upload_slots.clone(),
                        self.checker(),
                        asset,
                        path,
                        hash,
                    ));
                }
                Effect::Submit { group_id, assets } => {
                    tokio::spawn(io::submit(ctx.clone(), group_id, assets));
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
