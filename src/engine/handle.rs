//! The handle a front end holds: starts the engine's thread and runtime, sends commands,
//! stops it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use super::actor::Actor;
use super::{CallbackMode, Command, EngineConfig, EngineError, Event, Wake, phone_pages};
use crate::api::Client;
use crate::callback::{CallbackServer, Registry};
use crate::store::{SessionStore, Store};

/// A handle to the running engine. Dropping it stops the engine.
pub struct Engine {
    /// Held for the engine's life (dropped after the thread is joined).
    _lock: crate::store::lock::FolderLock,
    commands: mpsc::Sender<Command>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
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
        let folder = config
            .db_path
            .parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let lock = crate::store::lock::acquire(&folder, &config.holder)?;
        let client = Client::new(&config.base_url, &config.key, config.client.clone())?;
        let store: Box<dyn SessionStore> = Box::new(Store::open(&config.db_path)?);
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
                    let swept = cache.sweep(crate::media::presend::KEEP_FOR, crate::clock::now());
                    if swept > 0 {
                        tracing::info!(swept, "old prepared copies removed");
                    }
                    let actor = Actor {
                        upload_slots: Arc::new(Semaphore::new(config.upload_concurrency.max(1))),
                        check_slots: Arc::new(Semaphore::new(config.decode_concurrency.max(1))),
                        cache,
                        probe_http: config
                            .probe_urls
                            .then(|| crate::api::http::for_probing(PROBE_TIMEOUT)),
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
