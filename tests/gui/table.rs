//! The review table with a thousand rows: only the visible rows are laid out.

use avatar_kiosk::flow::sample::reviewed_session;
use avatar_kiosk::store::Store;
use egui_kittest::kittest::Queryable;

use crate::{World, click, harness, shows, wait_for};

/// Stores a finished session with `n` rows, three in four approved.
pub fn big_session(world: &World, n: u32) -> String {
    std::fs::create_dir_all(world.data_dir()).unwrap();
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    let s = reviewed_session(
        "bigsession0000000000000000000000",
        "Big Table",
        n,
        1_790_000_000_000,
    );
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
    click(&mut h, "Needs attention (250)");
    assert!(h.query_by_label("row-0000").is_none());
    assert!(h.query_by_label("row-0003").is_some());
}
