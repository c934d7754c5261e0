//! How an engine is set up: the API, the database, the callback, polling, concurrency.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::PollPolicy;
use crate::api::{ApiKey, ClientOptions};

/// Where the phone is sent when the H5 flow ends.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackMode {
    /// Serve the callback here (port 0 picks a free port); the URL uses the bound address.
    Listen(SocketAddr),
    /// The studio's own public URL (`{session}` is replaced by the session id); staff
    /// confirm by hand.
    External(String),
}

/// Everything the engine needs.
#[derive(Clone)]
pub struct EngineConfig {
    /// The database file.
    pub db_path: PathBuf,
    /// API base URL.
    pub base_url: String,
    /// API key.
    pub key: ApiKey,
    /// Client timeouts and retries.
    pub client: ClientOptions,
    /// Callback.
    pub callback: CallbackMode,
    /// How long a link is shown before it counts as expired.
    pub link_ttl: Duration,
    /// Polling.
    pub poll: PollPolicy,
    /// Uploads at once: a few streams fill an office uplink; more only queue at the gateway.
    pub upload_concurrency: usize,
    /// Images decoded at once (each holds its full-size pixels): one per core.
    pub decode_concurrency: usize,
    /// Where prepared copies and previews are kept (`<data>/cache`).
    pub cache_dir: PathBuf,
    /// Where test renders are saved (the data folder's `renders`).
    pub renders_dir: PathBuf,
    /// Where fixed copies of videos are written (the data folder's `fixed`).
    pub fixed_dir: PathBuf,
    /// Where the desk's camera puts its photos and clips (the data folder's `captures`).
    pub captures_dir: PathBuf,
    /// Probe URL assets before sending (off in the demo, whose URLs are imaginary).
    pub probe_urls: bool,
    /// The retention purge at start and once a day (off for the commands that purge or
    /// withdraw themselves: a dry run deletes nothing).
    pub purge: bool,
    /// Who this engine is, written into the data folder's lock for a refused second one.
    pub holder: String,
    /// Resume unfinished sessions on start: all of this desk's, or only these ids.
    pub resume: Resume,
    /// A studio's shared roster (PostgreSQL) instead of the file in the data folder. The
    /// address may hold a password: it is never shown or written down.
    pub roster: Option<secrecy::SecretString>,
    /// This desk's name: labels the sessions it creates, says who holds one.
    pub kiosk: String,
    /// How long a session stays held by this engine without a renewal (renewed every third of
    /// it): the longest another desk waits to take over after this one died.
    pub lease: Duration,
    /// The studio's bucket, where local videos go; `Err` says why they cannot be sent.
    pub bucket: Result<crate::api::bucket::Bucket, crate::text::Msg>,
    /// Where the studio's bucket is, its keys still to read (the environment's, or the
    /// keyring's, on the engine's own thread at its start): replaces `bucket` when set.
    pub bucket_place: Option<crate::api::bucket::BucketPlace>,
    /// Where the bucket's keys are kept (read at the engine's start).
    pub secrets: crate::secrets::Secrets,
}

/// Which sessions resume on start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Every unfinished session.
    All,
    /// Only these.
    Only(Vec<String>),
}

impl EngineConfig {
    /// Defaults for a database and an API.
    pub fn new(db_path: PathBuf, base_url: &str, key: ApiKey) -> EngineConfig {
        let folder = db_path.parent().map(std::path::Path::to_path_buf);
        let cache_dir = folder
            .as_ref()
            .map_or_else(|| PathBuf::from("cache"), |d| d.join("cache"));
        let fixed_dir = folder
            .as_ref()
            .map_or_else(|| PathBuf::from("fixed"), |d| d.join("fixed"));
        let captures_dir = folder
            .as_ref()
            .map_or_else(|| PathBuf::from("captures"), |d| d.join("captures"));
        let renders_dir = folder.map_or_else(|| PathBuf::from("renders"), |d| d.join("renders"));
        EngineConfig {
            cache_dir,
            renders_dir,
            fixed_dir,
            captures_dir,
            decode_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            probe_urls: true,
            purge: true,
            holder: "avatar-kiosk".to_string(),
            db_path,
            base_url: base_url.to_string(),
            key,
            client: ClientOptions::default(),
            callback: CallbackMode::Listen(SocketAddr::new(crate::callback::lan_address(), 0)),
            link_ttl: Duration::from_secs(120),
            poll: PollPolicy::default(),
            upload_concurrency: 4,
            resume: Resume::All,
            roster: None,
            kiosk: crate::store::Lease::default_kiosk(),
            lease: crate::store::Lease::LENGTH,
            bucket: Err(crate::text::Msg::new("media-local-video")),
            bucket_place: None,
            secrets: crate::secrets::Secrets::os(),
        }
    }
}
