//! The multivariate Student t through the `orthant` tool: `eval`'s `df` field (values against
//! closed forms, gradients, bad input), `orthant suite`'s t lines and `orthant validate` on them.

mod common;
use common::{lines, orthant};
use serde_json::Value;
use std::f64::consts::PI;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const ORTHANT: &str = env!("CARGO_BIN_EXE_orthant");

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn close(x: f64, y: f64, rel: f64) -> bool {
    (x - y).abs() <= rel * y.abs()
}

/// The t_2 lower tail P(T < −x) for x ≥ 0 in closed form without cancellation:
/// ½(1 − x/√(2 + x²)) = 1/(√(2 + x²)(√(2 + x²) + x)).
fn t2_lower_tail(x: f64) -> f64 {
    let r = (2.0 + x * x).sqrt();
    1.0 / (r * (r + x))
}

#[test]
fn eval_with_df_matches_closed_forms_and_keeps_the_output_fields() {
    let input = [
        // Cauchy (ν = 1), location 1, scale 2: P(X ≤ 3) = P(T ≤ 1) = 1/2 + atan(1)/π = 3/4.
        r#"{"id":"cauchy","covariance":[[4]],"mean":[1],"upper":[3],"df":1}"#,
        // ν = 2 far lower tail: polynomial, P ≈ 5e-11, to full relative precision.
        r#"{"id":"t2-tail","covariance":[[1]],"upper":[-1e5],"df":2}"#,
        // The bivariate orthant is 1/4 + asin(ρ)/(2π) for every ν.
        r#"{"id":"orthant","covariance":[[1,0.5],[0.5,1]],"upper":[0,0],"df":2.5}"#,
        // Independent t coordinates are NOT independent (shared chi variable): the orthant of two
        // uncorrelated Cauchy coordinates at (1, 1) is not (3/4)²; its normal counterpart is.
        r#"{"id":"shared-chi","covariance":[[1,0],[0,1]],"upper":[1,1],"df":1}"#,
        r#"{"id":"normal-null","covariance":[[1,0],[0,1]],"upper":[1,1],"df":null}"#,
        r#"{"id":"normal-inf","covariance":[[1,0],[0,1]],"upper":[1,1],"df":"inf"}"#,
        r#"{"id":"normal","covariance":[[1,0],[0,1]],"upper":[1,1]}"#,
        // One-factor scale matrix at d = 6 (equicorrelated 1/2, a Dunnett-type problem).
        r#"{"id":"dunnett","covariance":[[1,0.5,0.5,0.5,0.5,0.5],[0.5,1,0.5,0.5,0.5,0.5],[0.5,0.5,1,0.5,0.5,0.5],[0.5,0.5,0.5,1,0.5,0.5],[0.5,0.5,0.5,0.5,1,0.5],[0.5,0.5,0.5,0.5,0.5,1]],"lower":[-2.8,-2.8,-2.8,-2.8,-2.8,-2.8],"upper":[2.8,2.8,2.8,2.8,2.8,2.8],"df":20}"#,
    ]
    .join("\n");
    let out = orthant(&["eval", "-"], &input);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v = lines(&out);
    assert_eq!(v.len(), 8);
    let expected = ["converged", "error", "evaluations", "id", "log_value", "method", "seconds", "value"];
    for line in &v {
        let mut keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, expected, "{line}");
        assert_eq!(line["error"], 0.0, "exact t methods: {line}");
    }
    assert!(close(f(&v[0]["value"]), 0.75, 1e-14), "{}", v[0]);
    assert_eq!(v[0]["method"], "univariate");
    let tail = t2_lower_tail(1e5);
    assert!(close(f(&v[1]["value"]), tail, 1e-13), "{} vs {tail}", v[1]);
    assert!(close(f(&v[1]["log_value"]), tail.ln(), 1e-14), "{}", v[1]);
    assert!(close(f(&v[2]["value"]), 0.25 + 0.5f64.asin() / (2.0 * PI), 1e-14), "{}", v[2]);
    assert_eq!(v[2]["method"], "bivariate");
    // The shared chi variable couples the coordinates: P(T1 ≤ 1, T2 ≤ 1) > (3/4)² for ν = 1
    // (positive dependence), and the normal lines are Φ(1)² whatever the spelling of ν = ∞.
    assert!(f(&v[3]["value"]) > 0.5625 + 1e-3, "{}", v[3]);
    for k in 5..7 {
        assert_eq!(v[4]["value"], v[k]["value"], "df null, \"inf\" and absent are the normal");
    }
    let phi1 = 0.841_344_746_068_542_9_f64;
    assert!(close(f(&v[4]["value"]), phi1 * phi1, 1e-14), "{}", v[4]);
    assert_eq!(v[7]["method"], "one-factor");
    let p = f(&v[7]["value"]);
    assert!(p > 0.9 && p < 1.0, "{}", v[7]);
}

#[test]
fn eval_gradient_with_df_is_the_t_density_and_matches_differences() {
    // d = 1, Cauchy, location 1, scale 2, upper 3: ∂P/∂b = f₁(1)/2 = 1/(4π), ∂P/∂μ = −∂P/∂b.
    let input = r#"{"id":"g1","covariance":[[4]],"mean":[1],"upper":[3],"df":1,"gradient":true}"#;
    let v = lines(&orthant(&["eval"], input));
    let g = f(&v[0]["grad_upper"][0]);
    assert!(close(g, 1.0 / (4.0 * PI), 1e-13), "{}", v[0]);
    assert!(close(f(&v[0]["grad_mean"][0]), -g, 1e-13), "{}", v[0]);
    assert_eq!(v[0]["grad_lower"][0], 0.0);
    // d = 2, ν = 3: the conditioning gradient against central differences of the values (the
    // chi-mixture route), step 1e-5.
    let base = |b1: f64, b2: f64, a1: f64, grad: bool| {
        format!(
            r#"{{"covariance":[[1,0.3],[0.3,2]],"mean":[0.2,-0.1],"lower":[{a1},"-inf"],"upper":[{b1},{b2}],"df":3,"gradient":{grad}}}"#
        )
    };
    let (b1, b2, a1, h) = (0.7, 1.1, -0.4, 1e-5);
    let input = [
        base(b1, b2, a1, true),
        base(b1 + h, b2, a1, false),
        base(b1 - h, b2, a1, false),
        base(b1, b2 + h, a1, false),
        base(b1, b2 - h, a1, false),
        base(b1, b2, a1 + h, false),
        base(b1, b2, a1 - h, false),
    ]
    .join("\n");
    let v = lines(&orthant(&["eval"], &input));
    let diff = |k: usize| (f(&v[k]["value"]) - f(&v[k + 1]["value"])) / (2.0 * h);
    let g = &v[0];
    for (given, fd) in
        [(&g["grad_upper"][0], diff(1)), (&g["grad_upper"][1], diff(3)), (&g["grad_lower"][0], diff(5))]
    {
        assert!(close(f(given), fd, 1e-6), "{given} vs {fd}");
    }
    let mean_sum = f(&g["grad_mean"][0]) + f(&g["grad_upper"][0]) + f(&g["grad_lower"][0]);
    assert!(mean_sum.abs() < 1e-14, "∂P/∂μ = −(∂P/∂a + ∂P/∂b): {mean_sum}");
}

#[test]
fn eval_rejects_bad_df_with_typed_error_lines_in_order() {
    let cases = [
        (r#"0"#, "invalid-argument"),
        (r#"-1.5"#, "invalid-argument"),
        (r#""nan""#, "invalid-input"),
        (r#""-inf""#, "invalid-input"),
        (r#""five""#, "invalid-input"),
        (r#"[3]"#, "invalid-input"),
        (r#"true"#, "invalid-input"),
        (r#"{"nu":3}"#, "invalid-input"),
    ];
    let mut input: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (df, _))| format!(r#"{{"id":"bad{i}","covariance":[[1]],"upper":[0],"df":{df}}}"#))
        .collect();
    input.push(r#"{"id":"ok","covariance":[[1]],"upper":[0],"df":4}"#.to_string());
    let out = orthant(&["eval"], &input.join("\n"));
    assert_eq!(out.status.code(), Some(1), "a failed line makes the exit status 1");
    let v = lines(&out);
    assert_eq!(v.len(), cases.len() + 1);
    for (i, (df, kind)) in cases.iter().enumerate() {
        assert_eq!(v[i]["id"], format!("bad{i}"));
        assert_eq!(v[i]["status"], "error", "df {df}: {}", v[i]);
        assert_eq!(v[i]["kind"], *kind, "df {df}: {}", v[i]);
        let message = v[i]["message"].as_str().unwrap();
        assert!(message.contains("df") || message.contains("degrees of freedom"), "df {df}: {message}");
    }
    assert_eq!(v[cases.len()]["value"], 0.5);
}

#[test]
fn eval_methods_other_than_auto_and_exact_answer_t_or_say_not_applicable() {
    // Either an honest stochastic answer (once the t version of a method exists) or a typed
    // method-not-applicable line: never the normal probability.
    let line = r#"{"id":"o","covariance":[[1,0.5],[0.5,1]],"upper":[1,0.5],"df":2,"method":"monte-carlo","max_evaluations":400000}"#;
    let exact = lines(&orthant(&["eval"], &line.replace(r#","method":"monte-carlo""#, "")));
    let truth = f(&exact[0]["value"]);
    let v = lines(&orthant(&["eval"], line));
    if v[0]["status"] == "error" {
        assert_eq!(v[0]["kind"], "method-not-applicable", "{}", v[0]);
    } else {
        assert!((f(&v[0]["value"]) - truth).abs() <= 2.0 * f(&v[0]["error"]), "{} vs {truth}", v[0]);
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("orthant-student-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn suite_t_lines_carry_df_and_round_trip_through_eval() {
    let out =
        Command::new(ORTHANT).args(["suite", "--tag", "student-t", "--max-dim", "10"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() >= 30, "{}", lines.len());
    for l in &lines {
        let nu = f(&l["df"]);
        assert!(nu > 0.0 && nu.is_finite(), "{l}");
        assert!(l["tags"].as_array().unwrap().iter().any(|t| t == "student-t"));
    }
    // Both tails of d = 1 at every ν of the brief.
    for nu in [0.5, 1.0, 2.5, 5.0, 30.0] {
        let count = lines
            .iter()
            .filter(|l| f(&l["df"]) == nu && l["covariance"].as_array().unwrap().len() == 1)
            .filter(|l| f(&l["reference"]) < 1e-12)
            .count();
        assert!(count >= 2, "ν = {nu}: {count} tail cases");
    }
    // The normal lines carry no df.
    let out = Command::new(ORTHANT).args(["suite", "--tag", "univariate"]).output().unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains("\"df\""));
    // Every t line through `orthant eval` (exact t methods) meets its reference.
    let out = orthant(&["eval", "-"], &text);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let answers = self::lines(&out);
    assert_eq!(answers.len(), lines.len());
    for (q, a) in lines.iter().zip(&answers) {
        assert_eq!(q["id"], a["id"]);
        let reference = f(&q["reference"]);
        let bound = f(&q["reference_error"]) + f(&a["error"]) + 1e-13 * reference;
        let value = f(&a["value"]);
        assert!((value - reference).abs() <= bound, "{}: {value} vs {reference} ± {bound}", q["id"]);
    }
}

/// An adapter that forwards to `orthant eval` after removing `df`: a normal-only integrator.
const IGNORES_DF: &str = r#"
import json, subprocess, sys
p = subprocess.Popen([sys.argv[1], "eval", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
for line in sys.stdin:
    q = json.loads(line)
    q.pop("df", None)
    p.stdin.write(json.dumps(q) + "\n")
    p.stdin.flush()
    print(p.stdout.readline().strip(), flush=True)
"#;

#[test]
fn validate_sends_df_and_scores_the_t_cases() {
    let dir = temp_dir("validate");
    let run = |command: &str| {
        let out = Command::new(ORTHANT)
            .args([
                "validate",
                "--command",
                command,
                "--tag",
                "student-t",
                "--max-dim",
                "3",
                // The d = 3 t case takes seconds (the trivariate method inside the chi mixture).
                "--timeout",
                "60",
            ])
            .args(["--compare", "auto,genz", "--out"])
            .arg(dir.join("report"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    // Our own eval receives df and passes.
    let (code, stdout) = run(&format!("{ORTHANT} eval -"));
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("PASS"), "{stdout}");
    let csv = std::fs::read_to_string(dir.join("report/report.csv")).unwrap();
    assert!(csv.lines().filter(|l| l.contains(",auto,") && l.contains(",ok,")).count() >= 30, "{csv}");
    // A normal-only integrator that drops df claims exactness and misses: flagged.
    let script = dir.join("ignores_df.py");
    std::fs::write(&script, IGNORES_DF).unwrap();
    let (code, stdout) = run(&format!("python3 {} {ORTHANT}", script.display()));
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("claims exactness"), "{stdout}");
}
