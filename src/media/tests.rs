//! The catalogue of bad and awkward files: each prepares correctly or gets its own message.

use std::io::Cursor;

use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use super::*;

fn png(img: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

pub(super) fn jpeg(img: &RgbImage, quality: u8, exif_orientation: Option<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    if let Some(o) = exif_orientation {
        // A minimal big-endian TIFF with one tag: Orientation (0x0112), SHORT, 1 value.
        let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        exif.extend_from_slice(&[0, o, 0, 0, 0, 0, 0, 0]);
        enc.add_app_segment(1, exif).unwrap();
    }
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    out
}

/// Something photo-like: gradients and a little noise, so encoders work as on real photos.
pub(super) fn photo(w: u32, h: u32) -> RgbImage {
    let mut seed = 0x2545_f491u32;
    RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 0x1f) as u8;
        Rgb([
            (x * 255 / w) as u8 ^ n,
            (y * 255 / h) as u8,
            128u8.wrapping_add(n),
        ])
    })
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn blocked(bytes: &[u8]) -> Blocked {
    prepare_image(bytes, &Limits::default()).expect_err("should be blocked")
}

#[test]
fn zero_bytes_and_text_and_heic() {
    assert_eq!(blocked(b""), Blocked::Empty);
    assert_eq!(
        blocked(b"hello, I am a text file named photo.jpg"),
        Blocked::NotAnImage
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    assert_eq!(blocked(heic), Blocked::Heic);
    assert!(Blocked::Heic.advice().english().contains("JPEG"));
}

#[test]
fn a_truncated_jpeg_is_refused() {
    let full = jpeg(&photo(640, 800), 90, None);
    let cut = &full[..full.len() / 2];
    assert_eq!(blocked(cut), Blocked::Truncated);
}

#[test]
fn tiny_and_strip_images_are_refused_with_their_size() {
    let one = png(&DynamicImage::ImageRgb8(RgbImage::new(1, 1)));
    assert_eq!(
        blocked(&one),
        Blocked::TooSmall {
            width: 1,
            height: 1
        }
    );
    let strip = png(&DynamicImage::ImageRgb8(RgbImage::new(10_000, 100)));
    assert_eq!(
        blocked(&strip),
        Blocked::TooSmall {
            width: 10_000,
            height: 100
        }
    );
    let wide = png(&DynamicImage::ImageRgb8(RgbImage::new(3_000, 400)));
    assert_eq!(
        blocked(&wide),
        Blocked::BadAspect {
            width: 3_000,
            height: 400
        }
    );
}

#[test]
fn a_png_claiming_fifty_thousand_squared_is_not_decoded() {
    let mut bytes = png(&DynamicImage::ImageRgb8(RgbImage::new(1, 1)));
    // IHDR data starts at 16: width, height (big-endian); its CRC covers type and data.
    bytes[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        blocked(&bytes),
        Blocked::TooManyPixels {
            width: 50_000,
            height: 50_000
        }
    );
}

#[test]
fn a_cmyk_jpeg_prepares() {
    let (w, h) = (400u32, 500u32);
    let data: Vec<u8> = (0..w * h)
        .flat_map(|i| [(i % 255) as u8, 40, 90, 10])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, w as u16, h as u16, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    let p = prepare_image(&out, &Limits::default()).unwrap();
    assert_eq!((p.width, p.height), (400, 500));
    assert_eq!(p.content_type, "image/jpeg");
}

#[test]
fn exif_orientation_six_comes_out_upright_without_exif() {
    // Stored landscape 600x400 with a red block top-left; orientation 6 means "rotate 90°
    // clockwise to view", so the viewed image is 400x600 with the block top-right.
    let mut img = RgbImage::from_pixel(600, 400, Rgb([0, 0, 255]));
    for y in 0..80 {
        for x in 0..80 {
            img.put_pixel(x, y, Rgb([255, 0, 0]));
        }
    }
    let bytes = jpeg(&img, 95, Some(6));
    let p = prepare_image(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        (p.width, p.height),
        (400, 600),
        "portrait after orientation"
    );
    let out = image::load_from_memory(&p.bytes).unwrap().to_rgb8();
    let top_right = out.get_pixel(360, 40);
    let top_left = out.get_pixel(40, 40);
    assert!(
        top_right[0] > 200 && top_right[2] < 60,
        "red at top right: {top_right:?}"
    );
    assert!(
        top_left[2] > 200 && top_left[0] < 60,
        "blue at top left: {top_left:?}"
    );
    assert!(
        !p.bytes.windows(6).any(|w| w == b"Exif\0\0"),
        "the uploaded copy carries no EXIF"
    );
    assert_eq!(
        p.thumbnail.height, THUMBNAIL_SIDE,
        "the preview is upright too"
    );
}

#[test]
fn an_animated_gif_gives_its_first_frame() {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        for color in [[255u8, 0, 0, 255], [0, 255, 0, 255]] {
            let frame = image::Frame::new(RgbaImage::from_pixel(400, 400, Rgba(color)));
            enc.encode_frame(frame).unwrap();
        }
    }
    let p = prepare_image(&out, &Limits::default()).unwrap();
    let img = image::load_from_memory(&p.bytes).unwrap().to_rgb8();
    let px = img.get_pixel(200, 200);
    assert!(px[0] > 200 && px[1] < 60, "first (red) frame: {px:?}");
}

#[test]
fn a_forty_megabyte_png_is_prepared_under_twenty() {
    // Noise does not compress: 3800x3800 RGB is ~41 MiB as PNG.
    let mut seed = 7u32;
    let noise = RgbImage::from_fn(3_800, 3_800, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let b = seed.to_be_bytes();
        Rgb([b[0], b[1], b[2]])
    });
    let mut big = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut big,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    )
    .write_image(noise.as_raw(), 3_800, 3_800, image::ExtendedColorType::Rgb8)
    .unwrap();
    assert!(big.len() > 40 * 1024 * 1024, "{} bytes", big.len());
    let p = prepare_image(&big, &Limits::default()).unwrap();
    assert!(p.bytes.len() <= MAX_UPLOAD_BYTES, "{} bytes", p.bytes.len());
    assert_eq!((p.width, p.height), (3_800, 3_800));
}

#[test]
fn a_24_megapixel_phone_photo_is_downscaled() {
    let bytes = jpeg(&photo(6_000, 4_000), 92, None);
    let mut first_thumb = None;
    let p = prepare_image_with(&bytes, &Limits::default(), |t| {
        first_thumb = Some(t.clone())
    })
    .unwrap();
    assert!(p.downscaled);
    assert_eq!(p.width, 4_096);
    assert_eq!(p.height, 2_731);
    assert_eq!(p.source_size, (6_000, 4_000));
    assert!(p.bytes.len() <= MAX_UPLOAD_BYTES);
    assert_eq!(first_thumb.as_ref(), Some(&p.thumbnail));
    assert_eq!(p.thumbnail.width, THUMBNAIL_SIDE);
}

#[test]
fn transparent_png_stays_png_and_duplicates_share_a_hash() {
    let img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(500, 500, Rgba([10, 20, 30, 128])));
    let bytes = png(&img);
    let a = prepare_image(&bytes, &Limits::default()).unwrap();
    let b = prepare_image(&bytes, &Limits::default()).unwrap();
    assert_eq!(a.content_type, "image/png");
    assert_eq!(a.hash, b.hash);
    assert_ne!(a.hash, content_hash(b"other"));
}

#[test]
fn names_are_safe_and_keep_any_script() {
    assert_eq!(safe_name("/photos/IMG 0001 (2).JPG"), "IMG-0001-2");
    assert_eq!(safe_name("김민지_정면.jpg"), "김민지_정면");
    assert_eq!(safe_name("../../etc/passwd"), "passwd");
    assert_eq!(safe_name("...."), "asset");
    assert_eq!(safe_name(&format!("{}.png", "a".repeat(100))).len(), 64);
}

/// The video checks without ffmpeg: the committed clip, hostile sizes, every sentence.
mod video {
    use crate::media::video::*;

    const CLIP: &[u8] = include_bytes!("../../assets/sim/render.mp4");

    fn file(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn a_good_clip_is_read_from_its_index_alone() {
        let (_d, path) = file(CLIP);
        let check = check_file_blocking(&path);
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        let f = check.facts.unwrap();
        assert_eq!((f.width, f.height, f.codec), (640, 640, "H.264"));
        assert!((f.duration_ms as i64 - 3000).abs() < 50, "{f:?}");
        assert!((f.fps - 24.0).abs() < 0.5, "{f:?}");
        assert!(
            check.bytes_read < CLIP.len() as u64,
            "the media data is not read"
        );
    }

    #[test]
    fn hostile_box_sizes_are_refused_without_a_panic() {
        // A first box whose 64-bit size is near the end of the number range.
        let mut huge = vec![0, 0, 0, 1];
        huge.extend_from_slice(b"ftyp");
        huge.extend_from_slice(&(u64::MAX - 4).to_be_bytes());
        huge.resize(200, 0);
        let (_d, path) = file(&huge);
        assert_eq!(
            check_file_blocking(&path).problems,
            [VideoProblem::Truncated]
        );
        // Sizes smaller than a header, and a file of zeros.
        let mut tiny = vec![0, 0, 0, 3];
        tiny.extend_from_slice(b"ftyp");
        let (_d, path) = file(&tiny);
        assert!(matches!(
            check_file_blocking(&path).problems[..],
            [VideoProblem::Unreadable(_)]
        ));
        let (_d, path) = file(&[0u8; 1000]);
        assert!(matches!(
            check_file_blocking(&path).problems[..],
            [VideoProblem::Unreadable(_)]
        ));
        // The clip cut after its index: the media data box runs past the end.
        let (_d, path) = file(&CLIP[..CLIP.len() - 100]);
        assert_eq!(
            check_file_blocking(&path).problems,
            [VideoProblem::Truncated]
        );
    }

    #[test]
    fn every_problem_has_its_own_sentence() {
        let all = [
            VideoProblem::Unreadable("x".into()),
            VideoProblem::Truncated,
            VideoProblem::NoVideoTrack,
            VideoProblem::IndexTooLarge,
            VideoProblem::NoRanges,
            VideoProblem::TooSlow,
            VideoProblem::TooShort(1000),
            VideoProblem::TooLong(20_000),
            VideoProblem::FrameRate(10.0),
            VideoProblem::Side(200, 200),
            VideoProblem::Aspect(3000, 400),
            VideoProblem::Pixels(3840, 2160),
            VideoProblem::TooLarge(60 << 20),
            VideoProblem::Codec("VP9"),
        ];
        let ids: std::collections::HashSet<String> =
            all.iter().map(|p| p.advice().id().to_string()).collect();
        assert_eq!(ids.len(), all.len());
    }
}

mod fix_plan {
    use crate::media::fix::{fixable, plan};
    use crate::media::video::{VideoFacts, VideoProblem, limits, problems_of};

    fn facts(duration_ms: u64, (width, height): (u32, u32), fps: f64) -> VideoFacts {
        VideoFacts {
            duration_ms,
            width,
            height,
            fps,
            codec: "H.264",
            bytes: 1_000_000,
        }
    }

    /// The facts a plan gives the fixed copy.
    fn after(f: &VideoFacts, start_ms: u64) -> VideoFacts {
        let p = plan(f, start_ms);
        let (width, height) = p.size.unwrap_or((f.width, f.height));
        VideoFacts {
            duration_ms: p.length_ms,
            width,
            height,
            fps: p.fps.map_or(f.fps, f64::from),
            ..f.clone()
        }
    }

    #[test]
    fn a_plan_brings_every_fixable_video_into_range() {
        let cases = [
            facts(20_000, (640, 640), 24.0),
            facts(5_000, (3840, 2160), 10.0),
            facts(5_000, (7000, 4000), 120.0),
            facts(5_000, (400, 300), 30.0),
            facts(30_000, (1080, 1920), 60.0),
        ];
        for f in &cases {
            assert!(fixable(&problems_of(f)), "{f:?}");
            let fixed = after(f, 0);
            assert!(problems_of(&fixed).is_empty(), "{f:?} -> {fixed:?}");
            assert_eq!(fixed.width % 2 + fixed.height % 2, 0, "even sides");
        }
    }

    #[test]
    fn the_start_staff_choose_is_kept_within_the_video() {
        let f = facts(20_000, (640, 640), 24.0);
        assert_eq!(plan(&f, 3_000).start_ms, 3_000);
        assert_eq!(plan(&f, 3_000).length_ms, crate::media::fix::KEPT_MS);
        // Too late a start still leaves the shortest length allowed.
        let late = plan(&f, 19_500);
        assert_eq!(late.start_ms, 20_000 - limits::MIN_MS);
        assert_eq!(late.length_ms, limits::MIN_MS);
        assert_eq!(plan(&facts(8_000, (640, 640), 30.0), 0).size, None);
    }

    #[test]
    fn what_no_re_encode_mends_is_not_fixable() {
        assert!(!fixable(&[]));
        assert!(!fixable(&[VideoProblem::TooShort(1_000)]));
        assert!(!fixable(&[
            VideoProblem::TooLong(20_000),
            VideoProblem::Aspect(3000, 600)
        ]));
        assert!(!fixable(&[VideoProblem::Truncated]));
        assert!(fixable(&[
            VideoProblem::Codec("HEVC"),
            VideoProblem::TooLarge(60 << 20)
        ]));
    }
}

mod posters {
    #[test]
    fn a_video_gets_its_first_frame_as_a_poster_where_ffmpeg_is() {
        let Some(ffmpeg) = crate::media::fix::ffmpeg() else {
            assert!(
                std::env::var_os("AVATAR_KIOSK_REQUIRE_FFMPEG").is_none(),
                "ffmpeg is required here"
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("clip.mp4");
        std::fs::write(&clip, include_bytes!("../../assets/sim/render.mp4")).unwrap();
        let poster = crate::media::fix::poster(ffmpeg, &clip).expect("a poster");
        assert!(poster.width > 0 && poster.height > 0);
        // Not a video at all: no poster, no panic.
        let text = dir.path().join("notes.mp4");
        std::fs::write(&text, b"not a video").unwrap();
        assert!(crate::media::fix::poster(ffmpeg, &text).is_none());
    }
}

/// A HEIC photo made here with libheif's `heif-enc` from `jpeg_bytes` (none without it;
/// `AVATAR_KIOSK_REQUIRE_HEIF`, set by `.ci/run`, makes that a failure on Linux; the Windows
/// test machine has no Windows build of libheif).
fn heic_of(dir: &std::path::Path, jpeg_bytes: &[u8]) -> Option<std::path::PathBuf> {
    let source = dir.join("source.jpg");
    std::fs::write(&source, jpeg_bytes).unwrap();
    let out = dir.join("IMG_0001.HEIC");
    let made = std::process::Command::new("heif-enc")
        .args(["-q", "90"])
        .arg(&source)
        .arg("-o")
        .arg(&out)
        .output()
        .is_ok_and(|o| o.status.success());
    if !made && !cfg!(windows) && std::env::var_os("AVATAR_KIOSK_REQUIRE_HEIF").is_some() {
        panic!(
            "heif-enc (libheif-examples) is required (AVATAR_KIOSK_REQUIRE_HEIF) but did not run"
        );
    }
    made.then_some(out)
}

#[test]
fn a_heic_photo_becomes_an_upright_jpeg_without_metadata_where_a_decoder_is() {
    let dir = tempfile::tempdir().unwrap();
    // Stored landscape with a red block top-left; EXIF orientation 6: seen portrait, the block
    // top right.
    let mut img = photo(600, 400);
    for y in 0..80 {
        for x in 0..80 {
            img.put_pixel(x, y, Rgb([255, 0, 0]));
        }
    }
    let Some(heic) = heic_of(dir.path(), &jpeg(&img, 95, Some(6))) else {
        return;
    };
    let bytes = std::fs::read(&heic).unwrap();
    assert!(is_heif(&bytes));
    let cache = presend::Cache::new(dir.path().join("cache"));
    let ready = presend::check_file(&heic, &cache, &Limits::default());
    if !heic::readable() {
        // No decoder: said plainly, with what to install.
        let said = ready.err().unwrap().english();
        assert!(
            said.contains("heif-convert") && said.contains("JPEG"),
            "{said}"
        );
        return;
    }
    let ready = ready.unwrap();
    let sent = std::fs::read(&ready.copy.path).unwrap();
    assert_eq!(sniff(&sent).unwrap(), ImageFormat::Jpeg);
    let out = image::load_from_memory(&sent).unwrap().to_rgb8();
    // heif-enc keeps the rotation (as the HEIF's own transform); the decoder applies it.
    assert_eq!(
        out.dimensions(),
        (400, 600),
        "portrait, as the photo is seen"
    );
    let px = out.get_pixel(360, 40);
    assert!(px[0] > 180 && px[1] < 90, "the red block top right: {px:?}");
    assert!(
        !sent.windows(6).any(|w| w == b"Exif\0\0"),
        "no EXIF in the copy"
    );
    assert_eq!(
        ready.hash,
        content_hash(&bytes),
        "the original's hash: duplicates still found"
    );
}
