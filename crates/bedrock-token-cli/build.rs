//! Records the git revision the command is built from, for `bedrock-token --version`. Outside a
//! git checkout (a crates.io package, a source tarball) it is "unknown revision". On Linux with
//! glibc, the command is linked with packed relative relocations (DT_RELR: 0.9 MB of `.rela.dyn`
//! becomes a few kB); GNU ld applies them only where the C library supports them (glibc 2.36).

use std::process::Command;

fn main() {
    let revision = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|rev| format!("git {}", rev.trim()))
        .unwrap_or_else(|| "unknown revision".to_owned());
    println!("cargo:rustc-env=BEDROCK_TOKEN_GIT_REVISION={revision}");
    let target = |name: &str| std::env::var(name).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") == "linux" && target("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    // A new commit moves HEAD or the branch it names; rebuild only this crate's version string then.
    if let Ok(dir) = Command::new("git").args(["rev-parse", "--git-dir"]).output() {
        let dir = String::from_utf8_lossy(&dir.stdout).trim().to_owned();
        if !dir.is_empty() {
            // Only paths that exist: cargo counts a missing one as changed, and would rebuild and
            // relink the command on every build (`packed-refs` is missing until git packs refs).
            // The branch's folder, not its file: a commit creates the file again once git has
            // packed it away, and cargo sees a new file in a folder it watches.
            let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
            if let Ok(head) = std::fs::read_to_string(format!("{dir}/HEAD")) {
                if let Some((folder, _)) = head.strip_prefix("ref: ").and_then(|branch| branch.trim().rsplit_once('/')) {
                    watched.push(folder.to_owned());
                }
            }
            for path in watched.iter().map(|path| format!("{dir}/{path}")) {
                if std::path::Path::new(&path).exists() {
                    println!("cargo:rerun-if-changed={path}");
                }
            }
        }
    }
}
