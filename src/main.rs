//! avatar-kiosk: starts the GUI, the demo on the built-in simulator, or the simulator alone.

// On Windows a GUI program: started from the Start menu, no console window opens beside it.
// Commands still print to a redirected output or the starting terminal (platform::console).
#![windows_subsystem = "windows"]

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use avatar_kiosk::api::{self, AssetKind};
use avatar_kiosk::cli::args::{ConfirmArg, FollowArgs, SimArgs};
use avatar_kiosk::cli::command::{Cli, Command, KioskAction, Options, RosterAction};
use avatar_kiosk::cli::{self, Confirm, DemoPhone, Drive, Target};
use avatar_kiosk::config;
use avatar_kiosk::engine::{CallbackMode, EngineConfig};
use avatar_kiosk::secrets::{self, KeySource};
use avatar_kiosk::sim::{SimConfig, Simulator};
use avatar_kiosk::ui;

fn init_logging(
    data_dir: &std::path::Path,
    verbose: bool,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("AVATAR_KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // The log's lines reach the terminal only when asked (-v): a command's output is its
    // lines or its JSON; coloured only on a terminal and without NO_COLOR.
    let stderr = verbose.then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(avatar_kiosk::platform::console::colour_on_stderr())
            .with_writer(std::io::stderr)
    });
    let logs = data_dir.join("logs");
    let (file_layer, guard) = match avatar_kiosk::platform::private::create_dir(&logs) {
        Ok(()) => {
            let appender = tracing_appender::rolling::daily(&logs, "avatar-kiosk.log");
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(writer),
                ),
                Some(guard),
            )
        }
        Err(_) => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file_layer)
        .init();
    guard
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("avatar-kiosk-rt")
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

/// glibc raises its mmap threshold each time a big block is freed, up to 32 MB: after the first
/// decoded photo, the next photos' buffers land in per-thread heaps that are never given back,
/// and memory grows with the number of photos. A fixed threshold keeps every buffer of a
/// megabyte or more in its own mapping, returned to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bounded_heap() {
    // SAFETY: mallopt only sets allocator parameters; called first in main, before any
    // thread or allocation of note.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bounded_heap() {}

fn main() -> std::process::ExitCode {
    // Windows: a GUI program (see the attribute above) that still prints to its terminal.
    avatar_kiosk::platform::console::attach();
    bounded_heap();
    avatar_kiosk::platform::private::mask_new_files();
    // First, before any thread: the key leaves the environment (children never inherit it).
    secrets::take_env_key();
    let cli = Cli::parse();
    match real_main(&cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("{e:#}");
            if cli.json() {
                // A script reading the JSON lines learns of the failure there too.
                cli::out::line(serde_json::json!({ "event": "error", "message": message }));
            }
            eprintln!("avatar-kiosk: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main(cli: &Cli) -> anyhow::Result<()> {
    let o = cli.options();
    let mut data_dir = config::data_dir(o.place.data_dir.as_deref());
    if o.place.demo {
        // Demo sessions never mix with real people's records.
        data_dir = data_dir.join("demo");
    }
    config::ensure_data_dir(&data_dir)
        .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
    let _log_guard = init_logging(&data_dir, cli.verbose);
    if avatar_kiosk::platform::under_wine() {
        tracing::info!("running under Wine");
    }

    let print = |lines: Result<Vec<String>, String>| {
        lines
            .map_err(|e| anyhow::anyhow!(e))?
            .into_iter()
            .for_each(cli::out::line);
        anyhow::Ok(())
    };
    let open = |data_dir: &std::path::Path| {
        let (roster, name) = resolved(&o, data_dir);
        cli::roster::open_store(roster.as_ref(), &name, data_dir).map_err(|e| anyhow::anyhow!(e))
    };
    match &cli.command {
        Some(Command::Sim(args)) => run_sim(args),
        Some(Command::Cameras(args)) => print(Ok(cli::camera::list(args))),
        Some(Command::Capture(args)) => print(cli::camera::take(args)),
        Some(Command::Sessions(r)) => {
            print(cli::list_sessions(open(&data_dir)?.as_mut(), r.args.json))
        }
        Some(Command::Roster {
            action: RosterAction::Import(_),
        }) => {
            let (roster, name) = resolved(&o, &data_dir);
            print(cli::roster::import(roster.as_ref(), &name, &data_dir))
        }
        Some(Command::Kiosk {
            action: KioskAction::SetPin(_),
        }) => {
            let said = cli::pin::set_pin(&data_dir).map_err(|e| anyhow::anyhow!(e))?;
            eprintln!("{said}");
            Ok(())
        }
        Some(Command::Onboard(r)) => {
            let args = &r.args;
            let target = Target::New {
                name: args.name.clone(),
                note: args.note.clone(),
                // The project in use (the flag, else Settings'), set by `run_cli` from the
                // settings the engine is configured with.
                project: String::new(),
                language: args.language.into(),
            };
            let kind = args.asset_type.map(AssetKind::from);
            let assets = args.assets.clone();
            run_cli(&o, &data_dir, target, assets, kind, &args.follow)
        }
        Some(Command::Add(r)) => {
            let args = &r.args;
            let follow = FollowArgs {
                confirm: ConfirmArg::Callback,
                json: args.json,
                fix_videos: args.fix_videos,
            };
            let target = Target::Add(args.session.clone());
            let kind = args.asset_type.map(AssetKind::from);
            run_cli(&o, &data_dir, target, args.assets.clone(), kind, &follow)
        }
        Some(Command::People(r) | Command::Assets(r)) => {
            let search = r.args.search.as_deref().unwrap_or_default();
            let list = if matches!(cli.command, Some(Command::People(_))) {
                cli::list_people
            } else {
                cli::list_assets
            };
            print(list(open(&data_dir)?.as_mut(), r.args.json, search))
        }
        Some(Command::Audit(r)) => print(cli::audit::run(open(&data_dir)?.as_mut(), &r.args)),
        Some(Command::Consent(r)) => {
            let (_, desk) = resolved(&o, &data_dir);
            let mut store = open(&data_dir)?;
            print(cli::receipt::run(store.as_mut(), &r.args, &desk))
        }
        Some(Command::Render(r)) => run_render(&o, &data_dir, &r.args),
        Some(Command::Purge(r)) => {
            run_removal(&o, &data_dir, |c| cli::retention::purge(c, &r.args))
        }
        Some(Command::Withdraw(r)) => {
            run_removal(&o, &data_dir, |c| cli::retention::withdraw(c, &r.args))
        }
        Some(Command::Resume(r)) => {
            let target = Target::Resume(r.args.id.clone());
            run_cli(&o, &data_dir, target, vec![], None, &r.args.follow)
        }
        None => run_gui(&o, cli.kiosk, cli.camera.clone(), &data_dir),
    }
}

/// The roster and desk name the flags and the environment give (with the password from the
/// keyring when Settings name the roster).
fn desk(o: &Options, settings: &config::Settings) -> config::Desk {
    let from_env = secrets::env_roster();
    cli::roster::desk(
        o.roster
            .database_url
            .as_deref()
            .or(from_env.as_ref().map(secrecy::ExposeSecret::expose_secret)),
        o.roster.kiosk_name.as_deref(),
        o.place.demo,
        settings,
        &secrets::Secrets::os(),
    )
}

/// The roster in use (flag, environment, then Settings) and this desk's name.
fn resolved(o: &Options, data_dir: &std::path::Path) -> (Option<secrecy::SecretString>, String) {
    let (settings, _) = config::Settings::load(data_dir);
    desk(o, &settings).resolve(&settings)
}

struct SimPhone<'a>(&'a Simulator);

impl DemoPhone for SimPhone<'_> {
    fn pass(&self, task_id: &str) -> Option<String> {
        self.0.phone_finishes(task_id, true).ok()
    }
}

/// The engine's configuration for a command: the demo's simulator or the stored key, this
/// folder or the shared roster, this desk's name, built as the window builds its own; with the
/// settings in use (the saved ones under the flags), read once.
fn engine_config(
    o: &Options,
    data_dir: &std::path::Path,
    sim: Option<&Simulator>,
) -> anyhow::Result<(EngineConfig, config::Settings)> {
    let key = match sim {
        Some(_) => None,
        None => match secrets::load_key(secrets::Secrets::os().api_key.as_ref()) {
            Ok(Some((key, _))) => Some(key),
            Ok(None) => anyhow::bail!(
                "No API key is set. Store it with the app's Settings, set {} for this run, or try the whole flow with --demo.",
                secrets::ENV_VAR
            ),
            Err(e) => anyhow::bail!(
                "No API key could be read. {} To try the whole flow without a key, add --demo.",
                e.advice()
            ),
        },
    };
    let (saved, _) = config::Settings::load(data_dir);
    let overrides = run_overrides(o, &saved);
    let settings = overrides.apply(&saved);
    let base_url = sim.map(Simulator::base_url);
    let desk = desk(o, &settings);
    let built = config::engine::build(&config::engine::Setup {
        settings: &settings,
        overrides: &overrides,
        key: key.as_ref(),
        demo: base_url.as_deref().map(|base_url| config::engine::DemoApi {
            base_url,
            forced: true,
        }),
        data_dir,
        desk: &desk,
        front: config::engine::Front::Command,
    })
    .map_err(|m| anyhow::anyhow!(m))?;
    Ok((built, settings))
}

/// What the flags change for this run (they win over Settings and are not saved).
fn run_overrides(o: &Options, saved: &config::Settings) -> config::RunOverrides {
    let api = &o.api;
    config::RunOverrides {
        base_url: api.base_url.clone(),
        project: api.project.clone(),
        callback: match (&api.callback_url, api.callback_bind) {
            (Some(_), _) => Some(config::CallbackChoice::External),
            (None, Some(bind)) if bind.ip().is_loopback() => Some(config::CallbackChoice::Loopback),
            (None, Some(_)) => Some(config::CallbackChoice::Lan),
            (None, None) => None,
        },
        callback_url: api.callback_url.clone(),
        callback_port: match (&api.callback_url, api.callback_bind) {
            (None, Some(bind)) => Some(bind.port()),
            _ => None,
        },
        callback_bind: match (&api.callback_url, api.callback_bind) {
            (None, Some(bind)) => Some(bind),
            _ => None,
        },
        bucket: api.bucket.place(&saved.bucket),
        camera: None,
    }
}

/// With `--demo`, the built-in simulator the command runs against.
async fn demo_sim_for(
    o: &Options,
    data_dir: &std::path::Path,
) -> std::io::Result<Option<Simulator>> {
    if o.place.demo {
        Simulator::start(demo_sim(data_dir)).await.map(Some)
    } else {
        Ok(None)
    }
}

/// The demo's simulator: its returning people work across runs, and its reviews outlive a
/// run stopped during one (kept in the demo's data folder).
fn demo_sim(data_dir: &std::path::Path) -> SimConfig {
    SimConfig {
        accept_earlier_runs: true,
        reviews_file: Some(data_dir.join("sim-reviews.json")),
        ..SimConfig::default()
    }
}

/// `render`: one test render, followed until the video is saved.
fn run_render(
    o: &Options,
    data_dir: &std::path::Path,
    args: &avatar_kiosk::cli::args::RenderArgs,
) -> anyhow::Result<()> {
    let rt = runtime()?;
    let code = rt.block_on(async {
        let sim = demo_sim_for(o, data_dir).await?;
        let (config, settings) = engine_config(o, data_dir, sim.as_ref())?;
        let run = cli::RenderRun {
            session: args.session.clone(),
            ask: avatar_kiosk::engine::RenderAsk {
                prompt: args.prompt.clone(),
                fast: args.fast,
                duration: args.duration,
                resolution: args.resolution.word().to_string(),
                assets: args.assets.clone(),
                price_per_second: settings
                    .render_prices
                    .per_second(args.fast, args.resolution.word()),
            },
            currency: settings.render_prices.currency.clone(),
            out: args.out.clone(),
            json: args.json,
        };
        let code = cli::render(config, run).await;
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        anyhow::Ok(code)
    })?;
    exit_with(code)
}

/// `purge` and `withdraw`: the engine as any command's (nothing is sent to APIMart).
fn run_removal<F: std::future::Future<Output = i32>>(
    o: &Options,
    data_dir: &std::path::Path,
    run: impl FnOnce(avatar_kiosk::engine::EngineConfig) -> F,
) -> anyhow::Result<()> {
    let rt = runtime()?;
    let code = rt.block_on(async {
        let sim = demo_sim_for(o, data_dir).await?;
        let (config, _) = engine_config(o, data_dir, sim.as_ref())?;
        let code = run(config).await;
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        anyhow::Ok(code)
    })?;
    exit_with(code)
}

/// Ends the process with a command's exit code (0 returns normally).
fn exit_with(code: i32) -> anyhow::Result<()> {
    if code != 0 {
        // The one place that ends the process with a code of its own.
        #[allow(clippy::disallowed_methods)]
        std::process::exit(code);
    }
    Ok(())
}

fn run_cli(
    o: &Options,
    data_dir: &std::path::Path,
    mut target: Target,
    assets: Vec<String>,
    kind: Option<AssetKind>,
    follow: &FollowArgs,
) -> anyhow::Result<()> {
    let rt = runtime()?;
    let code = rt.block_on(async {
        let sim = demo_sim_for(o, data_dir).await?;
        let (config, settings) = engine_config(o, data_dir, sim.as_ref())?;
        if let Target::New { project, .. } = &mut target {
            *project = settings.project;
        }
        // The studio's own callback page (flag or Settings) is not heard here: staff confirm.
        let external = matches!(config.callback, CallbackMode::External(_));
        let confirm = if follow.confirm == ConfirmArg::Manual || external {
            Confirm::Manual
        } else {
            Confirm::Callback
        };
        let drive = Drive {
            target,
            assets,
            asset_type: kind,
            confirm,
            json: follow.json,
            max_new_codes: 5,
            check_urls: true,
            fix_videos: follow.fix_videos,
        };
        let phone = sim.as_ref().map(SimPhone);
        let code = cli::drive(config, drive, phone.as_ref().map(|p| p as &dyn DemoPhone)).await;
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        anyhow::Ok(code)
    })?;
    exit_with(code)
}

fn run_sim(args: &SimArgs) -> anyhow::Result<()> {
    if !args.bind.is_loopback() && !args.allow_lan {
        anyhow::bail!(
            "refusing to listen on {}: pass --allow-lan to let other machines reach the simulator",
            args.bind
        );
    }
    let config = SimConfig {
        key: args.key.clone().filter(|k| !k.is_empty()),
        link_ttl: Duration::from_secs(args.link_ttl_secs),
        review_duration: Duration::from_secs(args.review_secs),
        verify_shape: args.verify_shape.into(),
        phone_after: args
            .phone_secs
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64),
        ..SimConfig::default()
    };
    let rt = runtime()?;
    rt.block_on(async move {
        let sim = Simulator::start_on(SocketAddr::new(args.bind, args.port), config)
            .await
            .with_context(|| format!("could not listen on {}:{}", args.bind, args.port))?;
        sim.set_faults(avatar_kiosk::sim::Faults {
            latency_ms: args.latency_ms,
            ..Default::default()
        });
        println!("APIMart simulator listening on {}", sim.base_url());
        println!("Use it with: avatar-kiosk --base-url {}", sim.base_url());
        tokio::signal::ctrl_c()
            .await
            .context("could not wait for Ctrl-C")?;
        sim.shutdown().await;
        Ok(())
    })
}

fn run_gui(
    o: &Options,
    kiosk: bool,
    camera: Option<String>,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let (saved, settings_problem) = config::Settings::load(data_dir);
    // Flags given on the command line win over saved settings for this run only.
    let overrides = config::RunOverrides {
        camera,
        ..run_overrides(o, &saved)
    };
    let settings_unreadable = settings_problem.is_some();
    // Kiosk mode fails closed: it needs a staff PIN before it can start.
    if kiosk && !settings_unreadable && saved.kiosk_pin_hash.is_none() {
        anyhow::bail!(
            "kiosk mode needs a staff PIN first: set a PIN of 6 to 12 digits with `avatar-kiosk kiosk set-pin` or in Settings (start without --kiosk), then start with --kiosk"
        );
    }
    let settings = overrides.apply(&saved);
    // A wrong base URL is reported before anything else, with what to do.
    if !o.place.demo {
        api::validate_base_url(&settings.base_url).map_err(|e| anyhow::anyhow!(e.advice()))?;
    }
    let secrets = secrets::Secrets::os();
    let store = secrets.api_key.clone();
    let mut notice = settings_problem;
    let (key, key_from_env) = match secrets::load_key(store.as_ref()) {
        Ok(Some((k, source))) => (Some(k), source == KeySource::Environment),
        Ok(None) => (None, false),
        Err(e) => {
            // With --demo the keyring does not matter; otherwise say why the demo runs.
            if !o.place.demo {
                notice = Some(e.advice());
            }
            (None, false)
        }
    };
    // No key means there is nothing real to talk to: show the demo rather than a dead end.
    let demo = o.place.demo || key.is_none();
    let rt = runtime()?;
    // The demo's records: `--demo` already points at them; a demo for want of a key keeps
    // to `demo/` inside (as the engine's configuration does).
    let demo_dir = if o.place.demo {
        data_dir.to_path_buf()
    } else {
        data_dir.join("demo")
    };
    let sim = if demo {
        Some(std::sync::Arc::new(
            rt.block_on(Simulator::start(demo_sim(&demo_dir)))?,
        ))
    } else {
        None
    };
    let demo = sim.as_ref().map(|sim| {
        let phone_sim = sim.clone();
        let handle = rt.handle().clone();
        ui::Demo {
            base_url: sim.base_url(),
            phone: std::sync::Arc::new(move |task: &str, pass: bool| {
                let url = phone_sim
                    .phone_finishes(task, pass)
                    .map_err(|e| e.to_string())?;
                // The phone's browser follows the redirect to the app's callback.
                handle.block_on(avatar_kiosk::sim::open_redirect(&url))
            }),
            forced: o.place.demo,
        }
    });
    let launch = ui::Launch {
        desk: desk(o, &saved),
        data_dir: data_dir.to_path_buf(),
        settings: saved,
        overrides,
        secrets,
        key,
        key_from_env,
        demo,
        notice,
        adjust: None,
        kiosk,
        settings_unreadable,
        monitors: None,
        save_to: None,
    };
    // From here on the window: the starting terminal's Ctrl+C or closing must not end it.
    avatar_kiosk::platform::console::detach();
    let result = ui::run(launch);
    if let Some(sim) = sim.and_then(|s| std::sync::Arc::try_unwrap(s).ok()) {
        rt.block_on(sim.shutdown());
    }
    result.map_err(|e| anyhow::anyhow!(e))
}
