//! The adapters shipped in `validation/adapters/` run end to end under `orthant validate`: the
//! dependency-free Python template (always), SciPy's `multivariate_normal.cdf` and R mvtnorm's
//! `pmvnorm` (when their interpreters are given).
//!
//! The peer tests need software outside Rust, so they run when told where it is:
//! `ORTHANT_PEER_PYTHON` (a Python with SciPy, e.g. `.venv/bin/python`) and
//! `ORTHANT_PEER_RSCRIPT` (an `Rscript` with mvtnorm). `scripts/test-all` installs both and sets
//! them, with `ORTHANT_REQUIRE_PEERS=1`, which turns a missing one into a failure. A plain
//! `cargo test` skips them with a note.
//!
//! A peer's verdict is its own business (mvtnorm, for one, claims exactness for d = 1 and misses
//! some far tails), so these tests assert what is stable: the run ends with exit status 0 or 1
//! (never 2), every case has an answer line (a value or the integrator's own error line: none
//! missing, timed out, crashed or malformed), and the report files are written.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ORTHANT: &str = env!("CARGO_BIN_EXE_orthant");

fn adapter(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("adapters").join(file)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("orthant-adapters-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The interpreter named by `var`, or `None` (with a note) when the peer tests are not asked for.
fn peer(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("ORTHANT_REQUIRE_PEERS").map_or(true, |v| v != "1"),
                "ORTHANT_REQUIRE_PEERS=1 but {var} is not set (run scripts/test-all)"
            );
            eprintln!("note: skipping the {what} adapter test: {var} is not set (scripts/test-all sets it)");
            None
        }
    }
}

/// Runs `orthant validate --command CMD --max-dim 3` and checks the stable facts; returns the
/// exit status and the parsed report.json.
fn run(command: &str, name: &str) -> (i32, Value) {
    let dir = temp_dir(name);
    let out = Command::new(ORTHANT)
        .args([
            "validate",
            "--command",
            command,
            "--name",
            name,
            "--max-dim",
            "3",
            "--timeout",
            "30",
            "--out",
        ])
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().expect("an exit status");
    assert!(code == 0 || code == 1, "exit status {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for file in ["report.csv", "report.json", "error_vs_time.svg", "reported_vs_achieved.svg"] {
        assert!(dir.join(file).is_file(), "{file} not written\n{stdout}");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let cases = report["suite_cases"].as_u64().unwrap();
    assert!(cases >= 60, "{cases} cases for d <= 3");
    let rows: Vec<&Value> =
        report["rows"].as_array().unwrap().iter().filter(|r| r["integrator"] == name).collect();
    assert_eq!(rows.len() as u64, cases, "one row per case\n{stdout}");
    for r in &rows {
        let ok = r["status"] == "ok";
        let own_error = r["message"].as_str().is_some_and(|m| m.starts_with("the integrator reported"));
        assert!(ok || own_error, "case {} has no answer: {r}\n{stdout}", r["case"]);
    }
    // Answered: a value, or a declared refusal (n/a: mvtnorm's pmvt takes only integer df).
    let answered = rows.iter().filter(|r| r["status"] == "ok" || r["status"] == "n/a").count() as u64;
    assert!(answered * 10 >= cases * 9, "{answered} of {cases} answered with a value or n/a\n{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
    (code, report)
}

#[test]
fn the_python_template_passes_and_is_the_one_in_the_docs() {
    let template = adapter("template.py");
    let (code, _) = run(&format!("python3 {}", template.display()), "template");
    assert_eq!(code, 0, "the template meets its own 99% claims");
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/validation.md")).unwrap();
    let text = std::fs::read_to_string(&template).unwrap();
    assert!(docs.contains(&text), "docs/validation.md shows validation/adapters/template.py verbatim");
}

#[test]
fn the_scipy_adapter_answers_every_case() {
    let Some(python) = peer("ORTHANT_PEER_PYTHON", "SciPy") else { return };
    let (_, report) = run(&format!("{python} {}", adapter("scipy_adapter.py").display()), "scipy");
    let method = report["rows"].as_array().unwrap().iter().find(|r| r["integrator"] == "scipy").unwrap();
    assert!(method["method"].as_str().unwrap().starts_with("scipy-"), "{method}");
}

#[test]
fn the_mvtnorm_adapter_answers_every_case_with_its_error_estimate() {
    let Some(rscript) = peer("ORTHANT_PEER_RSCRIPT", "R mvtnorm") else { return };
    let (_, report) = run(&format!("{rscript} {}", adapter("mvtnorm_adapter.R").display()), "mvtnorm");
    let rows: Vec<&Value> =
        report["rows"].as_array().unwrap().iter().filter(|r| r["integrator"] == "mvtnorm").collect();
    assert!(
        rows.iter().all(|r| r["status"] != "ok" || r["reported_error"].is_number()),
        "pmvnorm's error is passed on"
    );
    assert!(rows.iter().any(|r| r["method"].as_str().is_some_and(|m| m.starts_with("mvtnorm-"))));
}
