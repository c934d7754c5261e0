//! The headless front end: the same engine, driven from a terminal or a script.
//!
//! `onboard` takes one person from consent to a finished review; `resume` continues a stored
//! session; `sessions` lists them. With `--json`, every line printed is one JSON object with an
//! `event` field: `link`, `verified`, `uploaded`, `submitted`, `review`, `done`, `error`,
//! `blocked`, `notice`.

use std::collections::HashMap;
use std::io::IsTerminal;

use serde_json::json;
use tokio::sync::mpsc;

use crate::api::AssetKind;
use crate::engine::{Command, Engine, EngineConfig, Event, Resume};
use crate::flow::{AssetSource, AssetState, Check, Session, Stage, TokenState, Verification};
use crate::store::{SessionStore, SessionSummary};

pub mod args;
pub mod audit;
pub mod camera;
pub mod command;
pub mod out;
pub mod pin;
pub mod receipt;
mod report;
pub mod retention;
mod returning;
pub mod roster;

use report::*;
pub use report::{list_sessions, terminal_qr};
pub use returning::{RenderRun, list_assets, list_people, render};

/// Exit code: every asset approved.
pub const EXIT_APPROVED: i32 = 0;
/// Exit code: an error stopped the run.
pub const EXIT_ERROR: i32 = 1;
/// Exit code: finished, but some assets failed review or were blocked.
pub const EXIT_PARTLY: i32 = 2;
/// Exit code: another engine (the window, another command) has this data folder.
pub const EXIT_BUSY: i32 = 3;

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
    /// Probe URLs before submitting (as a real run does, in the demo too).
    pub check_urls: bool,
    /// Fix local videos that break a limit (ffmpeg), sending the fixed copy.
    pub fix_videos: bool,
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
    /// Add the assets to a verified person's session: the same group, no new verification.
    Add(String),
}

/// Finished from the CLI's point of view: every check is done, nothing is moving, and
/// something was sent (or nothing can be). A row whose request was not sent (an earlier request
/// of the same submit failed) stays as it is; a blocked row waits for staff.
fn settled(s: &Session) -> bool {
    let resting = |a: &crate::flow::Asset| {
        !a.queued
            && (a.state.is_settled()
                || a.is_held()
                || matches!(a.state, AssetState::Uploaded { .. }))
    };
    let sent = s
        .current_assets()
        .any(|a| a.submissions > 0 || a.state.is_settled());
    s.current_assets().all(|a| a.check != Check::Pending)
        && s.current_assets().all(resting)
        && (sent || s.current_assets().all(|a| a.is_held()))
}

/// Says that the person is verified; `add` says that the person was, on an earlier visit
/// (nothing is verified again).
fn said_verified(s: &Session, group_id: &str, drive: &Drive, out: &mut Out) {
    let returning = matches!(drive.target, Target::Add(_));
    out.event(json!({ "event": "verified", "group_id": group_id }), || {
        if returning {
            let person = clean(&s.person);
            format!("✓ Adding to the verified person {person} (group {group_id})")
        } else {
            format!("✓ Verified (group {group_id})")
        }
    });
}

/// What has been said already, so each thing is said once.
#[derive(Default)]
struct Seen {
    link: Option<String>,
    new_codes: u32,
    submit_sent: bool,
    words: HashMap<u32, &'static str>,
    tasks: Vec<String>,
    uploads: Vec<u32>,
    blocked: Vec<u32>,
    verified: bool,
    /// `add`: the assets still to add once the session is read, and the first new row's id
    /// (only rows from it on are reported and judged).
    to_add: Option<Vec<crate::engine::NewAsset>>,
    from: Option<crate::flow::AssetId>,
}

/// `--fix-videos`: each local video that breaks a limit ffmpeg can mend is replaced in `typed`
/// by its fixed copy (the first 14.9 s) in `dir`; one that cannot be fixed stays, and its row
/// says why.
async fn fix_videos(
    typed: &mut [String],
    kind: Option<crate::api::AssetKind>,
    dir: &std::path::Path,
    out: &mut Out,
) {
    for raw in typed.iter_mut() {
        let path = std::path::PathBuf::from(raw.as_str());
        // The kind the row will have: `--asset-type`, else the ending (as the engine decides).
        let kind = kind.or_else(|| crate::media::kind_from_ending(raw));
        if !path.is_file() || kind != Some(crate::api::AssetKind::Video) {
            continue;
        }
        let (source, dir) = (path.clone(), dir.to_path_buf());
        let fixed =
            tokio::task::spawn_blocking(move || crate::media::fix::fix_if_needed(&source, 0, &dir))
                .await;
        match fixed {
            Ok(Ok(Some(copy))) => {
                let shown = copy.display().to_string();
                out.event(
                    json!({ "event": "video_fixed", "asset": raw.as_str(), "fixed": shown }),
                    || format!("✓ Fixed {raw}: sending {shown}"),
                );
                *raw = shown;
            }
            Ok(Err(why)) => {
                let reason = clean(&why.english());
                out.event(
                    json!({ "event": "video_not_fixed", "asset": raw.as_str(), "reason": reason }),
                    || format!("✗ Not fixed {raw}: {reason}"),
                );
            }
            Ok(Ok(None)) => {}
            Err(e) => tracing::warn!("the fix of {raw} stopped: {e}"),
        }
    }
}

/// The assets as typed (fixed first with `--fix-videos`), and how many cannot even be an asset
/// (a missing file, not a web address): those are said at once; the rest is checked by the
/// engine while the person is on the phone.
async fn typed_assets(
    drive: &Drive,
    fixed_dir: &std::path::Path,
    out: &mut Out,
) -> (Vec<crate::engine::NewAsset>, usize) {
    let mut assets = Vec::new();
    let mut unusable = 0;
    let mut typed = drive.assets.clone();
    if drive.fix_videos {
        fix_videos(&mut typed, drive.asset_type, fixed_dir, out).await;
    }
    for raw in &typed {
        match crate::engine::parse_source(raw, drive.asset_type) {
            Ok(a) => assets.push(a),
            Err(why) => {
                unusable += 1;
                let reason = clean(&why.english());
                out.event(
                    json!({ "event": "blocked", "asset": raw, "reason": reason }),
                    || format!("✗ Skipped {reason}"),
                );
            }
        }
    }
    (assets, unusable)
}

/// Runs one session to its end; returns the exit code.
pub async fn drive(config: EngineConfig, drive: Drive, phone: Option<&dyn DemoPhone>) -> i32 {
    let mut out = Out::new(drive.json);
    let (mut assets, unusable) = typed_assets(&drive, &config.fixed_dir, &mut out).await;
    let mut config = config;
    config.probe_urls = drive.check_urls;
    (config.resume, config.holder) = match &drive.target {
        Target::Resume(id) => (
            Resume::Only(vec![id.clone()]),
            format!("avatar-kiosk resume {id}"),
        ),
        Target::Add(id) => (
            Resume::Only(vec![id.clone()]),
            format!("avatar-kiosk add {id}"),
        ),
        Target::New { .. } => (Resume::Only(vec![]), "avatar-kiosk onboard".to_string()),
    };
    if matches!(drive.target, Target::New { .. } | Target::Add(_)) && assets.is_empty() {
        out.event(
            json!({ "event": "error", "message": "No usable asset was given." }),
            || "Error: no usable asset was given.".into(),
        );
        return EXIT_ERROR;
    }
    let (engine, mut events) = match Engine::start(config, std::sync::Arc::new(|| {})) {
        Ok(x) => x,
        Err(e) => {
            let holder = match &e {
                crate::engine::EngineError::Busy(crate::store::lock::LockError::Held {
                    holder,
                }) => Some(holder.clone()),
                _ => None,
            };
            out.event(
                json!({ "event": "error", "message": e.to_string(), "holder": holder }),
                || format!("Error: {e}"),
            );
            return if holder.is_some() {
                EXIT_BUSY
            } else {
                EXIT_ERROR
            };
        }
    };
    let id = match &drive.target {
        Target::New {
            name,
            note,
            project,
            language,
        } => {
            let id = crate::engine::new_session_id();
            // The code first; the assets right behind it, checked and uploaded meanwhile.
            let _ = engine.send(Command::Start {
                id: id.clone(),
                person: name.clone(),
                note: note.clone(),
                // Running the command is the staff's attestation (no person's screen here).
                consent: crate::engine::Consent::Staff,
                language: *language,
                project: project.clone(),
            });
            let _ = engine.send(Command::AddAssets(id.clone(), std::mem::take(&mut assets)));
            id
        }
        // `add` reads first: the rows already there are not this run's to report or judge.
        Target::Resume(id) | Target::Add(id) => {
            let _ = engine.send(Command::Get(id.clone()));
            id.clone()
        }
    };
    let mut seen = Seen::default();
    if matches!(drive.target, Target::Add(_)) {
        seen.to_add = Some(assets);
    }
    let code = run_loop(
        &engine,
        &mut events,
        &id,
        unusable,
        &drive,
        phone,
        &mut out,
        seen,
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
    unusable: usize,
    drive: &Drive,
    phone: Option<&dyn DemoPhone>,
    out: &mut Out,
    mut seen: Seen,
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
                        let s = match adding(engine, *s, out, &mut seen) {
                            Ok(Some(s)) => s,
                            Ok(None) => continue,
                            Err(code) => return code,
                        };
                        if let Some(code) = on_session(engine, &s, unusable, drive, phone, out, &mut seen) {
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

/// For `add`: on the first snapshot, checks that the person is verified and adds the assets;
/// then returns the session as this run sees it (only the rows it added; `None` until they are
/// there). Other commands see the session whole.
fn adding(
    engine: &Engine,
    mut s: Session,
    out: &mut Out,
    seen: &mut Seen,
) -> Result<Option<Session>, i32> {
    if let Some(assets) = seen.to_add.take() {
        if s.group_id().is_none() {
            let message = "This session's person is not verified: finish it with `resume`, or onboard the person.";
            out.event(json!({ "event": "error", "message": message }), || {
                format!("Error: {message}")
            });
            return Err(EXIT_ERROR);
        }
        seen.from = Some(s.next_asset_id);
        seen.tasks = s.review_tasks.clone();
        let _ = engine.send(Command::AddAssets(s.id.clone(), assets));
    }
    if let Some(from) = seen.from {
        s.assets.retain(|a| a.id >= from);
        if s.assets.is_empty() {
            return Ok(None);
        }
    }
    Ok(Some(s))
}

/// Follows the link: shows each new code, lets the demo phone finish, asks for a new code
/// when one expires. `Some(code)` ends the run.
fn on_link(
    engine: &Engine,
    s: &Session,
    link: &crate::flow::Link,
    drive: &Drive,
    phone: Option<&dyn DemoPhone>,
    out: &mut Out,
    seen: &mut Seen,
) -> Option<i32> {
    let id = s.id.clone();
    match &link.token_state {
        TokenState::Waiting if seen.link.as_deref() != Some(link.task_id.as_str()) => {
            seen.link = Some(link.task_id.clone());
            let expires = link.expires_at;
            let h5 = link.h5_link.clone();
            out.event(json!({ "event": "link", "h5_link": h5, "expires_at": expires }), || {
                let qr = terminal_qr(&h5).unwrap_or_default();
                let how = match drive.confirm {
                    Confirm::Callback => "The app continues by itself when the phone finishes.",
                    Confirm::Manual => "Press Enter when the phone shows success.",
                };
                format!(
                    "{qr}\nScan with the person's phone (they may need to sign in to a ByteDance/BytePlus account, then follow the face check in good light).\n{}\n{how}",
                    clean(&h5)
                )
            });
            if let Some(phone) = phone
                && let Some(url) = phone.pass(&link.task_id)
            {
                out.event(
                    json!({ "event": "notice", "message": "demo: the simulated phone passed" }),
                    || "  demo: the simulated phone passed".into(),
                );
                match drive.confirm {
                    Confirm::Callback => {
                        tokio::spawn(async move {
                            if let Err(e) = crate::sim::open_redirect(&url).await {
                                tracing::warn!("{e}");
                            }
                        });
                    }
                    Confirm::Manual => {
                        let _ = engine.send(Command::ConfirmPhone(id));
                    }
                }
            }
        }
        TokenState::Expired | TokenState::Spent { .. } => {
            if seen.new_codes >= drive.max_new_codes {
                out.event(
                    json!({ "event": "error", "message": "The code expired too many times." }),
                    || "Error: the code expired too many times.".into(),
                );
                return Some(EXIT_ERROR);
            }
            seen.new_codes += 1;
            out.event(json!({ "event": "notice", "message": "The code expired or was used up; issuing a new one." }), || {
                "  The code expired or was used up; issuing a new one.".into()
            });
            let _ = engine.send(Command::NewLink(id));
        }
        _ => {}
    }
    None
}

fn on_session(
    engine: &Engine,
    s: &Session,
    unusable: usize,
    drive: &Drive,
    phone: Option<&dyn DemoPhone>,
    out: &mut Out,
    seen: &mut Seen,
) -> Option<i32> {
    let id = s.id.clone();
    report_rows(s, out, seen);
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
        Verification::Link(link) => return on_link(engine, s, link, drive, phone, out, seen),
        Verification::Issuing | Verification::Following { .. } => return None,
        Verification::Verified { group_id } => {
            if !seen.verified {
                seen.verified = true;
                said_verified(s, group_id, drive, out);
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
    // Rows the first round did not carry (a resumed session) are submitted once.
    let unsent = s.current_assets().any(|a| {
        a.submissions == 0
            && !a.queued
            && !a.is_blocked()
            && matches!(a.state, AssetState::Staged | AssetState::Uploaded { .. })
    });
    if unsent && !seen.submit_sent {
        seen.submit_sent = true;
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
    report_review(s, out, seen);
    if settled(s)
        && let Some(message) = s.current_assets().find_map(|a| match &a.state {
            AssetState::Refused { reason } if reason.id() == "api-group-retired" => {
                Some(reason.english())
            }
            _ => None,
        })
    {
        let message = format!(
            "{} Verify the person again: avatar-kiosk onboard --name \"{}\" ...",
            clean(&message),
            clean(&s.person)
        );
        out.event(
            json!({ "event": "error", "message": message, "verify_again": true }),
            || format!("Error: {message}"),
        );
        return Some(EXIT_ERROR);
    }
    if settled(s) {
        let active = s
            .current_assets()
            .filter(|a| matches!(a.state, AssetState::Active { .. }))
            .count();
        let held = s.current_assets().filter(|a| a.is_held()).count();
        let total = s.current_assets().count();
        let blocked = unusable + held;
        let all = active == total && blocked == 0;
        let stage = if all {
            Stage::FinishedAllApproved
        } else {
            s.stage()
        };
        out.event(
            json!({ "event": "done", "session": s.id, "stage": stage.word(), "approved": active, "failed": total - active - held, "blocked": blocked, "assets": asset_json(s) }),
            || format!("\n{}\n{active} of {} approved{}.", table(s), total - held, if blocked > 0 { format!(", {blocked} skipped") } else { String::new() }),
        );
        return Some(if all { EXIT_APPROVED } else { EXIT_PARTLY });
    }
    None
}
