//! avatar-kiosk: starts the GUI, the demo on the built-in simulator, or the simulator alone.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use avatar_kiosk::api::{self, DEFAULT_BASE_URL};
use avatar_kiosk::config;
use avatar_kiosk::secrets::{self, KeySource, OsKeyring};
use avatar_kiosk::sim::{SimConfig, Simulator, VerifyShape};
use avatar_kiosk::ui::{self, KeyStatus, StatusInfo};

/// Verify a real person for Seedance 2.0 and register their photos and videos as approved
/// asset:// references through APIMart.
///
/// With no command, the kiosk window opens. With no API key configured (and always with
/// --demo) it runs against the built-in APIMart simulator, so the whole flow can be tried
/// without an account.
#[derive(Debug, Parser)]
#[command(name = "avatar-kiosk", version = config::VERSION_LINE)]
struct Cli {
    /// Where the database, logs and settings live [default: the platform data directory].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// The APIMart API address.
    #[arg(long, global = true, value_name = "URL", default_value = DEFAULT_BASE_URL)]
    base_url: String,

    /// Run against the built-in APIMart simulator (no key, no network needed).
    #[arg(long)]
    demo: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the APIMart simulator alone, for trying the CLI or other tools against it.
    Sim(SimArgs),
}

#[derive(Debug, clap::Args)]
struct SimArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Address to listen on. Only loopback is allowed unless you pass --allow-lan.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Allow listening on a non-loopback address (so a phone on the LAN can open the fake H5
    /// page).
    #[arg(long)]
    allow_lan: bool,
    /// Accept only this API key (by default any non-empty key is accepted).
    #[arg(long, env = "AVATAR_KIOSK_SIM_KEY", hide_env_values = true)]
    key: Option<String>,
    /// Seconds an H5 link and its token live.
    #[arg(long, default_value_t = 120)]
    link_ttl_secs: u64,
    /// Seconds a review takes.
    #[arg(long, default_value_t = 8)]
    review_secs: u64,
    /// Where the verification result puts the group id.
    #[arg(long, value_enum, default_value_t = ShapeArg::Data)]
    verify_shape: ShapeArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ShapeArg {
    Data,
    DataResult,
    DataResultUpper,
    RawResponse,
    Task,
}

impl From<ShapeArg> for VerifyShape {
    fn from(s: ShapeArg) -> VerifyShape {
        match s {
            ShapeArg::Data => VerifyShape::Data,
            ShapeArg::DataResult => VerifyShape::DataResult,
            ShapeArg::DataResultUpper => VerifyShape::DataResultUpper,
            ShapeArg::RawResponse => VerifyShape::RawResponse,
            ShapeArg::Task => VerifyShape::Task,
        }
    }
}

fn init_logging(data_dir: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("AVATAR_KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs = data_dir.join("logs");
    let (file_layer, guard) = match std::fs::create_dir_all(&logs) {
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

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("avatar-kiosk: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let data_dir = config::data_dir(cli.data_dir.as_deref());
    config::ensure_data_dir(&data_dir)
        .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
    let _log_guard = init_logging(&data_dir);

    match cli.command {
        Some(Command::Sim(args)) => run_sim(args),
        None => run_gui(cli.demo, &cli.base_url, &data_dir),
    }
}

fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    if !args.bind.is_loopback() && !args.allow_lan {
        anyhow::bail!(
            "refusing to listen on {}: pass --allow-lan to let other machines reach the simulator",
            args.bind
        );
    }
    let config = SimConfig {
        key: args.key.filter(|k| !k.is_empty()),
        link_ttl: Duration::from_secs(args.link_ttl_secs),
        review_duration: Duration::from_secs(args.review_secs),
        verify_shape: args.verify_shape.into(),
        ..SimConfig::default()
    };
    let rt = runtime()?;
    rt.block_on(async move {
        let sim = Simulator::start_on(SocketAddr::new(args.bind, args.port), config)
            .await
            .with_context(|| format!("could not listen on {}:{}", args.bind, args.port))?;
        println!("APIMart simulator listening on {}", sim.base_url());
        println!("Use it with: avatar-kiosk --base-url {}", sim.base_url());
        tokio::signal::ctrl_c()
            .await
            .context("could not wait for Ctrl-C")?;
        sim.shutdown().await;
        Ok(())
    })
}

fn run_gui(demo: bool, base_url: &str, data_dir: &std::path::Path) -> anyhow::Result<()> {
    // A wrong base URL is reported before anything else, with what to do.
    if !demo {
        api::validate_base_url(base_url).map_err(|e| anyhow::anyhow!(e.advice()))?;
    }
    let key = match secrets::load_key(&OsKeyring::default()) {
        Ok(Some((_, KeySource::Keyring))) => KeyStatus::InKeyring,
        Ok(Some((_, KeySource::Environment))) => KeyStatus::FromEnvironment,
        Ok(None) => KeyStatus::Missing,
        Err(e) => KeyStatus::KeyringUnavailable(e.advice()),
    };
    // No key means there is nothing real to talk to: show the demo rather than a dead end.
    let demo = demo || !matches!(key, KeyStatus::InKeyring | KeyStatus::FromEnvironment);
    let rt = runtime()?;
    let sim = if demo {
        Some(rt.block_on(Simulator::start(SimConfig::default()))?)
    } else {
        None
    };
    let info = StatusInfo {
        version: config::VERSION_LINE.to_string(),
        key,
        base_url: sim
            .as_ref()
            .map_or_else(|| base_url.to_string(), Simulator::base_url),
        demo,
        data_dir: data_dir.display().to_string(),
    };
    let result = ui::run(info);
    if let Some(sim) = sim {
        rt.block_on(sim.shutdown());
    }
    result.map_err(|e| anyhow::anyhow!(e))
}
