//! The house rules of DESIGN.md, checked on the sources: no file over 600 lines, rooms import
//! only rooms below them, and no circle of imports between files. Every `crate::` and `super::`
//! path is read wherever it appears (in `use` lines, in code, in doc links), not only in `use`.
//!
//! This binary does not link the app: it only reads `src/`.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors of DESIGN.md, lowest first. A room imports only rooms on a lower floor.
const FLOORS: &[&[&str]] = &[
    &["text", "clock"],
    &["platform"],
    &["api"],
    &["media", "i18n", "callback", "secrets"],
    &["flow", "sim", "camera"],
    &["store"],
    &["engine"],
    &["config"],
    &["cli", "ui"],
    &["main", "lib"],
];

const MAX_LINES: usize = 600;

/// A source file: its module path (`["ui", "app"]`) and its text.
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn floor_of(room: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&room))
}

fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" {
            parts.push(stem.to_string());
        }
    }
    parts
}

fn read_sources(root: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap();
                out.push(Source {
                    file: rel.display().to_string(),
                    module: module_of(rel),
                    text: std::fs::read_to_string(&path).unwrap(),
                });
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path that starts with `crate::` or `super::` (possibly `super::super::`), expanded
/// over `{...}` groups one level deep, as module segments.
fn paths_in(text: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        let starts = (rest.starts_with("crate::") || rest.starts_with("super::"))
            && (i == 0 || !is_ident(chars[i - 1]) && chars[i - 1] != ':');
        if !starts {
            i += 1;
            continue;
        }
        let from_crate = rest.starts_with("crate::");
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < chars.len() && is_ident(chars[j]) {
                j += 1;
            }
            if start == j {
                break;
            }
            segs.push(chars[start..j].iter().collect::<String>());
            if chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':') {
                j += 2;
            } else {
                break;
            }
        }
        if chars.get(j) == Some(&'{') {
            // A group: each top-level name continues the path.
            let mut depth = 0;
            let mut k = j;
            let mut item = String::new();
            let mut items = Vec::new();
            while k < chars.len() {
                let c = chars[k];
                if c == '{' {
                    depth += 1;
                    if depth > 1 {
                        item.push(c);
                    }
                } else if c == '}' {
                    depth -= 1;
                    if depth == 0 {
                        items.push(std::mem::take(&mut item));
                        break;
                    }
                    item.push(c);
                } else if c == ',' && depth == 1 {
                    items.push(std::mem::take(&mut item));
                } else {
                    item.push(c);
                }
                k += 1;
            }
            for it in items {
                let head: Vec<String> = it
                    .trim()
                    .split("::")
                    .map(|s| s.trim().chars().take_while(|c| is_ident(*c)).collect())
                    .take_while(|s: &String| !s.is_empty())
                    .collect();
                let mut p = segs.clone();
                p.extend(head);
                out.push((from_crate, p));
            }
            i = k;
        } else {
            out.push((from_crate, segs));
            i = j;
        }
    }
    out
}

/// The module a path lands in: the longest known module that prefixes it.
fn resolve(known: &BTreeSet<Vec<String>>, from: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut abs: Vec<String> = Vec::new();
    let mut rest = path;
    if rest.first().map(String::as_str) == Some("crate") {
        rest = &rest[1..];
    } else {
        // `super` of module a::b (file `a/b.rs` or `a/b/mod.rs`) is `a`.
        abs = from.to_vec();
        while rest.first().map(String::as_str) == Some("super") {
            abs.pop()?;
            rest = &rest[1..];
        }
    }
    abs.extend(rest.iter().cloned());
    (0..=abs.len())
        .rev()
        .map(|n| abs[..n].to_vec())
        .find(|m| known.contains(m))
}

struct Findings {
    upward: Vec<String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn check(sources: &[Source]) -> Findings {
    let known: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let file_of: BTreeMap<Vec<String>, String> = sources
        .iter()
        .map(|s| (s.module.clone(), s.file.clone()))
        .collect();
    let mut upward = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        let room = s.module.first().cloned().unwrap_or_else(|| "lib".into());
        for (_, path) in paths_in(&s.text) {
            let Some(target) = resolve(&known, &s.module, &path) else {
                continue;
            };
            let Some(to_room) = target.first() else {
                continue;
            };
            if *to_room != room {
                let (Some(a), Some(b)) = (floor_of(&room), floor_of(to_room)) else {
                    upward.push(format!(
                        "{}: room `{room}` or `{to_room}` has no floor",
                        s.file
                    ));
                    continue;
                };
                if b >= a {
                    upward.push(format!(
                        "{}: `{room}` (floor {a}) uses `{}` (floor {b})",
                        s.file,
                        path.join("::")
                    ));
                }
            }
            // A file using its own parent's items is how Rust modules work; a parent using a
            // child is the other way round. Circles are looked for between all other files.
            let to_file = &file_of[&target];
            let parent_of_self = s.module.starts_with(&target);
            if to_file != &s.file && !parent_of_self {
                edges
                    .entry(s.file.clone())
                    .or_default()
                    .insert(to_file.clone());
            }
        }
    }
    Findings { upward, edges }
}

/// One circle of files, if any.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let at = stack.iter().position(|s| s == n).unwrap_or(0);
                let mut c = stack[at..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            None => {}
        }
        marks.insert(n.to_string(), Mark::Open);
        stack.push(n.to_string());
        for next in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, edges, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = read_sources(&src())
        .iter()
        .filter(|s| s.text.lines().count() > MAX_LINES)
        .map(|s| format!("{} ({} lines)", s.file, s.text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn rooms_import_only_rooms_below_them_and_no_files_import_in_a_circle() {
    let sources = read_sources(&src());
    assert!(sources.len() > 40, "the sources were not found");
    let f = check(&sources);
    assert!(f.upward.is_empty(), "imports that run up: {:#?}", f.upward);
    assert_eq!(find_circle(&f.edges), None, "a circle of imports");
    // The reading itself works: the engine is seen using the flow and the store.
    let engine_uses: BTreeSet<&String> = f
        .edges
        .iter()
        .filter(|(k, _)| k.starts_with("engine/"))
        .flat_map(|(_, v)| v)
        .collect();
    assert!(engine_uses.iter().any(|f| f.starts_with("flow/")));
    assert!(engine_uses.iter().any(|f| f.starts_with("store/")));
}

fn planted(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(file, text)| Source {
            file: file.to_string(),
            module: module_of(Path::new(file)),
            text: text.to_string(),
        })
        .collect()
}

#[test]
fn a_planted_upward_import_is_found_wherever_it_is_written() {
    let base = [
        ("flow/mod.rs", "pub struct Session;"),
        ("ui/mod.rs", "pub mod app;"),
        ("ui/app.rs", "pub struct KioskApp;"),
        ("engine/mod.rs", "use crate::flow::Session;"),
    ];
    let clean = check(&planted(&base));
    assert!(clean.upward.is_empty(), "{:?}", clean.upward);
    for text in [
        "use crate::ui::app::KioskApp;",
        "use crate::{api::Language, ui::app::KioskApp};",
        "fn f() -> Option<crate::engine::Thing> { None }",
        "/// See [`crate::ui`].\npub fn g() {}",
    ] {
        let mut files = base.to_vec();
        files[0] = ("flow/mod.rs", text);
        let found = check(&planted(&files));
        assert_eq!(
            found.upward.len(),
            1,
            "not found in {text:?}: {:?}",
            found.upward
        );
    }
}

#[test]
fn a_planted_circle_between_files_is_found() {
    let files = [
        ("ui/mod.rs", "mod a; mod b;"),
        ("ui/a.rs", "use super::b::B; pub struct A;"),
        ("ui/b.rs", "pub struct B; fn f(_: crate::ui::a::A) {}"),
    ];
    let f = check(&planted(&files));
    let circle = find_circle(&f.edges).expect("the circle a -> b -> a");
    assert!(circle.contains(&"ui/a.rs".to_string()) && circle.contains(&"ui/b.rs".to_string()));
    let open = [
        ("ui/mod.rs", "mod a; mod b;"),
        ("ui/a.rs", "use super::b::B; pub struct A;"),
        ("ui/b.rs", "pub struct B;"),
    ];
    assert_eq!(find_circle(&check(&planted(&open)).edges), None);
}
