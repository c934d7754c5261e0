//! The window's link to its engine: the configuration it starts with, starting and restarting
//! it (off the UI thread, with commands sent meanwhile kept for the new engine), sending
//! commands, and taking its events.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use eframe::egui;
use tokio::sync::mpsc;

use super::jobs::{EngineEvents, JobDone, Jobs};
use crate::engine::{self, CallbackMode, Command, Engine, EngineConfig, Event};
use crate::text::Msg;

/// Changes an engine configuration (tests shorten timers).
pub type Adjust = Arc<dyn Fn(&mut EngineConfig) + Send + Sync>;

pub use crate::config::engine::Setup;

/// Whether a restart is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restarting {
    No,
    Yes,
    /// Settings changed again meanwhile: restart once more when this one is done.
    ThenAgain,
}

/// A command could not reach the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotSent;

/// What a finished restart means for the commands that waited.
#[derive(Debug)]
pub enum Restarted {
    /// Another restart was asked for meanwhile: start it.
    Again,
    /// The new engine is up: these commands go to it now.
    Up(Vec<Command>),
    /// No engine: these commands are dropped.
    Down(Vec<Command>),
}

/// The engine link.
pub struct EngineLink {
    engine: Option<Engine>,
    events: Option<EngineEvents>,
    restarting: Restarting,
    waiting: Vec<Command>,
    /// The listener's address as bound, kept across restarts (a phone may be on its way).
    bound: Option<(IpAddr, u16)>,
    /// Why there is no engine, when there is none.
    pub problem: Option<Msg>,
    adjust: Option<Adjust>,
    wake_cell: Arc<OnceLock<egui::Context>>,
}

impl EngineLink {
    /// A link with no engine yet.
    pub fn new(adjust: Option<Adjust>, wake_cell: Arc<OnceLock<egui::Context>>) -> EngineLink {
        EngineLink {
            engine: None,
            events: None,
            restarting: Restarting::No,
            waiting: Vec::new(),
            bound: None,
            problem: None,
            adjust,
            wake_cell,
        }
    }

    /// The configuration for `setup`, keeping the listener's port across restarts.
    pub fn config(&self, setup: &Setup<'_>) -> Result<EngineConfig, Msg> {
        let mut config = crate::config::engine::build(setup)?;
        if let (CallbackMode::Listen(addr), Some((ip, port))) = (&mut config.callback, self.bound)
            && addr.port() == 0
            && addr.ip() == ip
        {
            addr.set_port(port);
        }
        Ok(config)
    }

    fn wake(&self) -> engine::Wake {
        let cell = self.wake_cell.clone();
        Arc::new(move || {
            if let Some(ctx) = cell.get() {
                ctx.request_repaint();
            }
        })
    }

    /// Starts the engine here and now (before the first frame).
    pub fn start(&mut self, config: Result<EngineConfig, Msg>) {
        let started = start_with(config, self.adjust.clone(), self.wake());
        self.started(started);
    }

    fn started(&mut self, started: Result<(Engine, EngineEvents), Msg>) {
        match started {
            Ok((engine, events)) => {
                self.engine = Some(engine);
                self.events = Some(events);
                self.problem = None;
            }
            Err(why) => self.problem = Some(why),
        }
    }

    /// Whether a restart is under way (commands wait for it).
    pub fn restarting(&self) -> bool {
        self.restarting != Restarting::No
    }

    /// Whether an engine runs (or is being restarted).
    pub fn is_up(&self) -> bool {
        self.engine.is_some() || self.restarting()
    }

    /// Restarts the engine on a job thread: stopping the old one waits for its file reads, and
    /// starting opens the database. Commands sent meanwhile wait for the new engine; work in
    /// flight resumes from the store. `Err` when no thread could start (commands are dropped).
    pub fn restart(
        &mut self,
        jobs: &mut Jobs,
        ctx: &egui::Context,
        config: Result<EngineConfig, Msg>,
    ) -> Result<(), Vec<Command>> {
        if self.restarting() {
            // One restart at a time (both would open the database and the callback port).
            self.restarting = Restarting::ThenAgain;
            return Ok(());
        }
        let old = self.engine.take();
        self.events = None;
        let adjust = self.adjust.clone();
        let wake = self.wake();
        self.restarting = Restarting::Yes;
        let spawned = jobs.spawn("engine-restart", ctx, move || {
            // A panic must still answer, or commands would wait for this engine forever.
            let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                if let Some(old) = old {
                    old.shutdown();
                }
                start_with(config, adjust, wake)
            }))
            .unwrap_or_else(|_| Err(Msg::new("engine-thread-stopped")));
            JobDone::Engine(Box::new(started))
        });
        if spawned {
            return Ok(());
        }
        self.restarting = Restarting::No;
        self.started(Err(Msg::new("engine-thread-stopped")));
        Err(std::mem::take(&mut self.waiting))
    }

    /// A restart finished.
    pub fn restarted(&mut self, started: Result<(Engine, EngineEvents), Msg>) -> Restarted {
        let again = self.restarting == Restarting::ThenAgain;
        self.restarting = Restarting::No;
        self.started(started);
        let waiting = std::mem::take(&mut self.waiting);
        if again {
            self.waiting = waiting;
            Restarted::Again
        } else if self.engine.is_some() {
            Restarted::Up(waiting)
        } else {
            Restarted::Down(waiting)
        }
    }

    /// Sends a command, or keeps it for the engine being restarted.
    pub fn send(&mut self, command: Command) -> Result<(), NotSent> {
        if self.restarting() {
            self.waiting.push(command);
            return Ok(());
        }
        match &self.engine {
            Some(engine) if engine.send(command).is_ok() => Ok(()),
            _ => Err(NotSent),
        }
    }

    /// Events that arrived since the last call. `Ready` also records the listener's address.
    pub fn events(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        if let Some(rx) = &mut self.events {
            while let Ok(e) = rx.try_recv() {
                if let Event::Ready {
                    callback: Some(c), ..
                } = &e
                    && let Some(addr) = c
                        .strip_prefix("http://")
                        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
                {
                    self.bound = Some((addr.ip(), addr.port()));
                }
                out.push(e);
            }
        }
        out
    }

    /// Stops the engine (the window closes).
    pub fn stop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown();
        }
    }
}

/// Starts an engine with `config` after the launch's last word on it.
fn start_with(
    config: Result<EngineConfig, Msg>,
    adjust: Option<Adjust>,
    wake: engine::Wake,
) -> Result<(Engine, mpsc::Receiver<Event>), Msg> {
    let mut config = config?;
    if let Some(adjust) = adjust {
        adjust(&mut config);
    }
    Engine::start(config, wake).map_err(|e| e.advice())
}
