//! What the integration tests of the `orthant` binary share: running it on a standard input and
//! reading its JSON Lines output.

// Each test file compiles this module and uses part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `orthant ARGS` with `stdin` on its standard input; returns its output.
pub fn orthant(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orthant"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // A refused command line exits without reading its input: a broken pipe is fine then.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// The standard output, one JSON value per line (a line that is not JSON fails the test).
pub fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON output line {l:?}: {e}")))
        .collect()
}
