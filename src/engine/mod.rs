//! The async worker: a tokio runtime on its own named thread that takes [`Command`]s, talks to
//! `api/` and `store/`, runs polls and uploads, and emits [`Event`]s. It knows nothing of egui:
//! the GUI passes a wake-up closure that requests a repaint.
//!
//! Every change goes through [`flow::Session::apply`], is saved, and only then announced; the
//! actions it returns are carried out afterwards. On start, unfinished sessions resume from
//! the store.

mod actor;
mod audit;
mod camera;
mod check;
mod commands;
mod config;
mod consent;
mod copies;
mod ctx;
mod effects;
mod handle;
mod io;
mod lease;
pub mod poll;
mod protocol;
mod receipt;
mod render;
mod retention;
mod stored;
mod videos;

pub use config::{CallbackMode, EngineConfig, Resume};
pub use handle::Engine;
pub use io::parse_source;
pub use poll::PollPolicy;
pub use receipt::{RECEIPT_SAVED, Receipt, make_receipt};

/// How often the retention purge runs while the engine does (and once at its start).
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
pub use protocol::{
    CaptureAsk, CheckReport, Command, Consent, EngineError, Event, NewAsset, PersonConsent,
    PurgeReport, Removal, RenderAsk, TakeOut,
};

use std::sync::Arc;

use crate::flow::Millis;

/// The phone's pages in the person's language, from the translations.
pub fn phone_pages() -> crate::callback::Pages {
    use crate::callback::PageKind;
    Arc::new(|lang, kind| {
        let id = match kind {
            PageKind::Passed => "phone-passed",
            PageKind::NotPassed => "phone-not-passed",
            PageKind::NotAccepted => "phone-not-accepted",
            PageKind::Unknown => "phone-unknown",
        };
        crate::i18n::phone::page(lang, id)
    })
}

/// How the engine is asked to stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    /// Give up the leases held, so another desk may go on at once (false: as if the process
    /// died, for tests of a takeover).
    release: bool,
}

/// Called after each event is queued, to wake the front end (the GUI requests a repaint).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// A fresh, unguessable session id.
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The wall clock in milliseconds.
pub fn now_ms() -> Millis {
    crate::clock::now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Language;
    use crate::callback::PageKind;

    #[test]
    fn the_phone_is_answered_in_the_persons_language() {
        let pages = phone_pages();
        assert_eq!(
            pages(Language::Ko, PageKind::Passed).0,
            "인증이 전달되었습니다"
        );
        assert_eq!(
            pages(Language::Ko, PageKind::NotAccepted).0,
            "이 코드는 더 이상 사용되지 않습니다"
        );
        assert_eq!(
            pages(Language::Ja, PageKind::NotPassed).0,
            "認証が完了しませんでした"
        );
        assert_eq!(
            pages(Language::Zh, PageKind::Passed).1,
            "谢谢。请回到前台。"
        );
        assert_eq!(
            pages(Language::En, PageKind::Unknown).0,
            "This link is not valid"
        );
    }
}
