//! The receipt a person keeps: what they were shown and answered, in their language, with
//! their signature, and, once they withdrew, what the studio deleted and what remains at
//! APIMart. Made from the stored record, the text version it names and the session; no IO
//! (the time zone is handed in), laid out as a PDF by `media::pdf`.

use jiff::tz::TimeZone;

use super::{ConsentBy, ConsentRecord, ConsentVersion, Millis};
use crate::api::Language;
use crate::i18n::phone::say;
use crate::media::pdf::{Block, Sheet};

/// What a receipt is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptFacts<'a> {
    /// The session.
    pub session_id: &'a str,
    /// The person's name.
    pub person: &'a str,
    /// The desk the consent was given at.
    pub desk: &'a str,
    /// What the session kept of the consent.
    pub record: &'a ConsentRecord,
    /// The text version the record names.
    pub version: &'a ConsentVersion,
    /// The person's signature (PNG), when they signed.
    pub signature_png: Option<&'a [u8]>,
    /// The `asset://` references made from the person's photos and clips (shown once they
    /// withdrew: what remains at APIMart).
    pub upstream: &'a [String],
    /// The zone the times are written in (the desk's).
    pub zone: &'a TimeZone,
}

/// The width of the signature on the page, in points (about 7 cm).
const SIGNATURE_WIDTH: f32 = 200.0;

/// The session's id as printed: its first 8 characters.
pub fn short_id(session_id: &str) -> String {
    session_id.chars().take(8).collect()
}

/// A time as the receipt writes it, in `zone`.
fn when(at: Millis, zone: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| {
            t.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default()
}

/// The receipt's message `consent-doc-receipt-{id}` in `language`.
fn said(language: Language, id: &str, args: &[(&str, &str)]) -> String {
    say(language, &format!("consent-doc-receipt-{id}"), args)
}

/// The receipt of `f`, in the language the person was shown the text in.
pub fn receipt(f: &ReceiptFacts<'_>) -> Sheet {
    let r = f.record;
    let l = r.language;
    let studio = f.version.fields.studio.as_str();
    let t = |id: &str, args: &[(&str, &str)]| said(l, id, args);
    let text = f.version.text(l);
    let short = short_id(f.session_id);
    let version = r.version.to_string();
    let title = t("title", &[]);
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Text(studio.to_string()),
        Block::Text(
            [
                t("person", &[("person", f.person)]),
                t("session", &[("session", &short)]),
                t("date", &[("time", &when(r.at, f.zone))]),
            ]
            .join("\n"),
        ),
        Block::Text(match r.by {
            ConsentBy::Person => t("by-person", &[("desk", f.desk)]),
            ConsentBy::Staff => t("by-staff", &[("desk", f.desk)]),
        }),
        Block::Small(t(
            "version",
            &[
                ("version", &version),
                ("language", l.code()),
                ("hash", &r.text_sha256),
            ],
        )),
    ];
    if text.sha256() != r.text_sha256 {
        blocks.push(Block::Small(t(
            "remade",
            &[("version", &version), ("hash", &r.text_sha256)],
        )));
    }
    blocks.push(Block::Rule);
    blocks.push(Block::Heading(text.title.clone()));
    blocks.push(Block::Text(text.intro.clone()));
    for (item, title, body) in &text.items {
        let answer = r.answers.iter().find(|(i, _)| i == item).map(|(_, a)| *a);
        blocks.push(Block::Heading(title.clone()));
        blocks.push(Block::Text(body.clone()));
        let said = match (answer, r.by) {
            (Some(yes), ConsentBy::Person) => {
                let id = if yes {
                    "consent-doc-yes"
                } else {
                    "consent-doc-no"
                };
                t("answer", &[("answer", &say(l, id, &[]))])
            }
            // Not the person's words: what staff recorded for them.
            (Some(yes), ConsentBy::Staff) => t(if yes { "staff-yes" } else { "staff-no" }, &[]),
            (None, _) => continue,
        };
        blocks.push(Block::Text(said));
    }
    blocks.push(Block::Text(text.rights.clone()));
    blocks.push(Block::Heading(t("signature", &[])));
    blocks.push(match (f.signature_png, r.by) {
        (Some(png), ConsentBy::Person) => Block::Picture {
            png: png.to_vec(),
            width: SIGNATURE_WIDTH,
        },
        (None, ConsentBy::Person) => Block::Text(t("signature-missing", &[])),
        (_, ConsentBy::Staff) => Block::Text(t("no-signature", &[])),
    });
    if let Some(at) = r.withdrawn_at {
        blocks.extend(withdrawal(f, studio, at));
    }
    Sheet {
        footer: format!("{studio} · {title} · {short}"),
        title: format!("{title}: {}", f.person),
        language: l.code().to_string(),
        blocks,
    }
}

/// What a withdrawal deleted and what remains at APIMart.
fn withdrawal(f: &ReceiptFacts<'_>, studio: &str, at: Millis) -> Vec<Block> {
    let t = |id: &str, args: &[(&str, &str)]| said(f.record.language, id, args);
    let mut blocks = vec![
        Block::Rule,
        Block::Heading(t("withdrawn-title", &[])),
        Block::Text(t("withdrawn-at", &[("time", &when(at, f.zone))])),
        Block::Text(t("withdrawn-deleted", &[("studio", studio)])),
    ];
    if f.upstream.is_empty() {
        blocks.push(Block::Text(t("withdrawn-none", &[])));
    } else {
        blocks.push(Block::Text(t("withdrawn-upstream", &[("studio", studio)])));
        blocks.push(Block::Small(f.upstream.join("\n")));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{ConsentFields, ConsentItem};

    fn facts_in(language: Language) -> (ConsentVersion, ConsentRecord) {
        let fields = ConsentFields {
            studio: "스튜디오 한".into(),
            ..ConsentFields::default()
        };
        let version = ConsentVersion::next(None, fields, 0);
        let answers = [
            (ConsentItem::Biometric, Some(true)),
            (ConsentItem::Likeness, Some(true)),
            (ConsentItem::Keep, Some(false)),
        ];
        let record =
            ConsentRecord::from_person(&version.text(language), &answers, 1_764_800_000_000)
                .unwrap_or_else(|e| panic!("{e:?}"));
        (version, record)
    }

    fn all_text(sheet: &Sheet) -> String {
        let mut s = String::new();
        for b in &sheet.blocks {
            if let Block::Title(t) | Block::Heading(t) | Block::Text(t) | Block::Small(t) = b {
                s.push_str(t);
                s.push('\n');
            }
        }
        s
    }

    #[test]
    fn a_receipt_says_the_text_the_answers_and_who_in_the_persons_language() {
        let (version, record) = facts_in(Language::Ko);
        let upstream = vec!["asset://a-1".to_string()];
        let facts = ReceiptFacts {
            session_id: "0123456789abcdef",
            person: "김하늘",
            desk: "front",
            record: &record,
            version: &version,
            signature_png: Some(&[1, 2, 3]),
            upstream: &upstream,
            zone: &TimeZone::UTC,
        };
        let sheet = receipt(&facts);
        let text = all_text(&sheet);
        assert!(text.contains("이름: 김하늘"), "{text}");
        assert!(text.contains("세션: 01234567"), "{text}");
        assert!(text.contains(&version.text(Language::Ko).intro), "{text}");
        assert!(text.contains("답: 동의합니다") && text.contains("답: 동의하지 않습니다"));
        assert!(text.contains("2025-12-03 22:13 UTC"), "{text}");
        assert!(!text.contains("asset://a-1"), "not withdrawn: {text}");
        assert!(
            !text.contains("다시 만든"),
            "the text is the one shown: {text}"
        );
        assert!(sheet.blocks.contains(&Block::Picture {
            png: vec![1, 2, 3],
            width: SIGNATURE_WIDTH
        }));
        assert_eq!(sheet.language, "ko");
        assert!(sheet.footer.ends_with("01234567"));

        let mut withdrawn = record.clone();
        withdrawn.withdrawn_at = Some(record.at + 3_600_000);
        withdrawn.text_sha256 = "f".repeat(64);
        let text = all_text(&receipt(&ReceiptFacts {
            record: &withdrawn,
            ..facts
        }));
        assert!(text.contains("철회 일시: 2025-12-03 23:13 UTC"), "{text}");
        assert!(text.contains("asset://a-1"), "{text}");
        assert!(text.contains("다시 만든"), "the hash differs: {text}");
    }

    #[test]
    fn a_staff_attestation_has_no_signature_and_says_who_recorded_it() {
        let (version, _) = facts_in(Language::En);
        let record = ConsentRecord::from_staff(&version.text(Language::Ja), 0);
        let sheet = receipt(&ReceiptFacts {
            session_id: "s",
            person: "Mika",
            desk: "desk-2",
            record: &record,
            version: &version,
            signature_png: None,
            upstream: &[],
            zone: &TimeZone::UTC,
        });
        let text = all_text(&sheet);
        assert!(text.contains("デスク「desk-2」のスタッフ"), "{text}");
        assert!(text.contains("署名なし"), "{text}");
        assert!(text.contains("スタッフの記録：同意しない"), "{text}");
        assert!(!text.contains("回答："), "not the person's words: {text}");
        assert!(
            !sheet
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Picture { .. }))
        );
    }

    /// A tiny PNG, as the pad makes (a dark stroke on white).
    fn png() -> Vec<u8> {
        let mut img = image::RgbaImage::from_pixel(60, 20, image::Rgba([255, 255, 255, 255]));
        for x in 5..55 {
            img.put_pixel(x, 10, image::Rgba([20, 20, 20, 255]));
        }
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    /// The PDF's text as a reader extracts it, spaces and line ends taken out (where a
    /// line breaks is the layout's business).
    pub(crate) fn extracted(pdf: &[u8]) -> String {
        let doc = lopdf::Document::load_mem(pdf).unwrap_or_else(|e| panic!("{e}"));
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap_or_else(|e| panic!("{e}"));
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn the_pdf_gives_back_the_name_and_the_text_in_every_language() {
        for language in [Language::Ko, Language::En, Language::Zh, Language::Ja] {
            let (version, mut record) = facts_in(language);
            record.withdrawn_at = Some(record.at + 1);
            let upstream = vec!["asset://asset-20251203-0001".to_string()];
            let signature = png();
            let sheet = receipt(&ReceiptFacts {
                session_id: "0123456789abcdef",
                // Hangul, Latin with Vietnamese marks, Cyrillic: one font draws them all.
                person: "김하늘 Sky Đặng Пётр",
                desk: "front",
                record: &record,
                version: &version,
                signature_png: Some(&signature),
                upstream: &upstream,
                zone: &TimeZone::UTC,
            });
            let pdf = crate::media::pdf::render(&sheet, crate::i18n::BUNDLED_FONT)
                .unwrap_or_else(|e| panic!("{e}"));
            let got = extracted(&pdf);
            let text = version.text(language);
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            for want in [
                "김하늘SkyĐặngПётр".to_string(),
                squeeze(&text.intro),
                squeeze(&text.rights),
                squeeze(&text.items[1].2),
                "asset://asset-20251203-0001".to_string(),
            ] {
                assert!(
                    got.contains(&want),
                    "{}: {want} not in {got}",
                    language.code()
                );
            }
            assert!(
                pdf.windows(9).any(|w| w == b"/FontFile"),
                "the font is embedded"
            );
            // A subset: far smaller than the 3.5 MB font.
            assert!(pdf.len() < 400_000, "{} bytes", pdf.len());
        }
    }

    #[test]
    fn a_signature_that_is_not_a_png_is_an_error_not_a_panic() {
        let (version, record) = facts_in(Language::Ko);
        let sheet = receipt(&ReceiptFacts {
            session_id: "s",
            person: "p",
            desk: "d",
            record: &record,
            version: &version,
            signature_png: Some(b"not a png"),
            upstream: &[],
            zone: &TimeZone::UTC,
        });
        let made = crate::media::pdf::render(&sheet, crate::i18n::BUNDLED_FONT);
        assert!(matches!(made, Err(crate::media::pdf::PdfError::Picture(_))));
    }
}
