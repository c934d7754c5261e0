//! The person's own consent: the items they answer, the studio's text (filled from Settings,
//! one version per edit) in their language, the exact text's hash, and the record a session
//! keeps. No IO: the store keeps versions and records, the window draws them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Millis;
use crate::api::Language;

/// One thing the person answers, separately from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentItem {
    /// Face verification with ByteDance through APIMart (biometric information).
    Biometric,
    /// AI videos of their likeness, for the studio's purpose and period.
    Likeness,
    /// The studio keeping their photos and clips after the session, for reuse.
    Keep,
}

impl ConsentItem {
    /// Every item, in the order they are shown.
    pub const ALL: [ConsentItem; 3] = [
        ConsentItem::Biometric,
        ConsentItem::Likeness,
        ConsentItem::Keep,
    ];

    /// Without a yes to it, nothing starts.
    pub fn required(self) -> bool {
        !matches!(self, ConsentItem::Keep)
    }

    /// Its word in records and JSON.
    pub fn word(self) -> &'static str {
        match self {
            ConsentItem::Biometric => "biometric",
            ConsentItem::Likeness => "likeness",
            ConsentItem::Keep => "keep",
        }
    }

    fn message(self) -> &'static str {
        match self {
            ConsentItem::Biometric => "consent-doc-biometric",
            ConsentItem::Likeness => "consent-doc-likeness",
            ConsentItem::Keep => "consent-doc-keep",
        }
    }
}

/// What the studio fills in (Settings); each edit is a new [`ConsentVersion`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentFields {
    /// The studio's name, as the person knows it.
    pub studio: String,
    /// What the AI videos are for.
    pub purpose: String,
    /// For how long the references are used (free text: "until 31 December 2027").
    pub period: String,
    /// Where the person withdraws (an address, a phone number).
    pub contact: String,
    /// Days the studio keeps its copies after the session when the person did not agree to
    /// keeping them.
    pub keep_days: u32,
}

impl Default for ConsentFields {
    fn default() -> ConsentFields {
        ConsentFields {
            studio: "the studio".into(),
            purpose: "the studio's productions".into(),
            period: "one year from today".into(),
            contact: "the studio's front desk".into(),
            keep_days: DEFAULT_KEEP_DAYS,
        }
    }
}

/// The days copies are kept after a session by default.
pub const DEFAULT_KEEP_DAYS: u32 = 30;

/// One version of the studio's consent text: its number (from 1) and what filled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentVersion {
    /// Counts up with each edit.
    pub number: u32,
    /// When it was made.
    pub created_at: Millis,
    /// What filled it.
    pub fields: ConsentFields,
}

impl ConsentVersion {
    /// The version an edit of `fields` makes after `last` (none: the first).
    pub fn next(last: Option<&ConsentVersion>, fields: ConsentFields, now: Millis) -> Self {
        ConsentVersion {
            number: last.map_or(1, |l| l.number + 1),
            created_at: now,
            fields,
        }
    }

    /// The text as the person reads it in `language`.
    pub fn text(&self, language: Language) -> ConsentText {
        let f = &self.fields;
        let days = f.keep_days.to_string();
        let args = [
            ("studio", f.studio.as_str()),
            ("purpose", f.purpose.as_str()),
            ("period", f.period.as_str()),
            ("contact", f.contact.as_str()),
            ("days", days.as_str()),
        ];
        let say = |id: &str| strip_isolation(&crate::i18n::phone::say(language, id, &args));
        ConsentText {
            language,
            version: self.number,
            title: say("consent-doc-title"),
            intro: say("consent-doc-intro"),
            items: ConsentItem::ALL
                .into_iter()
                .map(|item| {
                    let m = item.message();
                    (item, say(&format!("{m}-title")), say(&format!("{m}-text")))
                })
                .collect(),
            rights: say("consent-doc-rights"),
        }
    }
}

/// The text shown, hashed and printed has no Unicode isolation marks: the app's bundles are
/// set without them (`i18n::fill`), and this keeps it so should that change (they are
/// invisible on screen, but would change the hash and stay in a PDF's text).
fn strip_isolation(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
        .collect()
}

/// The exact text shown to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentText {
    /// In which language.
    pub language: Language,
    /// Which version made it.
    pub version: u32,
    /// Its heading.
    pub title: String,
    /// What comes before the items.
    pub intro: String,
    /// Each item: its heading and its text.
    pub items: Vec<(ConsentItem, String, String)>,
    /// How to withdraw.
    pub rights: String,
}

impl ConsentText {
    /// The whole text as one string, paragraphs apart: what is hashed and printed.
    pub fn plain(&self) -> String {
        let mut parts = vec![self.title.as_str(), self.intro.as_str()];
        for (_, title, text) in &self.items {
            parts.push(title);
            parts.push(text);
        }
        parts.push(&self.rights);
        parts.join("\n\n")
    }

    /// SHA-256 of [`ConsentText::plain`] in UTF-8, in hex.
    pub fn sha256(&self) -> String {
        Sha256::digest(self.plain().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Who gave the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentBy {
    /// The person, on their screen, with their signature.
    Person,
    /// Staff, on the command line where no person's screen is at hand: their attestation.
    Staff,
}

/// What a session keeps of the consent it started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// Who answered.
    pub by: ConsentBy,
    /// The text's version.
    pub version: u32,
    /// SHA-256 of the exact text shown.
    pub text_sha256: String,
    /// The language it was shown in.
    pub language: Language,
    /// Each item and its answer.
    pub answers: Vec<(ConsentItem, bool)>,
    /// When it was given.
    pub at: Millis,
    /// When it was withdrawn.
    pub withdrawn_at: Option<Millis>,
}

/// Why answers do not let a session start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentRefusal {
    /// An item was not answered.
    Unanswered(ConsentItem),
    /// A required item was answered no: the person declined.
    Declined(ConsentItem),
}

impl ConsentRecord {
    /// The person's answers to `text`, when they let a session start: every item answered,
    /// every required one yes.
    pub fn from_person(
        text: &ConsentText,
        answers: &[(ConsentItem, Option<bool>)],
        at: Millis,
    ) -> Result<ConsentRecord, ConsentRefusal> {
        let mut kept = Vec::new();
        for item in ConsentItem::ALL {
            let answer = answers
                .iter()
                .find(|(i, _)| *i == item)
                .and_then(|(_, a)| *a)
                .ok_or(ConsentRefusal::Unanswered(item))?;
            if item.required() && !answer {
                return Err(ConsentRefusal::Declined(item));
            }
            kept.push((item, answer));
        }
        Ok(ConsentRecord {
            by: ConsentBy::Person,
            version: text.version,
            text_sha256: text.sha256(),
            language: text.language,
            answers: kept,
            at,
            withdrawn_at: None,
        })
    }

    /// Staff's attestation on the command line: the required items yes, the optional one no.
    pub fn from_staff(text: &ConsentText, at: Millis) -> ConsentRecord {
        ConsentRecord {
            by: ConsentBy::Staff,
            version: text.version,
            text_sha256: text.sha256(),
            language: text.language,
            answers: ConsentItem::ALL
                .into_iter()
                .map(|i| (i, i.required()))
                .collect(),
            at,
            withdrawn_at: None,
        }
    }

    /// The person agreed to the studio keeping their copies until they withdraw.
    pub fn keeps_copies(&self) -> bool {
        self.withdrawn_at.is_none()
            && self
                .answers
                .iter()
                .any(|(i, a)| *i == ConsentItem::Keep && *a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version() -> ConsentVersion {
        let fields = ConsentFields {
            studio: "Studio Han".into(),
            purpose: "the spring campaign".into(),
            period: "until 2027-12-31".into(),
            contact: "privacy@studio.example".into(),
            keep_days: 30,
        };
        ConsentVersion::next(None, fields, 1_000)
    }

    #[test]
    fn the_text_is_filled_in_every_language_without_isolation_marks() {
        let v = version();
        for language in [Language::En, Language::Ko, Language::Zh, Language::Ja] {
            let text = v.text(language);
            let plain = text.plain();
            assert!(plain.contains("Studio Han"), "{plain}");
            assert!(plain.contains("privacy@studio.example"), "{plain}");
            assert!(plain.contains("the spring campaign"), "{plain}");
            assert!(
                !plain.contains('\u{2068}') && !plain.contains('{'),
                "{plain}"
            );
            assert_eq!(text.items.len(), 3);
            assert!(
                text.items
                    .iter()
                    .all(|(_, t, b)| !t.is_empty() && !b.is_empty())
            );
        }
        assert!(v.text(Language::Ko).title.contains("동의서"));
        assert!(v.text(Language::Ja).title.contains("同意書"));
        assert!(v.text(Language::Zh).title.contains("同意书"));
    }

    /// The default text's hashes, pinned: a change of wording, of the Fluent files or of how
    /// the text is put together changes what a recorded hash refers to, so it must be a
    /// deliberate one (and old versions' texts kept; see the store's consent texts).
    #[test]
    fn the_default_texts_hash_as_pinned() {
        let v1 = ConsentVersion::next(None, ConsentFields::default(), 0);
        let hashes = [Language::En, Language::Ko, Language::Zh, Language::Ja]
            .map(|l| v1.text(l).sha256()[..16].to_string());
        let pinned = [
            "a9c24483a1f953a4",
            "ac1f73972c3b0b94",
            "5c390abbdca0aac7",
            "a5c1785525396d68",
        ];
        assert_eq!(hashes, pinned);
    }

    #[test]
    fn an_edit_is_a_new_version_with_a_new_hash_and_the_old_one_stays() {
        let first = version();
        let old = first.text(Language::Ko).sha256();
        let mut fields = first.fields.clone();
        fields.purpose = "the autumn campaign".into();
        let second = ConsentVersion::next(Some(&first), fields, 2_000);
        assert_eq!(second.number, 2);
        assert_ne!(second.text(Language::Ko).sha256(), old);
        assert_eq!(first.text(Language::Ko).sha256(), old);
        assert_ne!(
            first.text(Language::En).sha256(),
            first.text(Language::Ko).sha256()
        );
        assert_eq!(old.len(), 64);
    }

    #[test]
    fn the_person_answers_every_item_and_a_required_no_declines() {
        use ConsentItem::*;
        let text = version().text(Language::Ko);
        let all_yes = [
            (Biometric, Some(true)),
            (Likeness, Some(true)),
            (Keep, Some(false)),
        ];
        let record = ConsentRecord::from_person(&text, &all_yes, 5).unwrap();
        assert_eq!(record.by, ConsentBy::Person);
        assert_eq!(record.text_sha256, text.sha256());
        assert!(!record.keeps_copies());
        let unanswered = [
            (Biometric, Some(true)),
            (Likeness, None),
            (Keep, Some(true)),
        ];
        assert_eq!(
            ConsentRecord::from_person(&text, &unanswered, 5),
            Err(ConsentRefusal::Unanswered(Likeness))
        );
        let declined = [
            (Biometric, Some(false)),
            (Likeness, Some(true)),
            (Keep, Some(true)),
        ];
        assert_eq!(
            ConsentRecord::from_person(&text, &declined, 5),
            Err(ConsentRefusal::Declined(Biometric))
        );
        let keep = [
            (Biometric, Some(true)),
            (Likeness, Some(true)),
            (Keep, Some(true)),
        ];
        let mut record = ConsentRecord::from_person(&text, &keep, 5).unwrap();
        assert!(record.keeps_copies());
        record.withdrawn_at = Some(9);
        assert!(!record.keeps_copies());
    }

    #[test]
    fn staff_attest_the_required_items_and_not_the_optional_one() {
        let text = version().text(Language::En);
        let r = ConsentRecord::from_staff(&text, 7);
        assert_eq!(r.by, ConsentBy::Staff);
        assert_eq!(
            r.answers,
            vec![
                (ConsentItem::Biometric, true),
                (ConsentItem::Likeness, true),
                (ConsentItem::Keep, false)
            ]
        );
        assert_eq!(r.text_sha256, text.sha256());
    }
}
