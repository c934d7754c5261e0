//! What every background task of the engine carries: its session, the client, where to report.

use tokio::sync::mpsc;

use super::PollPolicy;
use super::protocol::Outcome;
use crate::api::{Client, Language};
use crate::flow::Input;
use crate::text::Msg;

/// What every task needs.
#[derive(Clone)]
pub(super) struct Ctx {
    pub session: String,
    pub project: String,
    pub language: Language,
    pub client: Client,
    pub out: mpsc::Sender<Outcome>,
    pub poll: PollPolicy,
    /// The desk that started the session, when it is not this one (its files are there).
    pub elsewhere: Option<String>,
    /// The files staff picked on this desk.
    pub own: std::sync::Arc<crate::store::OwnFiles>,
}

impl Ctx {
    pub(super) async fn input(&self, input: Input, kind: &str, detail: String) {
        let _ = self
            .out
            .send(Outcome::Input(
                self.session.clone(),
                input,
                vec![(kind.to_string(), detail)],
            ))
            .await;
    }

    pub(super) async fn quiet(&self, input: Input) {
        let _ = self
            .out
            .send(Outcome::Input(self.session.clone(), input, vec![]))
            .await;
    }

    /// Why this desk will not read the local file `path` that the session's row names: it was
    /// not picked here for this session, nor made in this desk's data folder (a row on the
    /// shared roster is written by any desk). `None`: it may.
    pub(super) fn foreign(&self, path: &std::path::Path) -> Option<Msg> {
        if self.own.allows(&self.session, path) {
            return None;
        }
        tracing::warn!(session = %self.session, "a row names a local file not picked at this desk");
        Some(self.file_elsewhere(path).unwrap_or_else(|| {
            Msg::new("engine-file-not-ours").text("path", path.display().to_string())
        }))
    }

    /// A local file that is not on this computer because the session began at another desk:
    /// says which desk has it (staff replace it here, or finish there).
    pub(super) fn file_elsewhere(&self, path: &std::path::Path) -> Option<Msg> {
        let desk = self.elsewhere.as_ref()?;
        (!path.exists()).then(|| {
            Msg::new("engine-file-elsewhere")
                .text("path", path.display().to_string())
                .text("kiosk", desk)
        })
    }

    /// An upload's progress callback, and the task that reports it to the flow in steps of about
    /// 5 % (through a small channel: the callback must not block the upload). The task ends when
    /// the callback is dropped.
    pub(super) fn progress(
        &self,
        asset: crate::flow::AssetId,
    ) -> (
        impl Fn(u64, u64) + Send + Sync + use<>,
        impl std::future::Future<Output = ()> + use<>,
    ) {
        let (tx, mut rx) = mpsc::channel::<(u64, u64)>(8);
        let ctx = self.clone();
        let forward = async move {
            let mut last = 0u64;
            while let Some((sent, total)) = rx.recv().await {
                if sent == total || sent.saturating_sub(last) * 20 >= total.max(1) {
                    last = sent;
                    ctx.quiet(Input::UploadProgress { asset, sent, total })
                        .await;
                }
            }
        };
        let progress = move |sent: u64, total: u64| {
            let _ = tx.try_send((sent, total));
        };
        (progress, forward)
    }

    pub(super) async fn error(&self, message: Msg) {
        let _ = self
            .out
            .send(Outcome::Error(Some(self.session.clone()), message))
            .await;
    }
}
