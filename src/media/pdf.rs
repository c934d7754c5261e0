//! A plain document laid out as an A4 PDF: headings, wrapped paragraphs, small print, a rule
//! and a picture, in one font embedded as a subset, so its text is selectable and a PDF text
//! extractor gets it back. What goes in it is decided elsewhere (the consent receipt in
//! `flow::receipt`); this only places it on pages.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const FOOTER_SIZE: f32 = 8.0;
/// The largest picture taken, in pixels a side (the pad's signature is 600x200): a PNG from
/// the store is outside data, and a huge one would be decoded whole.
const MAX_PICTURE_SIDE: u32 = 4000;

/// One piece of a document, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's heading.
    Title(String),
    /// A section's heading.
    Heading(String),
    /// A paragraph (a `\n` starts a new line).
    Text(String),
    /// Small grey print (hashes, references, notes).
    Small(String),
    /// A thin line across the page.
    Rule,
    /// A PNG, `width` points wide, in a thin frame.
    Picture {
        /// The PNG's bytes.
        png: Vec<u8>,
        /// Its width on the page.
        width: f32,
    },
}

/// A whole document.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Its title (the PDF's metadata).
    pub title: String,
    /// Its language, as a BCP 47 code (`ko`), so a reader speaks it right.
    pub language: String,
    /// Printed at each page's foot, before "page/pages".
    pub footer: String,
    /// What it says.
    pub blocks: Vec<Block>,
}

/// Why no PDF was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// The font could not be read.
    #[error("the font could not be read")]
    Font,
    /// A picture is not a readable PNG.
    #[error("a picture is not a readable PNG: {0}")]
    Picture(String),
    /// The PDF could not be written.
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// Something placed on a page, in points from its top left.
enum Placed {
    Text {
        x: f32,
        y: f32,
        size: f32,
        grey: bool,
        text: String,
    },
    Rule {
        y: f32,
    },
    Picture {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: Image,
    },
}

/// Widths of characters in the font, in points at size 1.
struct Measure<'a> {
    face: ttf_parser::Face<'a>,
    per_unit: f32,
}

impl<'a> Measure<'a> {
    fn new(font: &'a [u8]) -> Result<Self, PdfError> {
        let face = ttf_parser::Face::parse(font, 0).map_err(|_| PdfError::Font)?;
        let per_unit = 1.0 / f32::from(face.units_per_em().max(1));
        Ok(Measure { face, per_unit })
    }

    fn width(&self, c: char) -> f32 {
        let glyph = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) * self.per_unit
    }
}

/// `sheet` as PDF bytes, its text in `font` (an OpenType font that has every character).
pub fn render(sheet: &Sheet, font: &'static [u8]) -> Result<Vec<u8>, PdfError> {
    let measure = Measure::new(font)?;
    let krilla_font = Font::new(font.into(), 0).ok_or(PdfError::Font)?;
    let pages = lay_out(&sheet.blocks, &measure)?;
    let mut document = Document::new();
    let total = pages.len();
    for (n, page) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Font)?;
        let mut p = document.start_page_with(settings);
        let mut surface = p.surface();
        for item in page {
            draw(&mut surface, &krilla_font, item);
        }
        let foot = footer(&sheet.footer, n + 1, total, &measure);
        let text = Placed::Text {
            x: MARGIN,
            y: PAGE_H - MARGIN / 2.0,
            size: FOOTER_SIZE,
            grey: true,
            text: foot,
        };
        draw(&mut surface, &krilla_font, text);
        surface.finish();
        p.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(sheet.title.clone())
            .language(sheet.language.clone())
            .creator("avatar-kiosk".into()),
    );
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The page's foot: `text` cut to one line, then "page/pages".
fn footer(text: &str, page: usize, pages: usize, measure: &Measure<'_>) -> String {
    let count = format!(" · {page}/{pages}");
    let room = (PAGE_W - 2.0 * MARGIN) / FOOTER_SIZE;
    let used: f32 = count.chars().map(|c| measure.width(c)).sum();
    let lines = wrap(text, room - used - measure.width('…'), |c| {
        measure.width(c)
    });
    match lines.as_slice() {
        [one] => format!("{one}{count}"),
        [first, ..] => format!("{first}…{count}"),
        [] => count,
    }
}

fn draw(surface: &mut Surface<'_>, font: &Font, item: Placed) {
    match item {
        Placed::Text {
            x,
            y,
            size,
            grey,
            text,
        } => {
            let shade: u8 = if grey { 90 } else { 0 };
            surface.set_fill(Some(Fill {
                paint: krilla::color::rgb::Color::new(shade, shade, shade).into(),
                ..Fill::default()
            }));
            let at = Point::from_xy(x, y);
            surface.draw_text(at, font.clone(), size, &text, false, TextDirection::Auto);
        }
        Placed::Rule { y } => line(surface, &[(MARGIN, y), (PAGE_W - MARGIN, y)]),
        Placed::Picture { x, y, w, h, image } => {
            if let Some(size) = Size::from_wh(w, h) {
                surface.push_transform(&Transform::from_translate(x, y));
                surface.draw_image(image, size);
                surface.pop();
            }
            let (l, t, r, b) = (x - 4.0, y - 4.0, x + w + 4.0, y + h + 4.0);
            line(surface, &[(l, t), (r, t), (r, b), (l, b), (l, t)]);
        }
    }
}

/// A thin grey line through `points`.
fn line(surface: &mut Surface<'_>, points: &[(f32, f32)]) {
    let mut path = PathBuilder::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            path.move_to(*x, *y);
        } else {
            path.line_to(*x, *y);
        }
    }
    let Some(path) = path.finish() else {
        return;
    };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: krilla::color::rgb::Color::new(160, 160, 160).into(),
        width: 0.6,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

/// Where each block goes, page by page.
fn lay_out(blocks: &[Block], measure: &Measure<'_>) -> Result<Vec<Vec<Placed>>, PdfError> {
    let width = PAGE_W - 2.0 * MARGIN;
    let bottom = PAGE_H - MARGIN;
    let mut pages = vec![Vec::new()];
    let mut y = MARGIN;
    for block in blocks {
        let (text, size, grey, before, after) = match block {
            Block::Title(t) => (t, 17.0, false, 0.0, 10.0),
            Block::Heading(t) => (t, 12.0, false, 10.0, 4.0),
            Block::Text(t) => (t, 10.0, false, 0.0, 6.0),
            Block::Small(t) => (t, 8.0, true, 0.0, 4.0),
            Block::Rule => {
                // Never the last thing on a page: what it separates comes with it.
                if y + 60.0 > bottom {
                    new_page(&mut pages, &mut y);
                }
                let at = y + 4.0;
                last(&mut pages).push(Placed::Rule { y: at });
                y += 12.0;
                continue;
            }
            Block::Picture { png, width: w } => {
                let image = picture(png)?;
                let (iw, ih) = image.size();
                let aspect = ih as f32 / (iw.max(1)) as f32;
                // As wide as asked, within the page's width and height.
                let tallest = bottom - MARGIN - 16.0;
                let w = w.min(width).min(tallest / aspect.max(f32::EPSILON));
                let h = w * aspect;
                if y + h + 16.0 > bottom {
                    new_page(&mut pages, &mut y);
                }
                let (x, top) = (MARGIN + 4.0, y + 6.0);
                last(&mut pages).push(Placed::Picture {
                    x,
                    y: top,
                    w,
                    h,
                    image,
                });
                y = top + h + 12.0;
                continue;
            }
        };
        let leading = size * 1.45;
        // A heading keeps what follows with it (a few lines, or a signature).
        if matches!(block, Block::Heading(_)) && y + before + leading + 90.0 > bottom {
            new_page(&mut pages, &mut y);
        }
        y += before;
        for line in wrap(text, width / size, |c| measure.width(c)) {
            if y + leading > bottom {
                new_page(&mut pages, &mut y);
            }
            y += leading;
            last(&mut pages).push(Placed::Text {
                x: MARGIN,
                y: y - leading * 0.3,
                size,
                grey,
                text: line,
            });
        }
        y += after;
    }
    Ok(pages)
}

/// A PNG within [`MAX_PICTURE_SIDE`], its size read from its header before it is decoded.
fn picture(png: &[u8]) -> Result<Image, PdfError> {
    let reader =
        image::ImageReader::with_format(std::io::Cursor::new(png), image::ImageFormat::Png);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| PdfError::Picture(e.to_string()))?;
    if w > MAX_PICTURE_SIDE || h > MAX_PICTURE_SIDE {
        return Err(PdfError::Picture(format!("{w}x{h} pixels is too large")));
    }
    Image::from_png(png.to_vec().into(), true).map_err(PdfError::Picture)
}

/// Goes on on a new page, unless this one is still empty.
fn new_page(pages: &mut Vec<Vec<Placed>>, y: &mut f32) {
    if pages.last().is_some_and(|p| !p.is_empty()) {
        pages.push(Vec::new());
    }
    *y = MARGIN;
}

fn last(pages: &mut Vec<Vec<Placed>>) -> &mut Vec<Placed> {
    if pages.is_empty() {
        pages.push(Vec::new());
    }
    let n = pages.len() - 1;
    &mut pages[n]
}

/// Han, kana and CJK punctuation: a line may break on either side of them (Hangul breaks at
/// spaces, as Korean is written with them).
fn breaks_around(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Punctuation that never starts a line.
fn closes(c: char) -> bool {
    "、。，．：；！？）」』】〉》”’),.;:!?%".contains(c)
}

/// `text` in lines no wider than `max` (in the units of `width`): at spaces, around Han and
/// kana, and inside a word only when it alone is wider than a line. Each `\n` ends a line.
pub fn wrap(text: &str, max: f32, width: impl Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph.chars().collect();
        let (mut start, mut used, mut i) = (0, 0.0_f32, 0);
        let mut may_break: Option<usize> = None;
        while i < chars.len() {
            let c = chars[i];
            let w = width(c);
            if used + w > max && i > start && c != ' ' {
                let cut = may_break.filter(|b| *b > start && *b <= i).unwrap_or(i);
                lines.push(
                    chars[start..cut]
                        .iter()
                        .collect::<String>()
                        .trim_end()
                        .into(),
                );
                start = cut;
                while start < chars.len() && chars[start] == ' ' {
                    start += 1;
                }
                i = i.max(start);
                used = chars[start..i].iter().map(|c| width(*c)).sum();
                may_break = None;
                continue;
            }
            used += w;
            let next_closes = chars.get(i + 1).is_some_and(|n| closes(*n));
            let next_wide = chars.get(i + 1).is_some_and(|n| breaks_around(*n));
            if c == ' ' || ((breaks_around(c) || next_wide) && !next_closes) {
                may_break = Some(i + 1);
            }
            i += 1;
        }
        lines.push(chars[start..].iter().collect::<String>().trim_end().into());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide, so lines are counted in characters.
    fn wrap10(text: &str) -> Vec<String> {
        wrap(text, 10.0, |_| 1.0)
    }

    #[test]
    fn words_wrap_at_spaces_and_a_long_word_is_cut() {
        assert_eq!(
            wrap10("the quick brown fox jumps"),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(
            wrap10("asset://abcdefghijklmnop"),
            ["asset://ab", "cdefghijkl", "mnop"]
        );
        assert_eq!(wrap10("one\n\ntwo"), ["one", "", "two"]);
    }

    #[test]
    fn korean_wraps_at_spaces_and_han_anywhere_but_before_closing_marks() {
        assert_eq!(
            wrap10("얼굴 인증에 동의합니다 감사합니다"),
            ["얼굴 인증에", "동의합니다", "감사합니다"]
        );
        let zh = wrap10("我同意工作室保存我的照片和视频。谢谢");
        assert_eq!(zh[0].chars().count(), 10);
        assert!(zh.iter().all(|l| !l.starts_with('。')), "{zh:?}");
        assert_eq!(zh.concat(), "我同意工作室保存我的照片和视频。谢谢");
    }

    #[test]
    fn nothing_is_lost_or_too_wide_whatever_the_text() {
        let texts = [
            "a b  c   d",
            "                 x",
            "가나다라마바사아자차카타파하가나다라",
            "同意。。。。。。。。。。。。。。",
            "",
            "Ünïcödé ñame 이름 名前 asset://x",
        ];
        for t in texts {
            let lines = wrap10(t);
            for l in &lines {
                assert!(l.chars().count() <= 10, "{t:?} → {lines:?}");
            }
            let kept: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let given: String = t.chars().filter(|c| *c != ' ').collect();
            assert_eq!(kept, given, "{t:?} → {lines:?}");
        }
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::GrayImage::from_pixel(w, h, image::Luma([200]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    /// The app's font, read here as any font would be (this room knows no other's).
    static FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-subset.otf");

    fn measure() -> Measure<'static> {
        Measure::new(FONT).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_picture_too_large_is_refused_and_a_tall_one_fits_one_page() {
        let huge = [Block::Picture {
            png: png(MAX_PICTURE_SIDE + 1, 1),
            width: 200.0,
        }];
        assert!(matches!(
            lay_out(&huge, &measure()),
            Err(PdfError::Picture(_))
        ));
        let tall = [
            Block::Text("before".into()),
            Block::Picture {
                png: png(10, 3000),
                width: 200.0,
            },
        ];
        let pages = lay_out(&tall, &measure()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pages.len(), 2, "the picture starts a page");
        let Some(Placed::Picture { y, h, .. }) = pages[1].first() else {
            panic!("the picture is on the second page");
        };
        assert!(y + h <= PAGE_H - MARGIN, "{y} + {h}");
        // Nothing before it on an empty page: no blank page first.
        let alone = lay_out(&tall[1..], &measure()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(alone.len(), 1);
    }

    #[test]
    fn a_long_footer_is_cut_to_one_line_and_keeps_the_page_count() {
        let m = measure();
        let long = "스튜디오 ".repeat(60);
        let foot = footer(&long, 2, 3, &m);
        assert!(foot.ends_with("… · 2/3"), "{foot}");
        let w: f32 = foot.chars().map(|c| m.width(c)).sum::<f32>() * FOOTER_SIZE;
        assert!(w <= PAGE_W - 2.0 * MARGIN, "{w}");
        assert_eq!(footer("Studio", 1, 1, &m), "Studio · 1/1");
    }
}
