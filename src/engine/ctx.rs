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

    pub(super) async fn error(&self, message: Msg) {
        let _ = self
            .out
            .send(Outcome::Error(Some(self.session.clone()), message))
            .await;
    }
}
