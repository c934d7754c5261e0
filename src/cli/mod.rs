//! The headless front end: the same engine, driven from a terminal or a script.
//!
//! `onboard` takes one person from consent to a finished review; `resume` continues a stored
//! session; `sessions` lists them. With `--json`, every line printed is one JSON object with an
//! `event` field: `link`, `verified`, `uploaded`, `submitted`, `review`, `done`, `error`,
//! `blocked`, `notice`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use serde_json::json;
use tokio::sync::mpsc;

use crate::api::AssetKind;
use crate::engine::{Command, Engine, EngineConfig, Event, NewAsset};
use crate::flow::{AssetSource, AssetState, Session, Stage, TokenState, Verification};
use crate::store::{SessionSummary, Store};
use crate::text::Msg;

/// Exit code: every asset approved.
pub const EXIT_APPROVED: i32 = 0;
/// Exit code: an error stopped the run.
pub const EXIT_ERROR: i32 = 1;
/// Exit code: finished, but some assets failed review or were blocked.
pub const EXIT_PARTLY: i32 = 2;

/// How the phone's success reaches the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// The phone's redirect to our callback listener.
    Callback,
    /// Staff press Enter when the phone shows success.
    Manual,
}

/// A simulated phone for `--demo`: finishes the H5 flow as soon as a link is shown.
pub trait DemoPhone: Send + Sync {
    /// Passes verification for this session task; returns the URL the phone's browser would
    /// open next (the callback URL with the result).
    fn pass(&self, task_id: &str) -> Option<String>;
}

/// What `onboard` and `resume` were asked.
#[derive(Debug, Clone)]
pub struct Drive {
    /// A new person (onboard) or a stored session (resume).
    pub target: Target,
    /// Assets to add, as typed: file paths or http(s) URLs.
    pub assets: Vec<String>,
    /// Forced asset kind.
    pub asset_type: Option<AssetKind>,
    /// How completion is signalled.
    pub confirm: Confirm,
    /// NDJSON output.
    pub json: bool,
    /// New codes issued automatically after expiry, at most.
    pub max_new_codes: u32,
    /// Probe URLs before submitting (off in the demo, whose URLs are imaginary).
    pub check_urls: bool,
}

/// Which session to drive.
#[derive(Debug, Clone)]
pub enum Target {
    /// Start one.
    New {
        /// Person.
        name: String,
        /// Note.
        note: String,
        /// Project.
        project: String,
        /// Language.
        language: crate::api::Language,
    },
    /// Continue one.
    Resume(String),
}

struct Out {
    json: bool,
    tty: bool,
    countdown_shown: bool,
}

impl Out {
    fn event(&mut self, value: serde_json::Value, human: impl FnOnce() -> String) {
        self.clear_countdown();
        if self.json {
            println!("{value}");
        } else {
            println!("{}", human());
        }
        let _ = std::io::stdout().flush();
    }

    fn countdown(&mut self, secs: i64) {
        if self.json || !self.tty {
            return;
        }
        print!("\r  Waiting for the phone… the code expires in {secs:>3} s ");
        let _ = std::io::stdout().flush();
        self.countdown_shown = true;
    }

    fn clear_countdown(&mut self) {
        if self.countdown_shown {
            print!("\r{:60}\r", "");
            self.countdown_shown = false;
        }
    }
}

/// The QR code of `link` as text for a terminal (two modules per character, quiet zone kept).
pub fn terminal_qr(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// Checks every asset before anything is sent, in parallel: local images are prepared (so
/// corrupt, tiny, odd-shaped or duplicate files are caught), URLs are probed. Returns the
/// usable assets and, for the others, what was typed with the reason.
pub async fn precheck(
    raw: &[String],
    forced: Option<AssetKind>,
    check_urls: bool,
) -> (Vec<NewAsset>, Vec<(String, String)>) {
    let http = crate::media::url::probe_client(std::time::Duration::from_secs(15));
    let checks = raw.iter().map(|r| {
        let http = http.clone();
        async move {
            let mut asset = parse_asset(r, forced).map_err(|m| m.english())?;
            match &asset.source {
                AssetSource::File { path } => {
                    let path = path.clone();
                    let prepared = tokio::task::spawn_blocking(move || {
                        let bytes =
                            std::fs::read(&path).map_err(|e| format!("cannot be read: {e}"))?;
                        crate::media::prepare_image(&bytes, &crate::media::Limits::default())
                            .map(|p| p.hash)
                            .map_err(|b| b.advice().english())
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
                    .map_err(|reason| format!("{r}: {reason}"))?;
                    Ok((asset, Some(prepared)))
                }
                AssetSource::Url { url } if check_urls => {
                    let probe =
                        crate::media::url::probe(&http, url, &crate::media::Limits::default())
                            .await
                            .map_err(|p| format!("{r}: {}", p.advice()))?;
                    asset.kind = asset.kind.or(Some(probe.kind));
                    Ok((asset, None))
                }
                AssetSource::Url { .. } => Ok((asset, None)),
            }
        }
    });
    let results: Vec<Result<(NewAsset, Option<String>), String>> =
        futures_util::future::join_all(checks).await;
    let mut ok: Vec<NewAsset> = Vec::new();
    let mut hashes: Vec<(String, String)> = Vec::new();
    let mut blocked = Vec::new();
    for (typed, result) in raw.iter().zip(results) {
        match result {
            Ok((asset, Some(hash))) => {
                if let Some((_, first)) = hashes.iter().find(|(h, _)| *h == hash) {
                    blocked.push((
                        typed.clone(),
                        format!(
                            "{typed}: {}",
                            crate::media::Blocked::Duplicate(first.clone()).advice()
                        ),
                    ));
                } else {
                    hashes.push((hash, typed.clone()));
                    ok.push(asset);
                }
            }
            Ok((asset, None)) => ok.push(asset),
            Err(reason) => blocked.push((typed.clone(), reason)),
        }
    }
    (ok, blocked)
}

/// Turns what was typed into an asset, or the reason it cannot be one.
pub fn parse_asset(raw: &str, kind: Option<AssetKind>) -> Result<NewAsset, Msg> {
    let raw = raw.trim();
    if raw.starts_with("http://") || raw.starts_with("https://") {
        return match url::Url::parse(raw) {
            Ok(u) if u.host().is_some() => Ok(NewAsset {
                name: None,
                source: AssetSource::Url { url: u.to_string() },
                kind,
            }),
            _ => Err(Msg::new("paste-not-web-address").text("text", raw)),
        };
    }
    if raw.contains("://") {
        return Err(Msg::new("paste-not-http").text("text", raw));
    }
    let path = PathBuf::from(raw);
    if !path.is_file() {
        return Err(Msg::new("paste-no-file").text("text", raw));
    }
    if kind == Some(AssetKind::Video) {
        return Err(Msg::new("paste-local-video").text("text", raw));
    }
    let path = path.canonicalize().unwrap_or(path);
    Ok(NewAsset {
        name: None,
        source: AssetSource::File { path },
        kind,
    })
}

fn reason_of(state: &AssetState) -> Option<String> {
    match state {
        AssetState::Uploaded { .. } => {
            Some("Not sent: an earlier request of the same submission failed. Submit again.".into())
        }
        _ => crate::flow::export::problem(state).map(|m| m.english()),
    }
}

fn asset_json(s: &Session) -> serde_json::Value {
    let rows: Vec<_> = s
        .current_assets()
        .map(|a| {
            let asset_url = match &a.state {
                AssetState::Active { asset_url, .. } => Some(asset_url.clone()),
                _ => None,
            };
            json!({ "name": a.name, "status": a.state.word(), "asset_url": asset_url, "reason": reason_of(&a.state) })
        })
        .collect();
    json!(rows)
}

fn table(s: &Session) -> String {
    let mut out = String::new();
    let name_w = s
        .current_assets()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push_str(&format!(
        "  {:name_w$}  {:10}  {}\n",
        "NAME", "STATUS", "ASSET URL / REASON"
    ));
    for a in s.current_assets() {
        let detail = match &a.state {
            AssetState::Active { asset_url, .. } => asset_url.clone(),
            other => reason_of(other).unwrap_or_default(),
        };
        out.push_str(&format!(
            "  {:name_w$}  {:10}  {}\n",
            a.name,
            a.state.word(),
            detail
        ));
    }
    out
}

/// Finished from the CLI's point of view: something was sent and nothing is moving. A row
/// whose request was not sent (an earlier request of the same submit failed) stays as it is.
fn settled(s: &Session) -> bool {
    let resting = |a: &crate::flow::Asset| {
        !a.queued && (a.state.is_settled() || matches!(a.state, AssetState::Uploaded { .. }))
    };
    s.current_assets()
        .any(|a| a.submissions > 0 || a.state.is_settled())
        && s.current_assets().all(resting)
}

/// Runs one session to its end; returns the exit code.
pub async fn drive(config: EngineConfig, drive: Drive, phone: Option<&dyn DemoPhone>) -> i32 {
    let mut out = Out {
        json: drive.json,
        tty: std::io::stdout().is_terminal(),
        countdown_shown: false,
    };
    let (assets, refused) = precheck(&drive.assets, drive.asset_type, drive.check_urls).await;
    let blocked = refused.len();
    for (raw, reason) in refused {
        out.event(
            json!({ "event": "blocked", "asset": raw, "reason": reason }),
            || format!("✗ Skipped {reason}"),
        );
    }
    let mut config = config;
    if let Target::Resume(id) = &drive.target {
        config.resume = crate::engine::Resume::Only(vec![id.clone()]);
    } else {
        config.resume = crate::engine::Resume::Only(vec![]);
    }
    let (engine, mut events) = match Engine::start(config, std::sync::Arc::new(|| {})) {
        Ok(x) => x,
        Err(e) => {
            out.event(
                json!({ "event": "error", "message": e.to_string() }),
                || format!("Error: {e}"),
            );
            return EXIT_ERROR;
        }
    };
    let id = match &drive.target {
        Target::New {
            name,
            note,
            project,
            language,
        } => {
            if assets.is_empty() {
                out.event(
                    json!({ "event": "error", "message": "No usable asset was given." }),
                    || "Error: no usable asset was given.".into(),
                );
                return EXIT_ERROR;
            }
            let id = crate::engine::new_session_id();
            let _ = engine.send(Command::Start {
                id: id.clone(),
                person: name.clone(),
                note: note.clone(),
                consent: true,
                language: *language,
                project: project.clone(),
            });
            id
        }
        Target::Resume(id) => {
            let _ = engine.send(Command::Get(id.clone()));
            id.clone()
        }
    };
    let code = run_loop(
        &engine,
        &mut events,
        &id,
        assets,
        blocked,
        &drive,
        phone,
        &mut out,
    )
    .await;
    engine.shutdown();
    code
}

#[allow(clippy::too_many_arguments)]
async fn run_loop(
    engine: &Engine,
    events: &mut mpsc::Receiver<Event>,
    id: &str,
    mut assets: Vec<NewAsset>,
    blocked: usize,
    drive: &Drive,
    phone: Option<&dyn DemoPhone>,
    out: &mut Out,
) -> i32 {
    let (enter_tx, mut enter_rx) = mpsc::channel::<()>(4);
    if drive.confirm == Confirm::Manual && phone.is_none() {
        // Reading stdin blocks: give it its own named thread.
        let spawned = std::thread::Builder::new()
            .name("avatar-cli-stdin".into())
            .spawn(move || {
                let mut line = String::new();
                while std::io::stdin()
                    .read_line(&mut line)
                    .map(|n| n > 0)
                    .unwrap_or(false)
                {
                    if enter_tx.blocking_send(()).is_err() {
                        break;
                    }
                    line.clear();
                }
            });
        if spawned.is_err() {
            out.event(
                json!({ "event": "error", "message": "could not read the keyboard" }),
                || "Error: could not read the keyboard".into(),
            );
            return EXIT_ERROR;
        }
    }
    let mut shown_link: Option<String> = None;
    let mut new_codes = 0u32;
    let mut submitted_sent = false;
    let mut last_words: HashMap<u32, &'static str> = HashMap::new();
    let mut announced_tasks: Vec<String> = Vec::new();
    let mut announced_uploads: Vec<u32> = Vec::new();
    let mut verified_shown = false;
    let mut current: Option<Session> = None;
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else {
                    out.event(json!({ "event": "error", "message": "the engine stopped" }), || "Error: the engine stopped".into());
                    return EXIT_ERROR;
                };
                match ev {
                    Event::Session(s) if s.id == id => {
                        let s = *s;
                        if let Some(code) = on_session(engine, &s, &mut assets, blocked, drive, phone, out, &mut shown_link, &mut new_codes, &mut submitted_sent, &mut last_words, &mut announced_tasks, &mut announced_uploads, &mut verified_shown) {
                            return code;
                        }
                        current = Some(s);
                    }
                    Event::Refused { session, message } if session.as_deref() == Some(id) || session.is_none() => {
                        if current.is_none() {
                            out.event(json!({ "event": "error", "message": message }), || format!("Error: {message}"));
                            return EXIT_ERROR;
                        }
                        out.event(json!({ "event": "notice", "message": message }), || format!("  {message}"));
                    }
                    Event::Error { session, message } if session.as_deref() == Some(id) || session.is_none() => {
                        out.event(json!({ "event": "error", "message": message }), || format!("Error: {message}"));
                        return EXIT_ERROR;
                    }
                    _ => {}
                }
            }
            Some(()) = enter_rx.recv() => {
                let _ = engine.send(Command::ConfirmPhone(id.to_string()));
            }
            _ = ticker.tick() => {
                if let Some(link) = current.as_ref().and_then(|s| s.link()).filter(|l| l.token_state == TokenState::Waiting) {
                    out.countdown(((link.expires_at - crate::engine::now_ms()) / 1000).max(0));
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn on_session(
    engine: &Engine,
    s: &Session,
    assets: &mut Vec<NewAsset>,
    blocked: usize,
    drive: &Drive,
    phone: Option<&dyn DemoPhone>,
    out: &mut Out,
    shown_link: &mut Option<String>,
    new_codes: &mut u32,
    submitted_sent: &mut bool,
    last_words: &mut HashMap<u32, &'static str>,
    announced_tasks: &mut Vec<String>,
    announced_uploads: &mut Vec<u32>,
    verified_shown: &mut bool,
) -> Option<i32> {
    let id = s.id.clone();
    match &s.verification {
        Verification::NotStarted => {
            if let Some(err) = &s.last_error {
                out.event(json!({ "event": "error", "message": err }), || {
                    format!("Error: {err}")
                });
                return Some(EXIT_ERROR);
            }
            let _ = engine.send(Command::NewLink(id));
            return None;
        }
        Verification::Failed { reason } => {
            out.event(json!({ "event": "error", "message": format!("Verification did not pass: {reason}") }), || {
                format!("✗ Verification did not pass: {reason}")
            });
            return Some(EXIT_ERROR);
        }
        Verification::Link(link) => {
            match &link.token_state {
                TokenState::Waiting if shown_link.as_deref() != Some(link.task_id.as_str()) => {
                    *shown_link = Some(link.task_id.clone());
                    let expires = link.expires_at;
                    let h5 = link.h5_link.clone();
                    out.event(json!({ "event": "link", "h5_link": h5, "expires_at": expires }), || {
                        let qr = terminal_qr(&h5).unwrap_or_default();
                        let how = match drive.confirm {
                            Confirm::Callback => "The app continues by itself when the phone finishes.",
                            Confirm::Manual => "Press Enter when the phone shows success.",
                        };
                        format!(
                            "{qr}\nScan with the person's phone (they may need to sign in to a ByteDance/BytePlus account, then follow the face check in good light).\n{h5}\n{how}"
                        )
                    });
                    if let Some(phone) = phone
                        && let Some(url) = phone.pass(&link.task_id)
                    {
                        out.event(json!({ "event": "notice", "message": "demo: the simulated phone passed" }), || "  demo: the simulated phone passed".into());
                        match drive.confirm {
                            Confirm::Callback => {
                                tokio::spawn(async move {
                                    let _ = reqwest::get(url).await;
                                });
                            }
                            Confirm::Manual => {
                                let _ = engine.send(Command::ConfirmPhone(id));
                            }
                        }
                    }
                }
                TokenState::Expired | TokenState::Spent { .. } => {
                    if *new_codes >= drive.max_new_codes {
                        out.event(json!({ "event": "error", "message": "The code expired too many times." }), || "Error: the code expired too many times.".into());
                        return Some(EXIT_ERROR);
                    }
                    *new_codes += 1;
                    out.event(json!({ "event": "notice", "message": "The code expired or was used up; issuing a new one." }), || {
                        "  The code expired or was used up; issuing a new one.".into()
                    });
                    let _ = engine.send(Command::NewLink(id));
                }
                _ => {}
            }
            return None;
        }
        Verification::Issuing | Verification::Following { .. } => return None,
        Verification::Verified { group_id } => {
            if !*verified_shown {
                *verified_shown = true;
                out.event(json!({ "event": "verified", "group_id": group_id }), || {
                    format!("✓ Verified (group {group_id})")
                });
            }
        }
    }
    if s.cancelled {
        out.event(
            json!({ "event": "error", "message": "The session was cancelled." }),
            || "Error: the session was cancelled.".into(),
        );
        return Some(EXIT_ERROR);
    }
    if !assets.is_empty() {
        let _ = engine.send(Command::AddAssets(id.clone(), std::mem::take(assets)));
        return None;
    }
    let unsent = s.current_assets().any(|a| {
        a.submissions == 0
            && !a.queued
            && matches!(a.state, AssetState::Staged | AssetState::Uploaded { .. })
    });
    if unsent && !*submitted_sent {
        *submitted_sent = true;
        let _ = engine.send(Command::Submit(id.clone()));
        return None;
    }
    if s.current_assets().next().is_none() {
        out.event(
            json!({ "event": "error", "message": "There is nothing to submit." }),
            || "Error: there is nothing to submit.".into(),
        );
        return Some(EXIT_ERROR);
    }
    // Report what changed.
    let mut review_changed = false;
    for a in s.current_assets() {
        let word = a.state.word();
        if last_words.get(&a.id) == Some(&word) {
            continue;
        }
        last_words.insert(a.id, word);
        let uploaded_url = match &a.state {
            AssetState::Uploaded { url }
            | AssetState::Submitting { url }
            | AssetState::Submitted { url, .. } => Some(url),
            _ => None,
        };
        if let (Some(url), AssetSource::File { .. }) = (uploaded_url, &a.source)
            && !announced_uploads.contains(&a.id)
        {
            announced_uploads.push(a.id);
            out.event(
                json!({ "event": "uploaded", "name": a.name, "url": url }),
                || format!("↑ Uploaded {}", a.name),
            );
        }
        match &a.state {
            AssetState::Submitted { task_id, .. } if !announced_tasks.contains(task_id) => {
                announced_tasks.push(task_id.clone());
                let names: Vec<&str> = s
                    .current_assets()
                    .filter(|x| matches!(&x.state, AssetState::Submitted { task_id: t, .. } if t == task_id))
                    .map(|x| x.name.as_str())
                    .collect();
                out.event(
                    json!({ "event": "submitted", "task_id": task_id, "assets": names }),
                    || {
                        format!(
                            "→ Submitted {} asset(s) for review (task {task_id})",
                            names.len()
                        )
                    },
                );
            }
            AssetState::Active { .. }
            | AssetState::Failed { .. }
            | AssetState::Refused { .. }
            | AssetState::Uncertain { .. }
            | AssetState::UploadFailed { .. } => {
                review_changed = true;
            }
            _ => {}
        }
    }
    if review_changed {
        out.event(
            json!({ "event": "review", "assets": asset_json(s) }),
            || {
                let done = s.current_assets().filter(|a| a.state.is_settled()).count();
                format!("  Review: {done} of {} settled", s.current_assets().count())
            },
        );
    }
    if settled(s) {
        let active = s
            .current_assets()
            .filter(|a| matches!(a.state, AssetState::Active { .. }))
            .count();
        let total = s.current_assets().count();
        let all = active == total && blocked == 0;
        let stage = if all {
            Stage::FinishedAllApproved
        } else {
            s.stage()
        };
        out.event(
            json!({ "event": "done", "session": s.id, "stage": stage.word(), "approved": active, "failed": total - active, "blocked": blocked, "assets": asset_json(s) }),
            || format!("\n{}\n{active} of {total} approved{}.", table(s), if blocked > 0 { format!(", {blocked} skipped") } else { String::new() }),
        );
        return Some(if all { EXIT_APPROVED } else { EXIT_PARTLY });
    }
    None
}

/// `avatar-kiosk sessions`: every stored session, newest first.
pub fn list_sessions(store: &Store, json: bool) -> Vec<String> {
    let rows: Vec<SessionSummary> = match store.list() {
        Ok(r) => r,
        Err(e) => return vec![format!("Error: {}", e.advice())],
    };
    if json {
        return rows
            .iter()
            .map(|r| {
                json!({ "id": r.id, "person": r.person, "created_at": r.created_at, "stage": r.stage,
                        "approved": r.active, "failed": r.failed, "total": r.total })
                .to_string()
            })
            .collect();
    }
    let mut lines = vec![format!(
        "{:32}  {:16}  {:>5}  {:>6}  {:>5}  PERSON",
        "ID", "STAGE", "TOTAL", "ACTIVE", "FAILED"
    )];
    for r in rows {
        lines.push(format!(
            "{:32}  {:16}  {:>5}  {:>6}  {:>5}  {}",
            r.id, r.stage, r.total, r.active, r.failed, r.person
        ));
    }
    lines
}
