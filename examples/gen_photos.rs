//! Generates phone-like test photos for `benches/onboard.sh`: noisy JPEGs of about 12 MP
//! (3-6 MB), every one with GPS in its EXIF; a quarter stored sideways with EXIF orientation 6,
//! a quarter over 6000 px on the long side (6200x2500), the rest 4000x3000 and upright.
//!
//! `cargo run --release --example gen_photos -- DIR COUNT`

use std::path::PathBuf;

/// A minimal little-endian EXIF block: IFD0 with Orientation and a GPS IFD pointer; the GPS IFD
/// with latitude and longitude, as phones write them.
fn exif(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    let mut t = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at 8: two entries.
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation));
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    entry(&mut t, 0x8825, 4, 1, gps_ifd);
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD: four entries, then the rationals.
    let rationals = gps_ifd + 2 + 4 * 12 + 4;
    t.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, rationals);
    entry(&mut t, 0x0003, 2, 2, u32::from_le_bytes(*b"E\0\0\0"));
    entry(&mut t, 0x0004, 5, 3, rationals + 24);
    t.extend_from_slice(&0u32.to_le_bytes());
    for (deg, min, sec) in [(37u32, 33u32, 5012u32), (126, 58, 4123)] {
        for (n, d) in [(deg, 1u32), (min, 1), (sec, 100)] {
            t.extend_from_slice(&n.to_le_bytes());
            t.extend_from_slice(&d.to_le_bytes());
        }
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&t);
    app1
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: gen_photos DIR COUNT")?);
    let count: usize = args.next().ok_or("usage: gen_photos DIR COUNT")?.parse()?;
    std::fs::create_dir_all(&dir)?;
    let mut seed: u32 = 0x2545_f491;
    for n in 0..count {
        let (w, h, orientation) = match n % 4 {
            1 => (4000u32, 3000u32, 6u16),
            3 => (6200, 2500, 1),
            _ => (4000, 3000, 1),
        };
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        for (i, px) in rgb.chunks_exact_mut(3).enumerate() {
            let (x, y) = (i as u32 % w, i as u32 / w);
            // xorshift noise over a soft gradient: photo-like sizes, not a flat colour.
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed & 0x1f) as i32 - 16;
            let base = [
                (x * 200 / w) as i32 + 30,
                (y * 180 / h) as i32 + 40,
                ((x + y) * 120 / (w + h)) as i32 + 60 + n as i32,
            ];
            for c in 0..3 {
                px[c] = (base[c] + noise).clamp(0, 255) as u8;
            }
        }
        let path = dir.join(format!("photo-{n:03}.jpg"));
        let mut encoder = jpeg_encoder::Encoder::new_file(&path, 88)?;
        encoder.add_app_segment(1, exif(orientation))?;
        encoder.encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)?;
        println!("{}", path.display());
    }
    Ok(())
}
