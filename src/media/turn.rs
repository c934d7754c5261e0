//! A photo seen upright without turning its pixels: a view that reads each pixel from where the
//! EXIF orientation put it, so the encoder writes the upright image straight from the decoded
//! one, and no second full-size copy is made.

use image::metadata::Orientation;
use image::{GenericImageView, Rgb, RgbImage};

/// `img` as it looks after `orientation` is applied.
pub struct Turned<'a> {
    img: &'a RgbImage,
    orientation: Orientation,
}

impl<'a> Turned<'a> {
    /// The upright view of `img`.
    pub fn new(img: &'a RgbImage, orientation: Orientation) -> Turned<'a> {
        Turned { img, orientation }
    }

    fn swaps_sides(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    }

    /// Where the upright pixel (x, y) is in the stored image (as `DynamicImage::apply_orientation`
    /// would move it).
    fn source(&self, x: u32, y: u32) -> (u32, u32) {
        let (w, h) = self.img.dimensions();
        match self.orientation {
            Orientation::NoTransforms => (x, y),
            Orientation::Rotate90 => (y, h - 1 - x),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::Rotate270 => (w - 1 - y, x),
            Orientation::FlipHorizontal => (w - 1 - x, y),
            Orientation::FlipVertical => (x, h - 1 - y),
            Orientation::Rotate90FlipH => (y, x),
            Orientation::Rotate270FlipH => (w - 1 - y, h - 1 - x),
        }
    }
}

impl GenericImageView for Turned<'_> {
    type Pixel = Rgb<u8>;

    fn dimensions(&self) -> (u32, u32) {
        let (w, h) = self.img.dimensions();
        if self.swaps_sides() { (h, w) } else { (w, h) }
    }

    fn get_pixel(&self, x: u32, y: u32) -> Rgb<u8> {
        let (sx, sy) = self.source(x, y);
        *self.img.get_pixel(sx, sy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::DynamicImage;

    #[test]
    fn every_orientation_reads_as_apply_orientation_writes() {
        let img = RgbImage::from_fn(5, 3, |x, y| Rgb([x as u8, y as u8, (x * 7 + y) as u8]));
        for o in [
            Orientation::NoTransforms,
            Orientation::Rotate90,
            Orientation::Rotate180,
            Orientation::Rotate270,
            Orientation::FlipHorizontal,
            Orientation::FlipVertical,
            Orientation::Rotate90FlipH,
            Orientation::Rotate270FlipH,
        ] {
            let mut turned = DynamicImage::ImageRgb8(img.clone());
            turned.apply_orientation(o);
            let turned = turned.to_rgb8();
            let view = Turned::new(&img, o);
            assert_eq!(view.dimensions(), turned.dimensions(), "{o:?}");
            for (x, y, p) in turned.enumerate_pixels() {
                assert_eq!(view.get_pixel(x, y), *p, "{o:?} at {x},{y}");
            }
        }
    }
}
