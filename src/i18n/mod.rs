//! Every sentence the app shows, in Korean, English and Simplified Chinese, from the Fluent
//! files in `assets/i18n/`: the window's own texts, and the [`Msg`]s the engine, the API
//! client, media checks and the store send. The OS locale picks the window's first language;
//! Settings switches at run time. The person-facing texts (the person's screen) use the
//! person's language instead.

use std::cell::Cell;
use std::collections::HashMap;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::api::Language;
use crate::text::{self, Msg};

pub mod phone;

/// A subset of Noto Sans CJK SC bundled in the binary (`assets/fonts/`, SIL OFL 1.1): Latin,
/// every modern Hangul syllable, the 6763 Han characters of GB 2312 and the kanji of JIS X 0208,
/// kana, and every character of the translations. The window's fallback for what the system's
/// fonts lack, and the consent receipt's font.
pub static BUNDLED_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-subset.otf");

/// A language the window speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum UiLang {
    /// 한국어.
    Ko,
    /// English.
    En,
    /// 简体中文.
    Zh,
}

impl UiLang {
    /// Every language, in the order Settings lists them.
    pub const ALL: [UiLang; 3] = [UiLang::Ko, UiLang::En, UiLang::Zh];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            UiLang::Ko => "ko",
            UiLang::En => "en",
            UiLang::Zh => "zh-Hans",
        }
    }

    /// The language's own name, as a menu shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            UiLang::Ko => "한국어",
            UiLang::En => "English",
            UiLang::Zh => "简体中文",
        }
    }

    /// The Fluent source.
    pub fn source(self) -> &'static str {
        match self {
            UiLang::Ko => include_str!("../../assets/i18n/ko.ftl"),
            UiLang::En => include_str!("../../assets/i18n/en.ftl"),
            UiLang::Zh => include_str!("../../assets/i18n/zh.ftl"),
        }
    }

    /// The language for a locale such as `ko-KR`, `zh_CN.UTF-8` or `en-US`; English otherwise.
    pub fn from_locale(locale: &str) -> UiLang {
        let l = locale.to_ascii_lowercase();
        if l.starts_with("ko") {
            UiLang::Ko
        } else if l.starts_with("zh") {
            UiLang::Zh
        } else {
            UiLang::En
        }
    }

    /// The language of this machine's user.
    pub fn from_os() -> UiLang {
        sys_locale::get_locale().map_or(UiLang::En, |l| UiLang::from_locale(&l))
    }

    /// The language the person reads, for the texts they see (Japanese reads English here).
    pub fn for_person(l: Language) -> UiLang {
        match l {
            Language::Ko => UiLang::Ko,
            Language::Zh => UiLang::Zh,
            Language::En | Language::Ja => UiLang::En,
        }
    }
}

/// Puts a translation file into a bundle (either kind: the window's, or the phone pages'
/// shared one). What does not parse is said in the log; the rest is used.
fn fill<M>(
    bundle: &mut fluent_bundle::bundle::FluentBundle<FluentResource, M>,
    tag: &str,
    source: &str,
) {
    // Direction marks around placeables would show as boxes in egui.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, errors)| {
        tracing::error!("{tag} translation has {} error(s)", errors.len());
        r
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!("{tag} translation: {} duplicate(s)", errors.len());
    }
}

/// An argument for a message.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

/// The translations, with the language in use.
pub struct I18n {
    bundles: HashMap<UiLang, FluentBundle<FluentResource>>,
    lang: Cell<UiLang>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "I18n({:?})", self.lang.get())
    }
}

impl I18n {
    /// Loads every language and starts in `lang`.
    pub fn new(lang: UiLang) -> I18n {
        let mut bundles = HashMap::new();
        for l in UiLang::ALL {
            let id: LanguageIdentifier = l.tag().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new(vec![id]);
            fill(&mut bundle, l.tag(), l.source());
            bundles.insert(l, bundle);
        }
        I18n {
            bundles,
            lang: Cell::new(lang),
        }
    }

    /// The language in use.
    pub fn lang(&self) -> UiLang {
        self.lang.get()
    }

    /// Switches language; the next frame shows it.
    pub fn set_lang(&self, lang: UiLang) {
        self.lang.set(lang);
    }

    /// A message in the language in use.
    pub fn t(&self, id: &str) -> String {
        self.ta_in(self.lang.get(), id, &[])
    }

    /// A message with arguments in the language in use.
    pub fn ta(&self, id: &str, args: &[Arg<'_>]) -> String {
        self.ta_in(self.lang.get(), id, args)
    }

    /// A message in a given language.
    pub fn t_in(&self, lang: UiLang, id: &str) -> String {
        self.ta_in(lang, id, &[])
    }

    /// A message with arguments in a given language. A missing message falls back to English,
    /// then to its id (the tests make sure neither happens).
    pub fn ta_in(&self, lang: UiLang, id: &str, args: &[Arg<'_>]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        for l in [lang, UiLang::En] {
            let Some(bundle) = self.bundles.get(&l) else {
                continue;
            };
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
                return text.into_owned();
            }
        }
        tracing::warn!("no translation for {id}");
        id.to_string()
    }
}

impl I18n {
    /// A [`Msg`] in the language in use.
    pub fn msg(&self, m: &Msg) -> String {
        self.msg_in(self.lang.get(), m)
    }

    /// A [`Msg`] in a given language; messages inside it are said in the same language.
    pub fn msg_in(&self, lang: UiLang, m: &Msg) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = m
            .args()
            .map(|(k, v)| {
                let value = match v {
                    text::Arg::Num(n) => FluentValue::from(*n),
                    text::Arg::Text(t) => FluentValue::from(t.as_str()),
                    text::Arg::Msg(inner) => FluentValue::from(self.msg_in(lang, inner)),
                };
                (k, value)
            })
            .collect();
        self.ta_in(lang, m.id(), &args)
    }
}

/// A number argument.
pub fn n<'a>(name: &'a str, value: usize) -> Arg<'a> {
    (name, FluentValue::from(value))
}

/// A text argument.
pub fn s<'a>(name: &'a str, value: &'a str) -> Arg<'a> {
    (name, FluentValue::from(value))
}

/// English rendering of [`Msg`], for the command line and logs (the window says messages in
/// its own language through [`I18n::msg`]).
impl Msg {
    /// The sentence in English.
    pub fn english(&self) -> String {
        thread_local! {
            static ENGLISH: I18n = I18n::new(UiLang::En);
        }
        ENGLISH.with(|i| i.msg(self))
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    #[test]
    fn an_older_english_sentence_is_said_as_it_was_written() {
        let back: Msg = serde_json::from_str("\"The upload failed.\"").unwrap();
        assert_eq!(back.english(), "The upload failed.");
        assert_eq!(back.to_string(), "The upload failed.");
    }

    /// Each message id with the variables its value uses.
    fn messages(lang: UiLang) -> BTreeMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(lang.source())
            .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", lang.tag()));
        let mut out = BTreeMap::new();
        for entry in resource.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(pattern) = &m.value {
                    for el in &pattern.elements {
                        if let ast::PatternElement::Placeable {
                            expression:
                                ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
                        } = el
                        {
                            vars.insert(id.name.to_string());
                        }
                    }
                }
                assert!(
                    out.insert(m.id.name.to_string(), vars).is_none(),
                    "{}: {} twice",
                    lang.tag(),
                    m.id.name
                );
            }
        }
        out
    }

    #[test]
    fn every_message_exists_in_every_language_with_the_same_placeables() {
        let en = messages(UiLang::En);
        assert!(en.len() > 200, "only {} messages", en.len());
        for lang in [UiLang::Ko, UiLang::Zh] {
            let other = messages(lang);
            let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.tag());
            assert!(extra.is_empty(), "{} has extra {extra:?}", lang.tag());
            for (id, vars) in &en {
                assert_eq!(
                    vars,
                    &other[id],
                    "{}: {id} has other placeables",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn translations_differ_from_english_where_words_are_shown() {
        // A Korean or Chinese file that copies English text is a translation left out.
        let en = I18n::new(UiLang::En);
        let same_ok = [
            "app-title",
            "table-url",
            "col-url",
            "history-csv",
            "history-json",
            "pin-field",
            "lang-ko",
            "lang-zh",
            "lang-ja",
            "lang-en",
            "verbatim",
            "reason-with-detail",
        ];
        for lang in [UiLang::Ko, UiLang::Zh] {
            for id in messages(UiLang::En).keys() {
                if same_ok.contains(&id.as_str()) {
                    continue;
                }
                let args = [s("n", "1"), s("name", "x"), s("time", "1:00")];
                assert_ne!(
                    en.ta_in(UiLang::En, id, &args),
                    en.ta_in(lang, id, &args),
                    "{}: {id} is still English",
                    lang.tag()
                );
            }
        }
    }

    /// Literals in the window's code that look like message ids, and the few that are not.
    #[test]
    fn every_message_id_in_the_code_exists() {
        let en = messages(UiLang::En);
        let not_messages = [
            "top-bar",
            "studio-videos",
            "us-east-1",
            "start-form",
            "person-language",
            "assets-table",
            "history-table",
            "settings-grid",
            "confirm-delete",
            "confirm-resubmit",
            "confirm-withdraw",
            "audit-log",
            "audit-log-entries",
            "consent-pad",
            "consent-card",
            "withdrawn-receipt",
            "paste-field",
            "drop-hint",
            "pin-prompt",
            "person-staff",
            "person-screen",
            "engine-restart",
            "avatar-kiosk-person",
            "avatar-kiosk-noto-cjk-subset",
            "ui-language",
            "file-dialog",
            "list-folder",
            "demo-phone",
            "pin-hash",
            "pin-check",
            "partly-approved",
            "demo-key",
            "zh-Hans",
            "avatar-kiosk",
            "xdg-open",
            "open-file",
            "render-form",
            "people-table",
            "library-table",
            "camera-choice",
        ];
        // The window's code is read whole; its message-like literals must exist.
        let mut files = Vec::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui")),
            &mut files,
        );
        let mut checked = 0;
        for path in files {
            let code = std::fs::read_to_string(&path).unwrap();
            for lit in code.split('"').skip(1).step_by(2) {
                let looks_like_id = lit.contains('-')
                    && lit
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !lit.starts_with('-')
                    && !lit.ends_with('-');
                if !looks_like_id || not_messages.contains(&lit) {
                    continue;
                }
                checked += 1;
                assert!(en.contains_key(lit), "{}: no message {lit}", path.display());
            }
        }
        assert!(checked > 150, "only {checked} ids found");
    }

    /// Every file under `src/`, for the scans below.
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The engine, the API client, media checks and the store name messages by id; each one
    /// exists (in every language, by the test above).
    #[test]
    fn every_message_made_outside_the_window_exists() {
        let en = messages(UiLang::En);
        let mut files = Vec::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        let mut checked = 0;
        for path in files {
            let code = std::fs::read_to_string(&path).unwrap();
            // rustfmt may put the id on the next line: `NotNow(\n    "id",`.
            // (Written in two pieces so this test's own source does not match.)
            for opener in [
                concat!("Msg::new", "("),
                concat!("NotNow", "("),
                concat!("sized", "("),
            ] {
                for rest in code.split(opener).skip(1) {
                    let Some(quoted) = rest.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let id = quoted.split('"').next().unwrap_or_default();
                    checked += 1;
                    assert!(en.contains_key(id), "{}: no message {id}", path.display());
                }
            }
        }
        assert!(checked > 100, "only {checked} ids found");
    }

    #[test]
    fn a_message_from_the_engine_is_said_in_each_language() {
        let i = I18n::new(UiLang::En);
        let m = Msg::new("engine-not-now").msg("why", Msg::new("refusal-not-verified"));
        assert_eq!(i.msg(&m), "Not now: the person is not verified yet.");
        assert_eq!(
            i.msg_in(UiLang::Ko, &m),
            "지금은 할 수 없습니다: 본인이 아직 인증되지 않았습니다."
        );
        assert_eq!(
            i.msg_in(UiLang::Zh, &m),
            "现在不能这样做：本人尚未通过验证。"
        );
        let sized = Msg::new("media-too-small")
            .num("width", 200)
            .num("height", 1200);
        assert!(i.msg_in(UiLang::Zh, &sized).contains("200×1200"));
        assert_eq!(
            i.msg_in(UiLang::Ko, &Msg::verbatim("An older row")),
            "An older row"
        );
    }

    #[test]
    fn the_locale_picks_the_language() {
        assert_eq!(UiLang::from_locale("ko-KR"), UiLang::Ko);
        assert_eq!(UiLang::from_locale("zh_CN.UTF-8"), UiLang::Zh);
        assert_eq!(UiLang::from_locale("zh-Hant-TW"), UiLang::Zh);
        assert_eq!(UiLang::from_locale("en-GB"), UiLang::En);
        assert_eq!(UiLang::from_locale("fr-FR"), UiLang::En);
    }

    #[test]
    fn switching_language_changes_the_next_text() {
        let i = I18n::new(UiLang::En);
        assert_eq!(i.t("nav-settings"), "Settings");
        i.set_lang(UiLang::Ko);
        assert_eq!(i.t("nav-settings"), "설정");
        i.set_lang(UiLang::Zh);
        assert_eq!(i.t("nav-settings"), "设置");
        assert_eq!(
            i.ta("assets-submit", &[n("n", 3)]),
            "上传并提交 3 个素材",
            "no direction marks around placeables"
        );
    }
}
