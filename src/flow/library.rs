//! Returning people and the asset library: what every stored session adds up to, searched.

use super::{AssetState, Millis, Session, Verification};
use crate::api::AssetKind;

/// One verified person (one session whose verification passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The session (and so the group) to add to.
    pub session: String,
    /// As typed.
    pub person: String,
    /// Staff's note.
    pub note: String,
    /// The desk that verified them.
    pub kiosk: String,
    /// When the session began.
    pub created_at: Millis,
    /// Approved assets.
    pub approved: usize,
    /// Failed or refused assets.
    pub failed: usize,
    /// Approved images a test render can use.
    pub renderable: usize,
    /// When consent was recorded.
    pub consent_at: Millis,
    /// Which consent text.
    pub consent_version: String,
    /// When the person withdrew.
    pub withdrawn_at: Option<Millis>,
}

/// One approved asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryAsset {
    /// Whose.
    pub person: String,
    /// In which session.
    pub session: String,
    /// Its name.
    pub name: String,
    /// Staff's note on the person.
    pub note: String,
    /// Image or video.
    pub kind: AssetKind,
    /// The `asset://` URL.
    pub asset_url: String,
    /// When it was approved (the session's start for rows approved before this was kept).
    pub approved_at: Millis,
}

/// Whether `needle` (already lower-cased) is in any of the texts, ignoring case.
fn found<'a>(needle: &str, texts: impl IntoIterator<Item = &'a str>) -> bool {
    needle.is_empty() || texts.into_iter().any(|t| t.to_lowercase().contains(needle))
}

/// Whether a search typed by staff (any case, spaces around ignored) is in any of the texts:
/// the one rule every search field of the window follows.
pub fn search_finds<'a>(search: &str, texts: impl IntoIterator<Item = &'a str>) -> bool {
    found(&search.trim().to_lowercase(), texts)
}

/// The verified people, newest first, whose person, note or asset names contain `search`.
pub fn people(sessions: &[Session], search: &str) -> Vec<PersonRow> {
    let needle = search.trim().to_lowercase();
    let mut rows: Vec<PersonRow> = sessions
        .iter()
        .filter(|s| matches!(s.verification, Verification::Verified { .. }) && !s.cancelled)
        .filter(|s| {
            found(
                &needle,
                [s.person.as_str(), s.note.as_str()]
                    .into_iter()
                    .chain(s.current_assets().map(|a| a.name.as_str())),
            )
        })
        .map(|s| PersonRow {
            session: s.id.clone(),
            person: s.person.clone(),
            note: s.note.clone(),
            kiosk: s.kiosk.clone(),
            created_at: s.created_at,
            approved: s
                .current_assets()
                .filter(|a| matches!(a.state, AssetState::Active { .. }))
                .count(),
            failed: s
                .current_assets()
                .filter(|a| {
                    matches!(
                        a.state,
                        AssetState::Failed { .. } | AssetState::Refused { .. }
                    )
                })
                .count(),
            renderable: s.pick_for_render(&[]).map_or(0, |urls| urls.len()),
            consent_at: s.consent_at,
            consent_version: s.consent_version.clone(),
            withdrawn_at: s.withdrawn_at,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(a.session.cmp(&b.session))
    });
    rows
}

/// Every approved asset, newest approval first, whose person, name, note or approval date
/// (`YYYY-MM-DD`, UTC) contains `search`.
pub fn library(sessions: &[Session], search: &str) -> Vec<LibraryAsset> {
    let needle = search.trim().to_lowercase();
    let mut rows = Vec::new();
    // A person who withdrew is offered no more.
    for s in sessions.iter().filter(|s| s.withdrawn_at.is_none()) {
        for a in s.current_assets() {
            let AssetState::Active { asset_url, .. } = &a.state else {
                continue;
            };
            let approved_at = a.approved_at.unwrap_or(s.created_at);
            let day = day_of(approved_at);
            if !found(
                &needle,
                [s.person.as_str(), a.name.as_str(), s.note.as_str(), &day],
            ) {
                continue;
            }
            rows.push(LibraryAsset {
                person: s.person.clone(),
                session: s.id.clone(),
                name: a.name.clone(),
                note: s.note.clone(),
                kind: a.kind,
                asset_url: asset_url.clone(),
                approved_at,
            });
        }
    }
    rows.sort_by(|a, b| {
        b.approved_at
            .cmp(&a.approved_at)
            .then_with(|| a.person.cmp(&b.person))
            .then_with(|| a.name.cmp(&b.name))
    });
    rows
}

/// One library row as exported.
#[derive(serde::Serialize)]
struct LibraryExport<'a> {
    person: &'a str,
    session: &'a str,
    name: &'a str,
    kind: &'a str,
    asset_url: &'a str,
    approved_at: String,
    approved_at_ms: Millis,
}

fn export_rows(rows: &[LibraryAsset]) -> impl Iterator<Item = LibraryExport<'_>> {
    rows.iter().map(|a| LibraryExport {
        person: &a.person,
        session: &a.session,
        name: &a.name,
        kind: a.kind.as_str(),
        asset_url: &a.asset_url,
        approved_at: jiff::Timestamp::from_millisecond(a.approved_at)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        approved_at_ms: a.approved_at,
    })
}

/// Library rows as CSV with a header line; no cell can run as a spreadsheet formula.
pub fn library_csv(rows: &[LibraryAsset]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in export_rows(rows) {
        let (person, session, name) = (
            super::export::inert(r.person.to_string()),
            super::export::inert(r.session.to_string()),
            super::export::inert(r.name.to_string()),
        );
        w.serialize(LibraryExport {
            person: &person,
            session: &session,
            name: &name,
            ..r
        })?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Library rows as a pretty JSON list.
pub fn library_json(rows: &[LibraryAsset]) -> String {
    let list: Vec<LibraryExport<'_>> = export_rows(rows).collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `YYYY-MM-DD` (UTC) of a time.
pub fn day_of(at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl Session {
    /// Stamps the rows that became approved since `before` with the time: called by the engine
    /// after each change. Rows approved before times were kept stay without one.
    pub fn stamp_approvals(&mut self, before: &Session, now: Millis) {
        let active = |a: &super::Asset| matches!(a.state, AssetState::Active { .. });
        // Rows are only ever appended, so a row's earlier self is at the same index: one pass,
        // whatever the session's size (this runs after every change, upload progress included).
        for (i, a) in self.assets.iter_mut().enumerate() {
            if a.approved_at.is_some() || !active(a) {
                continue;
            }
            let was = match before.assets.get(i) {
                Some(b) if b.id == a.id => active(b),
                _ => before.assets.iter().any(|b| b.id == a.id && active(b)),
            };
            if !was {
                a.approved_at = Some(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Language;
    use crate::flow::AssetSource;

    fn person(id: &str, name: &str, note: &str, assets: &[(&str, bool)], at: Millis) -> Session {
        let mut s = Session::new(
            id.into(),
            name.into(),
            note.into(),
            "p".into(),
            Language::En,
            at,
        );
        s.verification = Verification::Verified {
            group_id: format!("g-{id}"),
        };
        for (n, _) in assets {
            let url = format!("https://x/{n}.jpg");
            s.push_asset(n, AssetSource::Url { url }, AssetKind::Image);
        }
        let before = s.clone();
        for (a, (n, ok)) in s.assets.iter_mut().zip(assets) {
            a.state = if *ok {
                AssetState::Active {
                    asset_url: format!("asset://{id}-{n}"),
                    asset_id: None,
                }
            } else {
                AssetState::Failed {
                    code: None,
                    message: None,
                }
            };
        }
        s.stamp_approvals(&before, at + 1000);
        s
    }

    #[test]
    fn only_rows_approved_now_get_the_time() {
        let mut s = person("a", "Kim", "", &[("front", true)], 1_000);
        assert_eq!(s.assets[0].approved_at, Some(2_000));
        // A row approved before times were kept stays without one on later changes.
        s.assets[0].approved_at = None;
        let before = s.clone();
        s.stamp_approvals(&before, 9_000);
        assert_eq!(s.assets[0].approved_at, None);
        assert_eq!(
            library(&[s], "")[0].approved_at,
            1_000,
            "the session's start"
        );
    }

    #[test]
    fn people_and_assets_are_found_by_any_of_their_words() {
        let all = vec![
            person(
                "a",
                "Kim Minji",
                "lead",
                &[("front", true), ("side", false)],
                1_000,
            ),
            person("b", "Li Wei", "extra", &[("smile", true)], 2_000),
            person(
                "c",
                "Ana Souza",
                "stunt double",
                &[("front", true), ("back", true)],
                3_000,
            ),
        ];
        let everyone = people(&all, "");
        assert_eq!(
            everyone
                .iter()
                .map(|p| p.person.as_str())
                .collect::<Vec<_>>(),
            ["Ana Souza", "Li Wei", "Kim Minji"]
        );
        assert_eq!((everyone[2].approved, everyone[2].failed), (1, 1));
        assert_eq!(people(&all, "MINJI").len(), 1);
        assert_eq!(people(&all, "stunt")[0].session, "c");
        assert_eq!(people(&all, "smile")[0].session, "b");
        assert!(people(&all, "nobody").is_empty());

        let lib = library(&all, "");
        assert_eq!(lib.len(), 4, "failed rows are not in the library");
        assert_eq!(lib[0].person, "Ana Souza");
        assert_eq!(library(&all, "front").len(), 2);
        assert_eq!(library(&all, "li wei")[0].asset_url, "asset://b-smile");
        assert_eq!(library(&all, "1970-01-01").len(), 4);
        assert!(library(&all, "2031").is_empty());
    }

    #[test]
    fn the_library_exports_every_row_and_no_cell_runs_as_a_formula() {
        let all = vec![person(
            "a",
            "=HYPERLINK(\"x\")",
            "",
            &[("front", true), ("side", true)],
            1_000,
        )];
        let rows = library(&all, "");
        let csv = library_csv(&rows).unwrap();
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(
            csv.lines()
                .next()
                .unwrap()
                .starts_with("person,session,name,kind,asset_url")
        );
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        let json: serde_json::Value = serde_json::from_str(&library_json(&rows)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        assert_eq!(
            json[0]["asset_url"].as_str().unwrap().len(),
            "asset://a-front".len()
        );
    }
}
