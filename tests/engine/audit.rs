//! The audit log and the consent a session starts with, from the engine and the command line:
//! what a demo onboarding wrote, `audit --verify` naming a changed entry, the staff's
//! attestation on the command line, and the person's own answers (declined: nothing sent).

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

/// Waits for the engine to refuse a start; the refusal's message id.
async fn refused(run: &mut crate::Running) -> String {
    use avatar_kiosk::engine::Event;
    let wait = async {
        while let Some(ev) = run.events.recv().await {
            if let Event::Refused { message, .. } = ev {
                return Some(message.id().to_string());
            }
        }
        None
    };
    tokio::time::timeout(crate::DEADLINE, wait)
        .await
        .ok()
        .flatten()
        .expect("a refusal")
}

/// The person's own answers: a version never shown is refused, a required item declined sends
/// nothing to APIMart, and a signed consent is kept with its signature and text hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_consent_sends_nothing_and_a_signed_one_is_kept() {
    use avatar_kiosk::api::Language;
    use avatar_kiosk::engine::{Command, Consent, PersonConsent};
    use avatar_kiosk::flow::{ConsentBy, ConsentItem};
    use avatar_kiosk::store::SessionStore;
    let sim = avatar_kiosk::sim::Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let mut run = crate::start(crate::config(&sim, &db)).await;
    let person = |id: &str, keep: Option<bool>, likeness: Option<bool>| Command::Start {
        id: id.into(),
        person: "김민지".into(),
        note: String::new(),
        consent: Consent::Person(Box::new(PersonConsent {
            version: 1,
            answers: vec![
                (ConsentItem::Biometric, Some(true)),
                (ConsentItem::Likeness, likeness),
                (ConsentItem::Keep, keep),
            ],
            signature_png: vec![0x89, b'P', b'N', b'G', 1, 2, 3],
            declined: false,
        })),
        language: Language::Ko,
        project: "default".into(),
    };
    // No text was ever made: version 1 is not one the person can have read.
    run.engine
        .send(person("s-early", Some(true), Some(true)))
        .unwrap();
    assert_eq!(refused(&mut run).await, "engine-consent-version");
    // A staff-attested start makes version 1 from the defaults.
    let first = run.begin("Staff Attested", Language::En);
    run.until(&first, "the first link", |s| s.link().is_some())
        .await;
    let created = sim.counters().op("create_session");
    // Declined: refused, and APIMart hears nothing more.
    run.engine
        .send(person("s-no", Some(true), Some(false)))
        .unwrap();
    assert_eq!(refused(&mut run).await, "engine-consent-declined");
    // Not answered: refused, and asked again (not a decline).
    run.engine
        .send(person("s-blank", None, Some(true)))
        .unwrap();
    assert_eq!(refused(&mut run).await, "engine-consent-unanswered");
    assert_eq!(sim.counters().op("create_session"), created);
    // Signed: the session starts.
    run.engine
        .send(person("s-yes", Some(true), Some(true)))
        .unwrap();
    run.until("s-yes", "the person's link", |s| s.link().is_some())
        .await;
    assert_eq!(sim.counters().op("create_session"), created + 1);
    run.engine.shutdown();

    let mut store = avatar_kiosk::store::Store::open(&db).unwrap();
    assert!(store.consent("s-no").unwrap().is_none());
    let kept = store.consent("s-yes").unwrap().expect("the record");
    assert_eq!(kept.record.by, ConsentBy::Person);
    assert_eq!(kept.record.version, 1);
    assert_eq!(kept.person, "김민지");
    assert_eq!(
        kept.signature_png.as_deref(),
        Some(&[0x89, b'P', b'N', b'G', 1, 2, 3][..])
    );
    let v1 = &store.consent_versions().unwrap()[0];
    assert_eq!(kept.record.text_sha256, v1.text(Language::Ko).sha256());
    let staff = store.consent(&first).unwrap().expect("the staff's record");
    assert_eq!(
        (staff.record.by, staff.signature_png),
        (ConsentBy::Staff, None)
    );
    let log = store.audit_log(None).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["start", "consent-declined", "consent-signed", "start"]
    );
    assert_eq!(log[1].session_id.as_deref(), Some("s-no"));
    assert!(log[1].detail.contains("likeness"), "{:?}", log[1]);
    assert_eq!(avatar_kiosk::flow::verify(&log), Ok(()));
}
