//! The headless front end: the same engine, driven from a terminal or a script.
//!
//! `onboard` takes one person from consent to a finished review; `resume` continues a stored
//! session; `sessions` lists them. With `--json`, every line printed is one JSON object with an
//! `event` field: `link`, `verified`, `uploaded`, `submitted`, `review`, `done`, `error`,
//! `blocked`, `notice`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use serde_json::json;
use tokio::sync::mpsc;

use crate::api::AssetKind;
use crate::engine::{Command, Engine, EngineConfig, Event};
use crate::flow::{AssetSource, AssetState, Check, Session, Stage, TokenState, Verification};
use crate::store::{SessionSummary, Store};

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
            // serde_json writes control characters as escapes: no raw ESC reaches the terminal.
            println!("{value}");
        } else {
            // Upstream, phone and file-name text may carry escape sequences: lines only.
            let text: String = human()
                .chars()
                .map(|c| {
                    if c.is_control() && c != '\n' {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect();
            println!("{text}");
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

fn reason_of(a: &crate::flow::Asset) -> Option<String> {
    match (&a.state, &a.check) {
        (AssetState::Uploaded { .. }, _) => {
            Some("Not sent: an earlier request of the same submission failed. Submit again.".into())
        }
        (AssetState::Staged, Check::Blocked { reason }) => Some(clean(&reason.english())),
        (state, _) => crate::flow::export::problem(state).map(|m| clean(&m.english())),
    }
}

/// The row's status word; a row the check blocked says so.
fn word_of(a: &crate::flow::Asset) -> &'static str {
    if a.is_held() {
        "blocked"
    } else {
        a.state.word()
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
            json!({ "name": a.name, "status": word_of(a), "asset_url": asset_url, "reason": reason_of(a) })
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
            _ => reason_of(a).unwrap_or_default(),
        };
        out.push_str(&format!(
            "  {:name_w$}  {:10}  {}\n",
            clean(&a.name),
            word_of(a),
            detail
        ));
    }
    out
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
}

/// Runs one session to its end; returns the exit code.
pub async fn drive(config: EngineConfig, drive: Drive, phone: Option<&dyn DemoPhone>) -> i32 {
    let mut out = Out {
        json: drive.json,
        tty: std::io::stdout().is_terminal(),
        countdown_shown: false,
    };
    // What cannot even be an asset (a missing file, not a web address) is said at once; the
    // rest is checked by the engine while the person is on the phone.
    let mut assets = Vec::new();
    let mut unusable = 0;
    for raw in &drive.assets {
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
    let mut config = config;
    config.probe_urls = drive.check_urls;
    if let Target::Resume(id) = &drive.target {
        config.resume = crate::engine::Resume::Only(vec![id.clone()]);
        config.holder = format!("avatar-kiosk resume {id}");
    } else {
        config.resume = crate::engine::Resume::Only(vec![]);
        config.holder = "avatar-kiosk onboard".to_string();
    }
    if matches!(drive.target, Target::New { .. }) && assets.is_empty() {
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
                consent: true,
                language: *language,
                project: project.clone(),
            });
            let _ = engine.send(Command::AddAssets(id.clone(), assets));
            id
        }
        Target::Resume(id) => {
            let _ = engine.send(Command::Get(id.clone()));
            id.clone()
        }
    };
    let code = run_loop(&engine, &mut events, &id, unusable, &drive, phone, &mut out).await;
    engine.shutdown();
    code
}

async fn run_loop(
    engine: &Engine,
    events: &mut mpsc::Receiver<Event>,
    id: &str,
    unusable: usize,
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
    let mut seen = Seen::default();
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

/// Says what the checks and uploads did, in any step.
fn report_rows(s: &Session, out: &mut Out, seen: &mut Seen) {
    for a in s.current_assets() {
        if let Check::Blocked { reason } = &a.check
            && !seen.blocked.contains(&a.id)
        {
            seen.blocked.push(a.id);
            let typed = a.source.display();
            let reason = format!("{}: {reason}", clean(&typed));
            out.event(
                json!({ "event": "blocked", "asset": typed, "name": a.name, "reason": reason }),
                || format!("✗ Skipped {reason}"),
            );
        }
        let uploaded_url = match &a.state {
            AssetState::Uploaded { url }
            | AssetState::Submitting { url }
            | AssetState::Submitted { url, .. } => Some(url),
            _ => None,
        };
        if let (Some(url), AssetSource::File { .. }) = (uploaded_url, &a.source)
            && !seen.uploads.contains(&a.id)
        {
            seen.uploads.push(a.id);
            out.event(
                json!({ "event": "uploaded", "name": a.name, "url": url }),
                || format!("↑ Uploaded {}", a.name),
            );
        }
    }
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

/// Says each new review task and each verdict.
fn report_review(s: &Session, out: &mut Out, seen: &mut Seen) {
    let mut review_changed = false;
    for a in s.current_assets() {
        let word = a.state.word();
        if seen.words.get(&a.id) == Some(&word) {
            continue;
        }
        seen.words.insert(a.id, word);
        match &a.state {
            AssetState::Submitted { task_id, .. } if !seen.tasks.contains(task_id) => {
                seen.tasks.push(task_id.clone());
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
}

/// Text from outside (a file name, the upstream's words) without control characters, so it
/// cannot move the terminal's cursor or change its colours.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
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
