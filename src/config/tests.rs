//! Settings: reading, writing, overrides, the roster's address.

use super::*;

#[cfg(unix)]
#[test]
fn a_shared_folder_keeps_its_sticky_bit_and_a_new_one_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    ensure_data_dir(&shared).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&shared), 0o1777);
    let new = dir.path().join("new");
    ensure_data_dir(&new).unwrap();
    assert_eq!(mode(&new), 0o700);
    let export = dir.path().join("export.csv");
    std::fs::write(&export, "old").unwrap();
    write_private(&export, b"name\n").unwrap();
    assert_eq!(mode(&export), 0o600);
    assert_eq!(std::fs::read(&export).unwrap(), b"name\n");
}

#[test]
fn older_files_keep_their_choice_of_the_persons_screen() {
    let dir = tempfile::tempdir().unwrap();
    let read = |json: &str| {
        std::fs::write(dir.path().join(SETTINGS_FILE), json).unwrap();
        let (s, problem) = Settings::load(dir.path());
        assert!(problem.is_none());
        s
    };
    // Every older file wrote the switch; `false` was only the default.
    assert_eq!(
        read(r#"{"customer_window": false}"#).person_screen,
        PersonScreen::Auto
    );
    assert_eq!(
        read(r#"{"customer_window": true}"#).person_screen,
        PersonScreen::Window
    );
    let s = read(r#"{"customer_screen": "Switch"}"#);
    assert_eq!(s.person_screen, PersonScreen::Switch);
    s.save(dir.path()).unwrap();
    let written = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
    assert!(!written.contains("customer_window"), "{written}");
}

#[test]
fn command_line_settings_are_used_but_not_saved() {
    let saved = Settings {
        base_url: "https://api.apimart.ai".into(),
        ..Settings::default()
    };
    let flags = RunOverrides {
        base_url: Some("http://127.0.0.1:9999".into()),
        project: None,
        callback: Some(CallbackChoice::Loopback),
        callback_url: None,
        callback_port: Some(8123),
        callback_bind: None,
        bucket: Some(crate::api::bucket::BucketPlace {
            bucket: "from-flags".into(),
            ..Default::default()
        }),
        camera: Some("test-pattern".into()),
    };
    let mut in_use = flags.apply(&saved);
    assert_eq!(in_use.camera.as_deref(), Some("test-pattern"));
    assert_eq!(in_use.base_url, "http://127.0.0.1:9999");
    assert_eq!(in_use.callback_port, 8123);
    assert_eq!(in_use.bucket.bucket, "from-flags");
    // Staff change the language only: the flags' values are not written.
    in_use.text_scale = 1.25;
    let disk = flags.for_disk(&in_use, &saved);
    assert_eq!(disk.base_url, "https://api.apimart.ai");
    assert!(!disk.bucket.is_set(), "--s3-bucket is for the run only");
    assert_eq!(disk.callback, saved.callback);
    assert_eq!(disk.callback_port, saved.callback_port);
    assert_eq!(disk.text_scale, 1.25);
    assert_eq!(disk.camera, None, "--camera is for the run only");
    // Staff choose another camera in the window: theirs is saved.
    in_use.camera = Some("Integrated Camera".into());
    assert_eq!(
        flags.for_disk(&in_use, &saved).camera.as_deref(),
        Some("Integrated Camera")
    );
    // Staff change the address in Settings: theirs is saved.
    in_use.base_url = "https://proxy.studio.example".into();
    assert_eq!(
        flags.for_disk(&in_use, &saved).base_url,
        "https://proxy.studio.example"
    );
    // Staff change the mode only: the flag's port still stays off the disk.
    in_use.callback = CallbackChoice::Lan;
    let disk = flags.for_disk(&in_use, &saved);
    assert_eq!(disk.callback, CallbackChoice::Lan);
    assert_eq!(disk.callback_port, saved.callback_port);
}

#[test]
fn only_engine_settings_restart_the_engine() {
    let old = Settings::default();
    let mut window_only = old.clone();
    window_only.text_scale = 1.5;
    window_only.idle_reset_secs = 300;
    window_only.person_screen = PersonScreen::Switch;
    window_only.project = "other".into();
    assert!(!old.engine_differs(&window_only));
    let mut poll = old.clone();
    poll.poll_max_secs = 30;
    assert!(old.engine_differs(&poll));
    let mut port = old.clone();
    port.callback_port = 8123;
    assert!(old.engine_differs(&port));
    let mut external_url = old.clone();
    external_url.callback_url = "https://studio.example/cb/{session}".into();
    assert!(
        !old.engine_differs(&external_url),
        "the URL matters only in External mode"
    );
    external_url.callback = CallbackChoice::External;
    assert!(old.engine_differs(&external_url));
}

mod roster {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn a_password_typed_in_the_address_goes_to_the_keyring_not_the_file() {
        let (url, password) = split_roster_password(" postgres://kim:p%40ss@db.lan:5432/roster ");
        assert_eq!(url, "postgres://kim@db.lan:5432/roster");
        assert_eq!(password.as_deref(), Some("p@ss"));
        let (url, password) = split_roster_password("postgres://kim@db.lan/roster");
        assert_eq!(
            (url.as_str(), password),
            ("postgres://kim@db.lan/roster", None)
        );
        let (url, password) =
            split_roster_password("postgres://kim@db.lan/roster?sslmode=require&password=a+b");
        assert_eq!(url, "postgres://kim@db.lan/roster?sslmode=require");
        // As the driver and libpq read it: percent-decoded, `+` is itself.
        assert_eq!(password.as_deref(), Some("a+b"));
        let (url, password) = split_roster_password("host=db.lan user=kim password=pw dbname=r");
        assert_eq!(url, "host=db.lan user=kim dbname=r");
        assert_eq!(password.as_deref(), Some("pw"));
        // `+` and `&` in a password typed in the address are themselves.
        let (_, password) = split_roster_password("postgres://kim:a+b%26c@db/r");
        assert_eq!(password.as_deref(), Some("a+b&c"));
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_settings() {
        let settings = Settings {
            roster_url: "postgres://kim@db.lan/roster".into(),
            kiosk_name: "front".into(),
            ..Settings::default()
        };
        // Settings alone: their address with the keyring's password, their name.
        let keyring = Desk {
            password: Some("s3cret".to_string().into()),
            ..Desk::default()
        };
        let (roster, name) = keyring.resolve(&settings);
        assert_eq!(
            roster.unwrap().expose_secret(),
            "postgres://kim:s3cret@db.lan/roster"
        );
        assert_eq!(name, "front");
        // A `%` in a password is a percent sign to the server, not an escape.
        let odd = Desk {
            password: Some("50%41@x".to_string().into()),
            ..Desk::default()
        };
        let (roster, _) = odd.resolve(&settings);
        let url = url::Url::parse(roster.unwrap().expose_secret()).unwrap();
        let sent =
            percent_encoding::percent_decode_str(url.password().unwrap()).decode_utf8_lossy();
        assert_eq!(sent, "50%41@x");
        // A flag (or the environment, which clap folds into the same value) wins.
        let flagged = Desk {
            roster: Some("postgres://other@db2/r".to_string().into()),
            name: Some("back".into()),
            password: None,
        };
        let (roster, name) = flagged.resolve(&settings);
        assert_eq!(roster.unwrap().expose_secret(), "postgres://other@db2/r");
        assert_eq!(name, "back");
        // Nothing set: this computer's file, the host's name.
        let (roster, name) = Desk::default().resolve(&Settings::default());
        assert!(roster.is_none());
        assert!(!name.is_empty());
    }
}

#[test]
fn an_older_single_render_price_becomes_every_models_price_and_is_not_written_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(SETTINGS_FILE),
        r#"{"render_price_per_second": 0.25}"#,
    )
    .unwrap();
    let (s, problem) = Settings::load(dir.path());
    assert!(problem.is_none());
    for (fast, res) in [
        (false, "480p"),
        (false, "720p"),
        (true, "480p"),
        (true, "720p"),
    ] {
        assert_eq!(s.render_prices.per_second(fast, res), 0.25);
    }
    s.save(dir.path()).unwrap();
    let written = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
    assert!(!written.contains("render_price_per_second"), "{written}");
    // The defaults: each model and resolution its own price, marked as assumed.
    let d = RenderPrices::default();
    assert!(d.assumed());
    assert!(d.per_second(true, "480p") < d.per_second(false, "480p"));
    assert!(d.per_second(false, "720p") > d.per_second(false, "480p"));
}

#[test]
fn a_write_that_fails_leaves_what_was_there_and_no_part() {
    let dir = tempfile::tempdir().unwrap();
    // A folder in the way: the rename fails after the bytes were written beside it.
    let taken = dir.path().join("receipt.pdf");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("inside"), "kept").unwrap();
    assert!(write_private(&taken, b"%PDF").is_err());
    assert_eq!(std::fs::read(taken.join("inside")).unwrap(), b"kept");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["receipt.pdf"], "no part left behind");
}

#[test]
fn a_save_without_a_dialog_never_replaces_an_earlier_file() {
    let dir = tempfile::tempdir().unwrap();
    let first = free_name(dir.path(), "Kim-0123.csv");
    assert_eq!(first, dir.path().join("Kim-0123.csv"));
    std::fs::write(&first, "1").unwrap();
    let second = free_name(dir.path(), "Kim-0123.csv");
    assert_eq!(second, dir.path().join("Kim-0123-2.csv"));
    std::fs::write(&second, "2").unwrap();
    assert_eq!(
        free_name(dir.path(), "Kim-0123.csv"),
        dir.path().join("Kim-0123-3.csv")
    );
    assert_eq!(free_name(dir.path(), "plain"), dir.path().join("plain"));
}
