//! The shared roster from the command line: which roster and desk a run uses, the store to
//! read for `sessions`, and `roster import`.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::config::{Desk, Settings};
use crate::secrets;
use crate::store::{Lease, PgStore, SessionStore, Store};

/// The roster and desk name given by `--database-url` (or `AVATAR_KIOSK_DATABASE_URL`) and
/// `--kiosk-name`, with the roster's password from the keyring when Settings name the roster.
/// The demo ignores both: demo people never reach a shared roster.
pub fn desk(
    database_url: Option<&str>,
    kiosk_name: Option<&str>,
    demo: bool,
    settings: &Settings,
    secrets: &secrets::Secrets,
) -> Desk {
    if demo {
        return Desk::default();
    }
    let mut desk = Desk {
        name: kiosk_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        ..Desk::default()
    };
    desk.roster = database_url.map(|u| SecretString::from(u.to_string()));
    if desk.roster.is_none() && !settings.roster_url.trim().is_empty() {
        desk.password =
            secrets::load_secret(secrets.roster_password.as_ref()).unwrap_or_else(|e| {
                tracing::warn!("the roster's password could not be read: {e}");
                None
            });
    }
    desk
}

/// The roster when one is set, else this desk's file; errors say what to do.
pub fn open_store(
    roster: Option<&SecretString>,
    name: &str,
    data_dir: &Path,
) -> Result<Box<dyn SessionStore>, String> {
    let advice = |e: crate::store::StoreError| e.advice().english();
    Ok(match roster {
        Some(url) => {
            let lease = Lease::new(name, Lease::LENGTH);
            Box::new(PgStore::connect(url.expose_secret(), lease).map_err(advice)?)
        }
        // The folder's own file, written as its engines write it.
        None => Box::new(Store::open_in(data_dir).map_err(advice)?),
    })
}

/// `roster import`: this desk's file into the shared roster, as desk `name`. Returns the lines
/// to print: each session imported or skipped, then the counts.
pub fn import(
    roster: Option<&SecretString>,
    name: &str,
    data_dir: &Path,
) -> Result<Vec<String>, String> {
    let Some(roster) = roster else {
        return Err("No shared roster is set: set the roster in Settings (its password goes to the system keyring), or name it for this run with --database-url postgres://USER@HOST/DATABASE (the password then comes from the whole address in AVATAR_KIOSK_DATABASE_URL instead).".into());
    };
    let mut from = open_store(None, name, data_dir)?;
    let mut to = open_store(Some(roster), name, data_dir)?;
    let done = crate::store::import(from.as_mut(), to.as_mut(), crate::clock::now_ms())
        .map_err(|e| e.advice().english())?;
    // The files of the sessions brought along were picked here: this desk may still send them
    // once their rows come back from the roster.
    let own = crate::store::OwnFiles::open(data_dir, false);
    for id in &done.imported {
        if let Ok(Some(session)) = from.load(id) {
            for a in &session.assets {
                if let crate::flow::AssetSource::File { path } = &a.source {
                    own.record(id, path);
                }
            }
        }
    }
    let mut lines: Vec<String> = done
        .imported
        .iter()
        .map(|id| format!("imported {id}"))
        .collect();
    lines.extend(
        done.skipped
            .iter()
            .map(|id| format!("skipped {id} (the roster has it)")),
    );
    lines.push(format!(
        "{} imported, {} skipped, as desk {name}",
        done.imported.len(),
        done.skipped.len()
    ));
    Ok(lines)
}
