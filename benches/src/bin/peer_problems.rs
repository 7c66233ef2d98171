//! The problems of the peer comparison (`benches/peers/compare.sh`) and our timings on them.
//!
//! `peer_problems write DIR` writes, for every problem, `DIR/NAME.cov.csv` (the d × d covariance,
//! one row per line), `DIR/NAME.lim.csv` (two lines: lower and upper limits, `-Inf`/`Inf` for
//! unbounded) and one line of `DIR/index.csv` (`name,d,family,reference,reference_error,
//! reference_kind`). References: 1/(d + 1) for the equicorrelated ρ = ½ orthants; the exact
//! bivariate/trivariate formulas for d = 2, 3; a long Genz run (16 randomisations, 2²⁶
//! evaluations at d ≤ 10, 2²⁷ at d = 20, 2²⁴ and 2²³ at d = 50 and 100, a seed not used by the
//! timings) for the random
//! correlation boxes, whose reported 99% error goes into `reference_error`. Existing files are
//! kept, so the slow references are computed once.
//!
//! `peer_problems time DIR` times our Genz engine (Sobol, default settings but the tolerance) on
//! every problem at a ladder of absolute tolerances 1e-3, 3e-4, 1e-4, … 1e-10 (budget 2²⁵ evaluations;
//! the ladder of a problem stops after a run that misses its tolerance or takes over 3 s), ten
//! seeds each (three when a call takes over 0.5 s), and prints CSV rows
//! `peer,algorithm,problem,d,tol,time_ms,reported_error,achieved_error,threads`: time is the mean
//! over the seeds, achieved error the root mean square of |P̂ − reference|. For d ≤ 3 it times the
//! exact formulas instead. An optional third argument keeps only the problems whose name contains
//! it. The number of rayon threads is the process's (`RAYON_NUM_THREADS`).
//!
//! Diagnostics of our side alone (issue 18; see `docs/genz.md` §5): `peer_problems profile DIR
//! [NAME]` (time, evaluations, reported and achieved error at abs_tol 1e-3 … 1e-4 or the list in
//! `PROFILE_TOLS`, and the fixed cost of a call), `peer_problems fixed DIR NAME` (RMS achieved
//! error after a fixed number of evaluations, no stopping rule; `GENZ_R`, `GENZ_LATTICE`,
//! `GENZ_ANTITHETIC` choose the variant, `GENZ_TILT` the tilted estimator instead) and
//! `peer_problems bench DIR NAME` (fastest and median of 31 calls of 2¹⁴ evaluations, robust to
//! a loaded machine). `peer_problems rare DIR [NAME]` runs `auto` where Genz's method finds
//! a rare event (the method chosen, value, error and time; `docs/rare-events.md`).
//!
//! **Student t.** With `PEER_DF=ν` in the environment (ν > 0; the peer script sets it from `DF`)
//! the problems are multivariate t problems X = Z/√(W/ν): equicorrelated ρ = ½ orthants at
//! d = 5 … 100 (the cone is invariant under the chi scaling, so P = 1/(d + 1) for every ν), the
//! same matrices with the box [−1, 2]ᵈ (reference: the exact one-factor t method, a deterministic
//! 2-D integral checked against mpmath), and the random correlation boxes at d = 5, 10, 20
//! (reference: a long Genz-t run). Ours is timed with Genz's method for the t
//! (`student_t::integrate`, Sobol), the peers with `pmvt`.

use mvn_orthant::genz::GenzSettings;
use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::{integrate, Estimate, Integrator, MethodChoice, Problem, Settings};
use std::fs;
use std::path::Path;
use std::time::Instant;
use validation::fixtures::{equicorrelated_orthant, random_box, random_correlation};

/// The degrees of freedom of the t comparison (`PEER_DF`), `None` for the normal one.
fn degrees_of_freedom() -> Option<f64> {
    let value = std::env::var("PEER_DF").ok()?;
    match value.parse::<f64>() {
        Ok(nu) if nu > 0.0 => Some(nu),
        _ => {
            eprintln!("peer_problems: PEER_DF={value:?} is not a positive number");
            std::process::exit(2);
        }
    }
}

/// The t problem list (see the module docs): (name, family, problem).
fn t_problems() -> Vec<(String, &'static str, Problem)> {
    let mut out = Vec::new();
    for d in [5usize, 10, 20, 50, 100] {
        let orthant = equicorrelated_orthant(d).expect("valid fixture");
        let boxed = Problem::new(vec![0.0; d], orthant.covariance().clone(), vec![-1.0; d], vec![2.0; d])
            .expect("valid");
        out.push((format!("equicorrelated-orthant-d{d}"), "equicorrelated-orthant", orthant));
        out.push((format!("equicorrelated-box-d{d}"), "equicorrelated-box", boxed));
    }
    for d in [5usize, 10, 20] {
        out.push((format!("random-box-d{d}"), "random-box", random_box(d, 7).expect("valid fixture")));
    }
    out
}

/// The problem list: (name, family, problem).
fn problems() -> Vec<(String, &'static str, Problem)> {
    if degrees_of_freedom().is_some() {
        return t_problems();
    }
    let mut out = Vec::new();
    for d in [2usize, 3] {
        let upper: Vec<f64> = [0.3, -0.2, 0.5][..d].to_vec();
        let p = Problem::new(
            vec![0.0; d],
            random_correlation(d, 11).expect("valid fixture"),
            vec![f64::NEG_INFINITY; d],
            upper,
        )
        .expect("valid");
        out.push((format!("random-upper-d{d}"), "random-upper", p));
    }
    for d in [2usize, 3, 5, 10, 20, 50, 100] {
        out.push((
            format!("equicorrelated-orthant-d{d}"),
            "equicorrelated-orthant",
            equicorrelated_orthant(d).expect("valid fixture"),
        ));
    }
    for d in [5usize, 10, 20, 50, 100] {
        out.push((format!("random-box-d{d}"), "random-box", random_box(d, 7).expect("valid fixture")));
    }
    out
}

fn fmt_limit(x: f64) -> String {
    if x == f64::INFINITY {
        "Inf".into()
    } else if x == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{x:e}")
    }
}

/// Genz's estimate of P (the t with ν degrees of freedom when `nu` is given) with scrambled Sobol
/// points at absolute tolerance `tol`, `budget` evaluations at most, from `seed`.
fn genz(p: &Problem, nu: Option<f64>, tol: f64, budget: u64, seed: u64) -> Estimate {
    match nu {
        None => GenzSettings::default()
            .abs_tol(tol)
            .max_evaluations(budget)
            .seed(seed)
            .build()
            .expect("valid settings")
            .integrate(p)
            .expect("Genz applies"),
        Some(nu) => {
            let t = StudentProblem::new(p.clone(), nu).expect("valid degrees of freedom");
            let settings = Settings { abs_tol: tol, rel_tol: 0.0, max_evaluations: budget, seed };
            student_t::integrate(&t, MethodChoice::Genz, &settings).expect("Genz-t applies")
        }
    }
}

fn reference(family: &str, p: &Problem, nu: Option<f64>) -> (f64, f64, &'static str) {
    let d = p.dim();
    match family {
        "equicorrelated-orthant" => (1.0 / (d as f64 + 1.0), 0.0, "exact 1/(d+1)"),
        "equicorrelated-box" => {
            let t = StudentProblem::new(p.clone(), nu.expect("a t family")).expect("valid");
            let e = student_t::integrate(&t, MethodChoice::Exact, &Settings::default())
                .expect("the one-factor t method applies");
            (e.value, e.error, "exact one-factor t")
        }
        "random-upper" => {
            let e =
                integrate(p, MethodChoice::Exact, &Settings::default()).expect("exact applies for d <= 3");
            (e.value, 0.0, "exact bivariate/trivariate formula")
        }
        _ => {
            let budget: u64 = match d {
                0..=10 => 1 << 26,
                11..=20 => 1 << 27,
                21..=50 => 1 << 24,
                _ => 1 << 23,
            };
            let e = match nu {
                None => GenzSettings::default()
                    .abs_tol(1e-15)
                    .randomizations(16)
                    .initial_points(1024)
                    .max_evaluations(budget)
                    .seed(987_654)
                    .build()
                    .expect("valid settings")
                    .integrate(p)
                    .expect("Genz applies"),
                Some(_) => genz(p, nu, 1e-15, budget, 987_654),
            };
            (e.value, e.error, "long Genz run")
        }
    }
}

/// The rows of an existing `index.csv` (none when there is no such file), by problem name.
fn read_index(path: &Path) -> std::io::Result<Vec<csv::StringRecord>> {
    match csv::Reader::from_path(path) {
        Ok(mut reader) => Ok(reader.records().collect::<Result<_, _>>()?),
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound) => {
            Ok(Vec::new())
        }
        Err(e) => Err(e.into()),
    }
}

fn write(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let index = dir.join("index.csv");
    let old = read_index(&index)?;
    let mut rows = vec![csv::StringRecord::from(vec![
        "name",
        "d",
        "family",
        "reference",
        "reference_error",
        "reference_kind",
    ])];
    for (name, family, p) in problems() {
        let d = p.dim();
        let mut cov =
            csv::WriterBuilder::new().has_headers(false).from_path(dir.join(format!("{name}.cov.csv")))?;
        for i in 0..d {
            cov.write_record((0..d).map(|j| format!("{:e}", p.covariance().get(i, j))))?;
        }
        cov.flush()?;
        let mut lim =
            csv::WriterBuilder::new().has_headers(false).from_path(dir.join(format!("{name}.lim.csv")))?;
        lim.write_record(p.lower().iter().map(|&x| fmt_limit(x)))?;
        lim.write_record(p.upper().iter().map(|&x| fmt_limit(x)))?;
        lim.flush()?;
        let row = match old.iter().find(|r| r.get(0) == Some(name.as_str())) {
            Some(r) => r.clone(),
            None => {
                let start = Instant::now();
                let (v, e, kind) = reference(family, &p, degrees_of_freedom());
                eprintln!(
                    "reference {name}: {v:.15e} ± {e:.1e} ({kind}, {:.1} s)",
                    start.elapsed().as_secs_f64()
                );
                let fields = [
                    name.clone(),
                    d.to_string(),
                    family.to_string(),
                    format!("{v:.17e}"),
                    format!("{e:.3e}"),
                    kind.to_string(),
                ];
                csv::StringRecord::from(fields.to_vec())
            }
        };
        rows.push(row);
    }
    let mut w = csv::Writer::from_path(index)?;
    for row in &rows {
        w.write_record(row)?;
    }
    w.flush()
}

fn time(dir: &Path, only: Option<&str>) -> std::io::Result<()> {
    let index = read_index(&dir.join("index.csv"))?;
    let threads = rayon_threads();
    // The rows go to stdout as they are measured (no header: the peer script concatenates).
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(std::io::stdout());
    let by_name: Vec<(String, &'static str, Problem)> = problems();
    let nu = degrees_of_freedom();
    for row in &index {
        let name = row.get(0).unwrap_or_default();
        let Some(reference) = row.get(3).and_then(|v| v.parse::<f64>().ok()) else {
            return Err(std::io::Error::other(format!("index.csv: {name}: no numeric reference")));
        };
        let Some((_, _, p)) = by_name.iter().find(|(n, _, _)| n == name) else { continue };
        if only.is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let d = p.dim();
        if d <= 3 {
            let reps = 100_000;
            let start = Instant::now();
            let mut e = None;
            for _ in 0..reps {
                e = Some(
                    integrate(std::hint::black_box(p), MethodChoice::Exact, &Settings::default()).unwrap(),
                );
            }
            let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
            let e = e.unwrap();
            out.write_record([
                "ours".to_string(),
                format!("exact-{}", e.method),
                name.to_string(),
                d.to_string(),
                "0".to_string(),
                format!("{ms:.6e}"),
                format!("{:.3e}", e.error),
                format!("{:.3e}", (e.value - reference).abs()),
                threads.to_string(),
            ])?;
            out.flush()?;
        }
        // Down to 1e-10 for the small probabilities of the random boxes at d = 50 and 100; the
        // ladder stops earlier on time.
        let tols: &[f64] =
            &[1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 3e-9, 1e-9, 3e-10, 1e-10];
        for &tol in tols {
            let (mut ms, mut sq, mut rep, mut converged) = (0.0, 0.0, 0.0, true);
            // Warm-up (allocations, page faults); its time picks the number of seeds.
            let start = Instant::now();
            let _ = genz(p, nu, tol, 1 << 25, 0);
            let seeds: Vec<u64> =
                if start.elapsed().as_secs_f64() < 0.5 { (1..=10).collect() } else { vec![1, 2, 3] };
            for &seed in &seeds {
                let start = Instant::now();
                let e = genz(p, nu, tol, 1 << 25, seed);
                ms += start.elapsed().as_secs_f64() * 1e3;
                sq += (e.value - reference).powi(2);
                rep += e.error;
                converged &= e.converged;
            }
            let n = seeds.len() as f64;
            out.write_record([
                "ours".to_string(),
                if nu.is_some() { "genz-t-sobol" } else { "genz-sobol" }.to_string(),
                name.to_string(),
                d.to_string(),
                format!("{tol:e}"),
                format!("{:.6e}", ms / n),
                format!("{:.3e}", rep / n),
                format!("{:.3e}", (sq / n).sqrt()),
                threads.to_string(),
            ])?;
            out.flush()?;
            // Tighter tolerances would only take longer: stop the ladder of this problem.
            if !converged || ms / n > 3000.0 {
                break;
            }
        }
    }
    Ok(())
}

/// The problems of `DIR/index.csv` with d > 3 whose name contains `only`: (name, reference,
/// problem), for the diagnostic subcommands.
fn sampled_problems(dir: &Path, only: &str) -> std::io::Result<Vec<(String, f64, Problem)>> {
    let index = read_index(&dir.join("index.csv"))?;
    let by_name = problems();
    Ok(index
        .iter()
        .filter_map(|row| {
            let name = row.get(0)?;
            let reference: f64 = row.get(3)?.parse().ok()?;
            let (_, _, p) = by_name.iter().find(|(n, _, _)| n == name)?;
            (p.dim() > 3 && name.contains(only)).then(|| (name.to_string(), reference, p.clone()))
        })
        .collect())
}

/// `peer_problems profile DIR [NAME-SUBSTRING]`: where the time of a loose-tolerance call goes.
/// For abs_tol 1e-3, 3e-4 and 1e-4 (or the comma-separated list in `PROFILE_TOLS`) and every
/// problem: mean time, mean evaluations, mean reported error and RMS achieved error over ten
/// seeds (`PROFILE_SEEDS`), and the time of a call that stops after a first round of 2 points
/// per randomisation (the fixed cost: reduction, factor, point sets).
fn profile(dir: &Path, only: &str) -> std::io::Result<()> {
    println!("problem,tol,ms,fixed_ms,evaluations,reported,achieved");
    for (name, reference, p) in sampled_problems(dir, only)? {
        let p = &p;
        let fixed = {
            let g = GenzSettings::default()
                .abs_tol(1.0)
                .initial_points(2)
                .well_conditioned_initial_points(2)
                .build()
                .expect("valid");
            let _ = g.integrate(p);
            let start = Instant::now();
            for _ in 0..20 {
                let _ = g.integrate(std::hint::black_box(p));
            }
            start.elapsed().as_secs_f64() * 1e3 / 20.0
        };
        let tolerances: Vec<f64> = std::env::var("PROFILE_TOLS")
            .map(|v| v.split(',').filter_map(|t| t.parse().ok()).collect())
            .unwrap_or_else(|_| vec![1e-3, 3e-4, 1e-4]);
        let seeds: u64 = std::env::var("PROFILE_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
        for &tol in &tolerances {
            let _ = genz(p, None, tol, 1 << 25, 0);
            let (mut ms, mut ev, mut rep, mut sq) = (0.0, 0.0, 0.0, 0.0);
            for seed in 1..=seeds {
                let start = Instant::now();
                let e = genz(p, None, tol, 1 << 25, seed);
                ms += start.elapsed().as_secs_f64() * 1e3;
                ev += e.evaluations as f64;
                rep += e.error;
                sq += (e.value - reference).powi(2);
            }
            let n = seeds as f64;
            println!(
                "{name},{tol:e},{:.4},{fixed:.4},{:.0},{:.2e},{:.2e}",
                ms / n,
                ev / n,
                rep / n,
                (sq / n).sqrt()
            );
        }
    }
    Ok(())
}

/// `peer_problems fixed DIR NAME-SUBSTRING`: RMS achieved error against the number of
/// evaluations with no stopping rule (the budget fixes the sample), over 40 seeds, for the
/// settings in the environment: `GENZ_R` randomisations (default 8), `GENZ_LATTICE=1` for the
/// lattice, `GENZ_ANTITHETIC=1` for antithetic pairs, `GENZ_TILT=1` for the tilted estimator
/// (`GENZ_R` randomisations of Sobol points) instead of Genz's. Prints
/// `problem,evaluations,reported,achieved,ms`.
fn fixed(dir: &Path, only: &str) -> std::io::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let r: usize = env("GENZ_R").and_then(|v| v.parse().ok()).unwrap_or(8);
    let lattice = env("GENZ_LATTICE").is_some_and(|v| v == "1");
    let antithetic = env("GENZ_ANTITHETIC").is_some_and(|v| v == "1");
    let tilted = env("GENZ_TILT").is_some_and(|v| v == "1");
    println!("problem,evaluations,reported,achieved,ms");
    for (name, reference, p) in sampled_problems(dir, only)? {
        for k in 4..=11u32 {
            let per = if antithetic { 2 } else { 1 };
            let budget = (r as u64) << k;
            let (mut rep, mut sq, mut ms, mut ev) = (0.0, 0.0, 0.0, 0.0);
            let seeds = 40;
            for seed in 0..seeds {
                let g = GenzSettings::default()
                    .abs_tol(1e-15)
                    .randomizations(r)
                    .initial_points(1 << (k - per + 1).min(k))
                    .well_conditioned_initial_points(1 << (k - per + 1).min(k))
                    .antithetic(antithetic)
                    .point_set(if lattice {
                        mvn_orthant::qmc::PointSetKind::Lattice
                    } else {
                        mvn_orthant::qmc::PointSetKind::Sobol
                    })
                    .max_evaluations(budget)
                    .seed(1000 + seed)
                    .build()
                    .expect("valid");
                let start = Instant::now();
                let e = if tilted {
                    let settings = TiltingSettings::default()
                        .rel_tol(1e-14)
                        .randomizations(r)
                        .initial_points(1 << k)
                        .max_evaluations(budget)
                        .seed(1000 + seed);
                    Tilted::new(settings).expect("valid").estimate(&p).expect("tilting applies").estimate
                } else {
                    g.integrate(&p).expect("Genz applies")
                };
                ms += start.elapsed().as_secs_f64() * 1e3;
                rep += e.error;
                ev += e.evaluations as f64;
                sq += (e.value - reference).powi(2);
            }
            let n = seeds as f64;
            println!("{name},{:.0},{:.2e},{:.2e},{:.3}", ev / n, rep / n, (sq / n).sqrt(), ms / n);
        }
    }
    Ok(())
}

/// `peer_problems bench DIR NAME-SUBSTRING`: the cost of a fixed sample (2¹⁴ evaluations,
/// default settings otherwise) on a loaded machine: the minimum and the median time over 31
/// calls, and the minimum per evaluation.
fn bench(dir: &Path, only: &str) -> std::io::Result<()> {
    println!("problem,min_ms,median_ms,min_ns_per_evaluation");
    for (name, _, p) in sampled_problems(dir, only)? {
        let g = GenzSettings::default().abs_tol(1e-15).max_evaluations(1 << 14).build().expect("valid");
        let mut times: Vec<f64> = (0..31)
            .map(|_| {
                let start = Instant::now();
                let _ = g.integrate(std::hint::black_box(&p));
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{name},{:.4},{:.4},{:.1}", times[0], times[15], times[0] * 1e6 / (1 << 14) as f64);
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
}

/// `peer_problems rare DIR [NAME-SUBSTRING]`: `auto` on problems that are rare for Genz's
/// method at the tolerance (`auto::RareEventRule`), one seed, default budget: the random boxes
/// of the peer problems with d > 3 (reference from `DIR/index.csv`) and, with no reference, 10- and 30-D
/// boxes on [`random_correlation`]`(d, 3)` of half-widths near 2 and 0.5. Prints
/// `problem,abs_tol,method,value,error,relative_error,off,evaluations,converged,seconds` at
/// abs_tol 1e-3 and 1e-6 (`off`: |P̂ − reference|, empty without one). With `PEER_DF=ν` the
/// same problems are multivariate t problems with ν degrees of freedom (no references).
fn rare(dir: &Path, only: &str) -> std::io::Result<()> {
    let mut cases: Vec<(String, Option<f64>, Problem)> = sampled_problems(dir, only)?
        .into_iter()
        .filter(|(name, _, _)| !name.starts_with("equicorrelated")) // one-factor: exact
        .map(|(n, r, p)| (n, Some(r), p))
        .collect();
    for d in [10usize, 30] {
        for (kind, lower, upper) in [("wide", -2.0, 2.0), ("narrow", -0.5, 0.5)] {
            let name = format!("{kind}-box-d{d}");
            if name.contains(only) {
                let lo: Vec<f64> = (0..d).map(|i| lower - 0.1 * (i % 5) as f64).collect();
                let hi: Vec<f64> = (0..d).map(|i| upper + 0.1 * (i % 3) as f64).collect();
                let sigma = random_correlation(d, 3).expect("valid fixture");
                cases.push((name, None, Problem::new(vec![0.0; d], sigma, lo, hi).expect("valid")));
            }
        }
    }
    let nu = degrees_of_freedom();
    println!("problem,abs_tol,method,value,error,relative_error,off,evaluations,converged,seconds");
    for (name, reference, p) in &cases {
        // The references are the normal's: none for the t.
        let reference = if nu.is_some() { &None } else { reference };
        for abs_tol in [1e-3, 1e-6] {
            let settings = Settings { abs_tol, ..Settings::default() };
            let start = Instant::now();
            let e = match nu {
                None => integrate(p, MethodChoice::Auto, &settings),
                Some(nu) => StudentProblem::new(p.clone(), nu)
                    .and_then(|t| student_t::integrate(&t, MethodChoice::Auto, &settings)),
            }
            .expect("valid problem");
            let seconds = start.elapsed().as_secs_f64();
            let off = reference.map_or(String::new(), |r| format!("{:.2e}", (e.value - r).abs()));
            println!(
                "{name},{abs_tol:e},{},{:.6e},{:.2e},{:.2e},{off},{},{},{seconds:.3}",
                e.method,
                e.value,
                e.error,
                e.error / e.value,
                e.evaluations,
                e.converged
            );
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("write"), Some(dir)) => write(Path::new(dir)),
        (Some("time"), Some(dir)) => time(Path::new(dir), args.get(3).map(String::as_str)),
        (Some("fixed"), Some(dir)) => fixed(Path::new(dir), args.get(3).map_or("", String::as_str)),
        (Some("bench"), Some(dir)) => bench(Path::new(dir), args.get(3).map_or("", String::as_str)),
        (Some("profile"), Some(dir)) => profile(Path::new(dir), args.get(3).map_or("", String::as_str)),
        (Some("rare"), Some(dir)) => rare(Path::new(dir), args.get(3).map_or("", String::as_str)),
        _ => {
            eprintln!(
                "usage: peer_problems write DIR | peer_problems time|profile|rare DIR [NAME-SUBSTRING] \
                 | peer_problems fixed|bench DIR NAME-SUBSTRING"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("peer_problems: {e}");
        std::process::exit(1);
    }
}
