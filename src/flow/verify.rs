//! The verification: one link at a time, its one-time token asked for at most once, and only
//! after a completion signal (the phone's callback with `resultCode=10000`, or staff).

use crate::api::VerificationOutcome;
use crate::text::{Msg, same_secret, short_printable};

use super::{Effect, Link, Millis, Refusal, Session, Signal, TokenState, Verification};

impl Session {
    pub(super) fn request_link(&mut self) -> Result<Vec<Effect>, Refusal> {
        match &self.verification {
            Verification::NotStarted | Verification::Failed { .. } => {}
            Verification::Link(l) if !matches!(l.token_state, TokenState::Used { .. }) => {}
            Verification::Issuing => {
                return Err(Refusal::NotNow("refusal-link-requesting"));
            }
            Verification::Link(_) | Verification::Following { .. } => {
                return Err(Refusal::NotNow("refusal-result-being-asked"));
            }
            Verification::Verified { .. } => {
                return Err(Refusal::NotNow("refusal-already-verified"));
            }
        }
        self.verification = Verification::Issuing;
        Ok(vec![Effect::IssueLink])
    }

    /// The link whose token was used, while its answer is awaited.
    pub(super) fn asked_link(&self) -> Option<Link> {
        match &self.verification {
            Verification::Link(l) if matches!(l.token_state, TokenState::Used { .. }) => {
                Some(l.clone())
            }
            Verification::Following { link, .. } => Some(link.clone()),
            _ => None,
        }
    }

    /// The link's token can no longer be used; staff must ask for a new code.
    pub(super) fn spend(&mut self, link: Link, reason: Msg) {
        self.verification = Verification::Link(Link {
            token_state: TokenState::Spent {
                reason: reason.clone(),
            },
            ..link
        });
        self.last_error = Some(reason);
    }

    pub(super) fn verification_answer(
        &mut self,
        outcome: VerificationOutcome,
    ) -> Result<Vec<Effect>, Refusal> {
        let link = self
            .asked_link()
            .ok_or(Refusal::NotNow("refusal-no-result-asked"))?;
        match outcome {
            VerificationOutcome::Verified { group_id } => {
                self.last_error = None;
                self.verification = Verification::Verified { group_id };
                // Assets added while waiting and already submitted by staff go now.
                Ok(self.advance_queue())
            }
            VerificationOutcome::Failed { reason } => {
                self.verification = Verification::Failed { reason };
                Ok(vec![])
            }
            VerificationOutcome::NotReady => {
                self.spend(link, Msg::new("verify-too-early"));
                Ok(vec![])
            }
            VerificationOutcome::Pending { task_id } => {
                self.verification = Verification::Following {
                    link,
                    task_id: task_id.clone(),
                };
                Ok(vec![Effect::FollowVerification { task_id }])
            }
        }
    }

    pub(super) fn link_ready(&mut self, link: Link) -> Result<Vec<Effect>, Refusal> {
        if self.verification != Verification::Issuing {
            return Err(Refusal::NotNow("refusal-no-link-requested"));
        }
        self.last_error = None;
        self.verification = Verification::Link(link);
        Ok(vec![])
    }

    pub(super) fn link_failed(&mut self, reason: Msg) -> Result<Vec<Effect>, Refusal> {
        if self.verification != Verification::Issuing {
            return Err(Refusal::NotNow("refusal-no-link-requested"));
        }
        self.verification = Verification::NotStarted;
        self.last_error = Some(reason);
        Ok(vec![])
    }

    /// The phone's redirect (or a webhook): the token is asked for only on a pass, and only
    /// for the link the callback names.
    pub(super) fn phone_callback(
        &mut self,
        result_code: &str,
        token: Option<String>,
        message: Option<String>,
        callback_key: Option<String>,
    ) -> Result<Vec<Effect>, Refusal> {
        let Verification::Link(link) = &mut self.verification else {
            return Err(Refusal::NotNow("refusal-no-link-waiting"));
        };
        if token
            .as_deref()
            .is_some_and(|t| !same_secret(t, &link.token))
        {
            return Err(Refusal::NotNow("refusal-other-link"));
        }
        // A callback without the token must name this link's key: a phone still open on an
        // older link cannot complete the new one.
        let key_fits = match (&link.callback_key, &callback_key) {
            (Some(expected), Some(got)) => same_secret(got, expected),
            (Some(_), None) => token.is_some(),
            (None, _) => true,
        };
        if !key_fits {
            return Err(Refusal::NotNow("refusal-other-link"));
        }
        if link.token_state != TokenState::Waiting {
            return Err(Refusal::NotNow("refusal-link-not-waiting"));
        }
        if result_code.trim() == "10000" {
            link.token_state = TokenState::Used {
                signal: Signal::Callback,
            };
            return Ok(vec![Effect::QueryVerification {
                token: link.token.clone(),
            }]);
        }
        // The phone's words come from outside: short and printable only. The session goes on;
        // staff decide whether to issue a new code.
        let code = short_printable(result_code, 16);
        let reason = match message.filter(|m| !m.trim().is_empty()) {
            Some(m) => Msg::new("verify-phone-said")
                .text("message", short_printable(&m, 160))
                .text("code", code),
            None => Msg::new("verify-phone-code").text("code", code),
        };
        link.token_state = TokenState::Spent {
            reason: reason.clone(),
        };
        self.last_error = Some(reason);
        Ok(vec![])
    }

    pub(super) fn staff_confirmed(&mut self) -> Result<Vec<Effect>, Refusal> {
        let Verification::Link(link) = &mut self.verification else {
            return Err(Refusal::NotNow("refusal-no-link-waiting"));
        };
        if link.token_state != TokenState::Waiting {
            return Err(Refusal::NotNow("refusal-link-not-waiting"));
        }
        link.token_state = TokenState::Used {
            signal: Signal::Staff,
        };
        Ok(vec![Effect::QueryVerification {
            token: link.token.clone(),
        }])
    }

    pub(super) fn verification_not_sent(&mut self, reason: Msg) -> Result<Vec<Effect>, Refusal> {
        let Verification::Link(link) = &mut self.verification else {
            return Err(Refusal::NotNow("refusal-no-result-asked"));
        };
        if !matches!(link.token_state, TokenState::Used { .. }) {
            return Err(Refusal::NotNow("refusal-no-result-asked"));
        }
        link.token_state = TokenState::Waiting;
        self.last_error = Some(reason);
        Ok(vec![])
    }

    /// A waiting link past its end expires.
    pub(super) fn tick(&mut self, now: Millis) {
        if let Verification::Link(link) = &mut self.verification
            && link.token_state == TokenState::Waiting
            && now >= link.expires_at
        {
            link.token_state = TokenState::Expired;
        }
    }
}
