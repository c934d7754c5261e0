//! The actor: every change goes through the session's state machine, is saved, then
//! announced; the actions it returns run afterwards.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use super::protocol::Outcome;
use super::stored::StoreLink;
use super::{CallbackMode, Command, EngineConfig, Event, Resume, Wake, now_ms};
use crate::api::Client;
use crate::callback::{CallbackServer, Delivery, Registry};
use crate::flow::{self, Effect, Input, Session};
use crate::store::Taken;
use crate::text::Msg;

/// The engine's state, owned by one task: commands, background results and the phone's
/// callbacks are taken one at a time.
pub(super) struct Actor {
    pub(super) config: EngineConfig,
    pub(super) client: Client,
    pub(super) store: StoreLink,
    /// The store is a shared roster (other desks, leases, notices).
    pub(super) shared: bool,
    /// The roster could not be reached at the last try: nothing new starts until it is back.
    pub(super) store_down: bool,
    /// Sessions whose latest state is only in memory (a save failed): saved again on each tick.
    pub(super) unsaved: HashSet<String>,
    /// The last store error said to staff: the same one is not said again on every tick.
    pub(super) said: Option<Msg>,
    /// Some of this desk's unfinished sessions could not be taken up (the roster was away, or
    /// this desk's previous engine still held them): tried again on each tick.
    pub(super) resume_again: bool,
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
    /// The files staff picked on this desk: a row's local path is read only when it is here.
    pub(super) own: Arc<crate::store::OwnFiles>,
    /// Reads URLs before they are sent (built once), when the configuration asks for it.
    pub(super) probe_http: Option<reqwest::Client>,
    /// Downloads finished renders (no key sent).
    pub(super) download_http: reqwest::Client,
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
        mut stop: tokio::sync::oneshot::Receiver<super::Stop>,
    ) {
        let (changed_tx, mut changed) = mpsc::channel::<()>(1);
        if self.shared {
            let watched = self
                .store
                .call(move |s| {
                    s.watch(Box::new(move || {
                        // One waiting notice is enough: the list is read whole.
                        let _ = changed_tx.try_send(());
                    }))
                })
                .await;
            if let Err(e) = watched {
                tracing::warn!("other desks' changes will not arrive live: {e}");
            }
        }
        let every = (self.config.lease / 3).max(std::time::Duration::from_millis(50));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (resumed, refused) = self.resume_all().await;
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
        let bucket = self.config.bucket.as_ref();
        let bucket = bucket.map(|b| b.place().shown()).map_err(Clone::clone);
        self.emit(Event::Bucket(bucket)).await;
        for (id, message) in refused {
            let session = Some(id);
            self.emit(Event::Refused { session, message }).await;
        }
        self.carry_on(resumed).await;
        // The retention purge: now (its first tick), then once a day.
        let mut purge = tokio::time::interval(crate::engine::PURGE_EVERY);
        purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let release = loop {
            tokio::select! {
                how = &mut stop => break how.map_or(true, |h| h.release),
                _ = tick.tick() => self.tend().await,
                _ = purge.tick(), if self.config.purge => self.purge(None, false, true).await,
                Some(()) = changed.recv() => self.emit(Event::RosterChanged).await,
                Some(cmd) = commands.recv() => self.command(cmd).await,
                Some(msg) = internal.recv() => match msg {
                    Outcome::Input(id, input, log) => { self.apply(&id, input, log, false).await; }
                    Outcome::PollEnded(task) => { self.polling.remove(&task); }
                    Outcome::Error(session, message) => self.emit(Event::Error { session, message }).await,
                    Outcome::Emit(event) => self.emit(event).await,
                    Outcome::Then(cmd) => self.command(*cmd).await,
                    Outcome::Removed(why, list) => self.removed(why, list).await,
                },
                Some(Delivery { hit, accepted }) = hits.recv() => {
                    let code = crate::text::short_printable(&hit.result_code, 16);
                    let input = Input::PhoneCallback { result_code: hit.result_code, token: hit.token, message: hit.message, callback_key: hit.key };
                    let log = vec![("phone-callback".to_string(), format!("resultCode {code}"))];
                    let applied = self.apply_reporting(&hit.session, input, log, false).await;
                    let _ = accepted.send(applied);
                }
                else => break true,
            }
        };
        if release {
            self.save_unsaved().await;
            for id in &self.unsaved {
                tracing::warn!(session = id, "stopped with changes the store did not take");
            }
            self.release_all().await;
        }
    }

    pub(super) async fn emit(&self, event: Event) {
        if self.events.send(event).await.is_ok() {
            (self.wake)();
        }
    }

    /// Loads unfinished sessions and makes their interrupted work honest; returns each with
    /// the actions to carry out once the front end knows the engine is ready.
    #[allow(clippy::type_complexity)]
    pub(super) async fn resume_all(&mut self) -> (Vec<(String, Vec<Effect>)>, Vec<(String, Msg)>) {
        let again = matches!(self.config.resume, Resume::All);
        let found = match self.store.call(|s| s.unfinished()).await {
            Ok(found) => found,
            Err(e) => {
                self.store_failed(None, &e).await;
                self.resume_again = again;
                return (vec![], vec![]);
            }
        };
        let kiosk = self.config.kiosk.clone();
        let shared = self.config.roster.is_some();
        // On start a desk takes up its own sessions (and those from before desks had names);
        // another desk's are taken over only when asked for by id.
        let wanted = |u: &crate::store::Unfinished| match &self.config.resume {
            // A row without a desk's name on a shared roster may be anyone's: never taken up
            // by itself.
            Resume::All => u.kiosk == kiosk || (u.kiosk.is_empty() && !shared),
            Resume::Only(list) => list.contains(&u.id),
        };
        let ids: Vec<String> = found
            .into_iter()
            .filter(|u| {
                crate::flow::is_session_id(&u.id) && wanted(u) && !self.sessions.contains_key(&u.id)
            })
            .map(|u| u.id)
            .collect();
        let mut resumed = Vec::new();
        let mut refused = Vec::new();
        self.resume_again = false;
        for id in ids {
            match self.take_up(&id).await {
                Ok(actions) => resumed.push((id, actions)),
                // Said once the front end knows the engine is ready, for the ids it asked for.
                Err(message) if !again => refused.push((id, message)),
                // This desk's own: taken up on a later tick (held by this desk's engine that
                // died a moment ago, or the roster away).
                Err(_) => self.resume_again = true,
            }
        }
        (resumed, refused)
    }

    /// Announces sessions just taken up and carries on their interrupted work (their polls read
    /// tasks created earlier).
    pub(super) async fn carry_on(&mut self, resumed: Vec<(String, Vec<Effect>)>) {
        self.late_polls = true;
        for (id, actions) in resumed {
            if let Some(s) = self.sessions.get(&id) {
                let snapshot = Box::new(s.clone());
                self.emit(Event::Session(snapshot)).await;
            }
            self.run_actions(&id, actions);
        }
        self.late_polls = false;
    }

    /// Takes a stored session up: its lease first (a session driven by another engine is not
    /// touched), then its state, made honest about the work that was interrupted. Returns the
    /// actions that carry that work on.
    async fn take_up(&mut self, id: &str) -> Result<Vec<Effect>, Msg> {
        let owned = id.to_string();
        let taken = self.store.call(move |s| s.take(&owned, now_ms())).await;
        match taken {
            Ok(Taken::Yes) => {}
            Ok(Taken::HeldBy(kiosk)) => {
                return Err(Msg::new("engine-held").text("kiosk", kiosk));
            }
            Ok(Taken::Missing) => return Err(Msg::new("engine-no-session")),
            Err(e) => {
                self.store_failed(Some(id), &e).await;
                return Err(e.advice());
            }
        }
        let owned = id.to_string();
        let mut session = match self.store.call(move |s| s.load(&owned)).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(Msg::new("engine-no-session")),
            Err(e) => {
                self.store_failed(Some(id), &e).await;
                return Err(e.advice());
            }
        };
        if session.at_rest() {
            // Only read: its lease goes back at once, so any desk can open it too.
            self.release(id).await;
            self.sessions.insert(id.to_string(), session);
            return Ok(vec![]);
        }
        let actions = session.resume(now_ms());
        let log = vec![("resumed".to_string(), "taken up by this desk".to_string())];
        if let Err(e) = self.save(session.clone(), log, false).await {
            self.store_failed(Some(id), &e).await;
            return Err(e.advice());
        }
        self.registry.register(&session.id, session.language);
        self.sessions.insert(id.to_string(), session);
        Ok(actions)
    }

    /// Loads a session into memory when a command or a late answer names one that is not
    /// loaded (History, another desk's session once its engine stopped), and carries on its
    /// interrupted work.
    pub(super) async fn ensure_loaded(&mut self, id: &str) -> Result<(), Msg> {
        if self.sessions.contains_key(id) {
            return Ok(());
        }
        let actions = self.take_up(id).await?;
        self.late_polls = true;
        self.run_actions(id, actions);
        self.late_polls = false;
        Ok(())
    }

    /// Saves a snapshot (synced first when `durable`) with its log lines.
    pub(super) async fn save(
        &mut self,
        snapshot: Session,
        log: Vec<(String, String)>,
        durable: bool,
    ) -> Result<(), crate::store::StoreError> {
        let id = snapshot.id.clone();
        let saved = self
            .store
            .call(move |s| {
                if durable {
                    s.save_durable(&snapshot, now_ms(), &log)
                } else {
                    s.save(&snapshot, now_ms(), &log)
                }
            })
            .await;
        match &saved {
            Ok(()) => {
                self.unsaved.remove(&id);
            }
            Err(_) => {
                self.unsaved.insert(id);
            }
        }
        saved
    }

    /// Says a store failure once: the roster going away is a state (shown until it is back),
    /// anything else an error.
    pub(super) async fn store_failed(
        &mut self,
        session: Option<&str>,
        e: &crate::store::StoreError,
    ) {
        if matches!(e, crate::store::StoreError::Unreachable(_)) {
            if !self.store_down {
                self.store_down = true;
                self.emit(Event::Roster { reachable: false }).await;
            }
            return;
        }
        let message = e.advice();
        if self.said.as_ref() == Some(&message) {
            return;
        }
        self.said = Some(message.clone());
        let session = session.map(str::to_string);
        self.emit(Event::Error { session, message }).await;
    }

    pub(super) async fn emit_history(&mut self) {
        match self.store.call(|s| s.list()).await {
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
        // A late answer for a session this engine let go (deleted, or taken over by another
        // desk) is not news: it must not take the session back.
        if !from_staff && !self.sessions.contains_key(id) {
            tracing::debug!(
                session = id,
                "an answer for a session not held here is ignored"
            );
            return false;
        }
        if let Err(message) = self.ensure_loaded(id).await {
            if from_staff {
                let session = Some(id.to_string());
                self.emit(Event::Refused { session, message }).await;
            }
            return false;
        }
        // Progress is shown, not kept: a restart reads it again.
        let ephemeral = matches!(
            input,
            Input::UploadProgress { .. } | Input::Render(flow::RenderInput::Progress(..))
        );
        let Some(session) = self.sessions.get_mut(id) else {
            return false;
        };
        let before = session.clone();
        match session.apply(input) {
            Ok(mut actions) => {
                session.stamp_approvals(&before, now_ms());
                let mut applied = true;
                if *session == before {
                    return true;
                }
                // What precedes a request that cannot be taken back (a submit, the one-time
                // code) is on disk, synced, before the request leaves.
                let durable = actions.iter().any(|a| {
                    matches!(
                        a,
                        Effect::Submit { .. }
                            | Effect::QueryVerification { .. }
                            | Effect::CreateVideo { .. }
                    )
                });
                let snapshot = session.clone();
                let was_unsaved = self.unsaved.contains(id);
                let saved = if ephemeral {
                    Ok(())
                } else {
                    self.save(snapshot, log, durable).await
                };
                if let Err(e) = saved {
                    if from_staff {
                        // A staff command not saved is not done: roll back, start nothing, and
                        // say so for this session (the roster's banner says why).
                        self.sessions.insert(id.to_string(), before);
                        if !was_unsaved {
                            self.unsaved.remove(id);
                        }
                        let message = match e {
                            crate::store::StoreError::Unreachable(_) => {
                                self.store_failed(Some(id), &e).await;
                                Msg::new("engine-roster-down")
                            }
                            other => other.advice(),
                        };
                        let session = Some(id.to_string());
                        self.emit(Event::Refused { session, message }).await;
                        return false;
                    }
                    if matches!(e, crate::store::StoreError::Conflict(_)) {
                        // Another desk has it now: what arrived here is theirs to learn.
                        self.lost(id.to_string()).await;
                        return false;
                    }
                    self.store_failed(Some(id), &e).await;
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
                if snapshot.at_rest() {
                    self.registry.unregister(id);
                    self.release(id).await;
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
                Effect::CreateVideo { render, .. } => Input::Render(flow::RenderInput::Failed(
                    *render,
                    Msg::new("engine-not-saved"),
                )),
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
}
