//! A person's consent receipt as a PDF (and, once they withdrew, what was deleted and what
//! remains at APIMart): made from what the store keeps, for the window's save dialog and for
//! `avatar-kiosk consent ID --out FILE.pdf`.

use jiff::tz::TimeZone;

use super::Event;
use super::actor::Actor;
use crate::flow::ConsentVersion;
use crate::flow::receipt::{ReceiptFacts, receipt, short_id};
use crate::store::{SessionStore, StoredConsent};
use crate::text::Msg;

/// A receipt ready to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The session it is for.
    pub session: String,
    /// The person's name.
    pub person: String,
    /// A file name to offer (`consent-receipt-NAME-SHORTID.pdf`).
    pub file_name: String,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// What the audit log says when a receipt leaves the app.
pub const RECEIPT_SAVED: &str = "consent receipt saved as PDF";

/// The receipt of session `id`, its times in `zone`: or why there is none.
pub fn make_receipt(
    store: &mut dyn SessionStore,
    id: &str,
    zone: &TimeZone,
) -> Result<Receipt, Msg> {
    gather(store, id)?.render(zone)
}

/// What the store keeps that a receipt says.
pub(super) struct Gathered {
    session: String,
    kept: StoredConsent,
    version: ConsentVersion,
    upstream: Vec<String>,
}

/// Reads what session `id`'s receipt says (on the store's thread; the PDF is made away from
/// it).
pub(super) fn gather(store: &mut dyn SessionStore, id: &str) -> Result<Gathered, Msg> {
    let session = store
        .load(id)
        .map_err(|e| e.advice())?
        .ok_or_else(|| Msg::new("engine-no-session"))?;
    let Some(kept) = store.consent(id).map_err(|e| e.advice())? else {
        return Err(Msg::new("receipt-no-consent"));
    };
    let number = kept.record.version;
    let versions = store.consent_versions().map_err(|e| e.advice())?;
    let Some(version) = versions.into_iter().find(|v| v.number == number) else {
        return Err(Msg::new("engine-consent-version").num("version", number));
    };
    let upstream = session.approved_urls().map(str::to_string).collect();
    Ok(Gathered {
        session: id.to_string(),
        kept,
        version,
        upstream,
    })
}

impl Gathered {
    /// The PDF, its times in `zone`.
    pub(super) fn render(self, zone: &TimeZone) -> Result<Receipt, Msg> {
        let kept = &self.kept;
        let sheet = receipt(&ReceiptFacts {
            session_id: &self.session,
            person: &kept.person,
            desk: &kept.desk,
            record: &kept.record,
            version: &self.version,
            signature_png: kept.signature_png.as_deref(),
            upstream: &self.upstream,
            zone,
        });
        let pdf = crate::media::pdf::render(&sheet, crate::i18n::BUNDLED_FONT)
            .map_err(|e| Msg::new("receipt-failed").text("reason", e.to_string()))?;
        Ok(Receipt {
            file_name: file_name(&kept.person, &self.session),
            person: self.kept.person,
            session: self.session,
            pdf,
        })
    }
}

/// `consent-receipt-NAME-SHORTID.pdf`, the name made safe as an export's is.
fn file_name(person: &str, id: &str) -> String {
    let name = crate::media::safe_name(person);
    format!("consent-receipt-{name}-{}.pdf", short_id(id))
}

impl Actor {
    /// [`super::Command::Receipt`]: made on the store's thread, answered by
    /// [`Event::Receipt`].
    pub(super) async fn receipt(&self, id: String) {
        let of = id.clone();
        let read = self.store.call(move |s| Ok(gather(s, &of))).await;
        let facts = match read.map_err(|e| e.advice()).and_then(|r| r) {
            Ok(facts) => facts,
            Err(why) => return self.emit(Event::Receipt(id, Err(why))).await,
        };
        // Laid out away from the engine's loop (the font's subset takes a moment), answered
        // like any background work.
        let out = self.internal.clone();
        tokio::spawn(async move {
            let render = move || facts.render(&TimeZone::system());
            let made = tokio::task::spawn_blocking(render)
                .await
                .unwrap_or_else(|e| Err(Msg::new("receipt-failed").text("reason", e.to_string())));
            let answer = Event::Receipt(id, made.map(Box::new));
            let _ = out.send(super::protocol::Outcome::Emit(answer)).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_keeps_the_name_and_nothing_a_system_refuses() {
        assert_eq!(
            file_name("김하늘 Sky:*?", "0123456789"),
            "consent-receipt-김하늘-Sky-01234567.pdf"
        );
    }
}
