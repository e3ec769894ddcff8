//! Standard output for commands that may carry a new key's secret: a failed write never panics
//! and never passes silently. A secret that could not be shown is named, with the command that
//! deletes its key, on stderr: a live key nobody holds is never left unmentioned.

use std::io::Write;

use bedrock_token::provision::{Action, NewKey};
use zeroize::Zeroizing;

use crate::Failure;

/// Standard output that keeps the first write error instead of panicking, so a command with
/// secrets in hand goes on to account for each of them.
#[derive(Default)]
pub struct Stdout {
    error: Option<std::io::Error>,
    /// How many keys' secrets stdout did not take (each named on stderr).
    lost: usize,
}

impl Stdout {
    /// Writes `text` and a newline, unless an earlier write failed.
    pub fn line(&mut self, text: impl std::fmt::Display) {
        if self.error.is_none() {
            let mut out = std::io::stdout().lock();
            if let Err(err) = writeln!(out, "{text}").and_then(|()| out.flush()) {
                self.error = Some(err);
            }
        }
    }

    /// Writes `text` (which holds the secret of each of `keys`, of `user`) and a newline. Returns
    /// whether it was written; if not, names each key and the command that deletes it on stderr.
    pub fn secrets(&mut self, text: impl std::fmt::Display, keys: &[(&str, &NewKey)]) -> bool {
        self.line(text);
        match &self.error {
            None => true,
            Some(err) => {
                for (user, key) in keys {
                    lost(user, key, &format!("standard output failed ({err})"));
                }
                self.lost += keys.len();
                false
            }
        }
    }

    /// A new key's block as `provision` and `rotate` print it: id, user, secret, expiry.
    pub fn new_key(&mut self, user: &str, key: &NewKey) -> bool {
        self.secrets(&*new_key_text(key), &[(user, key)])
    }

    /// The first write error, if a write failed.
    pub fn error(&self) -> Option<&std::io::Error> {
        self.error.as_ref()
    }

    /// How many keys' secrets were not delivered so far.
    pub fn lost(&self) -> usize {
        self.lost
    }

    /// Ok if every write succeeded. A lost secret is a failure (exit 1) even on a broken pipe,
    /// which otherwise only means the reader had all it wanted.
    pub fn finish(self) -> Result<(), Failure> {
        match (self.error, self.lost) {
            (None, _) => Ok(()),
            (Some(err), 0) => Err(Failure::Output(err)),
            (Some(err), lost) => Err(Failure::Incomplete(format!(
                "cannot write to standard output ({err}): {lost} new key(s) named above with the command that deletes each, as nobody holds their secret"
            ))),
        }
    }
}

/// The lines that show a new key once: kind and id, service user name, secret, expiry (wiped
/// when dropped).
pub fn new_key_text(key: &NewKey) -> Zeroizing<String> {
    // Room for everything up front: growing would leave a copy of the secret behind.
    let mut text = Zeroizing::new(String::with_capacity(512 + key.secret.expose().len()));
    text.push_str(&format!("new {} {}", key.kind, key.id));
    if let Some(user) = &key.service_user_name {
        text.push_str(&format!("\nservice user name: {user}"));
    }
    text.push_str("\nsecret (shown once): ");
    text.push_str(key.secret.expose());
    if let Some(expires) = key.expires_at {
        text.push_str(&format!("\nexpires at: {}", bedrock_token::rfc3339(expires)));
    }
    text
}

/// The command that deletes `key` of `user`.
pub fn delete_command(user: &str, key: &NewKey) -> String {
    Action::DeleteKey { user: user.to_owned(), kind: key.kind, id: key.id.clone() }.aws_command()
}

/// Names on stderr a key whose secret nobody received, and how to delete it.
pub fn lost(user: &str, key: &NewKey, why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "bedrock-token: {} {} of {user} exists but its secret was not delivered: {why}; nobody holds it, delete the key: {}",
        key.kind,
        key.id,
        delete_command(user, key)
    );
}
