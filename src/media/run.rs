//! One-shot runs of a tool (ffmpeg) with a deadline and a cap on what is read of its output:
//! a file made to stall the decoder, or to pour out frames, ends in an error instead of a
//! stuck check or a full memory.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a bounded run gave.
#[derive(Debug)]
pub struct Ran {
    /// How it ended.
    pub status: ExitStatus,
    /// Its standard output, at most the cap.
    pub stdout: Vec<u8>,
    /// Its standard error, at most 64 KiB.
    pub stderr: Vec<u8>,
}

/// Why a bounded run gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// It could not be started.
    #[error("could not start: {0}")]
    Start(std::io::Error),
    /// It ran past its deadline and was stopped.
    #[error("stopped after {0:?} without finishing")]
    Deadline(Duration),
    /// It wrote more than the cap and was stopped.
    #[error("stopped: it wrote more than {0} bytes")]
    TooMuch(usize),
}

const STDERR_CAP: usize = 64 * 1024;

/// Runs `command` (its standard input closed) for at most `deadline`, reading at most `cap`
/// bytes of its output; stops it past either.
pub fn bounded(command: Command, deadline: Duration, cap: usize) -> Result<Ran, RunError> {
    run(command, deadline, Output::Keep(cap))
}

/// Runs `command` as [`bounded`] does, handing its standard output to `read` on a thread of
/// its own as it comes (a camera's live frames); [`Ran::stdout`] is then empty.
pub fn streaming(
    command: Command,
    deadline: Duration,
    read: impl FnOnce(std::process::ChildStdout) + Send + 'static,
) -> Result<Ran, RunError> {
    run(command, deadline, Output::Stream(Box::new(read)))
}

/// What is done with a run's standard output.
enum Output {
    /// Kept, at most this many bytes.
    Keep(usize),
    /// Handed to a reader.
    Stream(Box<dyn FnOnce(std::process::ChildStdout) + Send>),
}

fn run(mut command: Command, deadline: Duration, output: Output) -> Result<Ran, RunError> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Start)?;
    let (out, streamed, cap) = match output {
        Output::Keep(cap) => (drain(child.stdout.take(), cap), None, cap),
        Output::Stream(read) => {
            let pipe = child.stdout.take();
            let reader = pipe.and_then(|pipe| {
                std::thread::Builder::new()
                    .name("tool-stream".into())
                    .spawn(move || read(pipe))
                    .ok()
            });
            (None, reader, 0)
        }
    };
    let err = drain(child.stderr.take(), STDERR_CAP);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= deadline => break Err(RunError::Deadline(deadline)),
            Ok(None) if out.as_ref().is_some_and(|o| o.over()) => {
                break Err(RunError::TooMuch(cap));
            }
            // std has no wait with a deadline: look again shortly.
            Ok(None) => std::thread::park_timeout(Duration::from_millis(20)),
            Err(e) => break Err(RunError::Start(e)),
        }
    };
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            stop(&mut child);
            return Err(e);
        }
    };
    if let Some(reader) = streamed {
        let _ = reader.join();
    }
    let stdout = out.map(Drained::join).unwrap_or_default();
    if stdout.1 {
        return Err(RunError::TooMuch(cap));
    }
    Ok(Ran {
        status,
        stdout: stdout.0,
        stderr: err.map(Drained::join).unwrap_or_default().0,
    })
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A pipe read on a thread of its own, at most `cap` bytes kept (the rest read and dropped so
/// the tool never blocks on a full pipe).
pub(crate) struct Drained {
    over: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<u8>>,
}

impl Drained {
    fn over(&self) -> bool {
        self.over.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What was kept, once the pipe has ended, and whether more came.
    pub(crate) fn join(self) -> (Vec<u8>, bool) {
        let over = self.over();
        (self.thread.join().unwrap_or_default(), over)
    }
}

/// Reads `pipe` on a named thread of its own, keeping at most `cap` bytes.
pub(crate) fn drain(pipe: Option<impl Read + Send + 'static>, cap: usize) -> Option<Drained> {
    let mut pipe = pipe?;
    let over = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = over.clone();
    let thread = std::thread::Builder::new()
        .name("tool-output".into())
        .spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 16 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = cap.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                        if n > room {
                            flag.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            }
            kept
        })
        .ok()?;
    Some(Drained { over, thread })
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_hangs_or_pours_out_is_stopped() {
        let mut sleeper = Command::new("sh");
        sleeper.args(["-c", "sleep 30"]);
        let ran = bounded(sleeper, Duration::from_millis(200), 1024);
        assert!(matches!(ran, Err(RunError::Deadline(_))), "{ran:?}");
        let mut flood = Command::new("sh");
        flood.args(["-c", "yes"]);
        let ran = bounded(flood, Duration::from_secs(30), 4096);
        assert!(matches!(ran, Err(RunError::TooMuch(4096))), "{ran:?}");
        let mut fine = Command::new("sh");
        fine.args(["-c", "printf hello; printf oops >&2"]);
        let ran = bounded(fine, Duration::from_secs(30), 4096).unwrap();
        assert!(ran.status.success());
        assert_eq!(
            (&ran.stdout[..], &ran.stderr[..]),
            (&b"hello"[..], &b"oops"[..])
        );
    }
}
