//! The `orthant tradeoff --quick` command: it writes a CSV with every method and budget of the
//! tiny ladder, errors that are finite and consistent with the references, and an SVG.

use std::process::Command;

#[test]
fn tradeoff_quick_writes_csv_and_svg() {
    let out = std::env::temp_dir().join(format!("orthant-tradeoff-test-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_orthant"))
        .args(["tradeoff", "--quick", "--out"])
        .arg(&out)
        .output()
        .expect("the binary starts");
    assert!(status.status.success(), "stderr: {}", String::from_utf8_lossy(&status.stderr));
    let csv = std::fs::read_to_string(out.join("tradeoff.csv")).unwrap();
    let svg = std::fs::read_to_string(out.join("tradeoff.svg")).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("genz-sobol"));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["problem", "dim", "method"]);
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    // Quick ladder: 2^10, 2^11, 2^12 for three stochastic methods on two problems, and the
    // one-factor point on the equicorrelated orthant.
    assert_eq!(rows.len(), 2 * 3 * 3 + 1, "{csv}");
    for r in &rows {
        let achieved: f64 = r[6].parse().unwrap();
        let reported: f64 = r[7].parse().unwrap();
        let reference: f64 = r[8].parse().unwrap();
        assert!(achieved.is_finite() && reported.is_finite() && reference > 0.0 && reference < 1.0, "{r:?}");
        match r[2].as_str() {
            // Exact: the one-factor quadrature reproduces 1/6 to double precision.
            "one-factor" => assert!(achieved < 1e-14, "{r:?}"),
            // Genz with 2^10 … 2^12 evaluations in d = 5 lands well within 1e-2 of the reference.
            _ => assert!(achieved < 2e-2, "{r:?}"),
        }
    }
    let orthant_ref: f64 =
        rows.iter().find(|r| r[0] == "equicorrelated-orthant-d5").unwrap()[8].parse().unwrap();
    assert!((orthant_ref - 1.0 / 6.0).abs() < 1e-16);
}
