//! Nothing to use: this crate exists for the features its dependencies are built with (see its
//! Cargo.toml).
