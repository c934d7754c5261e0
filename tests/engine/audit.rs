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

/// On the command line, running `onboard` is the staff's attestation: recorded as such, with
/// the current text's version and the SHA-256 of that text in the person's language.
#[test]
fn onboard_records_the_staffs_attestation_and_people_shows_it() {
    use avatar_kiosk::api::Language;
    use avatar_kiosk::flow::{ConsentFields, ConsentVersion};
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::png_file(dir.path(), "front.png");
    let out = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "--demo",
            "onboard",
            "--json",
            "--language",
            "ja",
            "--name",
            "山田 花子",
        ])
        .arg(&photo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", json_lines(&out.stdout));
    let people = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "people", "--json"])
        .output()
        .unwrap();
    let rows = json_lines(&people.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let p = &rows[0];
    assert_eq!(p["consent_by"], "staff", "{p}");
    assert_eq!(p["consent_version"], "1", "{p}");
    let items: Vec<(String, bool)> = p["consent_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item"].as_str().unwrap().to_string(),
                i["answer"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [("biometric", true), ("likeness", true), ("keep", false)].map(|(i, a)| (i.to_string(), a))
    );
    // The default text (version 1), in Japanese, as the person would have read it.
    let v1 = ConsentVersion::next(None, ConsentFields::default(), 0);
    assert_eq!(p["consent_text_sha256"], v1.text(Language::Ja).sha256());
    assert_ne!(p["consent_text_sha256"], v1.text(Language::En).sha256());
    assert!(p["withdrawn_at"].is_null());
    // The audit log has the start, with who attested.
    let audit = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "audit", "--json"])
        .output()
        .unwrap();
    let entries = json_lines(&audit.stdout);
    assert!(
        entries.iter().any(|e| e["action"] == "start"
            && e["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("attested by staff")),
        "{entries:?}"
    );
}
