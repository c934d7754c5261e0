//! A session as rows for people and other tools: the review table's reasons, and the CSV and
//! JSON exports. Pure: the caller writes the text wherever staff choose.

use serde::Serialize;

use super::{Asset, AssetState, Session, review_advice};

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
pub fn problem(state: &AssetState) -> Option<String> {
    match state {
        AssetState::UploadFailed { reason } => Some(format!(
            "The upload failed: {reason}. Resubmit it, or replace it."
        )),
        AssetState::Refused { reason } => Some(format!(
            "APIMart refused the request: {reason}. Resubmit it, or replace it."
        )),
        AssetState::Uncertain { reason, .. } => Some(format!(
            "The answer to the submit was lost ({reason}), so APIMart may or may not have it. APIMart cannot list tasks: if no review shows it within a few minutes, resubmit it."
        )),
        AssetState::Failed { code, message } => {
            Some(review_advice(code.as_deref(), message.as_deref()))
        }
        _ => None,
    }
}

/// A row for one asset.
pub fn row(asset: &Asset) -> ExportRow {
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
        status: asset.state.word().to_string(),
        reason: problem(&asset.state).unwrap_or_default(),
        asset_url,
        asset_id,
    }
}

/// The current rows of a session (removed and replaced rows are left out).
pub fn rows(session: &Session) -> Vec<ExportRow> {
    session.current_assets().map(row).collect()
}

/// Every approved `asset://` URL, one per line.
pub fn approved_urls(session: &Session) -> String {
    session
        .current_assets()
        .filter_map(|a| match &a.state {
            AssetState::Active { asset_url, .. } => Some(asset_url.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rows as CSV with a header line.
pub fn to_csv(session: &Session) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows(session) {
        w.serialize(r)?;
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
    status: &'a str,
    group_id: Option<&'a str>,
    assets: Vec<ExportRow>,
}

/// The session and its rows as pretty JSON.
pub fn to_json(session: &Session) -> String {
    let doc = JsonExport {
        session: &session.id,
        person: &session.person,
        note: &session.note,
        project: &session.project,
        created_at_ms: session.created_at,
        status: session.stage().word(),
        group_id: session.group_id(),
        assets: rows(session),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A file name for an export: the person's name made safe, the date, and the ending.
pub fn file_name(session: &Session, ending: &str) -> String {
    let person = crate::media::safe_name(&session.person);
    let person = person.trim_end_matches(['.', '_']);
    let short = session.id.get(..8).unwrap_or(&session.id);
    format!("{person}-{short}.{ending}")
}
