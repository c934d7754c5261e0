//! The live preview: one ffmpeg process sends small RGB frames ([`SIZE`] at [`RATE`] a second)
//! on its standard output; a named thread reads them into one slot (the newest frame wins, so
//! a busy window never falls behind) and calls `wake` (the window's repaint). Dropping the
//! [`Preview`] ends the process and waits for it: no camera is left held, no process left
//! behind.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use super::{Camera, Kind, args};
use crate::text::Msg;

/// The preview's frame size (the picture is fitted inside it, the rest black).
pub const SIZE: (u32, u32) = (480, 270);
/// Preview frames a second: enough to frame a face, and each one repaints the whole window
/// (under a software renderer that is most of the preview's cost).
pub const RATE: u32 = 10;

/// One preview frame: RGB, [`SIZE`].
#[derive(Debug)]
pub struct Frame {
    /// Counts from 1 for each preview.
    pub number: u64,
    /// Its sides.
    pub width: u32,
    pub height: u32,
    /// Its pixels, three bytes each, row by row.
    pub rgb: Vec<u8>,
}

/// What the preview has to show.
#[derive(Debug, Clone, Default)]
pub enum Feed {
    /// The camera is opening.
    #[default]
    Starting,
    /// The newest frame.
    Live(Arc<Frame>),
    /// The camera stopped giving frames: why, when it said (a camera unplugged or in use).
    Ended(Option<Msg>),
}

/// Where a camera's frames go: the slot the window reads, and how to wake it. The preview
/// fills it; a capture that replaces the preview (the camera is held by one process) fills the
/// same one, so the picture never stops while a countdown runs or a clip records.
#[derive(Clone)]
pub struct Sink {
    feed: Arc<Mutex<Feed>>,
    wake: Arc<dyn Fn() + Send + Sync>,
    /// Frames delivered so far, by every process that filled it: numbers never go back.
    count: Arc<std::sync::atomic::AtomicU64>,
    /// Which process fills it now: an older one's last words (its end) are not heard.
    turn: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink").finish_non_exhaustive()
    }
}

impl PartialEq for Sink {
    fn eq(&self, other: &Sink) -> bool {
        Arc::ptr_eq(&self.feed, &other.feed)
    }
}

impl Eq for Sink {}

impl Sink {
    /// A new sink; `wake` is called for each new frame and at the end.
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Sink {
        Sink {
            feed: Arc::new(Mutex::new(Feed::Starting)),
            wake: Arc::new(wake),
            count: Arc::default(),
            turn: Arc::default(),
        }
    }

    /// A new process fills the sink from now on: its turn's number. What it shows starts over
    /// (the frames' numbers go on).
    pub(super) fn next_turn(&self) -> u64 {
        let turn = self.turn.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        self.set(turn, Feed::Starting);
        turn
    }

    /// What there is to show now.
    pub fn feed(&self) -> Feed {
        self.feed.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Shows `feed`, when `turn` is still the current one.
    fn set(&self, turn: u64, feed: Feed) {
        match self.feed.lock() {
            Ok(mut slot) if self.turn.load(std::sync::atomic::Ordering::SeqCst) == turn => {
                *slot = feed;
            }
            _ => return,
        }
        (self.wake)();
    }

    /// How many frames have been delivered (0: none yet).
    pub fn frames(&self) -> u64 {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The video filter that makes preview frames, after whatever else the camera's picture feeds.
pub(super) fn filter() -> String {
    let (w, h) = SIZE;
    format!(
        "fps={RATE},scale={w}:{h}:force_original_aspect_ratio=decrease:flags=fast_bilinear,\
         pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,format=rgb24"
    )
}

/// Reads whole preview frames from `out` into `sink` for `turn` until the pipe ends.
pub(super) fn pump(mut out: impl Read, sink: &Sink, turn: u64) {
    let (w, h) = SIZE;
    let size = (w * h * 3) as usize;
    loop {
        let mut rgb = vec![0u8; size];
        if out.read_exact(&mut rgb).is_err() {
            break;
        }
        let number = sink.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        sink.set(
            turn,
            Feed::Live(Arc::new(Frame {
                number,
                width: w,
                height: h,
                rgb,
            })),
        );
    }
}

/// A running preview.
pub struct Preview {
    child: Child,
    sink: Sink,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Preview {
    /// Starts the preview of `camera` into `sink`; `ask_mode`: ask a device for the usual
    /// size and rate (see [`args::input`]: a device that refuses is started again without).
    pub fn start(
        ffmpeg: &Path,
        camera: &Camera,
        sink: Sink,
        ask_mode: bool,
    ) -> Result<Preview, Msg> {
        let input = args::input(camera, ask_mode && camera.kind == Kind::Device);
        let mut command = args::command(ffmpeg, None, input);
        command
            .args(["-an", "-sn", "-dn", "-vf", &filter()])
            .args(["-f", "rawvideo", "pipe:1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let failed = |detail: String| super::failed(camera, detail);
        let mut child = command.spawn().map_err(|e| failed(e.to_string()))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let shared = sink.clone();
        let cam = camera.clone();
        let turn = sink.next_turn();
        let reader = std::thread::Builder::new()
            .name("camera-preview".into())
            .spawn(move || read_frames(stdout, stderr, &shared, turn, &cam));
        match reader {
            Ok(reader) => Ok(Preview {
                child,
                sink,
                reader: Some(reader),
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(failed(e.to_string()))
            }
        }
    }

    /// Where its frames go.
    pub fn sink(&self) -> &Sink {
        &self.sink
    }

    /// What there is to show now.
    pub fn feed(&self) -> Feed {
        self.sink.feed()
    }

    /// The process's id (tests check it is gone after the drop).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// Reads frames until the pipe ends; then says why it ended, when ffmpeg said.
fn read_frames(
    stdout: Option<impl Read>,
    stderr: Option<impl Read + Send + 'static>,
    sink: &Sink,
    turn: u64,
    camera: &Camera,
) {
    // ffmpeg's errors are read beside the frames, so a chatty ffmpeg never blocks on them.
    let said = crate::media::run::drain(stderr, 64 * 1024);
    if let Some(out) = stdout {
        pump(out, sink, turn);
    }
    let why = said
        .and_then(|d| super::last_line(&d.join().0))
        .map(|last| super::failed(camera, last));
    sink.set(turn, Feed::Ended(why));
}
