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
            for file in ["HEAD", "packed-refs"] {
                println!("cargo:rerun-if-changed={dir}/{file}");
            }
            if let Ok(head) = std::fs::read_to_string(format!("{dir}/HEAD")) {
                if let Some(branch) = head.strip_prefix("ref: ") {
                    println!("cargo:rerun-if-changed={dir}/{}", branch.trim());
                }
            }
        }
    }
}
