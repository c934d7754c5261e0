//! The person's own consent in the window (issue 27): staff hand the screen over and cannot
//! answer for them; signing needs every answer and a signature, and the record keeps it; a
//! decline ends before anything is sent; People's withdrawal asks first, then names what
//! stays at APIMart.

use avatar_kiosk::api::Language;
use avatar_kiosk::store::{SessionStore, Store};
use avatar_kiosk::ui::i18n::{I18n, UiLang, s as text};
use egui_kittest::kittest::{NodeT, Queryable};

use crate::pad::{draw_signature, said};
use crate::{World, click, harness, shows, type_into, wait, wait_for};

#[test]
fn the_person_answers_signs_and_the_record_keeps_their_signature() {
    let world = World::quick();
    let mut h = harness(world.demo());
    let en = I18n::new(UiLang::En);
    type_into(&mut h, "Person's name", "Seo-yeon Park");
    click(&mut h, "Start verification");
    // Staff see only the hand-over: no answer of the person's is on their side.
    let hand = en.ta("consent-hand-button", &[text("person", "Seo-yeon Park")]);
    wait_for(&mut h, &hand);
    let ko = Language::Ko;
    assert!(!shows(&h, &said(ko, "consent-doc-yes")));
    click(&mut h, &hand);
    // The text in the person's language (Korean, the form's default), each item on its own.
    wait_for(&mut h, &said(ko, "consent-doc-sign-here"));
    let version = avatar_kiosk::flow::ConsentVersion::next(None, Default::default(), 0);
    let shown = version.text(ko);
    assert!(shows(&h, &shown.title));
    for (_, title, _) in &shown.items {
        assert!(shows(&h, title), "{title}");
    }
    let sign = said(ko, "consent-doc-sign");
    let yes = said(ko, "consent-doc-yes");
    for n in 0..3 {
        h.get_all_by_label(&yes).nth(n).unwrap().click_accesskit();
        h.step();
    }
    assert!(
        h.get_by_label(&sign).accesskit_node().is_disabled(),
        "no signature yet"
    );
    draw_signature(&mut h, &said(ko, "consent-doc-sign-here"));
    assert!(!h.get_by_label(&sign).accesskit_node().is_disabled());
    h.get_by_label(&sign).click_accesskit();
    h.step();
    wait_for(&mut h, "Expires in");
    let id = h.state().current_session().unwrap().id.clone();
    drop(h);

    // The record: given by the person, to this text in Korean, every answer, the signature.
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    let kept = store.consent(&id).unwrap().expect("the consent record");
    assert_eq!(kept.person, "Seo-yeon Park");
    let r = &kept.record;
    assert_eq!(r.by, avatar_kiosk::flow::ConsentBy::Person);
    assert_eq!(r.text_sha256, shown.sha256());
    assert_eq!(r.language, ko);
    assert!(r.answers.iter().all(|(_, yes)| *yes), "{:?}", r.answers);
    let png = kept.signature_png.expect("the signature");
    let ink = image::load_from_memory(&png).unwrap().to_luma8();
    assert!(ink.pixels().any(|p| p.0[0] < 64), "the stroke is in it");
    let log = store.audit_log(Some(&id)).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions[..3], ["consent-shown", "consent-signed", "start"]);
}

#[test]
fn a_decline_ends_before_anything_is_sent() {
    let world = World::quick();
    let mut h = harness(world.demo());
    let en = I18n::new(UiLang::En);
    type_into(&mut h, "Person's name", "Wei Zhang");
    // Chinese for the person: the pad speaks it.
    click(&mut h, "Their language");
    click(&mut h, "中文 (Chinese)");
    click(&mut h, "Start verification");
    click(
        &mut h,
        &en.ta("consent-hand-button", &[text("person", "Wei Zhang")]),
    );
    let zh = Language::Zh;
    wait_for(&mut h, &said(zh, "consent-doc-sign-here"));
    // The second item (their likeness) answered no: the pad says what that means.
    let no = said(zh, "consent-doc-no");
    h.get_all_by_label(&no).nth(1).unwrap().click_accesskit();
    h.step();
    h.step();
    wait_for(&mut h, &said(zh, "consent-doc-required-no"));
    h.get_by_label(&said(zh, "consent-doc-decline"))
        .click_accesskit();
    h.step();
    wait(&mut h, "the decline said", |h| {
        h.state()
            .toast_texts()
            .iter()
            .any(|t| t.contains("declined a required item"))
    });
    assert!(h.state().current_session().is_none());
    wait_for(&mut h, "Start: who is being verified?");
    drop(h);
    let counters = world.sim.counters();
    assert_eq!(counters.op("create_session"), 0, "no link was asked for");
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    assert!(store.list().unwrap().is_empty(), "no session was kept");
    let log = store.audit_log(None).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["consent-shown", "consent-declined"]);
}

#[test]
fn a_withdrawal_asks_first_then_names_what_stays_at_apimart() {
    let world = World::quick();
    let mut h = harness(world.demo());
    approved_with_one_photo(&mut h, &world, "Min-jun Lee", "minjun-front.jpg");
    click(&mut h, "People");
    let withdraw = "Withdraw Min-jun Lee's consent and delete their copies";
    wait_for(&mut h, withdraw);
    click(&mut h, withdraw);
    wait_for(&mut h, "Withdraw Min-jun Lee's consent?");
    // Keep leaves everything as it was.
    click(&mut h, "Keep");
    assert!(!shows(&h, "Withdraw Min-jun Lee's consent?"));
    click(&mut h, withdraw);
    click(&mut h, "Withdraw and delete");
    wait_for(&mut h, "Min-jun Lee withdrew");
    assert!(shows(
        &h,
        "1 approved references stay at APIMart: ask APIMart to delete them."
    ));
    assert!(shows(&h, "asset://"), "the reference itself is shown");
    // The withdrawal receipt, in the person's Korean: the withdrawal and that reference.
    click(&mut h, "Save the withdrawal receipt…");
    let saved = world.saved_dir();
    wait(&mut h, "the receipt saved", |h| {
        pdfs_in(&saved).len() == 1 && shows(h, "Exported to")
    });
    let text = crate::pdf_text(&std::fs::read(&pdfs_in(&saved)[0]).unwrap());
    assert!(
        text.contains("동의철회") && text.contains("asset://"),
        "{text}"
    );
    click(&mut h, "Close");
    wait_for(&mut h, "Withdrawn ");
    assert!(
        h.query_by_label(withdraw).is_none(),
        "nothing more is offered"
    );
    // But the receipt still is, beside the consent.
    click(&mut h, "Save Min-jun Lee's consent receipt (PDF)");
    wait(&mut h, "the second receipt saved, beside the first", |_| {
        pdfs_in(&saved).len() == 2
    });
}

#[test]
fn a_new_text_version_leaves_earlier_records_as_they_were() {
    let world = World::quick();
    let mut h = harness(world.demo());
    crate::start_session(&mut h, "Early Person");
    let early = h.state().current_session().unwrap().id.clone();
    click(&mut h, "Settings");
    wait_for(&mut h, "In use: version 1.");
    type_into(&mut h, "Studio name", " Seoul");
    click(&mut h, "Save as version 2");
    wait_for(&mut h, "In use: version 2.");
    // The next person reads the new text.
    click(&mut h, "New person");
    type_into(&mut h, "Person's name", "Later Person");
    click(&mut h, "Start verification");
    let en = I18n::new(UiLang::En);
    click(
        &mut h,
        &en.ta("consent-hand-button", &[text("person", "Later Person")]),
    );
    wait_for(&mut h, &said(Language::Ko, "consent-doc-sign-here"));
    assert!(shows(&h, " Seoul"), "the studio's new name is in the text");
    drop(h);
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    let versions = store.consent_versions().unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[1].fields.studio.ends_with(" Seoul"));
    let kept = store.consent(&early).unwrap().unwrap().record;
    assert_eq!(kept.version, 1);
    assert_eq!(kept.text_sha256, versions[0].text(Language::Ko).sha256());
    assert_ne!(kept.text_sha256, versions[1].text(Language::Ko).sha256());
}

#[test]
fn copying_a_persons_urls_is_logged_and_history_shows_their_entries() {
    let world = World::quick();
    let mut h = harness(world.demo());
    let id = approved_with_one_photo(&mut h, &world, "Ji-woo Park", "jiwoo-front.jpg");
    h.get_by_label("Copy all approved URLs").click();
    h.step();
    let copied = crate::copied(&h);
    assert!(
        copied.iter().any(|t| t.starts_with("asset://")),
        "{copied:?}"
    );

    // History → the person's log: what the engine appended, the copy among it.
    click(&mut h, "History");
    let log = "Audit log of Ji-woo Park";
    wait_for(&mut h, log);
    click(&mut h, log);
    wait_for(&mut h, "What was done with Ji-woo Park's data");
    // The entry's detail is only in the log's table (the copy's toast says it otherwise).
    wait_for(&mut h, "1 asset URL(s) copied");
    for action in [
        "Consent text shown",
        "Consent signed",
        "Session started",
        "URLs copied",
    ] {
        assert!(shows(&h, action), "{action} is in the log");
    }
    click(&mut h, "Close");
    assert!(!shows(&h, "What was done with Ji-woo Park's data"));
    drop(h);

    // Stored as one entry of this session, in the chain that --verify checks.
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    let entries = store.audit_log(Some(&id)).unwrap();
    let copies: Vec<_> = entries.iter().filter(|e| e.action == "copy").collect();
    assert_eq!(copies.len(), 1, "{entries:?}");
    assert_eq!(copies[0].session_id.as_deref(), Some(id.as_str()));
    let all = store.audit_log(None).unwrap();
    assert_eq!(avatar_kiosk::flow::verify(&all), Ok(()));
}

/// The PDFs saved in `dir` (a file being written is a hidden part until it is whole).
fn pdfs_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let listed = std::fs::read_dir(dir).into_iter().flatten();
    listed
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect()
}

/// Done's receipt and export, saved where the window saves (no dialog in tests): the receipt
/// is the person's, in Korean, with their signature; each file is logged once it is written.
#[test]
fn the_receipt_and_the_export_are_saved_and_logged() {
    let world = World::quick();
    let mut h = harness(world.demo());
    let id = approved_with_one_photo(&mut h, &world, "Min-jun Choi", "minjun-front.jpg");
    let saved = |ending: &str| {
        std::fs::read_dir(world.saved_dir())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == ending))
    };
    click(&mut h, "Consent receipt…");
    wait(&mut h, "the receipt saved", |h| {
        saved("pdf").is_some() && shows(h, "Exported to")
    });
    let receipt = saved("pdf").unwrap();
    let name = receipt.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("consent-receipt-Min-jun-Choi-"), "{name}");
    let pdf = std::fs::read(&receipt).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let squeeze = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let text = crate::pdf_text(&pdf);
    let fields = avatar_kiosk::flow::ConsentFields::default();
    let version = avatar_kiosk::flow::ConsentVersion::next(None, fields, 0);
    let korean = version.text(Language::Ko);
    assert!(text.contains("이름:Min-junChoi"), "{text}");
    assert!(text.contains(&squeeze(&korean.intro)), "{text}");
    assert!(
        text.contains("본인이데스크"),
        "signed by the person: {text}"
    );
    let images = (doc.objects.values())
        .filter(|o| {
            let d = o.as_stream().map(|s| &s.dict);
            d.is_ok_and(|d| d.get(b"Subtype").and_then(|t| t.as_name()).ok() == Some(b"Image"))
        })
        .count();
    assert!(images >= 1, "the signature is in it");

    click(&mut h, "Export CSV");
    wait(&mut h, "the export saved", |_| saved("csv").is_some());
    // Logged once written: the window tells the engine, which appends (wait for it).
    let exports = || {
        let mut store = Store::open_in(&world.data_dir()).unwrap();
        let entries = store.audit_log(Some(&id)).unwrap();
        (entries.iter())
            .filter(|e| e.action == "export")
            .map(|e| e.detail.clone())
            .collect::<Vec<String>>()
    };
    wait(&mut h, "both saves logged", |_| exports().len() >= 2);
    drop(h);
    let entries = exports();
    assert_eq!(
        entries,
        [avatar_kiosk::engine::RECEIPT_SAVED, "summary saved as CSV"],
        "{entries:?}"
    );
}

/// Staff open another session while the next person's consent waits for the hand-over: the
/// consent step stays with its way back, and the opened session shows once it is cancelled.
#[test]
fn a_session_opened_during_the_hand_over_waits_behind_it() {
    let world = World::quick();
    let mut h = harness(world.demo());
    approved_with_one_photo(&mut h, &world, "Ha-eun Jung", "haeun-front.jpg");
    click(&mut h, "New person");
    type_into(&mut h, "Person's name", "Do-yoon Kang");
    click(&mut h, "Start verification");
    let hand = "Hand the screen to Do-yoon Kang";
    wait_for(&mut h, hand);
    click(&mut h, "History");
    wait_for(&mut h, "Open Ha-eun Jung");
    click(&mut h, "Open Ha-eun Jung");
    wait(&mut h, "the wizard again", |h| shows(h, hand));
    assert!(!shows(&h, "Done: every asset is approved"));
    click(&mut h, "Back to the Start form");
    wait_for(&mut h, "Done: every asset is approved");
    assert!(shows(&h, "Ha-eun Jung"));
}

/// One person signed, verified on the simulated phone, and one photo of theirs approved: the
/// session's id.
fn approved_with_one_photo(
    h: &mut egui_kittest::Harness<'_, avatar_kiosk::ui::KioskApp>,
    world: &World,
    name: &str,
    photo: &str,
) -> String {
    crate::start_session(h, name);
    let id = h.state().current_session().unwrap().id.clone();
    click(h, "Simulate the phone: pass");
    wait_for(h, "Assets: add the person's photos and videos");
    let photo = world.photo(photo);
    crate::add_paths(h, &[&photo]);
    click(h, "Upload and submit 1 asset(s)");
    wait_for(h, "Done: every asset is approved");
    id
}
