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

    pub(super) async fn error(&self, message: Msg) {
        let _ = self
            .out
            .send(Outcome::Error(Some(self.session.clone()), message))
            .await;
    }
}
