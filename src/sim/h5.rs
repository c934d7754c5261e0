//! The simulator's fake H5 verification pages, as the person's phone would show them.

use crate::api::Language;
use crate::i18n::phone;

pub(super) enum Msg {
    Expired,
    AlreadyDone,
    Unknown,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(lng: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Seedance verification (simulator)</title>\
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;text-align:center}}\
button{{font-size:1.3rem;padding:.8rem 1.6rem;margin:.5rem;border-radius:.5rem;border:0}}\
.pass{{background:#1b7f3b;color:#fff}}.fail{{background:#b3261e;color:#fff}}\
.note{{color:#555;font-size:.9rem}}</style></head><body>{body}</body></html>",
        escape(lng)
    )
}

fn say(lng: &str, id: &str) -> String {
    let language = Language::from_code(lng).unwrap_or(Language::En);
    escape(&phone::say(language, id, &[]))
}

pub(super) fn verify_page(task_id: &str, token: &str, lng: &str) -> String {
    let language = Language::from_code(lng).unwrap_or(Language::En);
    let (title, text) = (say(lng, "phone-sim-title"), say(lng, "phone-sim-text"));
    let (pass, fail) = (say(lng, "phone-sim-pass"), say(lng, "phone-sim-fail"));
    let q = format!("?token={}&amp;lng={}", escape(token), escape(lng));
    let id = escape(task_id);
    let note = escape(&phone::say(
        language,
        "phone-sim-session",
        &[("id", task_id)],
    ));
    page(
        lng,
        &format!(
            "<h1>{title}</h1><p>{text}</p>\
<form method=\"post\" action=\"/h5/{id}/pass{q}\"><button class=\"pass\" type=\"submit\">{pass}</button></form>\
<form method=\"post\" action=\"/h5/{id}/fail{q}\"><button class=\"fail\" type=\"submit\">{fail}</button></form>\
<p class=\"note\">{note}</p>"
        ),
    )
}

pub(super) fn message_page(lng: &str, msg: Msg) -> String {
    let id = match msg {
        Msg::Expired => "phone-sim-expired",
        Msg::AlreadyDone => "phone-sim-finished",
        Msg::Unknown => "phone-sim-unknown",
    };
    page(lng, &format!("<h1>{}</h1>", say(lng, id)))
}
