//! What the window knows of something it asked for elsewhere (the engine, a job): not asked
//! yet, on its way, there, or failed. The last value is kept while it is asked again, so a
//! list does not blink empty on every refresh.

use crate::text::Msg;

/// A value the window asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Remote<T, E = Msg> {
    /// Never asked for.
    #[default]
    NotAsked,
    /// Asked for; the last value, if any, is still shown.
    Loading {
        /// What was there before.
        last: Option<T>,
    },
    /// Here.
    Ready(T),
    /// The asking failed; the last value, if any, is still shown.
    Failed {
        /// Why.
        error: E,
        /// What was there before.
        last: Option<T>,
    },
}

impl<T, E> Remote<T, E> {
    /// The value to show: the current one, or the last while it is asked again.
    pub fn value(&self) -> Option<&T> {
        match self {
            Remote::NotAsked => None,
            Remote::Ready(v) => Some(v),
            Remote::Loading { last } | Remote::Failed { last, .. } => last.as_ref(),
        }
    }

    /// Whether an answer is awaited.
    pub fn is_loading(&self) -> bool {
        matches!(self, Remote::Loading { .. })
    }

    /// The failure, if the last asking failed.
    pub fn error(&self) -> Option<&E> {
        match self {
            Remote::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Takes the value to keep showing, leaving `NotAsked`.
    fn take_last(&mut self) -> Option<T> {
        match std::mem::take(self) {
            Remote::Ready(v) => Some(v),
            Remote::Loading { last } | Remote::Failed { last, .. } => last,
            Remote::NotAsked => None,
        }
    }

    /// Asked again: keeps what is there to show meanwhile.
    pub fn reload(&mut self) {
        let last = self.take_last();
        *self = Remote::Loading { last };
    }

    /// The answer arrived.
    pub fn settle(&mut self, answer: Result<T, E>) {
        *self = match answer {
            Ok(v) => Remote::Ready(v),
            Err(error) => Remote::Failed {
                error,
                last: self.take_last(),
            },
        };
    }

    /// The answer will not come (the engine restarted): back to what was known. A value or
    /// a failure already there stays.
    pub fn abandon(&mut self) {
        if let Remote::Loading { last } = self {
            *self = last.take().map_or(Remote::NotAsked, Remote::Ready);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_value_stays_while_asking_again_and_after_a_failure() {
        let mut r: Remote<u32, &str> = Remote::NotAsked;
        assert_eq!(r.value(), None);
        r.reload();
        assert!(r.is_loading());
        assert_eq!(r.value(), None);
        r.settle(Ok(3));
        assert_eq!(r.value(), Some(&3));
        r.reload();
        assert!(r.is_loading());
        assert_eq!(r.value(), Some(&3));
        r.settle(Err("offline"));
        assert_eq!((r.value(), r.error()), (Some(&3), Some(&"offline")));
        r.reload();
        r.settle(Ok(4));
        assert_eq!((r.value(), r.error()), (Some(&4), None));
        r.reload();
        r.abandon();
        assert_eq!(r, Remote::Ready(4));
        // What arrived stays when nothing is awaited.
        r.abandon();
        assert_eq!(r, Remote::Ready(4));
        r.settle(Err("offline"));
        r.abandon();
        assert_eq!(r.error(), Some(&"offline"));
        let mut never: Remote<u32, &str> = Remote::Loading { last: None };
        never.abandon();
        assert_eq!(never, Remote::NotAsked);
    }
}
