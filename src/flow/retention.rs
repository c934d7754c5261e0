//! How long the person's photos and clips are kept after their session, and what a purge or a
//! withdrawal leaves: the `asset://` references, the consent record and the audit log stay;
//! the copies this desk made and the person's bucket objects go.

use super::{Effect, Millis, Refusal, Session};

/// A day in milliseconds.
pub const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// How long a session's copies are kept once it has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// This many days after the session's last change.
    Days(u32),
    /// Until the person withdraws (they ticked the optional item).
    UntilWithdrawn,
}

impl Keep {
    /// What applies to a session: the purge's own `--days` wins over everything (`Some(0)`:
    /// every finished session); else the person's optional item; else the days their consent
    /// text stated.
    pub fn of(days_asked: Option<u32>, keeps_copies: bool, days_stated: u32) -> Keep {
        match days_asked {
            Some(days) => Keep::Days(days),
            None if keeps_copies => Keep::UntilWithdrawn,
            None => Keep::Days(days_stated),
        }
    }

    /// When a session that ended at `ended_at` is due, if ever.
    pub fn due_at(self, ended_at: Millis) -> Option<Millis> {
        match self {
            Keep::Days(days) => Some(ended_at.saturating_add(Millis::from(days) * DAY_MS)),
            Keep::UntilWithdrawn => None,
        }
    }
}

impl Session {
    /// Whether the retention purge has something to do for this session at `now`, given when
    /// it last changed: at rest, not purged or withdrawn before, and its time is up.
    pub fn purge_due(&self, keep: Keep, ended_at: Millis, now: Millis) -> bool {
        self.at_rest()
            && self.copies_removed_at.is_none()
            && keep.due_at(ended_at).is_some_and(|due| due <= now)
    }

    /// Nothing of a person who withdrew is staged, sent or rendered again: new rows, a
    /// replacement, a resubmit, a submit, a new render.
    pub(super) fn refuse_for_withdrawn(&self, input: &super::Input) -> Result<(), Refusal> {
        use super::{Input, RenderInput};
        let sends = matches!(
            input,
            Input::AddAssets(_)
                | Input::Replace { .. }
                | Input::Resubmit(_)
                | Input::Submit
                | Input::Render(RenderInput::Start(..))
        );
        if sends {
            return self.takes_new_copies();
        }
        Ok(())
    }

    /// Whether new copies of this person may be made (a camera's photo or clip, a fixed
    /// video): never after they withdrew, so none is made only to be refused and left behind.
    pub fn takes_new_copies(&self) -> Result<(), Refusal> {
        match self.withdrawn_at {
            Some(_) => Err(Refusal::NotNow("refusal-withdrawn")),
            None => Ok(()),
        }
    }

    /// New rows (not before verification can take them): the purge considers this person
    /// again (new copies).
    pub(super) fn add_assets(
        &mut self,
        list: Vec<(String, super::AssetSource, crate::api::AssetKind)>,
    ) -> Result<Vec<Effect>, Refusal> {
        if !self.accepts_assets() {
            return Err(Refusal::NotNow("assets-too-early"));
        }
        self.copies_removed_at = None;
        Ok(self.add_rows(list))
    }

    pub(super) fn copies_removed(&mut self, at: Millis) -> Result<Vec<Effect>, Refusal> {
        if !self.at_rest() {
            return Err(Refusal::NotNow("refusal-not-at-rest"));
        }
        self.copies_removed_at.get_or_insert(at);
        Ok(vec![])
    }

    pub(super) fn withdrawn(&mut self, at: Millis) -> Result<Vec<Effect>, Refusal> {
        if !self.at_rest() {
            return Err(Refusal::NotNow("refusal-not-at-rest"));
        }
        self.withdrawn_at.get_or_insert(at);
        self.copies_removed_at.get_or_insert(at);
        Ok(vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{AssetId, Input};

    #[test]
    fn nothing_of_a_person_who_withdrew_is_staged_or_sent_again() {
        let lang = crate::api::Language::Ko;
        let mut s = Session::new(
            "s".into(),
            "Kim".into(),
            String::new(),
            String::new(),
            lang,
            1,
        );
        s.withdrawn_at = Some(2);
        let row: AssetId = 1;
        for input in [
            Input::Submit,
            Input::Resubmit(row),
            Input::AddAssets(Vec::new()),
            Input::Replace {
                asset: row,
                name: "front.jpg".into(),
                source: crate::flow::AssetSource::Url {
                    url: "https://cdn.example/front.jpg".into(),
                },
                kind: crate::api::AssetKind::Image,
            },
        ] {
            let refused = s.apply(input).unwrap_err();
            assert_eq!(refused.msg().id(), "refusal-withdrawn");
        }
        // What only reads or ends stays possible.
        assert!(s.apply(Input::Tick(3)).is_ok());
    }

    #[test]
    fn days_asked_win_then_the_optional_item_then_the_stated_days() {
        assert_eq!(Keep::of(Some(0), true, 30), Keep::Days(0));
        assert_eq!(Keep::of(None, true, 30), Keep::UntilWithdrawn);
        assert_eq!(Keep::of(None, false, 30), Keep::Days(30));
        assert_eq!(Keep::Days(2).due_at(1_000), Some(1_000 + 2 * DAY_MS));
        assert_eq!(Keep::UntilWithdrawn.due_at(1_000), None);
        assert_eq!(
            Keep::Days(u32::MAX).due_at(Millis::MAX - 1),
            Some(Millis::MAX)
        );
    }
}
