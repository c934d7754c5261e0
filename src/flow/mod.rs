//! The onboarding session as a pure state machine: no IO, no clock reads, no egui.
//!
//! The engine feeds [`Input`]s (staff commands, API answers, the phone's callback, the time)
//! into [`Session::apply`], persists the session, then carries out the [`Effect`]s it returns.
//! Three rules hold whatever order inputs arrive in (the property tests check them):
//!
//! 1. the verification result is asked for at most once per token, and only after a
//!    completion signal (the callback with `resultCode=10000`, or staff confirming);
//! 2. an asset is submitted once; only an explicit staff resubmit or replace sends it again;
//! 3. a submit whose answer was lost leaves its assets `Uncertain`: they are reconciled by
//!    reading review tasks, never by sending again.

mod audit;
mod consent;
mod library;
mod model;
mod protocol;
mod queue;
pub mod receipt;
mod render;
mod resume;
mod retention;
mod review;
mod stage;
mod status;
mod verify;

pub mod export;
pub mod sample;

#[cfg(test)]
mod tests;

pub use audit::*;
pub use consent::*;
pub use library::*;
pub use model::*;
pub use protocol::*;
pub use render::*;
pub use retention::*;
pub use review::{NO_VERDICT, review_advice};
pub use stage::Stage;
pub use status::*;

impl Session {
    /// Applies one input. On success the session changed (or not, for no-op inputs) and the
    /// returned actions are due; on refusal nothing changed.
    pub fn apply(&mut self, input: Input) -> Result<Vec<Effect>, Refusal> {
        self.refuse_for_withdrawn(&input)?;
        // A render already asked for is billed whatever became of the session: it is followed.
        let render_news =
            matches!(&input, Input::Render(r) if !matches!(r, RenderInput::Start(..)));
        if self.cancelled && !matches!(input, Input::Tick(_)) && !render_news {
            // Late answers to a cancelled session are recorded nowhere and start nothing.
            return Err(Refusal::NotNow("refusal-cancelled"));
        }
        match input {
            Input::RequestLink => self.request_link(),
            Input::LinkReady {
                task_id,
                h5_link,
                token,
                issued_at,
                expires_at,
                callback_key,
            } => self.link_ready(Link {
                task_id,
                h5_link,
                token,
                issued_at,
                expires_at,
                token_state: TokenState::Waiting,
                callback_key,
            }),
            Input::LinkFailed { reason } => self.link_failed(reason),
            Input::PhoneCallback {
                result_code,
                token,
                message,
                callback_key,
            } => self.phone_callback(&result_code, token, message, callback_key),
            Input::StaffConfirmed => self.staff_confirmed(),
            Input::VerificationAnswer(outcome) => self.verification_answer(outcome),
            Input::VerificationNotSent { reason } => self.verification_not_sent(reason),
            Input::VerificationError { reason } => {
                let link = self
                    .asked_link()
                    .ok_or(Refusal::NotNow("refusal-no-result-asked"))?;
                self.spend(link, reason);
                Ok(vec![])
            }
            Input::AddAssets(list) => self.add_assets(list),
            Input::Hints { source, hints } => self.set_hints(&source, hints),
            Input::Checked { asset, result } => self.checked(asset, result),
            Input::Remove(id) => self.remove(id),
            Input::Submit => self.submit(),
            Input::UploadProgress { asset, sent, total } => {
                self.upload_answer(asset, AssetState::Uploading { sent, total })
            }
            Input::Hosted { asset, at } => {
                self.asset_mut(asset)?.hosted = Some(at);
                Ok(vec![])
            }
            Input::Uploaded { asset, url } => {
                self.upload_answer(asset, AssetState::Uploaded { url })
            }
            Input::UploadFailed { asset, reason } => {
                self.upload_answer(asset, AssetState::UploadFailed { reason })
            }
            Input::SubmitResult { assets, outcome } => self.submit_result(&assets, outcome),
            Input::ReviewUpdate {
                task_id,
                items,
                done,
                error,
            } => {
                self.review_update(&task_id, &items, done, error.as_deref());
                Ok(vec![])
            }
            Input::ReviewUnknown { task_id } => {
                self.review_unknown(&task_id);
                Ok(vec![])
            }
            Input::Resubmit(id) => self.resubmit(id),
            Input::Replace {
                asset,
                name,
                source,
                kind,
            } => self.replace(asset, &name, source, kind),
            Input::Cancel => {
                self.cancelled = true;
                Ok(vec![])
            }
            Input::Render(input) => self.render_input(input),
            Input::CopiesRemoved { at } => self.copies_removed(at),
            Input::Withdrawn { at } => self.withdrawn(at),
            Input::Tick(now) => {
                self.tick(now);
                Ok(vec![])
            }
        }
    }
}
