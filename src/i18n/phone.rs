//! What the person's phone shows, in the person's language (Korean, English, Chinese, or
//! Japanese, which only these pages have): the page after the verification, and the
//! simulator's H5 pages. Said from any thread (the listener answers on the runtime's).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::UiLang;
use unic_langid::LanguageIdentifier;

use crate::api::Language;

type Bundle = FluentBundle<FluentResource>;

/// The page languages, in the order of [`index`].
const LANGUAGES: [Language; 4] = [Language::En, Language::Ko, Language::Zh, Language::Ja];

fn index(l: Language) -> usize {
    LANGUAGES.iter().position(|x| *x == l).unwrap_or(0)
}

/// The window's files, and Japanese, which only these pages have.
fn source(l: Language) -> &'static str {
    match l {
        Language::En => UiLang::En.source(),
        Language::Ko => UiLang::Ko.source(),
        Language::Zh => UiLang::Zh.source(),
        Language::Ja => include_str!("../../assets/i18n/ja.ftl"),
    }
}

fn bundles() -> &'static [Bundle; 4] {
    static BUNDLES: OnceLock<[Bundle; 4]> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        LANGUAGES.map(|l| {
            let id: LanguageIdentifier = l.code().parse().unwrap_or_default();
            let mut bundle = Bundle::new_concurrent(vec![id]);
            super::fill(&mut bundle, l.code(), source(l));
            bundle
        })
    })
}

/// The message `id` in `language` (English when that language lacks it), with text arguments.
pub fn say(language: Language, id: &str, args: &[(&str, &str)]) -> String {
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        fargs.set(*k, FluentValue::from(*v));
    }
    for l in [language, Language::En] {
        let bundle = &bundles()[index(l)];
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, Some(&fargs), &mut errors)
                .into_owned();
        }
    }
    tracing::warn!("no phone text for {id}");
    id.to_string()
}

/// A page's title and sentence: the messages `{id}-title` and `{id}-text`.
pub fn page(language: Language, id: &str) -> (String, String) {
    (
        say(language, &format!("{id}-title"), &[]),
        say(language, &format!("{id}-text"), &[]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phone_text_is_in_every_page_language() {
        let en = source(Language::En);
        // The phone's pages and the consent text (its default, before the studio fills it).
        let ids: Vec<&str> = en
            .lines()
            .filter(|l| l.starts_with("phone-") || l.starts_with("consent-doc-"))
            .filter_map(|l| l.split(" =").next())
            .collect();
        assert!(ids.len() >= 26, "{ids:?}");
        for l in [Language::Ko, Language::Zh, Language::Ja] {
            for id in &ids {
                let key = format!("{id} =");
                assert!(
                    source(l).lines().any(|line| line.starts_with(&key)),
                    "{}: {id} missing",
                    l.code()
                );
            }
        }
    }

    #[test]
    fn pages_are_said_in_the_persons_language() {
        assert_eq!(
            page(Language::Ko, "phone-passed").0,
            "인증이 전달되었습니다"
        );
        assert_eq!(page(Language::Ja, "phone-passed").0, "認証結果が届きました");
        assert_eq!(
            page(Language::Zh, "phone-not-accepted").0,
            "此二维码已不再使用"
        );
        assert_eq!(
            page(Language::En, "phone-unknown").1,
            "Please return to the desk."
        );
        assert_eq!(
            say(Language::Ja, "phone-sim-session", &[("id", "t1")]),
            "シミュレーションのセッション t1"
        );
        // A window message Japanese does not have falls back to English.
        assert_eq!(
            say(Language::Ja, "toast-busy", &[]),
            say(Language::En, "toast-busy", &[])
        );
    }
}
