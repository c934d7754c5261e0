//! The handle a front end holds: starts the engine's thread and runtime, sends commands,
//! stops it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use super::actor::Actor;
use super::stored::StoreLink;
use super::{CallbackMode, Command, EngineConfig, EngineError, Event, Stop, Wake, phone_pages};
use crate::api::Client;
use crate::callback::{CallbackServer, Registry};
use crate::store::{Lease, PgStore, SessionStore, Store};

/// A handle to the running engine. Dropping it stops the engine.
pub struct Engine {
    /// Held for the engine's life (dropped after the thread is joined).
    _lock: crate::store::lock::FolderLock,
    commands: mpsc::Sender<Command>,
    stop: Option<tokio::sync::oneshot::Sender<Stop>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How many commands or events may wait in a channel.
/// How long reading the start of a URL may take before it is sent.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

pub(super) const CHANNEL_DEPTH: usize = 256;

impl Engine {
    /// Starts the engine thread. Events arrive on the returned receiver; `wake` is called after
    /// each one.
    pub fn start(
        config: EngineConfig,
        wake: Wake,
    ) -> Result<(Engine, mpsc::Receiver<Event>), EngineError> {
        // Before anything else: a second engine on this folder must not send a thing.
        let lock = crate::store::lock::acquire(&folder_of(&config), &config.holder)?;
        let client = Client::new(&config.base_url, &config.key, config.client.clone())?;
        let store = open_store(&config)?;
        let shared = store.is_shared();
        let store = StoreLink::start(store).map_err(|e| EngineError::Thread(e.to_string()))?;
        let (cmd_tx, cmd_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (ev_tx, ev_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Result<(), EngineError>>(1);
        let thread = std::thread::Builder::new()
            .name("avatar-engine".into())
            .spawn(move || {
                let config = with_bucket(config);
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
                    let cache = swept_cache(&config.cache_dir);
                    let actor = Actor {
                        upload_slots: Arc::new(Semaphore::new(config.upload_concurrency.max(1))),
                        check_slots: Arc::new(Semaphore::new(config.decode_concurrency.max(1))),
                        cache,
                        own: own_files(&config),
                        probe_http: config
                            .probe_urls
                            .then(|| crate::api::http::for_probing(PROBE_TIMEOUT)),
                        download_http: crate::api::http::for_download(
                            config.client.connect_timeout,
                        ),
                        late_polls: false,
                        config,
                        client,
                        store,
                        shared,
                        store_down: false,
                        unsaved: HashSet::new(),
                        said: None,
                        resume_again: false,
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

    /// Stops the engine as if its process had died: the sessions it drives stay leased to it
    /// until their leases lapse. For tests of another desk taking over.
    #[doc(hidden)]
    pub fn crash(mut self) {
        self.stop_with(Stop { release: false });
    }

    fn stop_now(&mut self) {
        self.stop_with(Stop { release: true });
    }

    fn stop_with(&mut self, how: Stop) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(how);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The cache of prepared copies, without those whose upload URL has expired (of no more use).
fn swept_cache(dir: &std::path::Path) -> crate::media::presend::Cache {
    let cache = crate::media::presend::Cache::new(dir);
    let swept = cache.sweep(crate::media::presend::KEEP_FOR, crate::clock::now());
    if swept > 0 {
        tracing::info!(swept, "old prepared copies removed");
    }
    cache
}

/// The file in the data folder, or the studio's shared roster. With the file, the folder lock
/// already makes this engine the only writer, so its lease owner is the same on every start
/// (a restart after a crash takes up its sessions at once).
fn open_store(config: &EngineConfig) -> Result<Box<dyn SessionStore>, EngineError> {
    use secrecy::ExposeSecret;
    Ok(match &config.roster {
        Some(url) => {
            let lease = Lease::new(&config.kiosk, config.lease);
            Box::new(PgStore::new(url.expose_secret(), lease)?)
        }
        None => {
            let lease = Lease::folder(&config.kiosk, config.lease);
            Box::new(Store::open(&config.db_path)?.with_lease(lease))
        }
    })
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

/// The studio's bucket with its keys, read on the engine's thread before its runtime: never on
/// the caller's thread (the window's), never inside async code.
fn with_bucket(mut config: EngineConfig) -> EngineConfig {
    if let Some(place) = config.bucket_place.take() {
        config.bucket = crate::secrets::bucket(&place, config.secrets.bucket_keys.as_ref());
    }
    config
}

/// The record of the files staff picked at this desk; rows from this desk's own file need
/// none (only a shared roster holds rows other desks wrote).
fn own_files(config: &EngineConfig) -> Arc<crate::store::OwnFiles> {
    Arc::new(crate::store::OwnFiles::open(
        &folder_of(config),
        config.roster.is_none(),
    ))
}

/// The data folder: the database's.
fn folder_of(config: &EngineConfig) -> PathBuf {
    config
        .db_path
        .parent()
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}
