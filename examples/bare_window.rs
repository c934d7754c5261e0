//! A bare eframe window with one label, built like the app's (same backend and size): the
//! baseline for `benches/startup.sh`, which compares the app's time to its first frame with
//! this one's.

fn main() -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Bare eframe window")
            .with_inner_size([1180.0, 780.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Bare eframe window",
        options,
        Box::new(|_cc| Ok(Box::new(Bare))),
    )
}

struct Bare;

impl eframe::App for Bare {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("A bare eframe window.");
        });
    }
}
