//! What the default chains read, as a fingerprint: the environment variables that steer them and
//! the shared config and credentials files (length, modification time, inode). A region or
//! credentials resolved for one fingerprint hold until it changes (or the credentials near their
//! expiry), so `provide_token()` before every request does not rebuild the chains each time.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The environment variables the default region and credentials chains read.
const VARIABLES: [&str; 24] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "HOME",
    // Where the shared files are on Windows when HOME is not set.
    "USERPROFILE",
];

/// Credentials this close to their expiry are loaded again.
pub(crate) const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// A digest of everything the chains read that can change between calls. Holds no secret: the
/// variables' values (the secret key among them) are hashed in wiped buffers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Reads the environment and the files' metadata now, for `profile` (none: `AWS_PROFILE`).
    pub(crate) fn now(profile: Option<&str>) -> Self {
        let mut hash = Sha256::new();
        hash.update(profile.unwrap_or("\0").as_bytes());
        let (mut home, mut user_profile) = (None, None);
        let mut files = [None, None];
        for name in VARIABLES {
            hash.update([0xff]);
            hash.update(name.as_bytes());
            // The three paths are kept (they are no secret); every other value is hashed from a
            // buffer wiped when it drops, for the secret key is among them.
            let path = match name {
                "HOME" => Some(&mut home),
                "USERPROFILE" => Some(&mut user_profile),
                "AWS_CONFIG_FILE" => Some(&mut files[0]),
                "AWS_SHARED_CREDENTIALS_FILE" => Some(&mut files[1]),
                _ => None,
            };
            let Some(value) = std::env::var_os(name) else { continue };
            hash.update([0x01]);
            match path {
                Some(slot) => {
                    hash.update(value.as_encoded_bytes());
                    *slot = Some(PathBuf::from(value));
                }
                None => hash.update(Zeroizing::new(value.into_encoded_bytes()).as_slice()),
            }
        }
        let home = home.or(user_profile);
        let defaults = [".aws/config", ".aws/credentials"].map(|file| home.as_ref().map(|home| home.join(file)));
        for (given, default) in files.into_iter().zip(defaults) {
            hash.update(stamp(given.or(default)));
        }
        Fingerprint(hash.finalize().into())
    }
}

/// A file's length, modification time (nanoseconds) and, on Unix, inode; zeros when it is absent.
fn stamp(path: Option<PathBuf>) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(meta) = path.and_then(|p| std::fs::metadata(p).ok()) {
        out[..8].copy_from_slice(&meta.len().to_le_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            out[8..16].copy_from_slice(&meta.mtime().to_le_bytes());
            out[16..24].copy_from_slice(&meta.mtime_nsec().to_le_bytes());
            out[24..].copy_from_slice(&meta.ino().to_le_bytes());
        }
        #[cfg(not(unix))]
        {
            let modified = meta.modified().ok().and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok());
            out[8..24].copy_from_slice(&modified.map_or(0, |since| since.as_nanos()).to_le_bytes());
        }
    }
    out
}

/// Regions and credentials the chains gave, per profile, with the fingerprint they were read at.
#[derive(Default)]
pub(crate) struct Resolved {
    regions: Vec<(Option<String>, Fingerprint, String)>,
    credentials: Vec<(Option<String>, Fingerprint, Credentials)>,
}

static RESOLVED: Mutex<Resolved> = Mutex::new(Resolved { regions: Vec::new(), credentials: Vec::new() });

/// The region resolved for `profile` at `fingerprint`, if any.
pub(crate) fn region(profile: Option<&str>, fingerprint: &Fingerprint) -> Option<String> {
    let resolved = crate::lock::lock(&RESOLVED);
    resolved.regions.iter().find(|(p, f, _)| p.as_deref() == profile && f == fingerprint).map(|(_, _, r)| r.clone())
}

/// Credentials resolved for `profile` at `fingerprint` that are not within [`EXPIRY_MARGIN`] of
/// their expiry at `now`.
pub(crate) fn credentials(profile: Option<&str>, fingerprint: &Fingerprint, now: SystemTime) -> Option<Credentials> {
    let resolved = crate::lock::lock(&RESOLVED);
    let (_, _, credentials) = resolved.credentials.iter().find(|(p, f, _)| p.as_deref() == profile && f == fingerprint)?;
    let fresh = credentials.expiry().is_none_or(|expiry| expiry.duration_since(now).is_ok_and(|left| left > EXPIRY_MARGIN));
    fresh.then(|| credentials.clone())
}

/// Remembers what the chains gave for `profile` at `fingerprint`, replacing what they gave before.
pub(crate) fn remember_region(profile: Option<&str>, fingerprint: Fingerprint, region: &str) {
    let mut resolved = crate::lock::lock(&RESOLVED);
    resolved.regions.retain(|(p, _, _)| p.as_deref() != profile);
    resolved.regions.push((profile.map(str::to_owned), fingerprint, region.to_owned()));
}

/// Forgets every remembered region and credentials (the credentials are wiped as they drop).
pub(crate) fn forget() {
    let mut resolved = crate::lock::lock(&RESOLVED);
    resolved.regions.clear();
    resolved.credentials.clear();
}

/// Like [`remember_region`], for credentials.
pub(crate) fn remember_credentials(profile: Option<&str>, fingerprint: Fingerprint, credentials: &Credentials) {
    let mut resolved = crate::lock::lock(&RESOLVED);
    resolved.credentials.retain(|(p, _, _)| p.as_deref() != profile);
    resolved.credentials.push((profile.map(str::to_owned), fingerprint, credentials.clone()));
}
