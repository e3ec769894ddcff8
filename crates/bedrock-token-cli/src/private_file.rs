//! Files only their owner may read (keys, tokens), written so a reader never sees half of one.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many temporary names a write tries before it gives up: each one another process or an
/// earlier crash may already hold.
const ATTEMPTS: u32 = 16;

/// Writes `contents` to `path` with mode 0600 (on Unix; elsewhere the directory's permissions),
/// atomically: a new temporary file beside it, synced, renamed over `path`, then the directory
/// synced so the rename survives a crash. The temporary file is created exclusively (`O_EXCL`)
/// under a name of this process and attempt, `.{name}.{pid}-{attempt}.tmp`, so a file already at
/// such a name is neither opened nor removed; on an error before the rename, only the temporary
/// file this call created is removed, and `path` is left as it was.
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"))?;
    let (mut file, temporary) = create_temporary(path, &name.to_string_lossy())?;
    let written = file.write_all(contents).and_then(|()| file.sync_all()).and_then(|()| std::fs::rename(&temporary, path));
    drop(file);
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(err);
    }
    // Renamed: the temporary name is no longer ours to remove, whatever happens now.
    sync_directory(path)
}

/// Creates `dir` and any missing parents with mode 0700 (on Unix), for files only their owner
/// may read. A directory that exists is left as it is, never loosened.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates a temporary file beside `path` that did not exist before, mode 0600 on Unix.
fn create_temporary(path: &Path, name: &str) -> std::io::Result<(File, PathBuf)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let pid = std::process::id();
    for attempt in 0..ATTEMPTS {
        let temporary = path.with_file_name(format!(".{name}.{pid}-{attempt}.tmp"));
        match options.open(&temporary) {
            Ok(file) => return Ok((file, temporary)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    let reason = format!("the {ATTEMPTS} temporary names .{name}.{pid}-0.tmp to -{}.tmp beside it all exist; remove the stale ones", ATTEMPTS - 1);
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, reason))
}

/// Makes a rename in `path`'s directory durable (Unix); elsewhere the rename is all there is.
fn sync_directory(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(directory)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bedrock-token-private-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn would_be_temporary(path: &Path, attempt: u32) -> PathBuf {
        path.with_file_name(format!(".{}.{}-{attempt}.tmp", path.file_name().unwrap().to_string_lossy(), std::process::id()))
    }

    #[test]
    fn writes_the_contents_with_mode_0600_over_an_old_file() {
        let dir = scratch("write");
        let path = dir.join("key.json");
        std::fs::write(&path, "old").unwrap();
        write(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new contents");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["key.json"], "no temporary file stays behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Files at would-be temporary names (another run's, a crash's) are skipped, never opened,
    /// overwritten or removed: on success, and on a failed rename.
    #[test]
    fn files_at_temporary_names_that_are_not_ours_are_left_alone() {
        let dir = scratch("foreign");
        let path = dir.join("key.json");
        for attempt in 0..3 {
            std::fs::write(would_be_temporary(&path, attempt), format!("not ours {attempt}")).unwrap();
        }
        write(&path, b"secret").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        // The rename fails: a non-empty directory stands where the file would go.
        let blocked = dir.join("blocked.json");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        std::fs::write(would_be_temporary(&blocked, 0), "not ours either").unwrap();
        assert!(write(&blocked, b"secret").is_err());
        assert!(!would_be_temporary(&blocked, 1).exists(), "the temporary file this call made is removed");
        assert_eq!(std::fs::read_to_string(would_be_temporary(&blocked, 0)).unwrap(), "not ours either");
        for attempt in 0..3 {
            assert_eq!(std::fs::read_to_string(would_be_temporary(&path, attempt)).unwrap(), format!("not ours {attempt}"));
        }
        assert!(!would_be_temporary(&path, 3).exists(), "renamed away");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_temporary_name_taken_is_an_error_that_removes_nothing() {
        let dir = scratch("taken");
        let path = dir.join("key.json");
        for attempt in 0..ATTEMPTS {
            std::fs::write(would_be_temporary(&path, attempt), "taken").unwrap();
        }
        let err = write(&path, b"secret").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), ATTEMPTS as usize);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
