//! A session as rows for people and other tools: the review table's reasons, and the CSV and
//! JSON exports. Pure: the caller writes the text wherever staff choose.

use serde::Serialize;

use super::{Asset, AssetState, Check, Session, review_advice};
use crate::text::Msg;

/// One asset as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// Name sent upstream.
    pub name: String,
    /// `Image` or `Video`.
    pub kind: String,
    /// The file path or URL it came from.
    pub source: String,
    /// The status word (`active`, `failed`, `processing`...).
    pub status: String,
    /// What went wrong and what to do, when something did.
    pub reason: String,
    /// The approved `asset://` URL.
    pub asset_url: String,
    /// The upstream asset id.
    pub asset_id: String,
}

/// What is wrong with a row and what to do, in a sentence; `None` when nothing is.
pub fn problem(state: &AssetState) -> Option<Msg> {
    match state {
        AssetState::UploadFailed { reason } => {
            Some(Msg::new("problem-upload-failed").msg("reason", reason.clone()))
        }
        AssetState::Refused { reason } => {
            Some(Msg::new("problem-refused").msg("reason", reason.clone()))
        }
        AssetState::Uncertain { reason, .. } => {
            Some(Msg::new("problem-uncertain").msg("reason", reason.clone()))
        }
        AssetState::Failed { code, message } => {
            Some(review_advice(code.as_deref(), message.as_deref()))
        }
        _ => None,
    }
}

/// The row's status word, the one the window's chip says and the exports and the command line
/// write: `checking`, `ready` or `blocked` before anything is sent, then the state's word
/// (`uploading`, `processing`, `active`, `failed`...).
pub fn status_word(asset: &Asset) -> &'static str {
    match (&asset.state, &asset.check) {
        (AssetState::Staged, Check::Pending) => "checking",
        (AssetState::Staged, Check::Blocked { .. }) => "blocked",
        (AssetState::Staged, _) => "ready",
        (state, _) => state.word(),
    }
}

/// What is wrong with the row and what to do, as the window's reason column says it: the
/// state's problem, else what the check found before sending.
pub fn reason(asset: &Asset) -> Option<Msg> {
    problem(&asset.state).or_else(|| match (&asset.state, &asset.check) {
        (AssetState::Staged, Check::Blocked { reason }) => Some(reason.clone()),
        _ => None,
    })
}

/// How a front end says a [`Msg`] (the window in its language, the command line in English).
pub type Say<'a> = &'a dyn Fn(&Msg) -> String;

/// A row for one asset.
pub fn row(asset: &Asset, say: Say<'_>) -> ExportRow {
    let (asset_url, asset_id) = match &asset.state {
        AssetState::Active {
            asset_url,
            asset_id,
        } => (asset_url.clone(), asset_id.clone().unwrap_or_default()),
        _ => (String::new(), String::new()),
    };
    ExportRow {
        name: asset.name.clone(),
        kind: format!("{:?}", asset.kind),
        source: asset.source.display(),
        status: status_word(asset).to_string(),
        reason: reason(asset).map(|m| say(&m)).unwrap_or_default(),
        asset_url,
        asset_id,
    }
}

/// The current rows of a session (removed and replaced rows are left out).
pub fn rows(session: &Session, say: Say<'_>) -> Vec<ExportRow> {
    session.current_assets().map(|a| row(a, say)).collect()
}

/// Every approved `asset://` URL, one per line.
pub fn approved_urls(session: &Session) -> String {
    session.approved_urls().collect::<Vec<_>>().join("\n")
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return
/// first) gets a leading apostrophe, so an exported name or reason stays text.
pub(super) fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The rows as CSV with a header line; no cell can run as a spreadsheet formula.
pub fn to_csv(session: &Session, say: Say<'_>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows(session, say) {
        w.serialize(ExportRow {
            name: inert(r.name),
            kind: inert(r.kind),
            source: inert(r.source),
            status: inert(r.status),
            reason: inert(r.reason),
            asset_url: inert(r.asset_url),
            asset_id: inert(r.asset_id),
        })?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Serialize)]
struct JsonExport<'a> {
    session: &'a str,
    person: &'a str,
    note: &'a str,
    project: &'a str,
    created_at_ms: i64,
    consent_at_ms: i64,
    consent_version: &'a str,
    status: &'a str,
    group_id: Option<&'a str>,
    assets: Vec<ExportRow>,
}

/// The session and its rows as pretty JSON.
pub fn to_json(session: &Session, say: Say<'_>) -> String {
    let doc = JsonExport {
        session: &session.id,
        person: &session.person,
        note: &session.note,
        project: &session.project,
        created_at_ms: session.created_at,
        consent_at_ms: session.consent_at,
        consent_version: &session.consent_version,
        status: session.stage().word(),
        group_id: session.group_id(),
        assets: rows(session, say),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A file name for an export: the person's name made safe, the date, and the ending.
pub fn file_name(session: &Session, ending: &str) -> String {
    let person = crate::media::safe_name(&session.person);
    let person = person.trim_end_matches(['.', '_']);
    let short = super::receipt::short_id(&session.id);
    format!("{person}-{short}.{ending}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::sample::reviewed_session;

    #[test]
    fn the_rows_that_need_staff_are_exactly_the_rows_with_a_problem() {
        let states = crate::flow::sample::every_state();
        for s in &states {
            assert_eq!(s.needs_staff(), problem(s).is_some(), "{s:?}");
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_keeps_every_script() {
        let mut s = reviewed_session("abcdef0123456789", "김민지", 4, 0);
        s.assets[0].name = "front, \"best\" 正面".into();
        let csv = to_csv(&s, &Msg::english).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [
                "name",
                "kind",
                "source",
                "status",
                "reason",
                "asset_url",
                "asset_id"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[0][0], "front, \"best\" 正面");
        assert_eq!(&rows[0][3], "active");
        assert_eq!(&rows[0][5], "asset://sample-0000");
        assert_eq!(&rows[3][3], "failed");
        assert!(rows[3][4].contains("does not match the verified person"));
        assert_eq!(&rows[3][5], "");

        // The window exports reasons in its own language.
        let ko = crate::i18n::I18n::new(crate::i18n::UiLang::Ko);
        let csv = to_csv(&s, &|m| ko.msg(m)).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let failed = reader.records().map(Result::unwrap).nth(3).unwrap();
        assert_eq!(&failed[4], ko.msg(&problem(&s.assets[3].state).unwrap()));
        assert!(failed[4].contains("얼굴"), "{}", &failed[4]);
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_is_exported_as_text() {
        let mut s = reviewed_session("abcdef0123456789", "Kim", 2, 0);
        s.assets[0].name = "=1+1".into();
        s.assets[1].name = "@SUM(A1)".into();
        let csv = to_csv(&s, &Msg::english).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let names: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        assert_eq!(names, ["'=1+1", "'@SUM(A1)"]);
    }

    #[test]
    fn json_and_urls_list_the_approved_assets() {
        let s = reviewed_session("abcdef0123456789", "王伟", 8, 0);
        let v: serde_json::Value = serde_json::from_str(&to_json(&s, &Msg::english)).unwrap();
        assert_eq!(v["person"], "王伟");
        assert_eq!(v["status"], "partly-approved");
        assert_eq!(v["assets"].as_array().unwrap().len(), 8);
        let urls = approved_urls(&s);
        assert_eq!(urls.lines().count(), 6);
        assert!(urls.lines().all(|u| u.starts_with("asset://")));
        assert_eq!(file_name(&s, "csv"), "王伟-abcdef01.csv");
    }
}
