//! The audit log from the command line: what a demo onboarding wrote, one session's entries,
//! and `audit --verify` holding, then naming the entry changed in the database directly.

use crate::command_line::{bin, json_lines, onboarded};

#[test]
fn audit_lists_what_was_done_and_verify_names_a_changed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let id = onboarded(dir.path(), "감사 Audit", "front.png");
    let audit = |args: &[&str]| {
        bin()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--demo", "audit"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = audit(&["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let entries = json_lines(&out.stdout);
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["start", "add"], "{entries:?}");
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["seq"].as_i64(), Some(i as i64 + 1), "{e}");
        assert_eq!(e["session_id"].as_str(), Some(id.as_str()), "{e}");
        assert!(!e["desk"].as_str().unwrap_or_default().is_empty(), "{e}");
        assert!(!e["os_user"].as_str().unwrap_or_default().is_empty(), "{e}");
        assert_eq!(e["hash"].as_str().map(str::len), Some(64), "{e}");
    }
    assert_eq!(entries[1]["prev_hash"], entries[0]["hash"]);
    // One session's entries; another's are none.
    assert_eq!(
        json_lines(&audit(&["--json", "--session", &id]).stdout).len(),
        2
    );
    assert!(json_lines(&audit(&["--json", "--session", "nobody"]).stdout).is_empty());
    // The readable table names the action and the session.
    let table = String::from_utf8_lossy(&audit(&[]).stdout).to_string();
    assert!(table.contains("start") && table.contains(&id), "{table}");

    let holds = audit(&["--verify"]);
    assert_eq!(holds.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&holds.stdout).contains("holds: 2 entries"),
        "{holds:?}"
    );
    // Someone changes who did the first action, in the database itself.
    let db = dir.path().join("demo").join(avatar_kiosk::store::DB_FILE);
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE audit_log SET os_user = 'someone else' WHERE seq = 1",
        [],
    )
    .unwrap();
    drop(c);
    let broken = audit(&["--verify"]);
    assert_eq!(broken.status.code(), Some(1));
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(said.contains("broken at entry 1:"), "{said}");
    // As JSON, the failure is an error event on standard output.
    let broken = audit(&["--verify", "--json"]);
    assert_eq!(broken.status.code(), Some(1));
    let events = json_lines(&broken.stdout);
    assert!(
        events
            .iter()
            .any(|e| e.to_string().contains("broken at entry 1:")),
        "{events:?}"
    );
}
