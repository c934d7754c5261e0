//! The command line's grammar (clap): the options before a command, each command's own, and
//! how the two are joined, so that `avatar-kiosk --demo sessions` and `avatar-kiosk sessions
//! --demo` mean the same and each command's help lists only the options it uses.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::args::{AddArgs, BucketArgs, FollowArgs, ListArgs, OnboardArgs, RenderArgs, SimArgs};

/// Verify a real person for Seedance 2.0 and register their photos and videos as approved
/// asset:// references through APIMart.
///
/// With no command, the kiosk window opens. With no API key configured (and always with
/// --demo) it runs against the built-in APIMart simulator, so the whole flow can be tried
/// without an account.
#[derive(Debug, Parser)]
#[command(name = "avatar-kiosk", version = crate::config::VERSION_LINE)]
pub struct Cli {
    #[command(flatten)]
    pub place: PlaceArgs,

    #[command(flatten)]
    pub roster: RosterArgs,

    #[command(flatten)]
    pub api: ApiArgs,

    /// Kiosk mode: full screen, a screen for the person being verified, and a staff PIN in
    /// front of Settings, History and leaving (set one first: `kiosk set-pin` or Settings).
    #[arg(long)]
    pub kiosk: bool,

    /// The desk's camera for this run, by its name in `cameras` (`test-pattern` is the
    /// synthetic one) [default: the one chosen in the window, else the first camera found].
    #[arg(long, value_name = "NAME")]
    pub camera: Option<String>,

    /// Also print the log's lines on the terminal (they are always in the log file).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where this desk's data is.
#[derive(Debug, Clone, Default, Args)]
pub struct PlaceArgs {
    /// Where the database, logs and settings live [default: the platform data directory].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Run against the built-in APIMart simulator (no key, no network needed), with the demo's
    /// own records.
    #[arg(long)]
    pub demo: bool,
}

/// The studio's shared roster and this desk's name on it.
#[derive(Debug, Clone, Default, Args)]
pub struct RosterArgs {
    /// A studio's shared roster, so that every desk sees every person:
    /// postgres://USER@HOST:PORT/DATABASE (the password from Settings' keyring entry, or in
    /// AVATAR_KIOSK_DATABASE_URL, which this option replaces). Ignored by --demo.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// This desk's name on the shared roster [default: the host name].
    #[arg(long, value_name = "NAME")]
    pub kiosk_name: Option<String>,
}

/// What a run that talks to APIMart needs.
#[derive(Debug, Clone, Default, Args)]
pub struct ApiArgs {
    /// The APIMart API address [default: Settings', else https://api.apimart.ai].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// APIMart project name [default: Settings', else "default"].
    #[arg(long)]
    pub project: Option<String>,

    /// Where the phone's redirect is received: ADDR:PORT (port 0 picks a free one)
    /// [default: this machine's LAN address, a free port].
    #[arg(long, value_name = "ADDR:PORT")]
    pub callback_bind: Option<SocketAddr>,

    /// Use the studio's own public callback URL instead of listening ({session} is replaced by
    /// the session id). Staff then confirm by hand.
    #[arg(long, value_name = "URL", conflicts_with = "callback_bind")]
    pub callback_url: Option<String>,

    #[command(flatten)]
    pub bucket: BucketArgs,
}

/// A command that talks to APIMart: its own arguments and every option of a run.
#[derive(Debug, Args)]
pub struct Run<T: Args> {
    #[command(flatten)]
    pub args: T,
    #[command(flatten)]
    pub place: PlaceArgs,
    #[command(flatten)]
    pub roster: RosterArgs,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// A command that reads this desk's records or the roster.
#[derive(Debug, Args)]
pub struct Read<T: Args> {
    #[command(flatten)]
    pub args: T,
    #[command(flatten)]
    pub place: PlaceArgs,
    #[command(flatten)]
    pub roster: RosterArgs,
}

/// `sessions`.
#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The session id (see `sessions`).
    pub id: String,
    #[command(flatten)]
    pub follow: FollowArgs,
}

/// No arguments of its own.
#[derive(Debug, Args)]
pub struct NoArgs {}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Onboard one person from the terminal: QR code, wait for the phone, upload, submit,
    /// review. Exit code 0 when all assets are approved, 2 when some failed, 1 on error.
    Onboard(Run<OnboardArgs>),
    /// List stored sessions, newest first.
    Sessions(Read<SessionsArgs>),
    /// Continue a stored session where it stopped.
    Resume(Run<ResumeArgs>),
    /// List the verified people (returning people), newest first.
    People(Read<ListArgs>),
    /// List every approved asset across people, newest first.
    Assets(Read<ListArgs>),
    /// Add assets to a verified person: the same group, no new verification. Exit codes as
    /// for onboard, judged over the new assets.
    Add(Run<AddArgs>),
    /// A test render with the person's approved assets (billed per second of video). Exit
    /// code 0 when the video is saved, 1 otherwise.
    Render(Run<RenderArgs>),
    /// Run the APIMart simulator alone, for trying the CLI or other tools against it.
    Sim(SimArgs),
    /// The studio's shared roster (--database-url).
    Roster {
        #[command(subcommand)]
        action: RosterAction,
    },
    /// List the desk's cameras (the synthetic camera `test-pattern` is always there).
    Cameras(super::camera::CamerasArgs),
    /// Take one photo or one clip with a camera and write only that file, to script or try a
    /// camera. Exit code 0 when the file is written, 1 otherwise.
    Capture(super::camera::CaptureArgs),
    /// The log of every action on a person's data (one for every desk on a shared roster),
    /// oldest first; --verify checks that no entry was changed or removed (exit code 1, naming
    /// the first entry that does not hold).
    Audit(Read<super::audit::AuditArgs>),
    /// Write a person's consent receipt as a PDF in the language they were shown the text in:
    /// the text, their answers, their signature, and once they withdrew, what was deleted and
    /// what remains at APIMart. Exit code 0 when written, 1 otherwise.
    Consent(Read<super::receipt::ConsentArgs>),
    /// Remove the copies this desk made of people whose sessions ended (prepared photos,
    /// fixed videos, captures, renders) and their videos in the studio's bucket, once their
    /// time is up; the `asset://` references, consent records and the audit log stay. The app
    /// does it at start and daily. Exit code 0 when done, 1 when something could not go.
    Purge(Run<super::retention::PurgeArgs>),
    /// A person withdraws their consent: every copy this desk made of them and their bucket
    /// objects are deleted, their assets are no longer offered, and the references to ask
    /// APIMart to delete are printed. Never asks. Exit code 0 when done, 1 otherwise.
    Withdraw(Run<super::retention::WithdrawArgs>),
    /// Kiosk mode's set-up.
    Kiosk {
        #[command(subcommand)]
        action: KioskAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterAction {
    /// Copy this desk's sessions (--data-dir) into the shared roster (--database-url). Run it
    /// again at any time: what the roster has is skipped. Exit code 0, or 1 on error.
    Import(Read<NoArgs>),
}

#[derive(Debug, Subcommand)]
pub enum KioskAction {
    /// Set or change the staff PIN (6 to 12 digits) that kiosk mode asks for: read twice from
    /// standard input (one per line), never from arguments or the environment, so a studio can
    /// set up desks by script. Exit code 0 when saved, 1 otherwise.
    SetPin(PlaceArgs),
}

/// The options in force: those before the command joined with the command's own (the
/// command's win).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub place: PlaceArgs,
    pub roster: RosterArgs,
    pub api: ApiArgs,
}

impl Cli {
    /// The options in force for the command (or the window). Options given before a
    /// command are for the whole run: a command that does not use one ignores it (a wrapper
    /// script may give the same options before every command); after the command, clap
    /// refuses what it does not take.
    pub fn options(&self) -> Options {
        let before = Options {
            place: self.place.clone(),
            roster: self.roster.clone(),
            api: self.api.clone(),
        };
        let (place, roster, api) = match &self.command {
            None => return before,
            Some(Command::Onboard(r)) => (Some(&r.place), Some(&r.roster), Some(&r.api)),
            Some(Command::Add(r)) => (Some(&r.place), Some(&r.roster), Some(&r.api)),
            Some(Command::Render(r)) => (Some(&r.place), Some(&r.roster), Some(&r.api)),
            Some(Command::Resume(r)) => (Some(&r.place), Some(&r.roster), Some(&r.api)),
            Some(Command::Purge(r)) => (Some(&r.place), Some(&r.roster), Some(&r.api)),
            Some(Command::Withdraw(r)) => (Some(&r.place), Some(&r.roster), Some(&r.api)),
            Some(Command::Sessions(r)) => (Some(&r.place), Some(&r.roster), None),
            Some(Command::Audit(r)) => (Some(&r.place), Some(&r.roster), None),
            Some(Command::Consent(r)) => (Some(&r.place), Some(&r.roster), None),
            Some(Command::People(r) | Command::Assets(r)) => {
                (Some(&r.place), Some(&r.roster), None)
            }
            Some(Command::Roster {
                action: RosterAction::Import(r),
            }) => (Some(&r.place), Some(&r.roster), None),
            Some(Command::Kiosk {
                action: KioskAction::SetPin(p),
            }) => (Some(p), None, None),
            Some(Command::Sim(_) | Command::Cameras(_) | Command::Capture(_)) => (None, None, None),
        };
        Options {
            place: place.map_or_else(|| before.place.clone(), |p| p.over(&before.place)),
            roster: roster.map_or_else(|| before.roster.clone(), |r| r.over(&before.roster)),
            api: api.map_or_else(|| before.api.clone(), |a| a.over(&before.api)),
        }
    }

    /// Whether the command was asked for JSON lines (its failures are then an `error` event
    /// on standard output too).
    pub fn json(&self) -> bool {
        match &self.command {
            Some(Command::Onboard(r)) => r.args.follow.json,
            Some(Command::Resume(r)) => r.args.follow.json,
            Some(Command::Add(r)) => r.args.json,
            Some(Command::Render(r)) => r.args.json,
            Some(Command::Sessions(r)) => r.args.json,
            Some(Command::Audit(r)) => r.args.json,
            Some(Command::Consent(r)) => r.args.json,
            Some(Command::Purge(r)) => r.args.json,
            Some(Command::Withdraw(r)) => r.args.json,
            Some(Command::People(r) | Command::Assets(r)) => r.args.json,
            Some(Command::Cameras(a)) => a.json,
            Some(Command::Capture(a)) => a.json,
            _ => false,
        }
    }
}

impl PlaceArgs {
    fn over(&self, before: &PlaceArgs) -> PlaceArgs {
        PlaceArgs {
            data_dir: self.data_dir.clone().or_else(|| before.data_dir.clone()),
            demo: self.demo || before.demo,
        }
    }
}

impl RosterArgs {
    fn over(&self, before: &RosterArgs) -> RosterArgs {
        RosterArgs {
            database_url: self
                .database_url
                .clone()
                .or_else(|| before.database_url.clone()),
            kiosk_name: self
                .kiosk_name
                .clone()
                .or_else(|| before.kiosk_name.clone()),
        }
    }
}

impl ApiArgs {
    fn over(&self, before: &ApiArgs) -> ApiArgs {
        let b = &self.bucket;
        let old = &before.bucket;
        // One callback choice: the command's, else the one given before it.
        let (callback_bind, callback_url) =
            if self.callback_bind.is_some() || self.callback_url.is_some() {
                (self.callback_bind, self.callback_url.clone())
            } else {
                (before.callback_bind, before.callback_url.clone())
            };
        ApiArgs {
            base_url: self.base_url.clone().or_else(|| before.base_url.clone()),
            project: self.project.clone().or_else(|| before.project.clone()),
            callback_bind,
            callback_url,
            bucket: BucketArgs {
                s3_endpoint: b.s3_endpoint.clone().or_else(|| old.s3_endpoint.clone()),
                s3_bucket: b.s3_bucket.clone().or_else(|| old.s3_bucket.clone()),
                s3_region: b.s3_region.clone().or_else(|| old.s3_region.clone()),
                s3_prefix: b.s3_prefix.clone().or_else(|| old.s3_prefix.clone()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("avatar-kiosk").chain(args.iter().copied()))
            .expect("parses")
    }

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn an_option_before_the_command_means_the_same_as_after() {
        let before = parse(&["--demo", "--data-dir", "/d", "sessions", "--json"]);
        let after = parse(&["sessions", "--json", "--demo", "--data-dir", "/d"]);
        for cli in [before, after] {
            let o = cli.options();
            assert!(o.place.demo);
            assert_eq!(
                o.place.data_dir.as_deref(),
                Some(std::path::Path::new("/d"))
            );
            assert!(cli.json());
        }
    }

    #[test]
    fn the_command_s_own_option_wins() {
        let cli = parse(&[
            "--project",
            "a",
            "onboard",
            "--name",
            "N",
            "--project",
            "b",
            "x.jpg",
        ]);
        assert_eq!(cli.options().api.project.as_deref(), Some("b"));
    }

    #[test]
    fn an_option_after_a_command_that_does_not_use_it_is_refused_and_before_it_ignored() {
        let refused = Cli::try_parse_from(["avatar-kiosk", "sessions", "--base-url", "http://x"]);
        assert!(refused.is_err());
        let refused = Cli::try_parse_from(["avatar-kiosk", "sim", "--demo"]);
        assert!(refused.is_err());
        let before = parse(&["--base-url", "http://127.0.0.1:1", "--demo", "sessions"]);
        let o = before.options();
        assert!(o.place.demo, "the option the command uses is taken");
    }

    #[test]
    fn each_command_s_help_lists_only_what_it_uses() {
        let mut cmd = Cli::command();
        let sim = cmd
            .find_subcommand_mut("sim")
            .expect("sim")
            .render_long_help()
            .to_string();
        for foreign in [
            "--base-url",
            "--demo",
            "--database-url",
            "--s3-bucket",
            "--project",
        ] {
            assert!(!sim.contains(foreign), "sim --help lists {foreign}:\n{sim}");
        }
        let mut cmd = Cli::command();
        let sessions = cmd
            .find_subcommand_mut("sessions")
            .expect("sessions")
            .render_long_help()
            .to_string();
        assert!(sessions.contains("--database-url") && !sessions.contains("--s3-bucket"));
        let mut cmd = Cli::command();
        let onboard = cmd
            .find_subcommand_mut("onboard")
            .expect("onboard")
            .render_long_help()
            .to_string();
        assert!(onboard.contains("--s3-bucket") && onboard.contains("--base-url"));
    }
}
