//! Records the git commit the binary is built from, for `--version`; for Windows, builds the
//! exe's icon, version information and manifest into it (packaging/windows/avatar-kiosk.rc).

fn main() {
    windows_resources();
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let line = if commit.is_empty() {
        version
    } else {
        format!("{version} ({commit})")
    };
    println!("cargo:rustc-env=AVATAR_KIOSK_VERSION_LINE={line}");
    // Rebuild when HEAD moves, so the version line stays true.
    let mut watch = vec![".git/HEAD".to_string(), ".git/packed-refs".to_string()];
    if let Ok(head) = std::fs::read_to_string(".git/HEAD")
        && let Some(reference) = head.trim().strip_prefix("ref: ")
    {
        watch.push(format!(".git/{reference}"));
    }
    for path in watch {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The exe's resources, for the Windows target only (built by the target's resource compiler:
/// mingw-w64's windres, or rc.exe with MSVC). Linked into the `avatar-kiosk` binary alone.
fn windows_resources() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let root = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let number =
        |part: &str| std::env::var(format!("CARGO_PKG_VERSION_{part}")).unwrap_or_default();
    let macros = [
        format!("VERSION_MAJOR={}", number("MAJOR")),
        format!("VERSION_MINOR={}", number("MINOR")),
        format!("VERSION_PATCH={}", number("PATCH")),
    ];
    let folders = [root.join("packaging/windows"), root.join("assets/icons")];
    for file in [
        "packaging/windows/avatar-kiosk.rc",
        "packaging/windows/avatar-kiosk.exe.manifest",
        "assets/icons/avatar-kiosk.ico",
    ] {
        println!("cargo:rerun-if-changed={file}");
    }
    let rc = root.join("packaging/windows/avatar-kiosk.rc");
    if let Err(e) = embed_resource::compile_for(
        &rc,
        ["avatar-kiosk"],
        embed_resource::ParamsMacrosAndIncludeDirs(&macros, &folders),
    )
    .manifest_required()
    {
        panic!(
            "the Windows resources ({}) did not build: {e}",
            rc.display()
        );
    }
}
