//! Where the app keeps its files, and the settings every mode shares.

use std::path::{Path, PathBuf};

use crate::text::Msg;

pub mod engine;
pub mod pin;

/// The directory for the database, logs and settings: `--data-dir`, else the platform data
/// directory (`~/.local/share/avatar-kiosk` on Linux), else `./avatar-kiosk-data`.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    // The local data folder: the same as the data folder on Linux and macOS; on Windows
    // %LOCALAPPDATA%, not the roaming %APPDATA% that a roaming profile would copy to every
    // machine the user signs in to (photos, videos, renders).
    directories::ProjectDirs::from("", "", "avatar-kiosk")
        .map(|d| d.data_local_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("avatar-kiosk-data"))
}

/// Creates the data directory, private to this user: it holds personal data. Only a folder
/// made here is narrowed itself (an existing one, `--data-dir /tmp`, keeps its mode and
/// sticky bit); every folder and file inside is made private, also those that existed.
pub fn ensure_data_dir(dir: &Path) -> std::io::Result<()> {
    use crate::platform::private;
    let existed = dir.is_dir();
    std::fs::create_dir_all(dir)?;
    if !existed {
        private::narrow_dir(dir)?;
    }
    private::narrow_tree(dir)?;
    Ok(())
}

/// Writes a file only its owner can read (exports and receipts hold people's names and asset
/// URLs): whole or not at all, so a full disk never leaves half a file in place of the one
/// that was there (a hidden `.part` beside it, renamed in).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("file"),
        std::ffi::OsStr::to_os_string,
    );
    let mut part_name = std::ffi::OsString::from(".");
    part_name.push(name);
    part_name.push(".part");
    let part = path.with_file_name(part_name);
    let written =
        crate::platform::private::write(&part, bytes).and_then(|()| std::fs::rename(&part, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written
}

/// `dir/name`, or `dir/stem-2.ending` (then 3, ...) when that is taken: a save that asks no
/// one where to go never replaces an earlier file.
pub fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ending) = name
        .rsplit_once('.')
        .map_or((name, None), |(s, e)| (s, Some(e)));
    (2..)
        .map(|n| match ending {
            Some(e) => dir.join(format!("{stem}-{n}.{e}")),
            None => dir.join(format!("{stem}-{n}")),
        })
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// The version and the commit the binary was built from, e.g. `0.1.0 (3f2a9c1b7d20)`.
pub const VERSION_LINE: &str = env!("AVATAR_KIOSK_VERSION_LINE");

/// The file in the data directory that holds [`Settings`] (never the key).
pub const SETTINGS_FILE: &str = "settings.json";

/// How the phone's redirect reaches the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CallbackChoice {
    /// Listen on this machine's LAN address (phones on the studio network reach it).
    Lan,
    /// Listen on 127.0.0.1 only (the demo, or a reverse proxy in front).
    Loopback,
    /// The studio's own public URL; staff confirm by hand.
    External,
}

/// The window's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ThemeChoice {
    /// As the desktop is.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// Where kiosk mode shows the person's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum PersonScreen {
    /// Full screen on a second monitor when one is connected; otherwise the window switches.
    #[default]
    Auto,
    /// Always a second window (staff drag it where the person sees it).
    Window,
    /// Always a switch of the main window.
    Switch,
}

/// What a second of test-render video costs, per model and resolution, in the studio's
/// currency, for the estimate shown before a render is asked. The defaults are assumptions
/// (APIMart publishes its prices on its site and they change): Settings sets the studio's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RenderPrices {
    /// The currency's code or sign, shown with every estimate (`USD`, `KRW`, `¥`).
    pub currency: String,
    /// doubao-seedance-2.0-face at 480p.
    pub face_480p: f64,
    /// doubao-seedance-2.0-face at 720p.
    pub face_720p: f64,
    /// doubao-seedance-2.0-fast-face at 480p.
    pub fast_480p: f64,
    /// doubao-seedance-2.0-fast-face at 720p.
    pub fast_720p: f64,
}

impl Default for RenderPrices {
    fn default() -> Self {
        // Assumed: 720p about twice 480p, the fast model about 60 % of the standard one.
        RenderPrices {
            currency: "USD".into(),
            face_480p: 0.10,
            face_720p: 0.20,
            fast_480p: 0.06,
            fast_720p: 0.12,
        }
    }
}

impl RenderPrices {
    /// The price of a second of video of this model and resolution (`480p` or `720p`).
    pub fn per_second(&self, fast: bool, resolution: &str) -> f64 {
        match (fast, resolution == "720p") {
            (false, false) => self.face_480p,
            (false, true) => self.face_720p,
            (true, false) => self.fast_480p,
            (true, true) => self.fast_720p,
        }
    }

    /// Whether these are still the assumed defaults (said beside the estimate).
    pub fn assumed(&self) -> bool {
        *self == RenderPrices::default()
    }
}

/// What staff set in Settings, kept as JSON in the data directory. The API key is not here:
/// it lives in the OS keyring.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// APIMart API address.
    pub base_url: String,
    /// APIMart project name.
    pub project: String,
    /// How the callback is received.
    pub callback: CallbackChoice,
    /// Callback port (0 picks a free one at each start).
    pub callback_port: u16,
    /// The studio's callback URL when `callback` is `External` (`{session}` is replaced).
    pub callback_url: String,
    /// Longest wait between two polls, in seconds.
    pub poll_max_secs: u64,
    /// Polling stops after this many minutes (Refresh starts it again).
    pub poll_deadline_mins: u64,
    /// The folder the file dialog opened last.
    pub last_folder: Option<PathBuf>,
    /// The window's language; `None` follows the OS.
    pub ui_language: Option<crate::i18n::UiLang>,
    /// Zoom for every text and control (accessibility), 0.75 to 2.
    pub text_scale: f32,
    /// The staff PIN as an argon2 hash (PHC string); kiosk mode needs it to unlock.
    pub kiosk_pin_hash: Option<String>,
    /// In kiosk mode, after a finished session, the screen clears after this many idle seconds.
    pub idle_reset_secs: u64,
    /// In kiosk mode, where the person's screen goes (older files call it `customer_screen`).
    #[serde(alias = "customer_screen")]
    pub person_screen: PersonScreen,
    /// Light, dark, or as the desktop is.
    pub theme: ThemeChoice,
    /// A studio's shared roster, `postgres://USER@HOST:PORT/DATABASE` (empty: this computer's
    /// file). Never with its password: that is in the OS keyring.
    pub roster_url: String,
    /// The studio's certificate authority (a PEM file) that the roster server's certificate
    /// is checked against, for an address that names none (empty: the system's roots).
    pub roster_ca_file: String,
    /// This desk's name on the roster (empty: the host's name).
    pub kiosk_name: String,
    /// The price per second of a test render's video, for the estimate shown before one is
    /// sent.
    pub render_prices: RenderPrices,
    /// Versions before `render_prices` kept one price for every model (read, never written).
    #[serde(skip_serializing)]
    pub render_price_per_second: Option<f64>,
    /// The studio's bucket for local videos (its keys are in the keyring).
    pub bucket: crate::api::bucket::BucketPlace,
    /// What versions before `customer_screen` wrote (`true`: a second window). Read from older
    /// files only, never written.
    #[serde(skip_serializing)]
    pub customer_window: bool,
    /// This desk's camera, by its name (`None`: the first camera found, else the synthetic one).
    pub camera: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: crate::api::DEFAULT_BASE_URL.to_string(),
            project: "default".to_string(),
            callback: CallbackChoice::Lan,
            callback_port: 0,
            callback_url: String::new(),
            poll_max_secs: 15,
            poll_deadline_mins: 30,
            last_folder: None,
            ui_language: None,
            text_scale: 1.0,
            kiosk_pin_hash: None,
            idle_reset_secs: 90,
            person_screen: PersonScreen::Auto,
            theme: ThemeChoice::System,
            roster_url: String::new(),
            roster_ca_file: String::new(),
            kiosk_name: String::new(),
            render_prices: RenderPrices::default(),
            render_price_per_second: None,
            bucket: Default::default(),
            customer_window: false,
            camera: None,
        }
    }
}

impl Settings {
    /// Reads the settings; a missing or unreadable file gives the defaults (and says why).
    pub fn load(data_dir: &Path) -> (Settings, Option<Msg>) {
        let path = data_dir.join(SETTINGS_FILE);
        let unreadable = |e: &dyn std::fmt::Display| {
            Msg::new("settings-file-unreadable")
                .text("path", path.display().to_string())
                .text("reason", e.to_string())
        };
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(mut s) => {
                    // Older files: `customer_window: true` asked for a second window.
                    if std::mem::take(&mut s.customer_window)
                        && s.person_screen == PersonScreen::Auto
                    {
                        s.person_screen = PersonScreen::Window;
                    }
                    // Older files: one price for every model and resolution.
                    if let Some(price) = s.render_price_per_second.take() {
                        let currency = s.render_prices.currency.clone();
                        s.render_prices = RenderPrices {
                            currency,
                            face_480p: price,
                            face_720p: price,
                            fast_480p: price,
                            fast_720p: price,
                        };
                    }
                    (s, None)
                }
                Err(e) => (Settings::default(), Some(unreadable(&e))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (Settings::default(), Some(unreadable(&e))),
        }
    }

    /// Writes the settings atomically (a temporary file, then a rename).
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        let path = data_dir.join(SETTINGS_FILE);
        let tmp = data_dir.join(format!("{SETTINGS_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        // Private: it holds the staff PIN's hash.
        crate::platform::private::write(&tmp, &json)?;
        std::fs::rename(&tmp, &path)
    }

    /// The engine's callback mode for these settings.
    pub fn callback_mode(&self) -> crate::engine::CallbackMode {
        use std::net::{Ipv4Addr, SocketAddr};
        match self.callback {
            CallbackChoice::Lan => crate::engine::CallbackMode::Listen(SocketAddr::new(
                crate::callback::lan_address(),
                self.callback_port,
            )),
            CallbackChoice::Loopback => crate::engine::CallbackMode::Listen(SocketAddr::from((
                Ipv4Addr::LOCALHOST,
                self.callback_port,
            ))),
            CallbackChoice::External => {
                crate::engine::CallbackMode::External(self.callback_url.clone())
            }
        }
    }

    /// Whether going from `self` to `new` changes what the engine runs with (the API address,
    /// the callback, polling). Language, text size and kiosk choices do not: saving only those
    /// leaves uploads and polls in flight alone.
    pub fn engine_differs(&self, new: &Settings) -> bool {
        self.base_url != new.base_url
            || self.roster_url != new.roster_url
            || self.roster_ca_file != new.roster_ca_file
            || self.kiosk_name != new.kiosk_name
            || self.callback_mode() != new.callback_mode()
            || self.poll_policy() != new.poll_policy()
            || self.bucket != new.bucket
    }

    /// The engine's poll policy for these settings.
    pub fn poll_policy(&self) -> crate::engine::PollPolicy {
        let d = crate::engine::PollPolicy::default();
        crate::engine::PollPolicy {
            max: std::time::Duration::from_secs(self.poll_max_secs.clamp(2, 300)),
            deadline: std::time::Duration::from_secs(
                self.poll_deadline_mins.clamp(1, 24 * 60) * 60,
            ),
            ..d
        }
    }
}

/// Which roster this desk writes to, and its name there: `--database-url` (or
/// `AVATAR_KIOSK_DATABASE_URL`) and `--kiosk-name` win over Settings for a run.
#[derive(Debug, Clone, Default)]
pub struct Desk {
    /// The roster from the command line or the environment. The address may hold a password,
    /// so it is never shown, logged or saved.
    pub roster: Option<secrecy::SecretString>,
    /// The desk's name from the command line.
    pub name: Option<String>,
    /// The roster's password from the OS keyring, for the address in Settings.
    pub password: Option<secrecy::SecretString>,
}

impl Desk {
    /// The roster in use (`None`: this computer's file) and the desk's name, for `settings`.
    pub fn resolve(&self, settings: &Settings) -> (Option<secrecy::SecretString>, String) {
        use secrecy::ExposeSecret;
        let roster = self.roster.clone().or_else(|| {
            let saved = settings.roster_url.trim();
            if saved.is_empty() {
                return None;
            }
            let mut url = saved.to_string();
            if let Some(password) = &self.password {
                url = crate::store::roster_address::with_password(&url, password.expose_secret());
            }
            let ca = settings.roster_ca_file.trim();
            if !ca.is_empty() {
                url = crate::store::roster_address::with_default(&url, "sslrootcert", ca);
            }
            Some(secrecy::SecretString::from(url))
        });
        let name = self
            .name
            .clone()
            .or_else(|| Some(settings.kiosk_name.trim().to_string()).filter(|n| !n.is_empty()))
            .unwrap_or_else(crate::store::Lease::default_kiosk);
        (roster, name)
    }
}

/// Splits a typed roster address into what Settings may keep and its password (for the
/// keyring): `postgres://kim:pw@db/roster` gives `postgres://kim@db/roster` and `pw`. Every
/// form the driver reads is covered (the store's address module decides).
pub fn split_roster_password(typed: &str) -> (String, Option<String>) {
    crate::store::roster_address::split_password(typed)
}

/// Settings given on the command line: they win for this run and are not saved, so a
/// `--base-url` tried once does not become the studio's setting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOverrides {
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--project`.
    pub project: Option<String>,
    /// `--callback-url` or `--callback-bind`: the mode.
    pub callback: Option<CallbackChoice>,
    /// `--callback-url`.
    pub callback_url: Option<String>,
    /// `--callback-bind`: the port.
    pub callback_port: Option<u16>,
    /// `--callback-bind`: the whole address, used as given.
    pub callback_bind: Option<std::net::SocketAddr>,
    /// `--s3-*`: the bucket for this run.
    pub bucket: Option<crate::api::bucket::BucketPlace>,
    /// `--camera`: the desk's camera for this run.
    pub camera: Option<String>,
}

impl RunOverrides {
    /// The settings in use: `saved` with the overrides applied.
    pub fn apply(&self, saved: &Settings) -> Settings {
        let mut s = saved.clone();
        if let Some(url) = &self.base_url {
            s.base_url = url.clone();
        }
        if let Some(project) = &self.project {
            s.project = project.clone();
        }
        if let Some(choice) = self.callback {
            s.callback = choice;
        }
        if let Some(url) = &self.callback_url {
            s.callback_url = url.clone();
        }
        if let Some(port) = self.callback_port {
            s.callback_port = port;
        }
        if let Some(bucket) = &self.bucket {
            s.bucket = bucket.clone();
        }
        if let Some(camera) = &self.camera {
            s.camera = Some(camera.clone());
        }
        s
    }

    /// What to write to disk for the settings in use: each overridden field keeps its saved
    /// value, unless staff changed it in Settings since (then theirs is saved).
    pub fn for_disk(&self, in_use: &Settings, saved: &Settings) -> Settings {
        let mut out = in_use.clone();
        if self.base_url.as_ref() == Some(&in_use.base_url) {
            out.base_url = saved.base_url.clone();
        }
        if self.project.as_ref() == Some(&in_use.project) {
            out.project = saved.project.clone();
        }
        if self.callback == Some(in_use.callback) {
            out.callback = saved.callback;
        }
        if self.callback_url.as_ref() == Some(&in_use.callback_url) {
            out.callback_url = saved.callback_url.clone();
        }
        if self.callback_port == Some(in_use.callback_port) {
            out.callback_port = saved.callback_port;
        }
        if self.bucket.as_ref() == Some(&in_use.bucket) {
            out.bucket = saved.bucket.clone();
        }
        if self.camera.is_some() && self.camera == in_use.camera {
            out.camera = saved.camera.clone();
        }
        out
    }
}

#[cfg(test)]
mod tests;
