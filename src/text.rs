//! Sentences for people, kept as a message id of `assets/i18n/*.ftl` with its arguments, so
//! each front end says them in its own language: the window in the language staff chose, the
//! command line and the log in English.
//!
//! The engine, the API client, media checks and the store make [`Msg`]s instead of English
//! sentences. Rows saved by older versions hold plain English text; they load as
//! [`Msg::verbatim`] and are shown as they were written.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A sentence for people: a message id with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Repr")]
pub struct Msg {
    id: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    args: BTreeMap<Cow<'static, str>, Arg>,
}

/// An argument of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// A number (plural forms follow it).
    Num(i64),
    /// Text shown as it is: a file name, an address, the upstream's own words.
    Text(String),
    /// Another message, said in the same language.
    Msg(Box<Msg>),
}

/// What the database holds: a message, or the English sentence an older version saved.
#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Legacy(String),
    Full {
        id: String,
        #[serde(default)]
        args: BTreeMap<String, Arg>,
    },
}

impl From<Repr> for Msg {
    fn from(r: Repr) -> Msg {
        match r {
            Repr::Legacy(text) => Msg::verbatim(text),
            Repr::Full { id, args } => Msg {
                id: Cow::Owned(id),
                args: args.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
            },
        }
    }
}

/// The message that shows its `text` argument as it is.
pub const VERBATIM: &str = "verbatim";

impl Msg {
    /// The message `id` (it must exist in every translation; a test checks the code's ids).
    pub fn new(id: &'static str) -> Msg {
        Msg {
            id: Cow::Borrowed(id),
            args: BTreeMap::new(),
        }
    }

    /// Text that is shown as it is, in every language (older rows, the upstream's words).
    pub fn verbatim(text: impl Into<String>) -> Msg {
        Msg::new(VERBATIM).text("text", text)
    }

    /// Adds a text argument.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Msg {
        self.args
            .insert(Cow::Borrowed(name), Arg::Text(value.into()));
        self
    }

    /// Adds a number argument.
    pub fn num(mut self, name: &'static str, value: impl TryInto<i64>) -> Msg {
        let value = value.try_into().unwrap_or(i64::MAX);
        self.args.insert(Cow::Borrowed(name), Arg::Num(value));
        self
    }

    /// Adds another message as an argument.
    pub fn msg(mut self, name: &'static str, value: Msg) -> Msg {
        self.args
            .insert(Cow::Borrowed(name), Arg::Msg(Box::new(value)));
        self
    }

    /// The message id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The arguments, by name.
    pub fn args(&self) -> impl Iterator<Item = (&str, &Arg)> {
        self.args.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Whether the sentence, or one inside it, tells staff to change something in Settings
    /// (the window then offers a button that opens them).
    pub fn points_to_settings(&self) -> bool {
        SETTINGS_MESSAGES.contains(&self.id.as_ref())
            || self.args.values().any(|a| match a {
                Arg::Msg(m) => m.points_to_settings(),
                _ => false,
            })
    }
}

/// Messages whose advice is to change the API address, key or callback in Settings.
const SETTINGS_MESSAGES: &[&str] = &[
    "api-invalid-base-url",
    "api-insecure-base-url",
    "api-missing-key",
    "api-unauthorized",
    "api-unreachable",
    "api-decode",
    "engine-callback-port",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_survives_the_database() {
        let m = Msg::new("media-too-small")
            .num("width", 200)
            .num("height", 100)
            .msg("inner", Msg::verbatim("방탄"));
        let json = serde_json::to_string(&m).unwrap();
        let back: Msg = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn an_older_english_sentence_loads_as_it_was_written() {
        let back: Msg = serde_json::from_str("\"The upload failed.\"").unwrap();
        assert_eq!(back, Msg::verbatim("The upload failed."));
    }

    #[test]
    fn settings_advice_is_found_inside_other_messages() {
        let inner = Msg::new("api-unauthorized").text("message", "bad key");
        assert!(inner.points_to_settings());
        assert!(
            Msg::new("verify-not-sent")
                .msg("advice", inner)
                .points_to_settings()
        );
        assert!(!Msg::new("api-timeout").points_to_settings());
    }
}

/// Compares two secrets (a one-time token, a link key) in time that does not depend on where
/// they differ, so a neighbour on the network cannot guess one byte by byte.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Text from outside (a phone, an upstream) made safe to show and keep: control characters
/// (escape sequences included) become spaces, runs of space shrink to one, and at most
/// `max_chars` characters are kept.
pub fn short_printable(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for c in text.chars() {
        // Controls, and the invisible marks that reorder or break text (bidi overrides and
        // isolates, zero-width and line/paragraph separators, BOM).
        let invisible = matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        let c = if c.is_control() || invisible { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        if chars == max_chars {
            out.push('…');
            break;
        }
        out.push(c);
        chars += 1;
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod outside_text {
    use super::*;

    #[test]
    fn secrets_compare_whole_and_outside_text_is_short_and_printable() {
        assert!(same_secret("abc123", "abc123"));
        assert!(!same_secret("abc123", "abc124"));
        assert!(!same_secret("abc", "abc123"));
        assert_eq!(
            short_printable("\u{1b}[31mred\u{1b}[0m\n\nok", 100),
            "[31mred [0m ok"
        );
        assert_eq!(short_printable("abcdef", 3), "abc…");
        assert_eq!(short_printable("pass\u{202E}ssap", 100), "pass ssap");
    }
}
