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
            super::out::line(value);
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
            super::out::line(text);
        }
    }

    pub(super) fn countdown(&mut self, secs: i64) {
        if self.json || !self.tty {
            return;
        }
        super::out::partial(format_args!(
            "\r  Waiting for the phone… the code expires in {secs:>3} s "
        ));
        self.countdown_shown = true;
    }

    pub(super) fn clear_countdown(&mut self) {
        if self.countdown_shown {
            super::out::partial(format_args!("\r{:60}\r", ""));
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
    match &a.state {
        AssetState::Uploaded { .. } => {
            Some("Not sent: an earlier request of the same submission failed. Submit again.".into())
        }
        _ => crate::flow::export::reason(a).map(|m| clean(&m.english())),
    }
}

/// The row's status word, as the window and the exports say it.
pub(super) fn word_of(a: &crate::flow::Asset) -> &'static str {
    crate::flow::export::status_word(a)
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
    let mut rows = vec![
        ["NAME", "STATUS", "ASSET URL / REASON"]
            .map(String::from)
            .to_vec(),
    ];
    for a in s.current_assets() {
        let detail = match &a.state {
            AssetState::Active { asset_url, .. } => asset_url.clone(),
            _ => reason_of(a).unwrap_or_default(),
        };
        rows.push(vec![clean(&a.name), word_of(a).to_string(), clean(&detail)]);
    }
    aligned(rows, &[])
        .into_iter()
        .map(|line| format!("  {line}\n"))
        .collect()
}

/// Rows of cells as lines whose columns line up on a terminal: each column but the last is
/// as wide as its widest cell, counted in display cells (Hangul and Han take two), and the
/// columns named in `right` are aligned to the right.
pub(super) fn aligned(rows: Vec<Vec<String>>, right: &[usize]) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.into_iter()
        .map(|row| {
            let last = row.len().saturating_sub(1);
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                let gap = " ".repeat(widths[c].saturating_sub(cell.width()));
                if c > 0 {
                    line.push_str("  ");
                }
                if right.contains(&c) {
                    line.push_str(&gap);
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if c < last {
                        line.push_str(&gap);
                    }
                }
            }
            line
        })
        .collect()
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
                // Only what was sent for review: a blocked or skipped row is not in review
                // (`add` sees its new rows only).
                let sent: Vec<_> = s
                    .current_assets()
                    .filter(|a| a.submissions > 0 || a.state.is_settled())
                    .collect();
                let done = sent.iter().filter(|a| a.state.is_settled()).count();
                format!("  Review: {done} of {} settled", sent.len())
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

/// A time (UTC) for the tables, in `format` (jiff's strftime).
pub(super) fn utc(at: crate::flow::Millis, format: &str) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| t.strftime(format).to_string())
        .unwrap_or_default()
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
    let mut lines = vec![
        ["ID", "STAGE", "TOTAL", "ACTIVE", "FAILED", "DESK", "PERSON"]
            .map(String::from)
            .to_vec(),
    ];
    for r in rows {
        lines.push(vec![
            r.id,
            r.stage.word().to_string(),
            r.total.to_string(),
            r.active.to_string(),
            r.failed.to_string(),
            clean(&r.kiosk),
            clean(&r.person),
        ]);
    }
    Ok(aligned(lines, &[2, 3, 4]))
}

#[cfg(test)]
mod tests {
    use super::aligned;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn columns_line_up_by_display_width_with_hangul_and_han() {
        let rows = vec![
            vec!["DESK".to_string(), "7".into(), "PERSON".into()],
            vec!["서울 데스크".to_string(), "12".into(), "김민지".into()],
            vec!["front".to_string(), "3".into(), "王芳".into()],
        ];
        let lines = aligned(rows, &[1]);
        let starts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let last = l.rsplit("  ").next().expect("last cell");
                l[..l.len() - last.len()].width()
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{lines:#?}");
        // Right-aligned numbers end in the same cell.
        assert!(
            lines[1].contains(" 12  ") && lines[0].contains("  7  "),
            "{lines:#?}"
        );
    }
}
