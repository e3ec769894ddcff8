//! Files only their owner may read (keys, tokens), written so a reader never sees half of one.

use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` with mode 0600 (on Unix; elsewhere the directory's permissions), atomically: a temporary file beside it (named for
/// this process, so concurrent runs do not share one), synced, then renamed over `path`. On any
/// error the temporary file is removed and `path` is left as it was.
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"))?;
    let temporary = path.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
