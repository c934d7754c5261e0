//! `purge` and `withdraw` from the terminal: the engine removes, this prints what it removed
//! (and, for a withdrawal, the references staff ask APIMart to delete).

use serde_json::json;

use super::report::{Out, clean};
use super::{EXIT_APPROVED, EXIT_BUSY, EXIT_ERROR};
use crate::engine::{Command, Engine, EngineConfig, Event, Removal, Resume};

/// `purge`.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Remove the copies of every session that ended at least this many days ago, whatever
    /// Settings or the person's consent say (0: every finished session) [default: what each
    /// person's consent says].
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// List what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `withdraw`.
#[derive(Debug, clap::Args)]
pub struct WithdrawArgs {
    /// The person's session (see `people`).
    #[arg(value_name = "SESSION_ID")]
    pub session: String,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// An engine for one removal: nothing resumes (nothing goes to APIMart), and its own purge
/// at start stays off (a dry run removes nothing).
fn start(
    mut config: EngineConfig,
    holder: String,
    out: &mut Out,
) -> Result<(Engine, tokio::sync::mpsc::Receiver<Event>), i32> {
    config.resume = Resume::Only(Vec::new());
    config.purge = false;
    config.holder = holder;
    Engine::start(config, std::sync::Arc::new(|| {})).map_err(|e| {
        let busy = matches!(e, crate::engine::EngineError::Busy(_));
        error(out, &e.to_string());
        if busy { EXIT_BUSY } else { EXIT_ERROR }
    })
}

fn error(out: &mut Out, message: &str) {
    let message = clean(message);
    out.event(json!({ "event": "error", "message": message }), || {
        format!("Error: {message}")
    });
}

fn removal_json(r: &Removal) -> serde_json::Value {
    json!({
        "session": r.session,
        "person": r.person,
        "files": r.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "objects": r.objects,
        "upstream": r.upstream,
        "problem": r.problem.as_ref().map(|m| clean(&m.english())),
    })
}

fn removal_lines(r: &Removal, verb: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "{} ({}): {verb} {} copies on this desk, {} bucket objects",
        r.person,
        r.session,
        r.files.len(),
        r.objects.len()
    )];
    lines.extend(r.files.iter().map(|f| format!("  file   {}", f.display())));
    lines.extend(r.objects.iter().map(|o| format!("  object {o}")));
    if let Some(problem) = &r.problem {
        lines.push(format!("  not removed: {}", problem.english()));
    }
    lines
}

/// `purge`: exit code 0 when every due session's copies are gone (or listed, in a dry run), 1
/// when one could not be removed.
pub async fn purge(config: EngineConfig, args: &PurgeArgs) -> i32 {
    let mut out = Out::new(args.json);
    let (engine, mut events) = match start(config, "avatar-kiosk purge".into(), &mut out) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let _ = engine.send(Command::Purge {
        days: args.days,
        dry_run: args.dry_run,
    });
    let code = loop {
        match events.recv().await {
            None => {
                error(&mut out, "the engine stopped");
                break EXIT_ERROR;
            }
            Some(Event::Purged(report)) => {
                let all = report.sessions.iter().all(|r| r.problem.is_none());
                let sessions: Vec<_> = report.sessions.iter().map(removal_json).collect();
                let value =
                    json!({ "event": "purged", "dry_run": report.dry_run, "sessions": sessions });
                out.event(value, || {
                    let verb = if report.dry_run {
                        "would remove"
                    } else {
                        "removed"
                    };
                    let mut lines: Vec<String> = (report.sessions.iter())
                        .flat_map(|r| removal_lines(r, verb))
                        .collect();
                    if lines.is_empty() {
                        lines.push(
                            "Nothing is due: no finished session's copies are kept past its time."
                                .into(),
                        );
                    }
                    lines.join("\n")
                });
                break if all { EXIT_APPROVED } else { EXIT_ERROR };
            }
            Some(Event::Error {
                session: None,
                message,
            }) => {
                error(&mut out, &message.english());
                break EXIT_ERROR;
            }
            Some(_) => {}
        }
    };
    engine.shutdown();
    code
}

/// `withdraw`: exit code 0 when the person's copies are gone and their consent is marked
/// withdrawn, 1 otherwise. Never asks.
pub async fn withdraw(config: EngineConfig, args: &WithdrawArgs) -> i32 {
    let mut out = Out::new(args.json);
    let holder = format!("avatar-kiosk withdraw {}", args.session);
    let (engine, mut events) = match start(config, holder, &mut out) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let _ = engine.send(Command::Withdraw(args.session.clone()));
    let code = loop {
        match events.recv().await {
            None => {
                error(&mut out, "the engine stopped");
                break EXIT_ERROR;
            }
            Some(Event::Withdrawn(r)) if r.session == args.session => {
                let mut value = removal_json(&r);
                value["event"] = json!("withdrawn");
                out.event(value, || {
                    let mut lines = removal_lines(&r, "withdrawn:");
                    if r.upstream.is_empty() {
                        lines.push("Nothing of theirs was registered at APIMart.".into());
                    } else {
                        lines.push(
                            "Ask APIMart to delete these references (the API has no delete):"
                                .into(),
                        );
                        lines.extend(r.upstream.iter().map(|u| format!("  {u}")));
                    }
                    lines.join("\n")
                });
                break EXIT_APPROVED;
            }
            Some(Event::Refused { session, message } | Event::Error { session, message })
                if session.is_none() || session.as_deref() == Some(args.session.as_str()) =>
            {
                error(&mut out, &message.english());
                break EXIT_ERROR;
            }
            Some(_) => {}
        }
    };
    engine.shutdown();
    code
}
