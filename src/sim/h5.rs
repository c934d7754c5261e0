//! The simulator's fake H5 verification pages, as the person's phone would show them.

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

pub(super) fn verify_page(task_id: &str, token: &str, lng: &str) -> String {
    let (title, text) = match lng {
        l if l.starts_with("zh") => (
            "人脸核验（模拟器）",
            "这是 APIMart 模拟器。真实流程会在此进行人脸活体检测。",
        ),
        l if l.starts_with("ko") => (
            "얼굴 인증 (시뮬레이터)",
            "APIMart 시뮬레이터입니다. 실제로는 여기서 얼굴 라이브니스 검사를 합니다.",
        ),
        _ => (
            "Face verification (simulator)",
            "This is the APIMart simulator. The real flow checks face liveness here.",
        ),
    };
    let q = format!("?token={}&amp;lng={}", escape(token), escape(lng));
    let id = escape(task_id);
    page(
        lng,
        &format!(
            "<h1>{title}</h1><p>{text}</p>\
<form method=\"post\" action=\"/h5/{id}/pass{q}\"><button class=\"pass\" type=\"submit\">Pass</button></form>\
<form method=\"post\" action=\"/h5/{id}/fail{q}\"><button class=\"fail\" type=\"submit\">Fail</button></form>\
<p class=\"note\">Simulated session {id}</p>"
        ),
    )
}

pub(super) fn message_page(lng: &str, msg: Msg) -> String {
    let zh = lng.starts_with("zh");
    let ko = lng.starts_with("ko");
    let text = match (msg, zh, ko) {
        (Msg::Expired, true, _) => "此链接已过期。请让工作人员生成新的二维码。",
        (Msg::Expired, _, true) => "이 링크는 만료되었습니다. 직원에게 새 QR 코드를 요청하세요.",
        (Msg::Expired, _, _) => "This link has expired. Ask the staff for a new code.",
        (Msg::AlreadyDone, true, _) => "此核验已完成。",
        (Msg::AlreadyDone, _, true) => "이 인증은 이미 완료되었습니다.",
        (Msg::AlreadyDone, _, _) => "This verification is already finished.",
        (Msg::Unknown, true, _) => "此链接无效。",
        (Msg::Unknown, _, true) => "유효하지 않은 링크입니다.",
        (Msg::Unknown, _, _) => "This link is not valid.",
    };
    page(lng, &format!("<h1>{text}</h1>"))
}
