//! The consent a session starts with: the studio's current text (version 1 from the defaults
//! when the studio never edited it), the record made from the answers, kept in the store
//! before any request is sent.

use super::actor::Actor;
use super::now_ms;
use super::protocol::{Consent, PersonConsent};
use crate::api::Language;
use crate::flow::{AuditAction, ConsentFields, ConsentRecord, ConsentRefusal, ConsentVersion};
use crate::store::StoredConsent;
use crate::text::Msg;

impl Actor {
    /// The studio's consent text as it stands: the newest version, made from the defaults
    /// when there is none yet.
    pub(super) async fn consent_version(&self) -> Result<ConsentVersion, Msg> {
        let versions = self
            .store
            .call(|s| s.consent_versions())
            .await
            .map_err(|e| e.advice())?;
        if let Some(last) = versions.last() {
            return Ok(last.clone());
        }
        self.store
            .call(|s| s.new_consent_version(&ConsentFields::default(), now_ms()))
            .await
            .map_err(|e| e.advice())
    }

    /// The consent text's commands: the current one, a new version, shown to a person.
    pub(super) async fn consent_command(&self, cmd: super::Command) {
        match cmd {
            super::Command::CurrentConsent => {
                let current = self.consent_version().await;
                self.emit(super::Event::CurrentConsent(current)).await;
            }
            super::Command::NewConsentVersion(fields) => self.new_consent_version(fields).await,
            super::Command::ConsentShown {
                session,
                version,
                language,
            } => self.consent_shown(&session, version, language).await,
            _ => {}
        }
    }

    /// Saves `fields` as the studio's next consent text version.
    async fn new_consent_version(&self, fields: ConsentFields) {
        let made = self
            .store
            .call(move |s| s.new_consent_version(&fields, now_ms()))
            .await;
        match made {
            Ok(v) => self.emit(super::Event::ConsentVersionMade(v)).await,
            Err(e) => {
                let message = e.advice();
                self.emit(super::Event::Error {
                    session: None,
                    message,
                })
                .await;
            }
        }
    }

    /// The person was shown consent text `version` in `language` (logged).
    async fn consent_shown(&self, session: &str, version: u32, language: Language) {
        let detail = format!("consent text {version} shown in {}", language.code());
        self.audit(AuditAction::ConsentShown, Some(session), detail)
            .await;
    }

    /// The record of `consent` for a session of `person` in `language`, kept in the store:
    /// or why the session does not start (nothing given, a required item declined).
    pub(super) async fn keep_consent(
        &self,
        id: &str,
        person: &str,
        language: Language,
        consent: Consent,
    ) -> Result<ConsentRecord, Msg> {
        let now = now_ms();
        let (record, signature_png) = match consent {
            Consent::None => return Err(Msg::new("engine-need-consent")),
            Consent::Staff => {
                let version = self.consent_version().await?;
                (
                    ConsentRecord::from_staff(&version.text(language), now),
                    None,
                )
            }
            Consent::Person(given) => {
                let PersonConsent {
                    version,
                    answers,
                    signature_png,
                    declined,
                } = *given;
                if declined {
                    let detail = format!("declined at the pad, consent text {version}");
                    self.audit(AuditAction::ConsentDeclined, Some(id), detail)
                        .await;
                    return Err(Msg::new("engine-consent-declined"));
                }
                let versions = self
                    .store
                    .call(|s| s.consent_versions())
                    .await
                    .map_err(|e| e.advice())?;
                let Some(shown) = versions.into_iter().find(|v| v.number == version) else {
                    return Err(Msg::new("engine-consent-version").num("version", version));
                };
                let text = shown.text(language);
                match ConsentRecord::from_person(&text, &answers, now) {
                    Ok(_) if signature_png.is_empty() => {
                        return Err(Msg::new("engine-consent-unsigned"));
                    }
                    Ok(record) => (record, Some(signature_png)),
                    // Not the person's answer yet: the screen asks again, nothing is logged.
                    Err(ConsentRefusal::Unanswered(item)) => {
                        return Err(Msg::new("engine-consent-unanswered").text("item", item.word()));
                    }
                    Err(ConsentRefusal::Declined(item)) => {
                        let detail = format!("declined {} in consent text {version}", item.word());
                        self.audit(AuditAction::ConsentDeclined, Some(id), detail)
                            .await;
                        return Err(Msg::new("engine-consent-declined"));
                    }
                }
            }
        };
        let kept = StoredConsent {
            session_id: id.to_string(),
            desk: self.config.kiosk.clone(),
            person: person.to_string(),
            record: record.clone(),
            signature_png,
        };
        self.store
            .call(move |s| s.keep_consent(&kept))
            .await
            .map_err(|e| e.advice())?;
        if record.by == crate::flow::ConsentBy::Person {
            let detail = format!("consent text {} ({})", record.version, language.code());
            self.audit(AuditAction::ConsentSigned, Some(id), detail)
                .await;
        }
        Ok(record)
    }
}
