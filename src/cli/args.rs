//! The command line's arguments (clap), shared by the binary and its tests.

use std::net::IpAddr;

use crate::api::{AssetKind, Language};
use crate::sim::VerifyShape;

#[derive(Debug, clap::Args)]
pub struct OnboardArgs {
    /// The person's name, as they write it.
    #[arg(long)]
    pub name: String,
    /// A note for the studio's records.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Treat every asset as this kind [default: from each file's or URL's ending].
    #[arg(long, value_enum)]
    pub asset_type: Option<KindArg>,
    /// The person's language, for the phone pages.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub language: LangArg,
    #[command(flatten)]
    pub follow: FollowArgs,
    /// Image or video files (videos go to the studio's bucket, see --s3-bucket), or http(s)
    /// URLs of images or videos.
    #[arg(required = true, value_name = "ASSET")]
    pub assets: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct FollowArgs {
    /// How the phone's success reaches the app: the callback, or Enter pressed by staff.
    #[arg(long, value_enum, default_value_t = ConfirmArg::Callback)]
    pub confirm: ConfirmArg,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Fix local videos that break a limit with ffmpeg (keeps the first 14.9 s, scales, H.264,
    /// no audio); the fixed copy is sent, the original is left as it is.
    #[arg(long)]
    pub fix_videos: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    #[value(name = "Image", alias = "image")]
    Image,
    #[value(name = "Video", alias = "video")]
    Video,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LangArg {
    En,
    Ko,
    Zh,
    Ja,
}

#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum ConfirmArg {
    Callback,
    Manual,
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Address to listen on. Only loopback is allowed unless you pass --allow-lan.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Allow listening on a non-loopback address (so a phone on the LAN can open the fake H5
    /// page).
    #[arg(long)]
    pub allow_lan: bool,
    /// Accept only this API key (by default any non-empty key is accepted).
    #[arg(long, env = "AVATAR_KIOSK_SIM_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Seconds an H5 link and its token live.
    #[arg(long, default_value_t = 120)]
    pub link_ttl_secs: u64,
    /// Seconds a review takes.
    #[arg(long, default_value_t = 8)]
    pub review_secs: u64,
    /// Where the verification result puts the group id.
    #[arg(long, value_enum, default_value_t = ShapeArg::Data)]
    pub verify_shape: ShapeArg,
    /// Milliseconds added to every API request (a distant gateway).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Let the simulated phone pass this many seconds after each session is created, and
    /// follow the redirect to a callback on this machine.
    #[arg(long)]
    pub phone_secs: Option<f64>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ShapeArg {
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

impl From<KindArg> for AssetKind {
    fn from(k: KindArg) -> AssetKind {
        match k {
            KindArg::Image => AssetKind::Image,
            KindArg::Video => AssetKind::Video,
        }
    }
}

impl From<LangArg> for Language {
    fn from(l: LangArg) -> Language {
        match l {
            LangArg::En => Language::En,
            LangArg::Ko => Language::Ko,
            LangArg::Zh => Language::Zh,
            LangArg::Ja => Language::Ja,
        }
    }
}

/// `people` and `assets`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// Only rows whose person, note or asset names contain this text (any case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
}

/// `add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The verified person's session (see `people`).
    #[arg(value_name = "SESSION_ID")]
    pub session: String,
    /// Treat every asset as this kind [default: from each file's or URL's ending].
    #[arg(long, value_enum)]
    pub asset_type: Option<KindArg>,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Fix local videos that break a limit with ffmpeg (see `onboard --fix-videos`).
    #[arg(long)]
    pub fix_videos: bool,
    /// Image or video files, or http(s) URLs of images or videos.
    #[arg(required = true, value_name = "ASSET")]
    pub assets: Vec<String>,
}

/// `render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The verified person's session (see `people`).
    #[arg(value_name = "SESSION_ID")]
    pub session: String,
    /// What the video shows.
    #[arg(long)]
    pub prompt: String,
    /// An approved asset to use, by name (repeat for several) [default: the person's approved
    /// images, up to 4].
    #[arg(long = "asset", value_name = "NAME")]
    pub assets: Vec<String>,
    /// The faster, cheaper model (doubao-seedance-2.0-fast-face).
    #[arg(long)]
    pub fast: bool,
    /// Seconds of video, 4-15.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(4..=15))]
    pub duration: u8,
    /// Resolution.
    #[arg(long, value_enum, default_value_t = ResolutionArg::P480)]
    pub resolution: ResolutionArg,
    /// Also copy the video here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A render's resolution.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ResolutionArg {
    /// 480p.
    #[value(name = "480p")]
    P480,
    /// 720p.
    #[value(name = "720p")]
    P720,
}

impl ResolutionArg {
    /// As the API writes it.
    pub fn word(self) -> &'static str {
        match self {
            ResolutionArg::P480 => "480p",
            ResolutionArg::P720 => "720p",
        }
    }
}

/// The studio's bucket for local videos, for this run (over Settings). Its keys come from
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` or the keyring, never from an option.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BucketArgs {
    /// An S3-compatible server's address (MinIO, SeaweedFS, R2...) [default: AWS S3].
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// The bucket local videos go to.
    #[arg(long, value_name = "NAME")]
    pub s3_bucket: Option<String>,
    /// The bucket's region [default: us-east-1].
    #[arg(long, value_name = "REGION")]
    pub s3_region: Option<String>,
    /// Put before every object's name, such as `kiosk/`.
    #[arg(long, value_name = "PREFIX")]
    pub s3_prefix: Option<String>,
}

impl BucketArgs {
    /// The bucket these options name over `saved` (`None`: none named here).
    pub fn place(
        &self,
        saved: &crate::api::bucket::BucketPlace,
    ) -> Option<crate::api::bucket::BucketPlace> {
        let any = [
            &self.s3_endpoint,
            &self.s3_bucket,
            &self.s3_region,
            &self.s3_prefix,
        ]
        .iter()
        .any(|o| o.is_some());
        any.then(|| crate::api::bucket::BucketPlace {
            endpoint: self
                .s3_endpoint
                .clone()
                .unwrap_or_else(|| saved.endpoint.clone()),
            bucket: self
                .s3_bucket
                .clone()
                .unwrap_or_else(|| saved.bucket.clone()),
            region: self
                .s3_region
                .clone()
                .unwrap_or_else(|| saved.region.clone()),
            prefix: self
                .s3_prefix
                .clone()
                .unwrap_or_else(|| saved.prefix.clone()),
        })
    }
}
