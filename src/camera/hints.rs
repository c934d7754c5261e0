//! What may make a captured picture fail review, judged without a model in a few milliseconds
//! on a small grey copy of the frame: too dark or too bright (mean brightness, and how much is
//! blown out), blurred (the variance of the Laplacian), and too little inside the oval where the
//! face should be (the mean edge strength there). Hints warn; they never block.

use crate::text::Msg;

/// The oval the person's face goes in, as fractions of the picture: centre x and y, half
/// width and half height. The preview draws the same oval.
pub const OVAL: [f32; 4] = [0.5, 0.47, 0.17, 0.38];

/// The side of the grey copy the measures are taken on (its longer side).
const WORK_SIDE: u32 = 320;

/// One warning about a captured picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hint {
    /// Too dark to see the face well.
    Dark,
    /// Too bright: much of the picture is blown out.
    Bright,
    /// Blurred: moving, or out of focus.
    Blurred,
    /// Little inside the oval: the face may be elsewhere, or the lens covered.
    NoDetail,
}

impl Hint {
    /// What it means and what to do.
    pub fn advice(self) -> Msg {
        Msg::new(match self {
            Hint::Dark => "camera-hint-dark",
            Hint::Bright => "camera-hint-bright",
            Hint::Blurred => "camera-hint-blurred",
            Hint::NoDetail => "camera-hint-no-detail",
        })
    }
}

/// The measures the hints are judged on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Mean brightness, 0 to 255.
    pub brightness: f32,
    /// The share of pixels at 250 or above.
    pub blown: f32,
    /// The variance of the Laplacian over the picture.
    pub sharpness: f32,
    /// The mean edge strength inside the oval.
    pub detail: f32,
}

/// Below this mean brightness a picture is dark.
const DARK: f32 = 55.0;
/// Above this mean, or with more than [`BLOWN`] blown out, it is too bright.
const BRIGHT: f32 = 205.0;
const BLOWN: f32 = 0.25;
/// Below this variance of the Laplacian it is blurred.
const BLURRED: f32 = 40.0;
/// Below this mean edge strength inside the oval there is little there.
const FLAT: f32 = 2.0;

/// The hints for a picture.
pub fn of_image(frame: &image::RgbImage) -> Vec<Hint> {
    judge(&measure(frame))
}

/// The hints the measures give.
pub fn judge(m: &Measures) -> Vec<Hint> {
    let mut hints = Vec::new();
    if m.brightness < DARK {
        // A dark picture has little contrast: calling it blurred or empty as well would send
        // staff after the wrong thing.
        return vec![Hint::Dark];
    }
    if m.brightness > BRIGHT || m.blown > BLOWN {
        hints.push(Hint::Bright);
    }
    if m.sharpness < BLURRED {
        hints.push(Hint::Blurred);
    }
    if m.detail < FLAT {
        hints.push(Hint::NoDetail);
    }
    hints
}

/// Measures a picture on a grey copy [`WORK_SIDE`] wide (each of its pixels the mean of a
/// block of the picture's).
pub fn measure(frame: &image::RgbImage) -> Measures {
    let (w, h) = frame.dimensions();
    if w == 0 || h == 0 {
        return Measures {
            brightness: 0.0,
            blown: 0.0,
            sharpness: 0.0,
            detail: 0.0,
        };
    }
    let step = (w.max(h).div_ceil(WORK_SIDE)).max(1);
    let (gw, gh) = (w / step, h / step);
    let mut grey = vec![0f32; (gw * gh) as usize];
    let mut blown = 0u64;
    for gy in 0..gh {
        for gx in 0..gw {
            let mut sum = 0f32;
            for y in gy * step..(gy + 1) * step {
                for x in gx * step..(gx + 1) * step {
                    let [r, g, b] = frame.get_pixel(x, y).0;
                    let luma = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
                    if luma >= 250.0 {
                        blown += 1;
                    }
                    sum += luma;
                }
            }
            grey[(gy * gw + gx) as usize] = sum / (step * step) as f32;
        }
    }
    let at = |x: u32, y: u32| grey[(y * gw + x) as usize];
    let brightness = grey.iter().sum::<f32>() / grey.len().max(1) as f32;
    let (mut n, mut sum, mut sum_sq) = (0f64, 0f64, 0f64);
    let (mut inside, mut edges) = (0f64, 0f64);
    let [cx, cy, rx, ry] = OVAL;
    for y in 1..gh.saturating_sub(1) {
        for x in 1..gw.saturating_sub(1) {
            let lap = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
            n += 1.0;
            sum += f64::from(lap);
            sum_sq += f64::from(lap) * f64::from(lap);
            let dx = (x as f32 / gw as f32 - cx) / rx;
            let dy = (y as f32 / gh as f32 - cy) / ry;
            if dx * dx + dy * dy <= 1.0 {
                let gx = at(x + 1, y) - at(x - 1, y);
                let gy = at(x, y + 1) - at(x, y - 1);
                inside += 1.0;
                edges += f64::from((gx * gx + gy * gy).sqrt());
            }
        }
    }
    let mean = if n > 0.0 { sum / n } else { 0.0 };
    let variance = if n > 0.0 {
        sum_sq / n - mean * mean
    } else {
        0.0
    };
    Measures {
        brightness,
        blown: blown as f32 / (w as f32 * h as f32),
        sharpness: variance as f32,
        detail: if inside > 0.0 {
            (edges / inside) as f32
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture with a face-like oval on a textured wall, as a camera at a desk sees one.
    fn scene(brightness: f32) -> image::RgbImage {
        image::RgbImage::from_fn(640, 360, |x, y| {
            let (fx, fy) = (x as f32 / 640.0, y as f32 / 360.0);
            let wall = if (x / 16 + y / 16) % 2 == 0 {
                90.0
            } else {
                140.0
            };
            let (dx, dy) = ((fx - 0.5) / 0.15, (fy - 0.47) / 0.35);
            let face = dx * dx + dy * dy <= 1.0;
            let eye =
                ((fx - 0.45).abs() < 0.02 || (fx - 0.55).abs() < 0.02) && (fy - 0.4).abs() < 0.02;
            let v = if eye {
                30.0
            } else if face {
                180.0 + 20.0 * ((x % 7) as f32 / 7.0)
            } else {
                wall
            };
            let v = (v * brightness).clamp(0.0, 255.0) as u8;
            image::Rgb([v, v, v])
        })
    }

    #[test]
    fn a_good_picture_has_no_hint_and_a_dark_blurred_or_blank_one_does() {
        let good = scene(1.0);
        assert_eq!(of_image(&good), vec![], "{:?}", measure(&good));
        let dark = scene(0.2);
        assert!(
            of_image(&dark).contains(&Hint::Dark),
            "{:?}",
            measure(&dark)
        );
        let bright = scene(3.0);
        assert!(
            of_image(&bright).contains(&Hint::Bright),
            "{:?}",
            measure(&bright)
        );
        let blurred = image::imageops::blur(&good, 6.0);
        let hints = of_image(&blurred);
        assert!(hints.contains(&Hint::Blurred), "{:?}", measure(&blurred));
        assert!(!hints.contains(&Hint::Dark), "{hints:?}");
        let blank = image::RgbImage::from_pixel(640, 360, image::Rgb([128, 128, 128]));
        assert!(of_image(&blank).contains(&Hint::NoDetail));
        assert!(of_image(&image::RgbImage::new(0, 0)).contains(&Hint::Dark));
    }
}
