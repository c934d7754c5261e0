//! The engine's configuration, built in one place from the flags, the environment and
//! Settings, for the window and the command line alike: the two cannot drift apart (the
//! command line used to ignore the API address, project and polling saved in Settings).

use std::path::{Path, PathBuf};

use super::{CallbackChoice, Desk, RunOverrides, Settings};
use crate::api::ApiKey;
use crate::engine::{CallbackMode, EngineConfig};
use crate::text::Msg;

/// Which front end drives the engine: the window names itself as the folder's holder (said to
/// a refused second program; each command names itself) and leaves a core for drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// The window.
    Window,
    /// A command of the command line.
    Command,
}

/// The demo's simulator.
#[derive(Debug, Clone, Copy)]
pub struct DemoApi<'a> {
    /// Its address.
    pub base_url: &'a str,
    /// Asked for with `--demo` (its data folder is then already the demo's); otherwise it runs
    /// because no key could be read.
    pub forced: bool,
}

/// What the engine is started with.
pub struct Setup<'a> {
    /// Settings in use (the saved ones with `overrides` applied).
    pub settings: &'a Settings,
    /// Command-line settings for this run.
    pub overrides: &'a RunOverrides,
    /// The key, when one is set.
    pub key: Option<&'a ApiKey>,
    /// The demo's simulator, when the demo runs.
    pub demo: Option<DemoApi<'a>>,
    /// Where the data lives.
    pub data_dir: &'a Path,
    /// The roster and this desk's name.
    pub desk: &'a Desk,
    /// The front end.
    pub front: Front,
}

/// The engine's configuration for `setup`; `Err` when there is no key and no demo.
pub fn build(setup: &Setup<'_>) -> Result<EngineConfig, Msg> {
    let s = setup.settings;
    let (base, key) = match (setup.demo, setup.key) {
        (Some(demo), _) => (demo.base_url.to_string(), ApiKey::new("demo-key")),
        (None, Some(k)) => (s.base_url.clone(), k.clone()),
        (None, None) => return Err(Msg::new("toast-no-key")),
    };
    // A demo that runs because no key could be read keeps to `demo/`: a real session is never
    // resumed against the simulator, and demo people never reach the real records.
    let db_dir: PathBuf = match setup.demo {
        Some(DemoApi { forced: false, .. }) => setup.data_dir.join("demo"),
        _ => setup.data_dir.to_path_buf(),
    };
    let mut config = EngineConfig::new(db_dir.join(crate::store::DB_FILE), &base, key);
    config.poll = s.poll_policy();
    // URLs are read before sending in the demo too: only its APIMart is simulated, and a 404
    // or a web page must not be "approved" there any more than in a real run.
    config.probe_urls = true;
    config.bucket_place = s.bucket.is_set().then(|| s.bucket.clone());
    let (roster, kiosk) = setup.desk.resolve(s);
    config.kiosk = kiosk;
    // Demo people never reach a shared roster.
    if setup.demo.is_none() {
        config.roster = roster;
    }
    config.callback = if setup.demo.is_some() {
        // The simulated phone runs on this machine.
        Settings {
            callback: CallbackChoice::Loopback,
            ..s.clone()
        }
        .callback_mode()
    } else {
        s.callback_mode()
    };
    if let (Some(bind), None) = (setup.overrides.callback_bind, setup.demo) {
        // `--callback-bind` as given: its address, not only its port.
        config.callback = CallbackMode::Listen(bind);
    }
    match setup.front {
        Front::Window => {
            config.holder = "the avatar-kiosk window".to_string();
            // One core stays with the window, so it draws smoothly while photos are prepared.
            config.decode_concurrency = config.decode_concurrency.saturating_sub(1).max(1);
        }
        Front::Command => {}
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window and a command given the same Settings and flags run the same engine: the
    /// API, project-independent polling, callback, roster, desk, bucket and folders agree;
    /// only who holds the folder and the decoding threads differ.
    #[test]
    fn the_window_and_the_command_line_build_the_same_engine() {
        let dir = tempfile::tempdir().unwrap();
        let saved = Settings {
            base_url: "https://gateway.studio.example".into(),
            project: "studio-a".into(),
            callback: CallbackChoice::External,
            callback_url: "https://studio.example/cb/{session}".into(),
            poll_max_secs: 7,
            poll_deadline_mins: 12,
            roster_url: "postgres://kim@db.studio.example/roster".into(),
            roster_ca_file: "/etc/studio-ca.pem".into(),
            kiosk_name: "front-desk".into(),
            bucket: crate::api::bucket::BucketPlace {
                endpoint: "https://s3.studio.example".into(),
                bucket: "videos".into(),
                ..Default::default()
            },
            ..Settings::default()
        };
        let overrides = RunOverrides {
            project: Some("from-flag".into()),
            ..RunOverrides::default()
        };
        let settings = overrides.apply(&saved);
        let desk = Desk {
            password: Some(secrecy::SecretString::from("pw".to_string())),
            ..Desk::default()
        };
        let key = ApiKey::new("sk-1");
        let built = |front| {
            build(&Setup {
                settings: &settings,
                overrides: &overrides,
                key: Some(&key),
                demo: None,
                data_dir: dir.path(),
                desk: &desk,
                front,
            })
            .unwrap()
        };
        let (window, command) = (built(Front::Window), built(Front::Command));
        let seen = |c: &EngineConfig| {
            use secrecy::ExposeSecret;
            (
                c.base_url.clone(),
                format!("{:?}", c.callback),
                (c.poll.max, c.poll.deadline),
                c.roster.as_ref().map(|r| r.expose_secret().to_string()),
                c.kiosk.clone(),
                c.bucket_place.clone(),
                (
                    c.db_path.clone(),
                    c.cache_dir.clone(),
                    c.renders_dir.clone(),
                ),
                c.probe_urls,
            )
        };
        assert_eq!(seen(&window), seen(&command));
        let (base, callback, poll, roster, kiosk, bucket, _, probe) = seen(&command);
        assert_eq!(
            base, "https://gateway.studio.example",
            "Settings' API address"
        );
        assert!(callback.contains("studio.example/cb"), "{callback}");
        assert_eq!(poll.0, std::time::Duration::from_secs(7));
        let roster = roster.unwrap();
        assert!(
            roster.contains(":pw@") && roster.contains("sslrootcert="),
            "{roster}"
        );
        assert_eq!(kiosk, "front-desk");
        assert_eq!(bucket.unwrap().bucket, "videos");
        assert!(probe);
        assert_ne!(window.holder, command.holder);
    }
}
