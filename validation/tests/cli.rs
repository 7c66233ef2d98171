//! Integration tests of the `orthant` binary: field names, error lines, exit codes, order.

mod common;
use common::{lines, orthant};
use serde_json::{json, Value};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn eval_outputs_the_documented_fields_in_order() {
    let input = concat!(
        r#"{"id":"mc","covariance":[[1,0.5],[0.5,1]],"upper":[0,0],"method":"monte-carlo","max_evaluations":200000,"seed":3}"#,
        "\n\n",
        r#"{"id":"all-unbounded","covariance":[[2,0],[0,1]],"lower":[null,"-inf"],"upper":null}"#,
        "\n",
        r#"{"id":"zero","covariance":[[1]],"lower":[1],"upper":[1],"method":"monte-carlo","max_evaluations":1000}"#,
        "\n"
    );
    let out = orthant(&["eval", "-"], input);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v = lines(&out);
    assert_eq!(v.len(), 3, "blank lines are skipped, one output per input line");
    let expected = ["converged", "error", "evaluations", "id", "log_value", "method", "seconds", "value"];
    for line in &v {
        assert_eq!(keys(line), expected);
    }
    assert_eq!(v[0]["id"], "mc");
    assert_eq!(v[0]["method"], "monte-carlo");
    assert_eq!(v[0]["evaluations"], 200_000);
    let (p, e) = (v[0]["value"].as_f64().unwrap(), v[0]["error"].as_f64().unwrap());
    assert!((p - 1.0 / 3.0).abs() <= e, "{p} ± {e} misses 1/3");
    // Every coordinate unbounded: exactly 1, by the trivial method.
    assert_eq!(v[1]["id"], "all-unbounded");
    assert_eq!(v[1]["value"], 1.0);
    assert_eq!(v[1]["method"], "trivial");
    assert_eq!(v[1]["error"], 0.0);
    // A zero probability: log_value is the string "-inf" (valid JSON).
    assert_eq!(v[2]["value"], 0.0);
    assert_eq!(v[2]["log_value"], "-inf");
}

#[test]
fn eval_error_lines_keep_order_and_exit_status_is_one() {
    let input = [
        r#"{"id":"ok1","covariance":[[1]],"upper":[0],"method":"monte-carlo","max_evaluations":1000}"#,
        r#"not json"#,
        r#"{"id":"typo","covariance":[[1]],"uper":[0]}"#,
        r#"{"id":"indefinite","covariance":[[1,2],[2,1]]}"#,
        r#"{"id":"bad-method","covariance":[[1]],"method":"simpson"}"#,
        r#"{"id":"bad-limit","covariance":[[1]],"upper":["minus infinity"]}"#,
        r#"{"id":"short","covariance":[[1,0],[0,1]],"upper":[0]}"#,
        r#"{"id":"tol","covariance":[[1]],"upper":[0],"abs_tol":-1,"method":"monte-carlo"}"#,
        r#"{"id":"ok2","covariance":[[1]],"upper":[0],"method":"monte-carlo","max_evaluations":1000,"seed":9}"#,
    ]
    .join("\n");
    let out = orthant(&["eval"], &input);
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v.len(), 9);
    let ids: Vec<&Value> = v.iter().map(|l| &l["id"]).collect();
    assert_eq!(ids[0], "ok1");
    assert_eq!(ids[1], &Value::Null);
    assert_eq!(ids[8], "ok2");
    let kinds: Vec<&str> = v[1..8].iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "parse-error",
            "invalid-input",
            "not-positive-semidefinite",
            "invalid-argument",
            "invalid-input",
            "dimension-mismatch",
            "invalid-tolerance"
        ]
    );
    for line in &v[1..8] {
        assert_eq!(line["status"], "error");
        assert_eq!(keys(line), ["id", "kind", "message", "status"]);
        assert!(!line["message"].as_str().unwrap().is_empty());
    }
    assert!(v[2]["message"].as_str().unwrap().contains("uper"), "the typo is named");
    assert!(v[0].get("status").is_none() && v[8].get("status").is_none());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("typo") && stderr.contains("7 line(s) failed"), "stderr: {stderr}");
}

#[test]
fn eval_not_applicable_method_is_a_line_error_or_a_result() {
    // Whatever the state of the exact methods, a forced method gives either a result with the
    // documented fields or a method-not-applicable line, never a crash.
    let input = r#"{"id":"g","covariance":[[1,0.3,0.2],[0.3,1,0.1],[0.2,0.1,1]],"upper":[0.5,1,1.5],"method":"genz","gradient":true,"max_evaluations":100000}"#;
    let out = orthant(&["eval", "-"], input);
    let v = lines(&out);
    assert_eq!(v.len(), 1);
    if v[0].get("status").is_some() {
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(v[0]["kind"], "method-not-applicable");
    } else {
        assert!(out.status.success());
        for k in ["grad_lower", "grad_upper", "grad_mean"] {
            assert_eq!(v[0][k].as_array().unwrap().len(), 3, "{k}");
        }
    }
}

#[test]
fn eval_reads_a_file_and_reports_a_missing_one() {
    let dir = std::env::temp_dir().join(format!("orthant-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("in.jsonl");
    std::fs::write(
        &path,
        r#"{"id":1,"covariance":[[1]],"lower":[0],"method":"monte-carlo","max_evaluations":5000}"#,
    )
    .unwrap();
    let out = orthant(&["eval", path.to_str().unwrap()], "");
    assert!(out.status.success());
    assert_eq!(lines(&out)[0]["id"], 1);
    let out = orthant(&["eval", dir.join("missing.jsonl").to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

#[test]
fn exact_validates_fields_and_answers_every_line() {
    // A valid request, then one mistake each on the request {logits (2, 0.5), label 0, σ 1}.
    let mistakes = [
        ("label", json!({"label": 2})),
        ("sigma", json!({"sigma": 0})),
        ("none", json!({"logits": []})),
        ("method", json!({"method": "exact"})),
        ("typo", json!({"sigmaa": 1})),
        ("margin", json!({"margin": -1})),
    ];
    let mut requests = vec![json!({"id": "v", "logits": [2.0, 0.5, -1.0], "label": 0, "sigma": 1.0})];
    for (id, change) in mistakes {
        let mut request = json!({"id": id, "logits": [2.0, 0.5], "label": 0, "sigma": 1.0});
        request.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        requests.push(request);
    }
    let input = requests.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let out = orthant(&["exact", "-"], &input);
    let v = lines(&out);
    assert_eq!(v.len(), 7);
    let kinds: Vec<Option<&str>> = v[1..].iter().map(|l| l["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            Some("invalid-argument"),
            Some("invalid-argument"),
            Some("invalid-argument"),
            Some("invalid-argument"),
            Some("invalid-input"),
            Some("invalid-argument")
        ]
    );
    assert_eq!(out.status.code(), Some(1));
    // The valid line: a result with the documented fields.
    assert!(v[0].get("status").is_none(), "{}", v[0]);
    assert_eq!(
        keys(&v[0]),
        [
            "accuracy",
            "error",
            "grad_logits",
            "grad_sigma",
            "id",
            "log_error_probability",
            "method",
            "seconds"
        ]
    );
    assert_eq!(v[0]["grad_logits"].as_array().unwrap().len(), 3);
    assert_eq!(v[0]["method"], "quadrature");
}

fn normal_cdf(x: f64) -> f64 {
    mvn_orthant::normal::cdf(x)
}

#[test]
fn exact_values_match_closed_forms_and_margin_clips_gradients() {
    let input = [
        // C = 2: A = Φ((μ_y − μ_o)/(σ√2)).
        r#"{"id":"c2","logits":[1.3,0.2],"label":0,"sigma":0.8}"#,
        // Equal logits: A = 1/C.
        r#"{"id":"equal","logits":[0.5,0.5,0.5,0.5],"label":2,"sigma":1.7}"#,
        // Margin 1: logit 2 (delta 5) is clipped, logit 1 (delta 0.5) is not.
        r#"{"id":"margin","logits":[2.0,1.5,-3.0],"label":0,"sigma":1.0,"margin":1.0}"#,
        // The same problem with logit 2 moved to μ_y − r by hand: same accuracy.
        r#"{"id":"by-hand","logits":[2.0,1.5,1.0],"label":0,"sigma":1.0}"#,
        r#"{"id":"mc","logits":[1.0,0.0,-0.5],"label":1,"sigma":1.0,"method":"monte-carlo","samples":200000,"seed":4}"#,
        r#"{"id":"q","logits":[1.0,0.0,-0.5],"label":1,"sigma":1.0}"#,
    ]
    .join("\n");
    let out = orthant(&["exact"], &input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = lines(&out);
    let acc = |i: usize| v[i]["accuracy"].as_f64().unwrap();
    let expected = normal_cdf(1.1 / (0.8 * 2f64.sqrt()));
    assert!((acc(0) - expected).abs() < 1e-12, "{} vs {expected}", acc(0));
    assert!((acc(1) - 0.25).abs() < 1e-12);
    assert!((acc(2) - acc(3)).abs() < 1e-14);
    let g = v[2]["grad_logits"].as_array().unwrap();
    assert_eq!(g[2], 0.0, "the clipped logit gets no gradient");
    assert!(g[1].as_f64().unwrap() < 0.0 && g[0].as_f64().unwrap() > 0.0);
    assert!(
        (g[0].as_f64().unwrap() + g[1].as_f64().unwrap()).abs() < 1e-12,
        "shift invariance without the clipped entry"
    );
    // Monte Carlo covers the quadrature.
    assert!((acc(4) - acc(5)).abs() <= v[4]["error"].as_f64().unwrap(), "{} vs {}", acc(4), acc(5));
    assert_eq!(v[4]["method"], "monte-carlo");
}

#[test]
fn exact_reports_log_error_probability_and_accepts_one_class() {
    let input = [
        // One class: A = 1 exactly, so ln(1 − A) = −∞ (a string), zero gradients.
        r#"{"id":"one","logits":[2.0],"label":0,"sigma":1}"#,
        // C = 2: 1 − A = Q(d/√2) with d/√2 = 0.4/(0.02/√2)/√2 = 20: ln Q(20) = −203.91715537109...
        r#"{"id":"c2","logits":[0.4,0.0],"label":0,"sigma":0.014142135623730951}"#,
        // Confident logits: A prints as 1 but ln(1 − A) is finite and accurate.
        r#"{"id":"confident","logits":[0.0,-0.2,-0.25,-0.3],"label":0,"sigma":0.01}"#,
        // A moderate case: ln(1 − A) agrees with the accuracy.
        r#"{"id":"moderate","logits":[1.0,0.0,-0.5],"label":1,"sigma":1.0}"#,
        r#"{"id":"mc","logits":[1.0,0.0,-0.5],"label":1,"sigma":1.0,"method":"monte-carlo","samples":1000}"#,
    ]
    .join("\n");
    let out = orthant(&["exact", "-"], &input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = lines(&out);
    assert_eq!(v[0]["accuracy"], 1.0);
    assert_eq!(v[0]["log_error_probability"], "-inf");
    assert_eq!(v[0]["grad_logits"], serde_json::json!([0.0]));
    assert_eq!(v[0]["grad_sigma"], 0.0);
    let log_e = |i: usize| v[i]["log_error_probability"].as_f64().unwrap();
    let log_q20 = mvn_orthant::normal::log_upper_tail(20.0);
    assert!((log_e(1) - log_q20).abs() < 1e-11, "{} vs {log_q20}", log_e(1));
    assert_eq!(v[2]["accuracy"], 1.0);
    assert!(log_e(2) < -100.0 && log_e(2) > -200.0, "{}", log_e(2));
    let a = v[3]["accuracy"].as_f64().unwrap();
    assert!((log_e(3) - (1.0 - a).ln()).abs() < 1e-12, "{} vs {}", log_e(3), (1.0 - a).ln());
    let a = v[4]["accuracy"].as_f64().unwrap();
    assert!((log_e(4) - (1.0 - a).ln()).abs() < 1e-12);
}

#[test]
fn help_documents_fields_with_an_example() {
    for (cmd, fields) in [
        (
            "eval",
            &["covariance", "lower", "upper", "abs_tol", "gradient", "grad_mean", "log_value", "EXAMPLE"][..],
        ),
        (
            "exact",
            &[
                "logits",
                "label",
                "sigma",
                "margin",
                "grad_logits",
                "grad_sigma",
                "log_error_probability",
                "EXAMPLE",
            ][..],
        ),
        ("report", &["--out", "report.csv", "EXAMPLE"][..]),
    ] {
        let out = orthant(&[cmd, "--help"], "");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for f in fields {
            assert!(text.contains(f), "`orthant {cmd} --help` does not mention {f}");
        }
    }
}

#[test]
fn report_writes_its_files_on_a_small_subset() {
    let dir = std::env::temp_dir().join(format!("orthant-report-{}", std::process::id()));
    let out = orthant(&["report", "--out", dir.to_str().unwrap(), "--max-dim", "2", "--no-progress"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    for f in ["report.csv", "report.json", "error_vs_time.svg", "reported_vs_achieved.svg"] {
        let p = dir.join(f);
        assert!(std::fs::metadata(&p).map(|m| m.len() > 100).unwrap_or(false), "{f} missing or empty");
    }
    for m in ["auto", "exact", "genz", "monte-carlo", "validation-closed-form"] {
        assert!(stdout.contains(m), "summary table lacks {m}");
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert!(json["rows"].as_array().unwrap().len() >= 5 * 20);
    let csv = std::fs::read_to_string(dir.join("report.csv")).unwrap();
    assert!(csv.starts_with("case,category,dim,integrator,status,method,value,reference,abs_error"));
}

#[test]
fn eval_one_kind_per_mistake_and_empty_boxes_are_valid() {
    // The same mistake (a vector of the wrong length) has the same kind in every field.
    let input = [
        r#"{"id":"short-mean","covariance":[[1,0],[0,1]],"mean":[0]}"#,
        r#"{"id":"short-lower","covariance":[[1,0],[0,1]],"lower":[0]}"#,
        r#"{"id":"short-upper","covariance":[[1,0],[0,1]],"upper":[0]}"#,
        r#"{"id":"ragged","covariance":[[1,0],[0]]}"#,
    ]
    .join("\n");
    let out = orthant(&["eval"], &input);
    let kinds: Vec<String> = lines(&out).iter().map(|l| l["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["dimension-mismatch"; 4]);
    // Empty boxes (an upper limit of -inf, a lower limit of +inf) are valid: P = 0, ln P = -inf,
    // gradients 0, for the exact path and a forced stochastic method alike.
    let input = [
        r#"{"id":"e1","covariance":[[1,0.5],[0.5,1]],"upper":["-inf",1],"gradient":true}"#,
        r#"{"id":"e2","covariance":[[1,0.5,0.2,0.1],[0.5,1,0.5,0.2],[0.2,0.5,1,0.5],[0.1,0.2,0.5,1]],"lower":[0,"inf",0,0],"upper":[1,"inf",1,1],"method":"genz","gradient":true}"#,
        r#"{"id":"e3","covariance":[[1]],"lower":["inf"],"upper":["inf"],"method":"monte-carlo"}"#,
    ]
    .join("\n");
    let out = orthant(&["eval"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for line in lines(&out) {
        assert_eq!(line["value"], 0.0, "{line}");
        assert_eq!(line["log_value"], "-inf", "{line}");
        assert_eq!(line["error"], 0.0, "{line}");
        assert_eq!(line["converged"], true, "{line}");
        for field in ["grad_upper", "grad_lower", "grad_mean"] {
            if let Some(g) = line[field].as_array() {
                assert!(g.iter().all(|x| x == 0.0), "{line}");
            }
        }
    }
}
