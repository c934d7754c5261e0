//! The SQLite store: round trips, file mode, schema, what a save writes, versions.

use super::*;
use crate::api::{AssetKind, Language};
use crate::flow::{AssetSource, Input};

fn sample() -> Session {
    let mut s = Session::new(
        "abc".into(),
        "김민지 Kim 金".into(),
        "note".into(),
        "default".into(),
        Language::Ko,
        1,
    );
    s.apply(Input::AddAssets(vec![(
        "front".into(),
        AssetSource::Url {
            url: "https://c/front.jpg".into(),
        },
        AssetKind::Image,
    )]))
    .unwrap();
    s
}

#[test]
fn round_trip_list_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let s = sample();
    store
        .save(&s, 5, &[("consent".into(), "recorded".into())])
        .unwrap();
    assert_eq!(store.load("abc").unwrap(), Some(s.clone()));
    assert_eq!(store.unfinished().unwrap(), vec!["abc".to_string()]);
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].person.as_str(), list[0].total, list[0].active),
        ("김민지 Kim 金", 1, 0)
    );
    assert_eq!(store.events("abc").unwrap()[0].kind, "consent");
    drop(store);
    // Reopening runs no migration twice and keeps the data.
    let mut store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.load("abc").unwrap(), Some(s));
    assert!(store.delete("abc", 9).unwrap());
    assert_eq!(store.load("abc").unwrap(), None);
    assert_eq!(
        store.events("abc").unwrap().len(),
        1,
        "only the deletion mark remains"
    );
}

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

/// Twenty rows, one of them changes: the save writes the session row and that one row.
#[test]
fn a_save_writes_only_the_rows_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let mut s = sample();
    let more = (0..19)
        .map(|i| {
            let url = format!("https://c/{i}.jpg");
            (format!("p{i}"), AssetSource::Url { url }, AssetKind::Image)
        })
        .collect();
    s.apply(Input::AddAssets(more)).unwrap();
    store.save(&s, 1, &[]).unwrap();
    let one = s.assets[3].id;
    s.apply(Input::Checked {
        asset: one,
        result: Ok(None),
    })
    .unwrap();
    let before = store.conn.total_changes();
    store.save(&s, 2, &[]).unwrap();
    assert_eq!(
        store.conn.total_changes() - before,
        2,
        "the session and one row"
    );
    // A store that read the session writes only what changed since it read it.
    drop(store);
    let mut again = Store::open_in(dir.path()).unwrap();
    let mut read = again.load("abc").unwrap().unwrap();
    assert_eq!(read, s);
    read.apply(Input::Remove(one)).unwrap();
    let before = again.conn.total_changes();
    again.save(&read, 3, &[]).unwrap();
    assert_eq!(again.conn.total_changes() - before, 2);
    assert_eq!(again.load("abc").unwrap(), Some(read));
}

/// Two writers on one file: the one that read an older version is refused, and nothing it
/// did not see is overwritten; read again, it writes.
#[test]
fn a_session_saved_elsewhere_since_it_was_read_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Store::open_in(dir.path()).unwrap();
    let mut b = Store::open_in(dir.path()).unwrap();
    let s = sample();
    a.save(&s, 1, &[]).unwrap();
    let mut theirs = b.load("abc").unwrap().unwrap();
    let mut mine = s.clone();
    mine.note = "mine".into();
    a.save(&mine, 2, &[]).unwrap();
    theirs.note = "theirs".into();
    assert!(matches!(
        b.save(&theirs, 3, &[]),
        Err(StoreError::Conflict(id)) if id == "abc"
    ));
    let mut fresh = b.load("abc").unwrap().unwrap();
    assert_eq!(fresh.note, "mine");
    fresh.note = "theirs".into();
    b.save(&fresh, 4, &[]).unwrap();
    assert_eq!(a.load("abc").unwrap().unwrap().note, "theirs");
}
