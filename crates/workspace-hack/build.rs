//! Empty: a package needs a build script for cargo to resolve its build dependencies.
fn main() {}
