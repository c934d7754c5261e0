//! The API key, and the only code that reads or writes it: the OS keyring (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows), or the `AVATAR_KIOSK_API_KEY`
//! environment variable for scripts. The key is never written anywhere else.

use std::sync::Mutex;

use crate::api::ApiKey;
use crate::api::bucket::{Bucket, BucketKeys, BucketPlace};
use crate::text::Msg;

/// The keyring service name.
pub const SERVICE: &str = "avatar-kiosk";
/// The keyring account name under which the APIMart key is stored.
pub const ACCOUNT: &str = "apimart-api-key";
/// The keyring account that holds the shared roster's password (Settings).
pub const ROSTER_ACCOUNT: &str = "roster-password";
/// The keyring account that holds the studio bucket's access key and secret (one line each).
pub const BUCKET_ACCOUNT: &str = "s3-credentials";
/// The environment variables that give the bucket's keys for one run, as AWS tools read them.
pub const AWS_ENV: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];
/// The environment variable scripts may use instead of the keyring.
pub const ENV_VAR: &str = "AVATAR_KIOSK_API_KEY";
/// The variable that may name the studio's shared roster (its address may hold the password).
pub const ROSTER_ENV: &str = "AVATAR_KIOSK_DATABASE_URL";

/// Why the key store could not be used. Never carries the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No keyring service runs (e.g. no D-Bus session, no gnome-keyring or KWallet).
    #[error("the system keyring is not available: {0}")]
    Unavailable(String),
    /// The keyring refused or failed (the system's own words, or why the app gave up).
    #[error("the system keyring failed: {0}")]
    Failed(Msg),
}

impl SecretError {
    /// What staff can do about it.
    pub fn advice(&self) -> Msg {
        match self {
            SecretError::Unavailable(_) => Msg::new("keyring-unavailable"),
            SecretError::Failed(why) => Msg::new("keyring-failed").msg("reason", why.clone()),
        }
    }
}

/// Where the key in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The `AVATAR_KIOSK_API_KEY` environment variable.
    Environment,
    /// The OS keyring.
    Keyring,
}

/// A place that holds the key. The OS keyring in the app; memory in tests.
pub trait KeyStore: Send + Sync {
    /// The stored key, if any.
    fn get(&self) -> Result<Option<ApiKey>, SecretError>;
    /// Stores (replaces) the key.
    fn set(&self, key: &ApiKey) -> Result<(), SecretError>;
    /// Removes the key; removing an absent key is not an error.
    fn delete(&self) -> Result<(), SecretError>;
}

/// Where the three secrets are kept: the API key, the roster's password and the bucket's
/// keys, each in a store of its own. The OS keyring in the app ([`Secrets::os`], the one place
/// it is opened); memory in tests. Every read and write of a secret goes through one of these.
#[derive(Clone)]
pub struct Secrets {
    /// The APIMart API key.
    pub api_key: std::sync::Arc<dyn KeyStore>,
    /// The shared roster's password.
    pub roster_password: std::sync::Arc<dyn KeyStore>,
    /// The studio bucket's access key pair.
    pub bucket_keys: std::sync::Arc<dyn KeyStore>,
}

impl Secrets {
    /// The OS keyring's three entries.
    pub fn os() -> Secrets {
        Secrets {
            api_key: std::sync::Arc::new(OsKeyring::new(SERVICE, ACCOUNT)),
            roster_password: std::sync::Arc::new(OsKeyring::new(SERVICE, ROSTER_ACCOUNT)),
            bucket_keys: std::sync::Arc::new(OsKeyring::new(SERVICE, BUCKET_ACCOUNT)),
        }
    }

    /// Three empty stores in memory (tests, screenshots, benchmarks).
    pub fn in_memory() -> Secrets {
        Secrets {
            api_key: std::sync::Arc::new(MemoryStore::default()),
            roster_password: std::sync::Arc::new(MemoryStore::default()),
            bucket_keys: std::sync::Arc::new(MemoryStore::default()),
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// The OS keyring.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    service: String,
    account: String,
}

impl Default for OsKeyring {
    fn default() -> Self {
        OsKeyring::new(SERVICE, ACCOUNT)
    }
}

impl OsKeyring {
    /// A keyring entry with the given service and account names (tests use their own).
    pub fn new(service: &str, account: &str) -> OsKeyring {
        OsKeyring {
            service: service.to_string(),
            account: account.to_string(),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &self.account).map_err(map_keyring_error)
    }
}

/// Maps keyring errors without ever formatting one that can hold secret bytes.
fn map_keyring_error(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoDefaultStore | keyring::Error::NoStorageAccess(_) => {
            SecretError::Unavailable(match e {
                keyring::Error::NoStorageAccess(inner) => inner.to_string(),
                _ => "no credential store could be opened".into(),
            })
        }
        keyring::Error::PlatformFailure(inner) => {
            SecretError::Failed(Msg::verbatim(inner.to_string()))
        }
        keyring::Error::BadEncoding(_) => SecretError::Failed(Msg::new("keyring-bad-encoding")),
        keyring::Error::TooLong(what, max) => SecretError::Failed(
            Msg::new("keyring-too-long")
                .text("what", what)
                .num("max", max),
        ),
        keyring::Error::Invalid(what, why) => {
            SecretError::Failed(Msg::verbatim(format!("{what}: {why}")))
        }
        keyring::Error::Ambiguous(_) => SecretError::Failed(Msg::new("keyring-ambiguous")),
        _ => SecretError::Failed(Msg::new("keyring-unexpected")),
    }
}

impl KeyStore for OsKeyring {
    fn get(&self) -> Result<Option<ApiKey>, SecretError> {
        match self.entry()?.get_password() {
            Ok(k) => {
                let key = ApiKey::new(k);
                Ok((!key.is_empty()).then_some(key))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn set(&self, key: &ApiKey) -> Result<(), SecretError> {
        self.entry()?
            .set_password(key.expose())
            .map_err(map_keyring_error)
    }

    fn delete(&self) -> Result<(), SecretError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// A key store in memory, for tests and the demo.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<Option<ApiKey>>);

impl KeyStore for MemoryStore {
    fn get(&self) -> Result<Option<ApiKey>, SecretError> {
        Ok(self.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    fn set(&self, key: &ApiKey) -> Result<(), SecretError> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(key.clone());
        Ok(())
    }

    fn delete(&self) -> Result<(), SecretError> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}

/// The key from the environment, taken out of it at start (see [`take_env_key`]).
static ENV_KEY: std::sync::OnceLock<Option<ApiKey>> = std::sync::OnceLock::new();

/// Takes the key, the bucket's AWS keys and the roster's address out of the process
/// environment, so no child process (a file dialog's helper, a browser, ffmpeg) inherits
/// them, and keeps them for [`load_key`], [`bucket`] and [`env_roster`]. Call it first in
/// `main`, before any thread starts.
pub fn take_env_key() {
    let take = |name: &str| {
        let value = std::env::var(name).ok();
        if value.is_some() {
            // SAFETY: called at the top of `main`, before any other thread exists, so nothing
            // can read the environment while it changes.
            unsafe { std::env::remove_var(name) };
        }
        value
    };
    let value = take(ENV_VAR);
    let aws = (take(AWS_ENV[0]), take(AWS_ENV[1]), take(AWS_ENV[2]));
    let roster = take(ROSTER_ENV).filter(|u| !u.trim().is_empty());
    let _ = ENV_KEY.set(value.map(ApiKey::new));
    let _ = AWS_KEYS.set(aws_keys(aws));
    let _ = ENV_ROSTER.set(roster.map(secrecy::SecretString::from));
}

static ENV_ROSTER: std::sync::OnceLock<Option<secrecy::SecretString>> = std::sync::OnceLock::new();

/// The roster's address from `AVATAR_KIOSK_DATABASE_URL`, as it was at start.
pub fn env_roster() -> Option<secrecy::SecretString> {
    ENV_ROSTER.get().cloned().flatten()
}

static AWS_KEYS: std::sync::OnceLock<Option<BucketKeys>> = std::sync::OnceLock::new();

fn bucket_keys(access: &str, secret: &str) -> BucketKeys {
    BucketKeys {
        access: access.trim().to_string(),
        secret: secrecy::SecretString::from(secret.trim().to_string()),
        token: None,
    }
}

/// The keys the AWS variables give: both the id and the secret, with the session token
/// (temporary keys) when there is one.
fn aws_keys(
    (access, secret, token): (Option<String>, Option<String>, Option<String>),
) -> Option<BucketKeys> {
    let mut keys = bucket_keys(&access?, &secret?);
    keys.token = token
        .filter(|t| !t.trim().is_empty())
        .map(secrecy::SecretString::from);
    Some(keys)
}

/// Stores the bucket's keys in `store` (the keyring's [`BUCKET_ACCOUNT`]).
pub fn store_bucket_keys(
    store: &dyn KeyStore,
    access: &str,
    secret: &ApiKey,
) -> Result<(), SecretError> {
    store.set(&ApiKey::new(format!(
        "{}\n{}",
        access.trim(),
        secret.expose().trim()
    )))
}

/// The bucket's keys: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for this run when both
/// are set, else the keyring's.
pub fn load_bucket_keys(store: &dyn KeyStore) -> Result<Option<BucketKeys>, SecretError> {
    let env = match AWS_KEYS.get() {
        Some(taken) => taken.clone(),
        None => aws_keys((
            std::env::var(AWS_ENV[0]).ok(),
            std::env::var(AWS_ENV[1]).ok(),
            std::env::var(AWS_ENV[2]).ok(),
        )),
    };
    if env.is_some() {
        return Ok(env);
    }
    Ok(store.get()?.and_then(|k| {
        let (access, secret) = k.expose().split_once('\n')?;
        Some(bucket_keys(access, secret))
    }))
}

/// The studio's bucket for `place`, with its keys (see [`load_bucket_keys`]); `Err` says why
/// local videos cannot be sent (no bucket named, no keys, an unusable address).
pub fn bucket(place: &BucketPlace, store: &dyn KeyStore) -> Result<Bucket, Msg> {
    if !place.is_set() {
        return Err(Msg::new("media-local-video"));
    }
    // A keyring that cannot be read is said as "no keys": the sentence names both places.
    let keys = load_bucket_keys(store)
        .unwrap_or_else(|e| {
            tracing::warn!("the bucket's keys could not be read from the keyring: {e}");
            None
        })
        .ok_or_else(|| Msg::new("bucket-no-keys"))?;
    Bucket::new(place, &keys).map_err(|e| e.advice(place))
}

/// The key to use: the environment variable when set (scripts), else the store.
pub fn load_key(store: &dyn KeyStore) -> Result<Option<(ApiKey, KeySource)>, SecretError> {
    let env = match ENV_KEY.get() {
        Some(taken) => taken.as_ref().map(|k| k.expose().to_string()),
        // Not taken (a library user, a test): read it where it is.
        None => std::env::var(ENV_VAR).ok(),
    };
    load_key_with(env, store)
}

/// [`load_key`] with the environment value passed in (testable without touching the process
/// environment).
pub fn load_key_with(
    env_value: Option<String>,
    store: &dyn KeyStore,
) -> Result<Option<(ApiKey, KeySource)>, SecretError> {
    if let Some(v) = env_value {
        let key = ApiKey::new(v);
        if !key.is_empty() {
            return Ok(Some((key, KeySource::Environment)));
        }
    }
    Ok(store.get()?.map(|k| (k, KeySource::Keyring)))
}

/// Stores a secret other than the API key (the roster's password) and gives it back for use.
pub fn store_secret(
    store: &dyn KeyStore,
    secret: &ApiKey,
) -> Result<secrecy::SecretString, SecretError> {
    store.set(secret)?;
    Ok(secrecy::SecretString::from(secret.expose().to_string()))
}

/// A secret other than the API key (the roster's password), when one is stored.
pub fn load_secret(store: &dyn KeyStore) -> Result<Option<secrecy::SecretString>, SecretError> {
    Ok(store
        .get()?
        .map(|k| secrecy::SecretString::from(k.expose().to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(env: Option<&str>, store: &dyn KeyStore) -> Option<(String, KeySource)> {
        load_key_with(env.map(str::to_string), store)
            .ok()
            .flatten()
            .map(|(k, s)| (k.expose().to_string(), s))
    }

    #[test]
    fn environment_wins_over_the_store() {
        let store = MemoryStore::default();
        assert!(store.set(&ApiKey::new("from-store")).is_ok());
        assert_eq!(
            loaded(Some("from-env"), &store),
            Some(("from-env".into(), KeySource::Environment))
        );
        assert_eq!(
            loaded(Some("  "), &store),
            Some(("from-store".into(), KeySource::Keyring))
        );
        assert!(store.delete().is_ok());
        assert_eq!(loaded(None, &store), None);
    }

    /// Runs against the machine's real Secret Service when `AVATAR_KIOSK_REAL_KEYRING` is set:
    /// `.ci/run` starts a D-Bus session and an unlocked gnome-keyring and sets it. Without a
    /// keyring daemon there is nothing to test here (the memory store covers the logic).
    #[test]
    fn the_real_keyring_stores_replaces_and_removes_a_key() {
        if std::env::var_os("AVATAR_KIOSK_REAL_KEYRING").is_none() {
            eprintln!("no real keyring requested (AVATAR_KIOSK_REAL_KEYRING unset)");
            return;
        }
        let service = format!("avatar-kiosk-test-{}", uuid::Uuid::new_v4().simple());
        let store = OsKeyring::new(&service, ACCOUNT);
        let first = ApiKey::new("sk-real-keyring-first");
        let second = ApiKey::new("sk-real-keyring-second");
        assert!(matches!(store.get(), Ok(None)), "a fresh entry is empty");
        store.set(&first).unwrap();
        assert!(store.get().unwrap() == Some(first.clone()));
        // A second handle (as after a restart) reads the same key.
        let again = OsKeyring::new(&service, ACCOUNT);
        assert!(again.get().unwrap() == Some(first));
        store.set(&second).unwrap();
        assert!(again.get().unwrap() == Some(second));
        store.delete().unwrap();
        assert!(matches!(again.get(), Ok(None)));
        assert!(
            store.delete().is_ok(),
            "removing an absent key is not an error"
        );
    }
}
