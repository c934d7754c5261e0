//! The async worker: a tokio runtime on its own named thread that takes [`Command`]s, talks to
//! `api/` and `store/`, runs polls and uploads, and emits [`Event`]s. It knows nothing of egui:
//! the GUI passes a wake-up closure that requests a repaint.
//!
//! Every change goes through [`flow::Session::apply`], is saved, and only then announced; the
//! actions it returns are carried out afterwards. On start, unfinished sessions resume from
//! the store.

mod check;
mod ctx;
mod io;
pub mod poll;

mod protocol;

pub use io::parse_source;
pub use poll::PollPolicy;
pub use protocol::{
    CallbackMode, CheckReport, Command, EngineConfig, EngineError, Event, NewAsset, Resume,
};

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use crate::api::Client;
use crate::callback::{CallbackServer, Delivery, Registry};
use crate::flow::{self, Action, Input, Millis, Session};
use crate::store::Store;
use crate::text::Msg;

/// The phone's pages in the person's language, from the translations.
pub fn phone_pages() -> crate::callback::Pages {
    use crate::callback::PageKind;
    Arc::new(|lang, kind| {
        let id = match kind {
            PageKind::Passed => "phone-passed",
            PageKind::NotPassed => "phone-not-passed",
            PageKind::NotAccepted => "phone-not-accepted",
            PageKind::Unknown => "phone-unknown",
        };
        crate::i18n::phone::page(lang, id)
    })
}

/// Called after each event is queued, to wake the front end (the GUI requests a repaint).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// A fresh, unguessable session id.
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The wall clock in milliseconds.
pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// A handle to the running engine. Dropping it stops the engine.
pub struct Engine {
    /// Held for the engine's life (dropped after the thread is joined).
    _lock: crate::store::lock::FolderLock,
    commands: mpsc::Sender<Command>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How many commands or events may wait in a channel.
const CHANNEL_DEPTH: usize = 256;

impl Engine {
    /// Starts the engine thread. Events arrive on the returned receiver; `wake` is called after
    /// each one.
    pub fn start(
        config: EngineConfig,
        wake: Wake,
    ) -> Result<(Engine, mpsc::Receiver<Event>), EngineError> {
        // Before anything else: a second engine on this folder must not send a thing.
        let folder = config
            .db_path
            .parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let lock = crate::store::lock::acquire(&folder, &config.holder)?;
        let client = Client::new(&config.base_url, &config.key, config.client.clone())?;
        let store = Store::open(&config.db_path)?;
        let (cmd_tx, cmd_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (ev_tx, ev_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Result<(), EngineError>>(1);
        let thread = std::thread::Builder::new()
            .name("avatar-engine".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("avatar-engine-rt")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(EngineError::Thread(e.to_string())));
                        return;
                    }
                };
                rt.block_on(async move {
                    let (hit_tx, hit_rx) = mpsc::channel(64);
                    let registry = Registry::new(phone_pages());
                    let server = match &config.callback {
                        CallbackMode::Listen(addr) => {
                            match CallbackServer::start(*addr, registry.clone(), hit_tx).await {
                                Ok(s) => Some(s),
                                Err(source) => {
                                    let _ = ready_tx.send(Err(EngineError::Callback {
                                        addr: *addr,
                                        source,
                                    }));
                                    return;
                                }
                            }
                        }
                        CallbackMode::External(_) => None,
                    };
                    let _ = ready_tx.send(Ok(()));
                    let (internal_tx, internal_rx) = mpsc::channel(CHANNEL_DEPTH);
                    let cache = crate::media::presend::Cache::new(&config.cache_dir);
                    // Copies whose upload URL has expired are of no more use.
                    let swept = cache.sweep(
                        crate::media::presend::KEEP_FOR,
                        std::time::SystemTime::now(),
                    );
                    if swept > 0 {
                        tracing::info!(swept, "old prepared copies removed");
                    }
                    let actor = Actor {
                        upload_slots: Arc::new(Semaphore::new(config.upload_concurrency.max(1))),
                        check_slots: Arc::new(Semaphore::new(config.decode_concurrency.max(1))),
                        cache,
                        late_polls: false,
                        config,
                        client,
                        store,
                        sessions: HashMap::new(),
                        events: ev_tx,
                        wake,
                        internal: internal_tx,
                        registry,
                        callback: server,
                        polling: HashSet::new(),
                        expiry_timers: HashSet::new(),
                    };
                    actor.run(cmd_rx, internal_rx, hit_rx, stop_rx).await;
                });
            })
            .map_err(|e| EngineError::Thread(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                return Err(EngineError::Stopped);
            }
        }
        Ok((
            Engine {
                _lock: lock,
                commands: cmd_tx,
                stop: Some(stop_tx),
                thread: Some(thread),
            },
            ev_rx,
        ))
    }

    /// Queues a command. Fails only when the engine has stopped.
    pub fn send(&self, command: Command) -> Result<(), Command> {
        self.commands.try_send(command).map_err(|e| match e {
            mpsc::error::TrySendError::Full(c) | mpsc::error::TrySendError::Closed(c) => c,
        })
    }

    /// A sender for async front ends (the CLI).
    pub fn sender(&self) -> mpsc::Sender<Command> {
        self.commands.clone()
    }

    /// Stops the engine and waits for its thread. In-flight requests are abandoned; their
    /// sessions resume (honestly) on the next start.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Results of background work, fed back into the actor.
#[derive(Debug)]
enum Internal {
    Input(String, Input, Vec<(String, String)>),
    PollEnded(String),
    Error(Option<String>, Msg),
    Emit(Event),
}

struct Actor {
    config: EngineConfig,
    client: Client,
    store: Store,
    sessions: HashMap<String, Session>,
    events: mpsc::Sender<Event>,
    wake: Wake,
    internal: mpsc::Sender<Internal>,
    registry: Registry,
    callback: Option<CallbackServer>,
    polling: HashSet<String>,
    expiry_timers: HashSet<String>,
    upload_slots: Arc<Semaphore>,
    check_slots: Arc<Semaphore>,
    cache: crate::media::presend::Cache,
    /// Polls started now read tasks created earlier (resume, Refresh): their progress did not
    /// start at 0 when polling started.
    late_polls: bool,
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut internal: mpsc::Receiver<Internal>,
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
                    Internal::Input(id, input, log) => { self.apply(&id, input, log, false).await; }
                    Internal::PollEnded(task) => { self.polling.remove(&task); }
                    Internal::Error(session, message) => self.emit(Event::Error { session, message }).await,
                    Internal::Emit(event) => self.emit(event).await,
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

    async fn emit(&self, event: Event) {
        if self.events.send(event).await.is_ok() {
            (self.wake)();
        }
    }

    /// Loads unfinished sessions and makes their interrupted work honest; returns each with
    /// the actions to carry out once the front end knows the engine is ready.
    async fn resume_all(&mut self) -> Vec<(String, Vec<Action>)> {
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
    fn ensure_loaded(&mut self, id: &str) -> bool {
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

    async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Start {
                id,
                person,
                note,
                consent,
                language,
                project,
            } => {
                if !consent {
                    self.emit(Event::Refused {
                        session: None,
                        message: Msg::new("engine-need-consent"),
                    })
                    .await;
                    return;
                }
                let person = person.trim().to_string();
                if person.is_empty() {
                    self.emit(Event::Refused {
                        session: None,
                        message: Msg::new("engine-need-name"),
                    })
                    .await;
                    return;
                }
                if self.sessions.contains_key(&id) || matches!(self.store.load(&id), Ok(Some(_))) {
                    self.emit(Event::Refused {
                        session: Some(id),
                        message: Msg::new("engine-session-exists"),
                    })
                    .await;
                    return;
                }
                let project = if project.trim().is_empty() {
                    "default".to_string()
                } else {
                    project.trim().to_string()
                };
                let session = Session::new(id.clone(), person, note, project, language, now_ms());
                self.registry.register(&id, language);
                self.sessions.insert(id.clone(), session);
                let log = vec![(
                    "consent".to_string(),
                    "consent recorded; session started".to_string(),
                )];
                self.apply(&id, Input::RequestLink, log, true).await;
            }
            Command::NewLink(id) => {
                // A session that failed verification left the registry; a new code brings it back.
                if self.ensure_loaded(&id)
                    && let Some(s) = self.sessions.get(&id)
                {
                    self.registry.register(&id, s.language);
                }
                self.apply(
                    &id,
                    Input::RequestLink,
                    vec![("new-link".into(), "staff asked for a new code".into())],
                    true,
                )
                .await
            }
            Command::ConfirmPhone(id) => {
                self.apply(
                    &id,
                    Input::StaffConfirmed,
                    vec![(
                        "staff-confirmed".into(),
                        "staff confirmed the phone shows success".into(),
                    )],
                    true,
                )
                .await
            }
            Command::AddAssets(id, list) => {
                let items: Vec<_> = list.into_iter().map(io::resolve).collect();
                let log = vec![(
                    "assets-added".to_string(),
                    format!("{} asset(s) added", items.len()),
                )];
                self.apply(&id, Input::AddAssets(items), log, true).await;
            }
            Command::Remove(id, asset) => {
                self.apply(
                    &id,
                    Input::Remove(asset),
                    vec![("asset-removed".into(), format!("asset {asset} removed"))],
                    true,
                )
                .await
            }
            Command::Submit(id) => {
                self.apply(
                    &id,
                    Input::Submit,
                    vec![("submit".into(), "staff submitted the assets".into())],
                    true,
                )
                .await
            }
            Command::Resubmit(id, asset) => {
                self.apply(
                    &id,
                    Input::Resubmit(asset),
                    vec![("resubmit".into(), format!("asset {asset} resubmitted"))],
                    true,
                )
                .await
            }
            Command::Replace(id, asset, new) => {
                let (name, source, kind) = io::resolve(new);
                let input = Input::Replace {
                    asset,
                    name,
                    source,
                    kind,
                };
                self.apply(
                    &id,
                    input,
                    vec![("replace".into(), format!("asset {asset} replaced"))],
                    true,
                )
                .await;
            }
            Command::Cancel(id) => {
                self.apply(
                    &id,
                    Input::Cancel,
                    vec![("cancelled".into(), "staff cancelled the session".into())],
                    true,
                )
                .await;
                self.registry.unregister(&id);
            }
            Command::Refresh(id) => {
                if !self.ensure_loaded(&id) {
                    self.emit(Event::Refused {
                        session: Some(id),
                        message: Msg::new("engine-no-session"),
                    })
                    .await;
                    return;
                }
                let tasks: Vec<String> = self
                    .sessions
                    .get(&id)
                    .map(|s| s.review_tasks.clone())
                    .unwrap_or_default();
                let actions = tasks
                    .into_iter()
                    .map(|task_id| Action::PollReview { task_id })
                    .collect();
                self.late_polls = true;
                self.run_actions(&id, actions);
                self.late_polls = false;
            }
            Command::List => self.emit_history().await,
            Command::Delete(id) => {
                // The prepared copies of its photos go with it.
                if self.ensure_loaded(&id)
                    && let Some(s) = self.sessions.get(&id)
                {
                    self.cache.remove(&check::hashes_of(s));
                }
                self.sessions.remove(&id);
                self.registry.unregister(&id);
                match self.store.delete(&id, now_ms()) {
                    Ok(_) => self.emit(Event::Deleted(id)).await,
                    Err(e) => {
                        self.emit(Event::Error {
                            session: Some(id),
                            message: e.advice(),
                        })
                        .await
                    }
                }
                self.emit_history().await;
            }
            Command::Check(source) => {
                tokio::spawn(check::check(self.checker(), source, self.internal.clone()));
            }
            Command::TestConnection { base_url, key } => {
                let options = self.config.client.clone();
                tokio::spawn(io::test_connection(
                    base_url,
                    key,
                    options,
                    self.internal.clone(),
                ));
            }
            Command::Get(id) => {
                if self.ensure_loaded(&id) {
                    if let Some(s) = self.sessions.get(&id) {
                        let snapshot = Box::new(s.clone());
                        self.emit(Event::Session(snapshot)).await;
                    }
                } else {
                    self.emit(Event::Refused {
                        session: Some(id),
                        message: Msg::new("engine-no-session"),
                    })
                    .await;
                }
            }
        }
    }

    async fn emit_history(&self) {
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
    async fn apply(
        &mut self,
        id: &str,
        input: Input,
        log: Vec<(String, String)>,
        from_staff: bool,
    ) {
        self.apply_reporting(id, input, log, from_staff).await;
    }

    /// [`Actor::apply`], saying whether the session took the input (and sent what it asked).
    async fn apply_reporting(
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
                    .any(|a| matches!(a, Action::Submit { .. } | Action::QueryVerification { .. }));
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
    fn withhold(&mut self, id: &str, actions: Vec<Action>) -> Vec<Action> {
        let Some(session) = self.sessions.get_mut(id) else {
            return actions;
        };
        let mut kept = Vec::new();
        for action in actions {
            let undo = match &action {
                Action::Submit { assets, .. } => Input::SubmitResult {
                    assets: assets.iter().map(|(a, _)| *a).collect(),
                    outcome: flow::SubmitOutcome::NotSent,
                },
                Action::QueryVerification { .. } => Input::VerificationNotSent {
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
    fn callback_url(&self, session: &str) -> (String, Option<String>) {
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
    fn checker(&self) -> check::Checker {
        check::Checker {
            slots: self.check_slots.clone(),
            cache: self.cache.clone(),
            probe_urls: self.config.probe_urls,
        }
    }

    fn run_actions(&mut self, id: &str, actions: Vec<Action>) {
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
                Action::IssueLink => {
                    let (url, key) = self.callback_url(id);
                    tokio::spawn(io::issue_link(ctx.clone(), url, key, self.config.link_ttl));
                }
                Action::QueryVerification { token } => {
                    tokio::spawn(io::query_verification(ctx.clone(), token));
                }
                Action::FollowVerification { task_id } => {
                    tokio::spawn(io::follow_verification(ctx.clone(), task_id));
                }
                Action::Check { asset, source } => {
                    tokio::spawn(check::check_row(ctx.clone(), self.checker(), asset, source));
                }
                Action::Upload { asset, path, hash } => {
                    tokio::spawn(io::upload(
                        ctx.clone(),
                        self.upload_slots.clone(),
                        self.checker(),
                        asset,
                        path,
                        hash,
                    ));
                }
                Action::Submit { group_id, assets } => {
                    tokio::spawn(io::submit(ctx.clone(), group_id, assets));
                }
                Action::PollReview { task_id } => {
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
