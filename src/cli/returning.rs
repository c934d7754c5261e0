//! Returning people from the terminal: `people`, `assets` and `render` (`add` is `drive` with
//! [`super::Target::Add`]).

use std::path::PathBuf;

use serde_json::json;

use super::report::{Out, clean};
use super::{EXIT_APPROVED, EXIT_BUSY, EXIT_ERROR};
use crate::engine::{Command, Engine, EngineConfig, Event, RenderAsk};
use crate::flow::{RenderId, RenderState, Session};
use crate::store::SessionStore;

fn when(at: crate::flow::Millis) -> String {
    super::report::utc(at, "%Y-%m-%d %H:%M")
}

/// `people`: one line per verified person (JSON objects with `--json`).
pub fn list_people(
    store: &mut dyn SessionStore,
    json: bool,
    search: &str,
) -> Result<Vec<String>, String> {
    let all = store.everyone().map_err(|e| e.advice().english())?;
    let rows = crate::flow::people(&all, search);
    if json {
        let mut lines = Vec::with_capacity(rows.len());
        for p in &rows {
            let consent = store
                .consent(&p.session)
                .map_err(|e| e.advice().english())?;
            let mut line = json!({ "session": p.session, "person": p.person, "note": p.note,
                    "kiosk": p.kiosk, "created_at": p.created_at, "approved": p.approved,
                    "failed": p.failed, "consent_at": p.consent_at,
                    "consent_version": p.consent_version });
            // Sessions from before the person's own consent have no record: nulls.
            let r = consent.map(|c| c.record);
            line["consent_by"] = json!(r.as_ref().map(|r| r.by));
            line["consent_items"] = json!(r.as_ref().map(|r| {
                r.answers
                    .iter()
                    .map(|(item, answer)| json!({ "item": item, "answer": answer }))
                    .collect::<Vec<_>>()
            }));
            line["consent_text_sha256"] = json!(r.as_ref().map(|r| &r.text_sha256));
            line["withdrawn_at"] = json!(r.and_then(|r| r.withdrawn_at));
            lines.push(line.to_string());
        }
        return Ok(lines);
    }
    let mut lines = vec![
        [
            "SESSION",
            "CREATED (UTC)",
            "APPROVED",
            "FAILED",
            "DESK",
            "PERSON",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for p in rows {
        lines.push(vec![
            p.session,
            when(p.created_at),
            p.approved.to_string(),
            p.failed.to_string(),
            clean(&p.kiosk),
            clean(&p.person),
        ]);
    }
    Ok(super::report::aligned(lines, &[2, 3]))
}

/// `assets`: one line per approved asset (JSON objects with `--json`).
pub fn list_assets(
    store: &mut dyn SessionStore,
    json: bool,
    search: &str,
) -> Result<Vec<String>, String> {
    let all = store.everyone().map_err(|e| e.advice().english())?;
    let rows = crate::flow::library(&all, search);
    if json {
        return Ok(rows
            .iter()
            .map(|a| {
                json!({ "person": a.person, "session": a.session, "name": a.name,
                        "asset_url": a.asset_url, "approved_at": a.approved_at })
                .to_string()
            })
            .collect());
    }
    let mut lines = vec![
        ["APPROVED (UTC)", "ASSET URL", "NAME", "PERSON"]
            .map(String::from)
            .to_vec(),
    ];
    for a in rows {
        lines.push(vec![
            when(a.approved_at),
            clean(&a.asset_url),
            clean(&a.name),
            clean(&a.person),
        ]);
    }
    Ok(super::report::aligned(lines, &[]))
}

/// What `render` was asked.
#[derive(Debug, Clone)]
pub struct RenderRun {
    /// The verified person's session.
    pub session: String,
    /// The render.
    pub ask: RenderAsk,
    /// Where to copy the video too.
    pub out: Option<PathBuf>,
    /// NDJSON output.
    pub json: bool,
    /// The currency the estimate is in (Settings').
    pub currency: String,
}

/// Where the run is.
#[derive(Default)]
struct Following {
    /// The render this run follows, once known.
    render: Option<RenderId>,
    submitted: bool,
    progress: Option<u8>,
}

/// Asks for one test render (or follows one an interrupted run left moving) until the video is
/// saved. Exit 0 when it is, 1 otherwise. Never prompts.
pub async fn render(mut config: EngineConfig, run: RenderRun) -> i32 {
    let mut out = Out::new(run.json);
    // Checked before anything is asked: a render is billed, a copy that fails afterwards is
    // money spent for a video staff then look for.
    if let Some(dest) = &run.out
        && let Err(message) = super::out::writable(
            dest,
            "--out",
            "render.mp4",
            "nothing was asked, nothing billed",
        )
    {
        out.event(json!({ "event": "error", "message": message }), || {
            format!("Error: {message}")
        });
        return EXIT_ERROR;
    }
    config.resume = crate::engine::Resume::Only(vec![run.session.clone()]);
    config.holder = format!("avatar-kiosk render {}", run.session);
    let (engine, mut events) = match Engine::start(config, std::sync::Arc::new(|| {})) {
        Ok(x) => x,
        Err(e) => {
            let busy = matches!(e, crate::engine::EngineError::Busy(_));
            out.event(
                json!({ "event": "error", "message": e.to_string() }),
                || format!("Error: {e}"),
            );
            return if busy { EXIT_BUSY } else { EXIT_ERROR };
        }
    };
    let _ = engine.send(Command::Get(run.session.clone()));
    let mut state = Following::default();
    let mut asked = false;
    let code = loop {
        let Some(event) = events.recv().await else {
            out.event(
                json!({ "event": "error", "message": "the engine stopped" }),
                || "Error: the engine stopped".into(),
            );
            break EXIT_ERROR;
        };
        match event {
            Event::Session(s) if s.id == run.session => {
                if !asked {
                    asked = true;
                    // A render an interrupted run left moving is followed, not asked again.
                    if let Some(r) = s.renders.iter().find(|r| r.in_flight()) {
                        state.render = Some(r.id);
                        out.event(json!({ "event": "notice", "message": "following the render started earlier" }), || {
                            "  Following the render started earlier.".into()
                        });
                    } else {
                        let lost = s.renders.iter().any(|r| matches!(&r.state, RenderState::Failed { reason, .. } if reason.id() == "render-answer-lost"));
                        if lost {
                            let message = "An earlier render's answer was lost: it may have been made and billed. Check the APIMart console; this run asks for a new one.";
                            out.event(json!({ "event": "notice", "message": message }), || {
                                format!("  {message}")
                            });
                        }
                        state.render = Some(s.renders.iter().map(|r| r.id).max().unwrap_or(0) + 1);
                        let _ = engine.send(Command::Render(run.session.clone(), run.ask.clone()));
                        continue;
                    }
                }
                if let Some(code) = on_render(&s, &run, &mut state, &mut out) {
                    break code;
                }
            }
            Event::Refused { session, message } | Event::Error { session, message }
                if session.as_deref() == Some(run.session.as_str()) || session.is_none() =>
            {
                let message = clean(&message.english());
                out.event(json!({ "event": "error", "message": message }), || {
                    format!("Error: {message}")
                });
                break EXIT_ERROR;
            }
            _ => {}
        }
    };
    engine.shutdown();
    code
}

/// Says what the followed render did; `Some(code)` ends the run.
fn on_render(s: &Session, run: &RenderRun, state: &mut Following, out: &mut Out) -> Option<i32> {
    let r = s.renders.iter().find(|r| Some(r.id) == state.render)?;
    let task = match &r.state {
        RenderState::Failed { .. } => None,
        other => other.task_id().map(str::to_string),
    };
    if let Some(task_id) = task.filter(|_| !state.submitted) {
        state.submitted = true;
        let cost = r.request.estimated_cost_milli as f64 / 1000.0;
        let model = r.request.model();
        let duration = r.request.duration;
        let currency = &run.currency;
        out.event(
            json!({ "event": "render_submitted", "task_id": task_id, "model": model,
                    "duration": duration, "estimated_cost": cost, "currency": currency }),
            || {
                format!(
                    "→ Render asked (task {task_id}, {model}, {duration} s, about {cost:.2} {currency})"
                )
            },
        );
    }
    match &r.state {
        RenderState::Running { progress, .. } if state.progress != Some(*progress) => {
            state.progress = Some(*progress);
            let p = *progress;
            out.event(json!({ "event": "render_progress", "progress": p }), || {
                format!("  Rendering: {p}%")
            });
            None
        }
        RenderState::Done { path, .. } => {
            let mut saved = path.clone();
            if let Some(dest) = &run.out {
                if let Err(e) = std::fs::copy(path, dest) {
                    let message = format!(
                        "The video is saved at {}, but it could not be copied to {}: {e}",
                        path.display(),
                        dest.display()
                    );
                    out.event(json!({ "event": "error", "message": message }), || {
                        format!("Error: {message}")
                    });
                    return Some(EXIT_ERROR);
                }
                saved = dest.clone();
            }
            let shown = saved.display().to_string();
            out.event(json!({ "event": "render_done", "path": shown }), || {
                format!("✓ Video saved: {}", clean(&shown))
            });
            Some(EXIT_APPROVED)
        }
        RenderState::Failed { reason, .. } => {
            let reason = clean(&reason.english());
            out.event(json!({ "event": "error", "message": reason }), || {
                format!("Error: {reason}")
            });
            Some(EXIT_ERROR)
        }
        _ => None,
    }
}
