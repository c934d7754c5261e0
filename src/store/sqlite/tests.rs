//! What only the SQLite store does: the file's mode, the schema's version, the event log
//! (the contract is tested on every backend in `store::tests`).

use super::*;
use crate::store::tests::sample;

#[cfg(unix)]
#[test]
fn the_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store.save(&sample(), 1, &[]).unwrap();
    for suffix in ["", "-wal"] {
        let p = dir.path().join(format!("{DB_FILE}{suffix}"));
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn the_event_log_keeps_a_deletion_mark() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .save(&sample(), 5, &[("consent".into(), "recorded".into())])
        .unwrap();
    assert_eq!(store.events("abc").unwrap()[0].kind, "consent");
    assert!(store.delete("abc", 9).unwrap());
    assert_eq!(
        store.events("abc").unwrap().len(),
        1,
        "only the deletion mark remains"
    );
}
