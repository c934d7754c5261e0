//! The store contract, run against every backend there is here: SQLite always, PostgreSQL when
//! a test server is configured (`.ci/run` starts one and requires these to run).

use std::time::{Duration, Instant};

use super::testing::PgDatabase;
use super::*;
use crate::api::{AssetKind, Language};
use crate::flow::{AssetSource, Input};

/// Where the stores of one test live.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(PgDatabase),
}

impl Place {
    fn name(&self) -> &'static str {
        match self {
            Place::Sqlite(_) => "SQLite",
            Place::Postgres(_) => "PostgreSQL",
        }
    }

    /// A store writing as a desk (a new owner each time: another engine).
    fn open(&self, kiosk: &str, length: Duration) -> Box<dyn SessionStore> {
        let lease = Lease::new(kiosk, length);
        match self {
            Place::Sqlite(dir) => Box::new(Store::open_in(dir.path()).unwrap().with_lease(lease)),
            Place::Postgres(db) => Box::new(PgStore::connect(&db.url, lease).unwrap()),
        }
    }
}

/// Runs `test` on each backend.
fn each(test: impl Fn(&Place)) {
    let mut places = vec![Place::Sqlite(tempfile::tempdir().unwrap())];
    places.extend(PgDatabase::create().map(Place::Postgres));
    for place in &places {
        eprintln!("on {}", place.name());
        test(place);
    }
}

/// A session with one URL row (the SQLite-only tests use it too).
pub(super) fn sample() -> Session {
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

const LONG: Duration = Duration::from_secs(60);

#[test]
fn round_trip_list_and_delete() {
    each(|place| {
        let mut store = place.open("front-desk", LONG);
        let s = sample();
        store
            .save(&s, 5, &[("consent".into(), "recorded".into())])
            .unwrap();
        assert_eq!(store.load("abc").unwrap(), Some(s.clone()));
        let unfinished = store.unfinished().unwrap();
        assert_eq!(
            unfinished,
            vec![Unfinished {
                id: "abc".into(),
                kiosk: "front-desk".into()
            }]
        );
        let list = store.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].person.as_str(), list[0].total, list[0].active),
            ("김민지 Kim 金", 1, 0)
        );
        assert_eq!(list[0].kiosk, "front-desk");
        assert_eq!(list[0].held_by, None, "held by this very store");
        // Another engine may not delete what this one drives.
        let mut other = place.open("back-desk", LONG);
        assert!(matches!(
            other.delete("abc", 8),
            Err(StoreError::Held(k)) if k == "front-desk"
        ));
        store.release("abc").unwrap();
        drop(store);
        // Reopening runs no migration twice and keeps the data.
        let mut store = place.open("front-desk", LONG);
        assert_eq!(store.load("abc").unwrap(), Some(s));
        assert!(store.delete("abc", 9).unwrap());
        assert_eq!(store.load("abc").unwrap(), None);
        assert!(store.list().unwrap().is_empty());
        assert!(!store.delete("abc", 10).unwrap());
    });
}

/// Twenty rows, one of them changes: the save writes the session row and that one row.
#[test]
fn a_save_writes_only_the_rows_that_changed() {
    each(|place| {
        let mut store = place.open("a", LONG);
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
        let before = store.written();
        store.save(&s, 2, &[]).unwrap();
        assert_eq!(store.written() - before, 2, "the session and one row");
        // A store that read the session writes only what changed since it read it.
        drop(store);
        let mut again = place.open("a", LONG);
        let mut read = again.load("abc").unwrap().unwrap();
        assert_eq!(read, s);
        read.apply(Input::Remove(one)).unwrap();
        // The first store's lease is live: this one takes it over (same desk, other engine)
        // only once it is free.
        free_leases(place);
        assert_eq!(again.take("abc", 3).unwrap(), Taken::Yes);
        let before = again.written();
        again.save(&read, 3, &[]).unwrap();
        assert_eq!(again.written() - before, 2);
        assert_eq!(again.load("abc").unwrap(), Some(read));
    });
}

/// Frees every lease, as if their holders had lapsed.
fn free_leases(place: &Place) {
    match place {
        Place::Sqlite(dir) => {
            let c = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
            c.execute("UPDATE sessions SET lease_owner = NULL", [])
                .unwrap();
        }
        Place::Postgres(db) => {
            let mut c = ::postgres::Client::connect(&db.url, ::postgres::NoTls).unwrap();
            c.execute("UPDATE sessions SET lease_owner = NULL", &[])
                .unwrap();
        }
    }
}

/// Two writers: the one that read an older version is refused, and nothing it did not see is
/// overwritten; read again, it writes.
#[test]
fn a_session_saved_elsewhere_since_it_was_read_is_not_overwritten() {
    each(|place| {
        let mut a = place.open("a", LONG);
        let mut b = place.open("b", LONG);
        let s = sample();
        a.save(&s, 1, &[]).unwrap();
        a.release("abc").unwrap();
        let mut theirs = b.load("abc").unwrap().unwrap();
        let mut mine = s.clone();
        mine.note = "mine".into();
        a.save(&mine, 2, &[]).unwrap();
        // Free again: what refuses b now is the version alone.
        a.release("abc").unwrap();
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
    });
}

/// A live lease keeps every other engine out (taking and saving); once it lapses another desk
/// takes over, and the old holder's saves are refused.
#[test]
fn a_lease_keeps_others_out_until_it_lapses() {
    each(|place| {
        let short = Duration::from_millis(400);
        let mut a = place.open("desk-a", short);
        let mut b = place.open("desk-b", short);
        let s = sample();
        a.save(&s, crate::clock::now_ms(), &[]).unwrap();
        assert_eq!(
            b.take("abc", crate::clock::now_ms()).unwrap(),
            Taken::HeldBy("desk-a".into())
        );
        assert_eq!(b.list().unwrap()[0].held_by.as_deref(), Some("desk-a"));
        let mut copy = b.load("abc").unwrap().unwrap();
        copy.note = "b".into();
        assert!(matches!(
            b.save(&copy, crate::clock::now_ms(), &[]),
            Err(StoreError::Conflict(_))
        ));
        // Renewed, it holds; no longer renewed, it lapses.
        assert_eq!(
            a.renew(&["abc".into()], crate::clock::now_ms()).unwrap(),
            vec!["abc".to_string()]
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match b.take("abc", crate::clock::now_ms()).unwrap() {
                Taken::Yes => break,
                Taken::HeldBy(_) => {
                    assert!(Instant::now() < deadline, "the lease never lapsed");
                    std::thread::sleep(Duration::from_millis(50));
                }
                Taken::Missing => panic!("the session is gone"),
            }
        }
        let mut mine = b.load("abc").unwrap().unwrap();
        mine.note = "taken over".into();
        b.save(&mine, crate::clock::now_ms(), &[]).unwrap();
        let mut old = s.clone();
        old.note = "late".into();
        assert!(matches!(
            a.save(&old, crate::clock::now_ms(), &[]),
            Err(StoreError::Conflict(_))
        ));
        assert!(
            a.renew(&["abc".into()], crate::clock::now_ms())
                .unwrap()
                .is_empty(),
            "the old holder learns it lost the lease"
        );
        assert_eq!(b.take("nope", 0).unwrap(), Taken::Missing);
    });
}

/// Two engines take one free session at the same moment: exactly one gets it.
#[test]
fn two_takers_at_once_one_wins() {
    each(|place| {
        let mut first = place.open("desk-a", LONG);
        first.save(&sample(), 1, &[]).unwrap();
        first.release("abc").unwrap();
        let barrier = std::sync::Barrier::new(2);
        let results: Vec<Taken> = std::thread::scope(|scope| {
            let handles: Vec<_> = ["desk-b", "desk-c"]
                .into_iter()
                .map(|desk| {
                    let mut store = place.open(desk, LONG);
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        store.take("abc", crate::clock::now_ms()).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = results.iter().filter(|t| **t == Taken::Yes).count();
        assert_eq!(won, 1, "{results:?}");
        assert!(
            results
                .iter()
                .any(|t| matches!(t, Taken::HeldBy(k) if k == "desk-b" || k == "desk-c")),
            "{results:?}"
        );
    });
}

/// Another desk's save reaches a watcher; its own do not.
#[test]
fn another_desks_change_is_heard() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let place = Place::Postgres(db);
    let mut a = place.open("desk-a", LONG);
    let mut b = place.open("desk-b", LONG);
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    b.watch(Box::new(move || {
        let _ = tx.try_send(());
    }))
    .unwrap();
    // The listener is connected once a change of b's own is not heard but a's is: a's save is
    // repeated until the listener (which starts on its own thread) hears one.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut s = sample();
    loop {
        s.note = format!("{:?}", Instant::now());
        a.save(&s, 1, &[]).unwrap();
        if rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no notice arrived");
    }
    while rx.try_recv().is_ok() {}
    // Quiet for more than two of the listener's waits: a notice after that still arrives.
    assert!(rx.recv_timeout(Duration::from_millis(1200)).is_err());
    let mut other = sample();
    other.id = "own".into();
    b.save(&other, 2, &[]).unwrap();
    a.save(&s, 3, &[]).unwrap();
    rx.recv_timeout(Duration::from_secs(5))
        .expect("a's second save is heard");
    assert!(
        rx.try_recv().is_err(),
        "b's own save is not news to b (one notice, for a's save)"
    );
}

#[test]
fn a_wrong_address_is_said_plainly() {
    assert!(matches!(
        PgStore::new("postgres://host:not-a-port/db", Lease::new("x", LONG)),
        Err(StoreError::BadUrl(_))
    ));
    // Nothing listens on port 1 of the loopback: unreachable, not a database error.
    let mut store = PgStore::new(
        "postgres://u:secret-password@127.0.0.1:1/db?connect_timeout=2",
        Lease::new("x", LONG),
    )
    .unwrap();
    let e = store.list().unwrap_err();
    assert!(matches!(e, StoreError::Unreachable(_)), "{e:?}");
    assert!(!e.to_string().contains("secret-password"));
    assert!(!format!("{store:?}").contains("secret-password"));
}

/// A NUL character from outside (PostgreSQL refuses it in text) does not stop a save, and the
/// session reads back as it was.
#[test]
fn a_nul_character_from_outside_does_not_stop_a_save() {
    each(|place| {
        let mut store = place.open("desk\0a", LONG);
        let mut s = sample();
        s.person = "Kim\0Jisoo".into();
        s.assets[0].name = "front\0".into();
        store
            .save(&s, 1, &[("note".into(), "with \0 inside".into())])
            .unwrap();
        assert_eq!(store.load("abc").unwrap(), Some(s));
        assert_eq!(store.list().unwrap().len(), 1);
    });
}

impl Place {
    /// Runs `sql` on the database directly, as an outside tool (or someone covering tracks)
    /// would.
    fn sql(&self, sql: &str) {
        match self {
            Place::Sqlite(dir) => {
                let c = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
                c.execute_batch(sql).unwrap();
            }
            // On a thread of its own: the blocking client starts a runtime.
            Place::Postgres(db) => std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        let mut c =
                            ::postgres::Client::connect(&db.url, ::postgres::NoTls).unwrap();
                        c.batch_execute(sql).unwrap();
                    })
                    .join()
                    .unwrap();
            }),
        }
    }
}

fn audit_note(desk: &str, i: usize) -> crate::flow::AuditNote {
    use crate::flow::AuditAction;
    crate::flow::AuditNote {
        at: 1_000 + i as i64,
        desk: desk.into(),
        os_user: "staff".into(),
        action: AuditAction::ALL[i % AuditAction::ALL.len()],
        session_id: (!i.is_multiple_of(4)).then(|| format!("s-{}", i % 3)),
        detail: format!("entry {i} from {desk}"),
    }
}

#[test]
fn the_audit_log_is_one_chain_for_every_desk_and_a_changed_row_is_named() {
    each(|place| {
        // Two desks append at once: every entry lands, in one unbroken chain.
        // Opened one after the other (a new SQLite file is migrated by its first opener).
        let stores = ["desk-a", "desk-b"].map(|desk| (desk, place.open(desk, LONG)));
        std::thread::scope(|scope| {
            for (desk, mut store) in stores {
                scope.spawn(move || {
                    for i in 0..15 {
                        let e = store.audit(&audit_note(desk, i)).unwrap();
                        assert_eq!(e.hash, crate::flow::seal(&e));
                    }
                });
            }
        });
        let mut store = place.open("desk-c", LONG);
        let log = store.audit_log(None).unwrap();
        assert_eq!(log.len(), 30);
        assert_eq!(
            log.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=30).collect::<Vec<_>>()
        );
        assert_eq!(crate::flow::verify(&log), Ok(()));
        let from_a = log.iter().filter(|e| e.desk == "desk-a").count();
        assert_eq!(from_a, 15);
        // One session's entries, in order.
        let one = store.audit_log(Some("s-1")).unwrap();
        assert!(!one.is_empty());
        assert!(one.iter().all(|e| e.session_id.as_deref() == Some("s-1")));
        assert!(one.windows(2).all(|w| w[0].seq < w[1].seq));
        // A row changed in the database directly is named.
        place.sql("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 12");
        let broken = crate::flow::verify(&store.audit_log(None).unwrap()).unwrap_err();
        assert_eq!(
            (broken.seq, broken.why),
            (12, crate::flow::BrokenWhy::Changed)
        );
        // Removed instead, the entry after it is named.
        place.sql("DELETE FROM audit_log WHERE seq = 12");
        let broken = crate::flow::verify(&store.audit_log(None).unwrap()).unwrap_err();
        assert_eq!(
            (broken.seq, broken.why),
            (13, crate::flow::BrokenWhy::Missing)
        );
    });
}

#[test]
fn consent_versions_count_up_for_every_desk_and_a_record_keeps_its_signature() {
    use crate::flow::{ConsentFields, ConsentItem, ConsentRecord, ConsentVersion};
    each(|place| {
        let mut a = place.open("desk-a", LONG);
        let mut b = place.open("desk-b", LONG);
        assert!(a.consent_versions().unwrap().is_empty());
        let first = a
            .new_consent_version(&ConsentFields::default(), 10)
            .unwrap();
        let fields = ConsentFields {
            studio: "스튜디오 한".into(),
            ..ConsentFields::default()
        };
        let second = b.new_consent_version(&fields, 20).unwrap();
        assert_eq!((first.number, second.number), (1, 2));
        assert_eq!(
            a.consent_versions().unwrap(),
            vec![first.clone(), second.clone()]
        );

        // The person's answers to the first version, with a signature (bytes a text column
        // would break: a NUL, high bytes).
        let text = first.text(Language::Ko);
        let answers = ConsentItem::ALL.map(|i| (i, Some(true)));
        let record = ConsentRecord::from_person(&text, &answers, 30).unwrap();
        let signature = vec![0x89, b'P', b'N', b'G', 0, 0xff, 0x10];
        let kept = StoredConsent {
            session_id: "abc".into(),
            desk: "desk-a".into(),
            person: "김민지 Kim 金".into(),
            record,
            signature_png: Some(signature),
        };
        a.keep_consent(&kept).unwrap();
        assert!(
            a.keep_consent(&kept).is_err(),
            "a session's consent is kept once"
        );
        assert_eq!(b.consent("abc").unwrap(), Some(kept.clone()));
        assert_eq!(b.consent("nobody").unwrap(), None);

        // A newer version changes nothing of what was recorded, nor of the old version.
        let third = ConsentVersion::next(Some(&second), fields, 40);
        b.new_consent_version(&third.fields, 40).unwrap();
        let read = a.consent("abc").unwrap().unwrap();
        assert_eq!(read.record.version, 1);
        assert_eq!(read.record.text_sha256, text.sha256());
        assert_eq!(
            a.consent_versions().unwrap()[0].text(Language::Ko).sha256(),
            text.sha256()
        );

        // Withdrawn once; the record stays, with when.
        assert!(b.withdraw_consent("abc", 50).unwrap());
        assert!(!b.withdraw_consent("abc", 60).unwrap());
        let read = a.consent("abc").unwrap().unwrap();
        assert_eq!(read.record.withdrawn_at, Some(50));
        assert_eq!(read.signature_png, kept.signature_png);
    });
}
