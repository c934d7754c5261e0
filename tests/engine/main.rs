//! The engine against the simulator over real loopback HTTP: the whole flow through the
//! callback and by hand, expiry, failure, partial review and replacement, a crash mid-review,
//! fault storms, and what the database may never hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod bucket;
mod camera;
mod cli;
mod command_line;
mod flows;
mod hardening;
mod media_urls;
mod retention;
mod returning;
mod roster;
mod trust;
mod videos;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use avatar_kiosk::api::{ApiKey, ClientOptions, Language, RetryPolicy};
use avatar_kiosk::engine::{
    CallbackMode, Command, Engine, EngineConfig, Event, PollPolicy, Resume, new_session_id,
};
use avatar_kiosk::flow::{Session, Stage};
use avatar_kiosk::sim::Simulator;
use tokio::sync::mpsc;

/// A key distinctive enough to find in a byte scan.
pub const KEY: &str = "sk-test-0123456789-SECRET-abcdef";

/// How long any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct Running {
    pub engine: Engine,
    pub events: mpsc::Receiver<Event>,
    pub callback: Option<String>,
    pub resumed: Vec<String>,
}

pub fn config(sim: &Simulator, db: &Path) -> EngineConfig {
    let mut c = EngineConfig::new(db.to_path_buf(), &sim.base_url(), ApiKey::new(KEY));
    c.callback = CallbackMode::Listen(SocketAddr::from(([127, 0, 0, 1], 0)));
    c.client = ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        upload_timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(80),
            max_retry_after: Duration::from_secs(5),
        },
    };
    c.poll = PollPolicy {
        initial: Duration::from_millis(20),
        factor: 1.5,
        max: Duration::from_millis(200),
        deadline: Duration::from_secs(60),
    };
    c.resume = Resume::All;
    // The tests' URLs are imaginary; probing is tested against a local server (media_urls).
    c.probe_urls = false;
    c
}

pub async fn start(config: EngineConfig) -> Running {
    let (engine, mut events) = Engine::start(config, Arc::new(|| {})).unwrap();
    let ready = tokio::time::timeout(DEADLINE, events.recv())
        .await
        .unwrap()
        .unwrap();
    let Event::Ready { callback, resumed } = ready else {
        panic!("expected Ready, got {ready:?}");
    };
    Running {
        engine,
        events,
        callback,
        resumed,
    }
}

impl Running {
    /// Starts a session in `language` and returns its id.
    pub fn begin(&self, person: &str, language: Language) -> String {
        let id = new_session_id();
        self.engine
            .send(Command::Start {
                id: id.clone(),
                person: person.into(),
                note: String::new(),
                consent: avatar_kiosk::engine::Consent::Staff,
                language,
                project: "default".into(),
            })
            .unwrap();
        id
    }

    /// Waits for a snapshot of `id` that satisfies `pred`. Errors and refusals are collected
    /// and shown if the wait fails.
    pub async fn until(
        &mut self,
        id: &str,
        what: &str,
        pred: impl Fn(&Session) -> bool,
    ) -> Session {
        let mut last: Option<Session> = None;
        let mut notes = Vec::new();
        let wait = async {
            while let Some(ev) = self.events.recv().await {
                match ev {
                    Event::Session(s) if s.id == id => {
                        if pred(&s) {
                            return Some(*s);
                        }
                        last = Some(*s);
                    }
                    Event::Error { message, .. } | Event::Refused { message, .. } => {
                        notes.push(message)
                    }
                    _ => {}
                }
            }
            None
        };
        match tokio::time::timeout(DEADLINE, wait).await {
            Ok(Some(s)) => s,
            _ => panic!("timed out waiting for {what}; last state {last:#?}; messages {notes:?}"),
        }
    }

    pub async fn stage(&mut self, id: &str, stage: Stage) -> Session {
        self.until(id, &format!("{stage:?}"), |s| s.stage() == stage)
            .await
    }
}

/// A real 400x500 PNG whose pixels depend on the name (so no two are duplicates).
pub fn png_file(dir: &Path, name: &str) -> PathBuf {
    let seed = name
        .bytes()
        .fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    let img = image::RgbImage::from_fn(400, 500, |x, y| {
        image::Rgb([seed, (x % 256) as u8, (y % 256) as u8])
    });
    let p = dir.join(name);
    img.save_with_format(&p, image::ImageFormat::Png).unwrap();
    p
}
