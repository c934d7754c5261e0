//! What the command line prints: NDJSON events or readable lines, the terminal QR code, the
//! rows table, the session list.

use super::*;

pub(super) struct Out {
    pub(super) json: bool,
    pub(super) tty: bool,
    pub(super) countdown_shown: bool,
}

impl Out {
    pub(super) fn new(json: bool) -> Out {
        Out {
            json,
            tty: std::io::stdout().is_terminal(),
            countdown_shown: false,
        }
    }

    pub(super) fn event(&mut self, value: serde_json::Value, human: impl FnOnce() -> String) {
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

    pub(super) fn countdown(&mut self, secs: i64) {
        if self.json || !self.tty {
            return;
        }
        print!("\r  Waiting for the phone… the code expires in {secs:>3} s ");
        let _ = std::io::stdout().flush();
        self.countdown_shown = true;
    }

    pub(super) fn clear_countdown(&mut self) {
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

pub(super) fn reason_of(a: &crate::flow::Asset) -> Option<String> {
    match (&a.state, &a.check) {
        (AssetState::Uploaded { .. }, _) => {
            Some("Not sent: an earlier request of the same submission failed. Submit again.".into())
        }
        (AssetState::Staged, Check::Blocked { reason }) => Some(clean(&reason.english())),
        (state, _) => crate::flow::export::problem(state).map(|m| clean(&m.english())),
    }
}

/// The row's status word; a row the check blocked says so.
pub(super) fn word_of(a: &crate::flow::Asset) -> &'static str {
    if a.is_held() {
        "blocked"
    } else {
        a.state.word()
    }
}

pub(super) fn asset_json(s: &Session) -> serde_json::Value {
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

pub(super) fn table(s: &Session) -> String {
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

/// Says what the checks and uploads did, in any step.
pub(super) fn report_rows(s: &Session, out: &mut Out, seen: &mut Seen) {
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
            // A video in the studio's bucket is named by its object: its link lets anyone
            // fetch the person's video for a week, and is not printed.
            let event = match &a.hosted {
                Some(h) => json!({ "event": "uploaded", "name": a.name,
                                   "bucket": h.bucket, "object": h.object }),
                None => json!({ "event": "uploaded", "name": a.name, "url": url }),
            };
            out.event(event, || format!("↑ Uploaded {}", a.name));
        }
    }
}

/// Says each new review task and each verdict.
pub(super) fn report_review(s: &Session, out: &mut Out, seen: &mut Seen) {
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
pub(super) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// `avatar-kiosk sessions`: every stored session, newest first.
pub fn list_sessions(store: &mut dyn SessionStore, json: bool) -> Result<Vec<String>, String> {
    let rows: Vec<SessionSummary> = store.list().map_err(|e| e.advice().english())?;
    if json {
        return Ok(rows
            .iter()
            .map(|r| {
                json!({ "id": r.id, "person": r.person, "kiosk": r.kiosk, "held_by": r.held_by,
                        "created_at": r.created_at, "stage": r.stage.word(),
                        "approved": r.active, "failed": r.failed, "total": r.total })
                .to_string()
            })
            .collect());
    }
    let mut lines = vec![format!(
        "{:32}  {:16}  {:>5}  {:>6}  {:>5}  {:16}  PERSON",
        "ID", "STAGE", "TOTAL", "ACTIVE", "FAILED", "DESK"
    )];
    for r in rows {
        lines.push(format!(
            "{:32}  {:16}  {:>5}  {:>6}  {:>5}  {:16}  {}",
            r.id,
            r.stage.word(),
            r.total,
            r.active,
            r.failed,
            clean(&r.kiosk),
            clean(&r.person)
        ));
    }
    Ok(lines)
}
