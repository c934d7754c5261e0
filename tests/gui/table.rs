//! The review table with a thousand rows: only the visible rows are laid out.

use avatar_kiosk::api::{AssetKind, Language};
use avatar_kiosk::flow::{Asset, AssetSource, AssetState, Session, Verification};
use avatar_kiosk::store::Store;
use egui_kittest::kittest::Queryable;

use crate::{World, click, harness, shows, wait_for};

/// Stores a finished session with `n` rows, alternately approved and failed.
pub fn big_session(world: &World, n: u32) -> String {
    std::fs::create_dir_all(world.data_dir()).unwrap();
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    let mut s = Session::new(
        "bigsession0000000000000000000000".into(),
        "Big Table".into(),
        String::new(),
        "default".into(),
        Language::En,
        1_790_000_000_000,
    );
    s.verification = Verification::Verified {
        group_id: "group-big".into(),
    };
    for i in 0..n {
        let state = if i % 4 == 3 {
            AssetState::Failed {
                code: Some("FaceMismatch".into()),
                message: None,
            }
        } else {
            AssetState::Active {
                asset_url: format!("asset://big-{i:04}"),
                asset_id: Some(format!("big-{i:04}")),
            }
        };
        s.assets.push(Asset {
            id: i,
            name: format!("row-{i:04}"),
            source: AssetSource::Url {
                url: format!("https://cdn.example/big/{i:04}.jpg"),
            },
            kind: AssetKind::Image,
            state,
            queued: false,
            removed: false,
            replaced_by: None,
            submissions: 1,
        });
    }
    s.next_asset_id = n;
    store.save(&s, 1_790_000_000_000, &[]).unwrap();
    s.id
}

#[test]
fn a_thousand_rows_lay_out_only_what_is_visible() {
    let world = World::quick();
    big_session(&world, 1000);
    let mut h = harness(world.demo());
    click(&mut h, "History");
    wait_for(&mut h, "Open Big Table");
    click(&mut h, "Open Big Table");
    wait_for(&mut h, "Done: some assets need another photo");
    assert!(shows(&h, "750 approved"));
    assert!(h.query_by_label("row-0000").is_some());
    assert!(
        h.query_by_label("row-0999").is_none(),
        "rows far below the fold must not be laid out"
    );
    let laid_out = h.query_all_by_label_contains("row-").count();
    assert!(laid_out < 60, "{laid_out} rows laid out");
    // The filter narrows to failed rows.
    click(&mut h, "Failed (250)");
    assert!(h.query_by_label("row-0000").is_none());
    assert!(h.query_by_label("row-0003").is_some());
}
