//! The APIMart simulator: the API as `API_NOTES.md` describes it, on `127.0.0.1`.
//!
//! Used by `--demo`, by `avatar-kiosk sim`, and by the tests. It keeps everything in memory and
//! runs on a clock of its own that tests can move forward ([`Simulator::advance`]), so link
//! expiry and review progress are tested without waiting.
//!
//! Review outcomes follow one deterministic rule on each asset's name or URL, lowercased:
//!
//! | contains | outcome |
//! |---|---|
//! | `fail` or `mismatch` | `Failed`, `FaceMismatch` ("face consistency verification failed") |
//! | `faces` or `group` | `Failed`, `MultipleFaces` ("more than one face was found") |
//! | `missing`, or an upload URL of this simulator that does not exist | `Failed`, `FetchFailed` |
//! | anything else | `Active` |
//!
//! Assets of one review finish one after another, evenly over the review duration.

mod h5;
pub(crate) mod kept;
mod phone;

pub use phone::open_redirect;
mod routes;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Where the verification result (step 2) puts the group id, to exercise every shape the
/// client must accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum VerifyShape {
    /// `data.group_id`
    #[default]
    Data,
    /// `data.result.GroupId`
    DataResult,
    /// `data.Result.GroupId`
    DataResultUpper,
    /// `data.raw_response.Result.GroupId`
    RawResponse,
    /// `data.id` only: the task's result holds `group_id`.
    Task,
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// When set, only this Bearer key is accepted; otherwise any non-empty key is.
    pub key: Option<String>,
    /// How long an H5 link and its token live.
    pub link_ttl: Duration,
    /// How long a review takes from submission to the last asset's verdict.
    pub review_duration: Duration,
    /// How long a video generation takes.
    pub video_duration: Duration,
    /// Shape of the verification result.
    pub verify_shape: VerifyShape,
    /// When set, the simulated phone passes this long after each session is created and
    /// follows the redirect to a callback on this machine (for measurements without a person).
    pub phone_after: Option<Duration>,
    /// Accept groups and assets in this simulator's own form that it did not issue: they come
    /// from an earlier run of the demo, whose people return (each run starts a new simulator).
    pub accept_earlier_runs: bool,
    /// Keep the review tasks in this file and read them back at start, so that a demo
    /// stopped during a review resumes to its end (each run starts a new simulator).
    pub reviews_file: Option<std::path::PathBuf>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            key: None,
            link_ttl: Duration::from_secs(120),
            review_duration: Duration::from_secs(8),
            video_duration: Duration::from_secs(8),
            verify_shape: VerifyShape::Data,
            phone_after: None,
            accept_earlier_runs: false,
            reviews_file: None,
        }
    }
}

/// Faults injected into the `/v1/` routes; each counter is used up one request at a time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every API request.
    pub latency_ms: u64,
    /// The next N requests answer 429.
    pub rate_limit_next: u32,
    /// The `Retry-After` (seconds) sent with those 429s.
    pub retry_after_secs: u64,
    /// The next N requests answer 503.
    pub server_error_next: u32,
    /// The next N requests answer a 200 whose body is cut-off JSON (the request is not applied).
    pub malformed_next: u32,
    /// The next N requests are applied, then the connection breaks before the answer is
    /// complete: the answer is lost.
    pub drop_next: u32,
    /// Submissions and session creation answer 402.
    pub insufficient_balance: bool,
    /// When not empty, the faults above hit only paths starting with one of these (e.g.
    /// `/v1/uploads`, `/v1/tasks`); other requests pass untouched.
    pub only_paths: Vec<String>,
}

/// What the simulator has seen, for assertions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Requests per operation (`create_session`, `get_task`, `query_verification`, `submit`,
    /// `upload`, `video`, `unauthorized`, `rate_limited`, `video_fetched`, ...).
    pub ops: BTreeMap<String, u64>,
    /// How many times each `byted_token` was presented to step 2.
    pub token_uses: BTreeMap<String, u32>,
    /// How many times each asset was submitted, keyed `group_id/name`.
    pub submitted: BTreeMap<String, u32>,
    /// Submit requests and their sizes, in order: (asset_type, count).
    pub submit_requests: Vec<(String, usize)>,
}

impl Counters {
    /// Requests seen for one operation.
    pub fn op(&self, name: &str) -> u64 {
        self.ops.get(name).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The person has not finished on the phone.
    Waiting,
    /// The phone reported success; the token is ready to use once.
    Passed,
    /// The phone reported failure.
    Failed,
    /// The token was used for a result.
    Consumed,
    /// The token was used too early, or after expiry: it is dead.
    Burned,
}

#[derive(Debug, Clone)]
struct Session {
    token: String,
    created: Duration,
    callback_url: String,
    phase: Phase,
    lng: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReviewAsset {
    name: String,
    url: String,
    asset_id: String,
    verdict: Option<(String, String)>,
}

#[derive(Debug, Clone)]
struct Review {
    created: Duration,
    /// How far it had gone when this run read it back from an earlier run.
    head_start: Duration,
    /// The time of day it was made (milliseconds), to carry it to a later run.
    created_ms: i64,
    assets: Vec<ReviewAsset>,
}

#[derive(Debug, Clone)]
struct Upload {
    bytes: bytes::Bytes,
    content_type: String,
    filename: String,
}

#[derive(Debug, Clone)]
enum TaskKind {
    Session(Session),
    Review(Review),
    /// A step-2 answer given as a task (VerifyShape::Task).
    VerifyResult {
        group_id: String,
    },
    Video {
        created: Duration,
    },
}

#[derive(Debug, Default)]
struct SimState {
    /// Four hex digits of this run in every id it makes, so that ids from two runs of the demo
    /// (each starts a new simulator) never collide.
    run: String,
    next_id: u64,
    tasks: HashMap<String, TaskKind>,
    tokens: HashMap<String, String>,
    groups: HashMap<String, String>,
    /// Groups the upstream no longer accepts (see [`Simulator::retire_group`]).
    retired: std::collections::HashSet<String>,
    uploads: HashMap<String, Upload>,
    active_assets: HashMap<String, String>,
    faults: Faults,
    counters: Counters,
}

impl SimState {
    fn next(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}{:06}", self.run, self.next_id)
    }

    /// Whether assets may be added to this group. With `earlier_runs`, a group in this
    /// simulator's own form that it did not issue (from an earlier run of the demo) is too.
    fn accepts_group(&self, group_id: &str, earlier_runs: bool) -> bool {
        !self.retired.contains(group_id)
            && (self.groups.contains_key(group_id) || (earlier_runs && is_own_id(group_id, "grp_")))
    }

    /// Whether an `asset://` URL is an approved asset (or one from an earlier run's review).
    fn knows_asset(&self, url: &str, earlier_runs: bool) -> bool {
        self.active_assets.contains_key(url)
            || (earlier_runs
                && url
                    .strip_prefix("asset://")
                    .is_some_and(|id| is_own_id(id, "asset-")))
    }

    /// Retires a group (see [`Simulator::retire_group`]); false when it was not accepted.
    fn retire(&mut self, group_id: &str, earlier_runs: bool) -> bool {
        let known = self.accepts_group(group_id, earlier_runs);
        self.retired.insert(group_id.to_string());
        known
    }

    fn count(&mut self, op: &str) {
        *self.counters.ops.entry(op.to_string()).or_default() += 1;
    }
}

/// An id as [`SimState::next`] makes them: the prefix, a run's four hex digits, six digits.
fn is_own_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|n| {
        n.len() == 10
            && n.bytes().take(4).all(|b| b.is_ascii_hexdigit())
            && n.bytes().skip(4).all(|b| b.is_ascii_digit())
    })
}

struct Shared {
    config: SimConfig,
    base_url: String,
    started: Instant,
    offset: Mutex<Duration>,
    state: Mutex<SimState>,
}

impl Shared {
    /// Simulated time since start.
    fn now(&self) -> Duration {
        self.started.elapsed() + *lock(&self.offset)
    }

    fn state(&self) -> MutexGuard<'_, SimState> {
        lock(&self.state)
    }
}

/// Locks a mutex, recovering from poisoning: the simulator's state stays usable even if a
/// handler panicked (which would be a bug, but must not take the demo down).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why the phone could not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// No such verification session.
    #[error("no such verification session")]
    UnknownSession,
    /// The link expired before the person finished.
    #[error("the verification link has expired")]
    Expired,
    /// The session was already finished.
    #[error("this verification was already finished")]
    AlreadyFinished,
    /// The token in the link does not match.
    #[error("the link is not valid")]
    BadToken,
}

/// A running simulator.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        Simulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts on `addr` (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr, config: SimConfig) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            base_url: format!("http://{addr}"),
            started: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
            state: Mutex::new(SimState {
                run: format!("{:04x}", rand::random::<u16>()),
                ..SimState::default()
            }),
        });
        kept::read_back(&shared);
        let app = routes::router(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!("simulator stopped: {e}");
            }
        });
        tracing::info!(%addr, "APIMart simulator listening");
        Ok(Simulator {
            shared,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give the client, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.shared.state().counters.clone()
    }

    /// Replaces the fault knobs.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.state().faults = faults;
    }

    /// The fault knobs as they are now (counters decrease as faults are served).
    pub fn faults(&self) -> Faults {
        self.shared.state().faults.clone()
    }

    /// The upstream stops accepting assets for this group (deleted or expired there): later
    /// submits to it are refused. False when no such group was verified.
    pub fn retire_group(&self, group_id: &str) -> bool {
        let earlier = self.shared.config.accept_earlier_runs;
        self.shared.state().retire(group_id, earlier)
    }

    /// Moves the simulator's clock forward.
    pub fn advance(&self, by: Duration) {
        *lock(&self.shared.offset) += by;
    }

    /// Acts as the person's phone finishing the H5 flow: records pass or fail and returns the
    /// URL the phone browser would be sent to (the session's `callback_url` with `resultCode`
    /// and `bytedToken`).
    pub fn phone_finishes(&self, task_id: &str, pass: bool) -> Result<String, PhoneError> {
        phone::finish_on_phone(&self.shared, task_id, None, pass)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
