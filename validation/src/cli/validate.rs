//! `orthant validate --command "CMD …"`: scores an external integrator, in any language, on the
//! reference suite over JSON Lines; `orthant validate --results FILE` scores answers computed
//! elsewhere.
//!
//! # Protocol
//!
//! The command is started once, through `sh -c`, in its own process group. Each suite problem
//! is written to its stdin as one `orthant suite` line (the `eval` input format plus reference
//! fields the integrator must ignore), and the next one only after the answer to this one (or
//! its timeout): the integrator reads a line, writes one answer line to stdout and flushes.
//! Every non-blank stdout line is taken as the answer to the current request:
//!
//! | field | meaning |
//! |---|---|
//! | `id` | the request's id (required) |
//! | `value` | P, a number in [0, 1] (required) |
//! | `error` | its own absolute error estimate, the half-width of a 99% interval (optional; 0 claims exactness) |
//! | `log_value` | ln P (optional) |
//! | `seconds` | its own time for the case (optional; else the wall time from request to answer) |
//! | `method` | a label for the report (optional) |
//! | `grad_upper`, `grad_lower`, `grad_mean` | ∂P/∂b, ∂P/∂a, ∂P/∂μ (optional; arrays of the problem's dimension; scored against the case's reference gradient where it has one) |
//!
//! Other fields are ignored. `{"id": …, "status": "error", "kind": …, "message": …}` (the
//! `eval` error line) records an error for the case; with kind `"method-not-applicable"` the
//! case is recorded as `n/a`, which does not fail the run. Stderr is free for logging (its last
//! lines are quoted when the integrator dies).
//!
//! # Misbehaviour
//!
//! Each is recorded for its case and the run goes on: a line that is not a JSON object, an
//! answer without an id or with an unexpected one, a value that is NaN, negative or above 1, a
//! malformed field; no answer within `--timeout` seconds (the process group is killed and the
//! command restarted for the next case); the command exiting (restarted for the next case). An
//! answer for an earlier case (a duplicate or late line) is recorded and skipped. After
//! [`MAX_CONSECUTIVE_FAILURES`] cases in a row lost to a crash, a hang or a failed start, the
//! remaining cases are recorded as not run. So a run ends within about (cases × timeout).
//!
//! # Verdict (the exit status)
//!
//! Scoring is [`crate::harness::score`], the scorer of `orthant report`. The run **passes**
//! (exit 0) when every case has an answer (or a declared `n/a`), no protocol violation was seen,
//! every answer with `error` 0 is within the case's tolerance (`reference_error`), and the
//! answers with a positive or absent error miss their reference no more often than a 99%
//! interval allows: misses ≤ [`allowed_misses`]`(n)`, the 99.9% quantile of Binomial(n, 0.01).
//! An answer without `error` is judged on the accuracy asked of it, `--abs-tol`/`--rel-tol`
//! (default 1e-5 and 1e-3): covered when |value − reference| ≤ max(abs_tol, rel_tol ·
//! reference). Otherwise it fails (exit 1).
//!
//! # Gradients
//!
//! Where an answer carries gradients and the case a reference gradient (`reference_grad_*`,
//! the exact gradient of [`export::exact_gradient`]), the answer's gradient error is
//! [`harness::gradient_error`]: ‖g − g_ref‖_∞ / max(‖g_ref‖_∞, tiny) over the vectors given in
//! both. It is reported per case (`grad_rel_error`) and summarised (gradients scored, worst
//! error). It fails the run only with `--grad-tol T` ([`ValidateOptions::grad_tol`]): then any
//! scored gradient error above T is a failure. The `--compare` methods are run for their
//! gradients too (`integrate_with_gradient`, the report's budgets) on the cases with a
//! reference gradient, and scored by the same code; they have no verdict.

use super::export::{self, SuiteEntry};
use super::report::{self, Budgeted};
use crate::harness::{self, AccuracyAsked, Answer, CaseResult, GradientVectors, HarnessReport, Status};
use crate::json_number::parse_extended_number;
use mvn_orthant::GradientOptions;
use mvn_orthant::{MethodChoice, Problem};
use serde_json::Value;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The default output directory.
pub const DEFAULT_OUT: &str = "target/orthant-validate";
/// The default per-case timeout in seconds.
pub const DEFAULT_TIMEOUT: f64 = 10.0;
/// The default largest dimension (the d = 1000 requests are about 20 MB each).
pub const DEFAULT_MAX_DIM: usize = 100;
/// The default absolute tolerance asked of answers without an error estimate.
pub const DEFAULT_ABS_TOL: f64 = 1e-5;
/// The default relative tolerance asked of answers without an error estimate.
pub const DEFAULT_REL_TOL: f64 = 1e-3;
/// Cases lost in a row to a crash, a hang or a failed start before the run gives up.
pub const MAX_CONSECUTIVE_FAILURES: usize = 3;
/// The nominal miss rate of a 99% interval.
pub const MISS_RATE: f64 = 0.01;
/// The confidence of the binomial rule.
pub const RULE_CONFIDENCE: f64 = 0.999;

/// Where the answers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A command run through `sh -c`.
    Command(String),
    /// A JSON Lines file of answers.
    Results(PathBuf),
}

/// Options of a validate run.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidateOptions {
    /// The source of the answers.
    pub source: Source,
    /// The integrator's name in the report (default `"external"`).
    pub name: String,
    /// An `orthant suite` file; `None` for the built-in suite.
    pub suite: Option<PathBuf>,
    /// Output directory of the report files.
    pub out: PathBuf,
    /// Per-case timeout.
    pub timeout: Duration,
    /// Keep cases of dimension ≤ this (`None`: all).
    pub max_dim: Option<usize>,
    /// Keep cases with this tag.
    pub tag: Option<String>,
    /// Our methods to run beside the integrator (with the report's budgets).
    pub compare: Vec<MethodChoice>,
    /// The accuracy asked of answers without an error estimate.
    pub asked: AccuracyAsked,
    /// The largest gradient error allowed (`None`: gradient errors are reported, not judged).
    pub grad_tol: Option<f64>,
}

impl ValidateOptions {
    /// Defaults for a source.
    pub fn new(source: Source) -> Self {
        ValidateOptions {
            source,
            name: "external".into(),
            suite: None,
            out: PathBuf::from(DEFAULT_OUT),
            timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT),
            max_dim: Some(DEFAULT_MAX_DIM),
            tag: None,
            compare: Vec::new(),
            asked: AccuracyAsked { abs_tol: DEFAULT_ABS_TOL, rel_tol: DEFAULT_REL_TOL },
            grad_tol: None,
        }
    }
}

/// What a validate run found.
#[derive(Debug, Clone)]
pub struct ValidateOutcome {
    /// The integrator's results.
    pub run: HarnessReport,
    /// The compared methods' results.
    pub compared: Vec<HarnessReport>,
    /// Protocol violations not tied to a scored case (duplicate or late answers, unknown ids).
    pub notes: Vec<String>,
    /// Answers judged by the binomial rule (a positive or absent error).
    pub claims: usize,
    /// Those that miss their reference.
    pub misses: usize,
    /// The most misses the rule allows.
    pub allowed_misses: usize,
    /// Why the run fails (empty when it passes).
    pub failures: Vec<String>,
    /// The report files written.
    pub files: Vec<PathBuf>,
}

impl ValidateOutcome {
    /// Whether the integrator passes (exit status 0).
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The largest number of misses of n independent 99% intervals that is not evidence of
/// overclaiming: the smallest k with P(Binomial(n, 0.01) ≤ k) ≥ 0.999.
///
/// ```
/// use validation::cli::validate::allowed_misses;
/// assert_eq!(allowed_misses(0), 0);
/// assert_eq!(allowed_misses(10), 2);
/// assert_eq!(allowed_misses(100), 5);
/// ```
pub fn allowed_misses(n: usize) -> usize {
    let (p, q) = (MISS_RATE, 1.0 - MISS_RATE);
    let mut pmf = q.powi(n as i32);
    let mut cdf = pmf;
    let mut k = 0;
    while cdf < RULE_CONFIDENCE && k < n {
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / q;
        k += 1;
        cdf += pmf;
    }
    k
}

/// One parsed answer line: its id (when it has one) and the answer or why it is malformed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAnswer {
    /// The `id` (`None` when absent).
    pub id: Option<String>,
    /// The answer and its own seconds, or a status and a reason.
    pub outcome: Result<(Answer, Option<f64>), (Status, String)>,
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn number(v: &Value, what: &str) -> Result<f64, String> {
    match v {
        Value::String(s) if s.eq_ignore_ascii_case("nan") => Ok(f64::NAN),
        _ => parse_extended_number(v, what),
    }
}

/// Parses a line as JSON, also accepting the bare `NaN`, `Infinity` and `-Infinity` that
/// Python's `json.dumps` writes by default.
fn parse_json(line: &str) -> serde_json::Result<Value> {
    serde_json::from_str(line).or_else(|e| {
        let relaxed =
            line.replace("-Infinity", "\"-inf\"").replace("Infinity", "\"inf\"").replace("NaN", "\"nan\"");
        serde_json::from_str(&relaxed).map_err(|_| e)
    })
}

/// Parses one answer line for a case of dimension `dim` (gradients must have this length).
///
/// # Errors
///
/// When the line is not a JSON object (the reason, with the line quoted).
pub fn parse_answer(line: &str, dim: usize, name: &str) -> Result<ParsedAnswer, String> {
    let v: Value =
        parse_json(line).map_err(|e| format!("not a JSON line ({e}): {:?}", truncate(line, 80)))?;
    let Value::Object(map) = &v else {
        return Err(format!("not a JSON object: {:?}", truncate(line, 80)));
    };
    let id = map.get("id").and_then(id_string);
    let outcome = (|| {
        if map.get("status").and_then(Value::as_str) == Some("error") {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or("error");
            let message = map.get("message").and_then(Value::as_str).unwrap_or("");
            let status = if kind == "method-not-applicable" { Status::NotApplicable } else { Status::Error };
            return Err((status, format!("the integrator reported {kind}: {message}")));
        }
        let bad = |m: String| (Status::Error, format!("malformed answer: {m}"));
        let value =
            number(map.get("value").ok_or_else(|| bad("no `value`".into()))?, "value").map_err(bad)?;
        if value.is_nan() {
            return Err(bad("value is NaN".into()));
        }
        if !(0.0..=1.0).contains(&value) {
            return Err(bad(format!("value {value:e} is not a probability")));
        }
        let opt = |key: &str| -> Result<Option<f64>, (Status, String)> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(x) => number(x, key).map(Some).map_err(bad),
            }
        };
        let error = opt("error")?;
        if let Some(e) = error {
            // An infinite error claims nothing: it is malformed rather than a free pass.
            if !(e.is_finite() && e >= 0.0) {
                return Err(bad(format!("error {e:e} is not a finite number ≥ 0")));
            }
        }
        let log_value = opt("log_value")?.unwrap_or(value.ln());
        if log_value.is_nan() || log_value > 1e-12 {
            return Err(bad(format!("log_value {log_value:e} is not the log of a probability")));
        }
        let seconds = opt("seconds")?;
        if let Some(s) = seconds {
            if !(s.is_finite() && s >= 0.0) {
                return Err(bad(format!("seconds {s:e} is not a time")));
            }
        }
        let mut vectors = [None, None, None];
        for (key, slot) in ["grad_upper", "grad_lower", "grad_mean"].into_iter().zip(&mut vectors) {
            match map.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(a)) if a.len() == dim => {
                    *slot = Some(
                        a.iter()
                            .map(|x| number(x, key))
                            .collect::<Result<Vec<f64>, String>>()
                            .map_err(bad)?,
                    );
                }
                Some(_) => return Err(bad(format!("{key} is not an array of {dim} numbers"))),
            }
        }
        let [upper, lower, mean] = vectors;
        let gradient = GradientVectors { upper, lower, mean };
        let gradient = (!gradient.is_empty()).then_some(gradient);
        let method = map.get("method").and_then(Value::as_str).unwrap_or(name).to_string();
        let evaluations = map.get("evaluations").and_then(Value::as_u64);
        let exact = error == Some(0.0);
        Ok((Answer { value, log_value, error, exact, method, evaluations, gradient }, seconds))
    })();
    Ok(ParsedAnswer { id, outcome })
}

enum Event {
    Line(String),
    Eof,
}

/// A running integrator: its process, a writer thread on stdin, a reader thread on stdout and
/// the tail of its stderr.
pub(crate) struct Session {
    child: Child,
    requests: Option<Sender<Arc<String>>>,
    lines: Receiver<Event>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

const STDERR_LINES: usize = 5;

impl Session {
    pub(crate) fn start(command: &str) -> io::Result<Session> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(command).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?;
        let stderr = child.stderr.take().ok_or_else(|| io::Error::other("no stderr"))?;
        let (req_tx, req_rx) = mpsc::channel::<Arc<String>>();
        thread::spawn(move || write_requests(stdin, req_rx));
        let (line_tx, line_rx) = mpsc::channel();
        thread::spawn(move || read_lines(stdout, line_tx));
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail2 = Arc::clone(&tail);
        thread::spawn(move || drain_stderr(stderr, tail2));
        Ok(Session { child, requests: Some(req_tx), lines: line_rx, stderr_tail: tail })
    }

    fn send(&self, line: Arc<String>) {
        if let Some(tx) = &self.requests {
            // A failed send means the writer is gone (the child closed stdin); the reader
            // then reports the end of the output.
            let _ = tx.send(line);
        }
    }

    fn stderr(&self) -> String {
        let tail = self.stderr_tail.lock().map(|t| t.iter().cloned().collect::<Vec<_>>()).unwrap_or_default();
        if tail.is_empty() {
            String::new()
        } else {
            format!("; last stderr: {}", tail.join(" | "))
        }
    }

    /// Kills the whole process group (the command and anything it started) and reaps it.
    pub(crate) fn kill(&mut self) {
        #[cfg(unix)]
        {
            if let Ok(None) = self.child.try_wait() {
                // dash's `kill` takes the group as `-PGID` (no `--`); the group id is the pid
                // of `sh -c`, which leads it.
                let pgid = self.child.id().to_string();
                let _ = Command::new("sh")
                    .args(["-c", "kill -9 -\"$0\" 2>/dev/null", &pgid])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status after the output ended (waits up to a second, then kills).
    fn exit_status(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.to_string(),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => {
                    self.kill();
                    return "closed its output; killed".into();
                }
            }
        }
    }

    /// Closes stdin, gives the command two seconds to exit, then kills it.
    pub(crate) fn finish(mut self) {
        self.requests = None;
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        self.kill();
    }
}

fn write_requests(mut stdin: ChildStdin, requests: Receiver<Arc<String>>) {
    for line in requests {
        if stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .and_then(|()| stdin.flush())
            .is_err()
        {
            return;
        }
    }
}

fn read_lines(stdout: impl Read, tx: Sender<Event>) {
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => {
                let _ = tx.send(Event::Eof);
                return;
            }
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).to_string();
                if tx.send(Event::Line(line)).is_err() {
                    return;
                }
            }
        }
    }
}

fn drain_stderr(stderr: impl Read, tail: Arc<Mutex<VecDeque<String>>>) {
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf).trim().to_string();
                if line.is_empty() {
                    continue;
                }
                if let Ok(mut t) = tail.lock() {
                    if t.len() == STDERR_LINES {
                        t.pop_front();
                    }
                    t.push_back(truncate(&line, 200));
                }
            }
        }
    }
}

/// An answer or a failure (its status and reason).
pub(crate) type AnswerOutcome = Result<Answer, (Status, String)>;

/// An answer or failure, and the seconds of the case.
type CaseOutcome = (AnswerOutcome, f64);

/// Runs the command over the entries: one outcome (answer or reason, seconds) per entry, and
/// the protocol notes.
fn run_command(
    command: &str,
    name: &str,
    entries: &[SuiteEntry],
    timeout: Duration,
    progress: &mut dyn FnMut(&str, &AnswerOutcome),
) -> (Vec<CaseOutcome>, Vec<String>) {
    let mut outcomes = Vec::with_capacity(entries.len());
    let mut notes = Vec::new();
    let mut session: Option<Session> = None;
    let mut lost_in_a_row = 0;
    let mut seen: HashSet<&str> = HashSet::new();
    let ids: HashSet<&str> = entries.iter().map(|e| e.case.id.as_str()).collect();
    for entry in entries {
        let id = entry.case.id.as_str();
        let (outcome, seconds, lost) = if lost_in_a_row >= MAX_CONSECUTIVE_FAILURES {
            let reason = format!(
                "not run: the integrator lost {MAX_CONSECUTIVE_FAILURES} cases in a row (crash, hang or failed start)"
            );
            (Err((Status::Error, reason)), 0.0, false)
        } else {
            if session.is_none() {
                match Session::start(command) {
                    Ok(s) => session = Some(s),
                    Err(e) => {
                        lost_in_a_row = MAX_CONSECUTIVE_FAILURES;
                        let out = Err((Status::Error, format!("cannot start `sh -c {command:?}`: {e}")));
                        progress(id, &out);
                        outcomes.push((out, 0.0));
                        continue;
                    }
                }
            }
            let s = session.as_mut().expect("a session was started");
            let request = Request { id, line: entry.to_line(), dim: entry.case.dim };
            ask(s, &request, name, timeout, &ids, &seen, &mut notes)
        };
        if lost {
            if let Some(mut s) = session.take() {
                s.kill();
            }
            lost_in_a_row += 1;
        } else if outcome.is_ok() {
            lost_in_a_row = 0;
        }
        seen.insert(id);
        progress(id, &outcome);
        outcomes.push((outcome, seconds));
    }
    if let Some(s) = session {
        s.finish();
    }
    (outcomes, notes)
}

/// One request to an integrator: its id, its line and the problem's dimension.
pub(crate) struct Request<'a> {
    /// The id.
    pub id: &'a str,
    /// The JSON line sent.
    pub line: String,
    /// The dimension (the length of gradients).
    pub dim: usize,
}

/// Sends one request and waits for its answer. Returns the outcome, the seconds, and whether
/// the session is lost (crash or hang: it must be restarted). `ids` are the ids still to be
/// asked, `seen` those asked before (an answer for one of them is noted and skipped).
pub(crate) fn ask(
    session: &mut Session,
    request: &Request<'_>,
    name: &str,
    timeout: Duration,
    ids: &HashSet<&str>,
    seen: &HashSet<&str>,
    notes: &mut Vec<String>,
) -> (AnswerOutcome, f64, bool) {
    let id = request.id;
    let start = Instant::now();
    session.send(Arc::new(request.line.clone()));
    let deadline = start + timeout;
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        match session.lines.recv_timeout(wait) {
            Ok(Event::Line(line)) if line.trim().is_empty() => continue,
            Ok(Event::Line(line)) => {
                let elapsed = start.elapsed().as_secs_f64();
                let parsed = match parse_answer(&line, request.dim, name) {
                    Ok(p) => p,
                    Err(reason) => {
                        return (Err((Status::Error, format!("garbage answer: {reason}"))), elapsed, false)
                    }
                };
                match parsed.id.as_deref() {
                    Some(got) if got == id => {
                        return match parsed.outcome {
                            Ok((answer, own)) => (Ok(answer), own.unwrap_or(elapsed), false),
                            Err(e) => (Err(e), elapsed, false),
                        };
                    }
                    Some(got) if seen.contains(got) => {
                        notes.push(format!(
                            "while waiting for {id}: a duplicate or late answer for {got} (ignored)"
                        ));
                    }
                    Some(got) => {
                        let what = if ids.contains(got) { "a case not asked yet" } else { "an unknown id" };
                        return (
                            Err((
                                Status::Error,
                                format!("malformed answer: id {got:?} ({what}), expected {id:?}"),
                            )),
                            elapsed,
                            false,
                        );
                    }
                    None => {
                        return (
                            Err((
                                Status::Error,
                                format!("malformed answer: no `id`: {:?}", truncate(&line, 80)),
                            )),
                            elapsed,
                            false,
                        );
                    }
                }
            }
            Ok(Event::Eof) | Err(RecvTimeoutError::Disconnected) => {
                let elapsed = start.elapsed().as_secs_f64();
                let status = session.exit_status();
                let reason =
                    format!("crash: the integrator exited ({status}) before answering{}", session.stderr());
                return (Err((Status::Error, reason)), elapsed, true);
            }
            Err(RecvTimeoutError::Timeout) => {
                let reason = format!(
                    "timeout: no answer within {:.3} s (killed; restarted for the next case){}",
                    timeout.as_secs_f64(),
                    session.stderr()
                );
                return (Err((Status::Error, reason)), timeout.as_secs_f64(), true);
            }
        }
    }
}

/// Reads a results file: one outcome per entry (missing ids recorded as such), and notes for
/// duplicate lines and lines without an id. Lines for other cases are counted in `ignored`.
fn read_results(
    text: &str,
    name: &str,
    entries: &[SuiteEntry],
    ignored: &mut usize,
) -> (Vec<CaseOutcome>, Vec<String>) {
    let dims: HashMap<&str, usize> = entries.iter().map(|e| (e.case.id.as_str(), e.case.dim)).collect();
    let mut answers: HashMap<String, CaseOutcome> = HashMap::new();
    let mut notes = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let first = parse_json(line).ok();
        let id = first.as_ref().and_then(|v| v.get("id")).and_then(id_string);
        let Some(id) = id else {
            notes.push(format!("results line {}: no `id` (or not JSON): {:?}", n + 1, truncate(line, 80)));
            continue;
        };
        let Some(&dim) = dims.get(id.as_str()) else {
            // An answer for a case not selected (--max-dim, --tag) or not in the suite: the
            // selected cases it should have answered are recorded as missing anyway.
            *ignored += 1;
            continue;
        };
        let outcome = match parse_answer(line, dim, name) {
            Ok(p) => match p.outcome {
                Ok((a, s)) => (Ok(a), s.unwrap_or(0.0)),
                Err(e) => (Err(e), 0.0),
            },
            Err(reason) => (Err((Status::Error, format!("garbage answer: {reason}"))), 0.0),
        };
        match answers.entry(id) {
            Entry::Occupied(e) => notes.push(format!(
                "results line {}: a duplicate answer for {:?} (the first is kept)",
                n + 1,
                e.key()
            )),
            Entry::Vacant(e) => {
                e.insert(outcome);
            }
        }
    }
    let outcomes = entries
        .iter()
        .map(|e| {
            answers.remove(&e.case.id).unwrap_or_else(|| {
                (Err((Status::Error, "missing: no answer line with this id".to_string())), 0.0)
            })
        })
        .collect();
    (outcomes, notes)
}

fn load_entries(options: &ValidateOptions) -> io::Result<Vec<SuiteEntry>> {
    let entries = match &options.suite {
        None => export::builtin_entries(options.max_dim, options.tag.as_deref()).map_err(io::Error::other)?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
            export::parse_lines(&text).map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?
        }
    };
    Ok(export::filter(entries, options.max_dim, options.tag.as_deref()))
}

/// Why the integrator fails, from its results and the protocol notes (empty: it passes); also
/// returns (claims, misses, allowed misses) of the binomial rule. With `grad_tol`, a scored
/// gradient error above it is a failure.
pub fn verdict(
    name: &str,
    results: &[CaseResult],
    notes: &[String],
    grad_tol: Option<f64>,
) -> (Vec<String>, usize, usize, usize) {
    let mut failures = Vec::new();
    for r in results {
        if let (Some(tol), Some(e)) = (grad_tol, r.grad_rel_error) {
            // A NaN error (never produced by the scorer) would fail too.
            if e.is_nan() || e > tol {
                failures.push(format!(
                    "{name} on {}: gradient error {e:.2e} (largest component error / largest reference component) exceeds --grad-tol {tol:e}",
                    r.id
                ));
            }
        }
        if r.status == Status::Error {
            failures.push(format!("{name} on {}: {}", r.id, r.message.as_deref().unwrap_or("")));
        }
        if r.exact_failure {
            failures.push(format!(
                "{name} on {}: claims exactness (error 0) but its relative error {:.2e} exceeds the case's tolerance {:.0e}",
                r.id,
                r.rel_error.unwrap_or(f64::NAN),
                r.tolerance
            ));
        }
    }
    failures.extend(notes.iter().map(|n| format!("{name}: protocol: {n}")));
    let judged: Vec<&CaseResult> =
        results.iter().filter(|r| r.answer.as_ref().is_some_and(|a| !a.exact)).collect();
    let misses = judged.iter().filter(|r| r.covered != Some(true)).count();
    let allowed = allowed_misses(judged.len());
    if misses > allowed {
        let worst: Vec<String> = judged
            .iter()
            .filter(|r| r.covered != Some(true))
            .take(5)
            .map(|r| {
                let a = r.answer.as_ref().expect("judged results have answers");
                format!(
                    "{} (value {:e}, reference {:e}, error {}, reported {})",
                    r.id,
                    a.value,
                    r.reference,
                    r.abs_error.map_or("-".into(), |e| format!("{e:.2e}")),
                    a.error.map_or("none".into(), |e| format!("{e:.2e}"))
                )
            })
            .collect();
        failures.push(format!(
            "{name}: {misses} of {} answers miss their reference by more than the reported error (or the asked accuracy); a 99% interval allows at most {allowed} (99.9% quantile of Binomial({}, 0.01)); e.g. {}",
            judged.len(),
            judged.len(),
            worst.join("; ")
        ));
    }
    (failures, judged.len(), misses, allowed)
}

/// Runs method `choice` for its gradient (`integrate_with_gradient`, the report's budgets) on
/// the cases with a reference gradient and the answer `report` holds, and scores it with
/// [`harness::score_gradient`] (a method without gradients, or one that fails, is not scored).
fn score_compared_gradients(choice: MethodChoice, entries: &[SuiteEntry], report: &mut HarnessReport) {
    for (e, r) in entries.iter().zip(&mut report.results) {
        let Some(reference) = e.reference_gradient.as_ref() else { continue };
        let Some(answer) = r.answer.as_mut() else { continue };
        let problem: &Problem = &e.case.problem;
        let settings = report::settings_for(choice, problem.dim(), report::problem_seed(problem));
        if let Ok((_, g)) =
            mvn_orthant::integrate_with_gradient(problem, choice, &settings, GradientOptions::default())
        {
            answer.gradient = Some(GradientVectors::from_gradient(&g));
            harness::score_gradient(r, Some(reference));
        }
    }
    report.summary = harness::summarize(&report.summary.integrator, &report.results);
}

/// Runs `orthant validate`, writing progress, the per-case problems, the summary table and the
/// verdict to `out`, and the report files under `options.out`.
///
/// # Errors
///
/// I/O errors (reading the suite or results, writing the report); not the integrator's
/// misbehaviour, which is recorded.
pub fn run(options: &ValidateOptions, out: &mut dyn Write) -> io::Result<ValidateOutcome> {
    let entries = load_entries(options)?;
    if entries.is_empty() {
        return Err(io::Error::other("no suite case matches --max-dim and --tag"));
    }
    let name = options.name.as_str();
    writeln!(
        out,
        "orthant validate: {} on {} cases (d = 1 … {}), timeout {} s",
        name,
        entries.len(),
        entries.iter().map(|e| e.case.dim).max().unwrap_or(0),
        options.timeout.as_secs_f64()
    )?;
    let (outcomes, notes) = match &options.source {
        Source::Command(command) => {
            let mut count = 0;
            let total = entries.len();
            run_command(command, name, &entries, options.timeout, &mut |id, outcome| {
                count += 1;
                if let Err((status, reason)) = outcome {
                    let _ = writeln!(out, "  [{count}/{total}] {id}: {}: {reason}", status.name());
                }
            })
        }
        Source::Results(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
            let mut ignored = 0;
            let (outcomes, notes) = read_results(&text, name, &entries, &mut ignored);
            if ignored > 0 {
                writeln!(
                    out,
                    "  ignored {ignored} answer line(s) for cases not selected (--max-dim, --tag) or unknown"
                )?;
            }
            for (e, (o, _)) in entries.iter().zip(&outcomes) {
                if let Err((status, reason)) = o {
                    writeln!(out, "  {}: {}: {reason}", e.case.id, status.name())?;
                }
            }
            (outcomes, notes)
        }
    };
    for n in &notes {
        writeln!(out, "  protocol: {n}")?;
    }
    let results: Vec<CaseResult> = entries
        .iter()
        .zip(outcomes)
        .map(|(e, (o, s))| {
            let mut r = harness::score(&e.case, o, s, Some(options.asked));
            harness::score_gradient(&mut r, e.reference_gradient.as_ref());
            r
        })
        .collect();
    let summary = harness::summarize(name, &results);
    let run = HarnessReport { results, summary };
    let cases: Vec<_> = entries.iter().map(|e| e.case.clone()).collect();
    let compared: Vec<HarnessReport> = options
        .compare
        .iter()
        .map(|&c| {
            let mut report = harness::run(&Budgeted(c), &cases);
            score_compared_gradients(c, &entries, &mut report);
            report
        })
        .collect();
    let (failures, claims, misses, allowed) = verdict(name, &run.results, &notes, options.grad_tol);

    let mut runs = vec![run.clone()];
    runs.extend(compared.iter().cloned());
    writeln!(out)?;
    write!(out, "{}", report::summary_table(&runs))?;
    writeln!(
        out,
        "\ncoverage rule: {misses} of {claims} answers with a positive or no reported error miss their reference (allowed: {allowed}, the 99.9% quantile of Binomial({claims}, 0.01)); answers without an error are judged on abs_tol {:e}, rel_tol {:e}",
        options.asked.abs_tol, options.asked.rel_tol
    )?;
    let with_reference = entries.iter().filter(|e| e.reference_gradient.is_some()).count();
    for r in &runs {
        let m = &r.summary;
        writeln!(
            out,
            "gradients: {} scored {} of the {with_reference} cases with a reference gradient; worst error {}",
            m.integrator,
            m.gradients_scored,
            m.max_grad_rel_error.map_or("-".into(), |e| format!("{e:.2e}")),
        )?;
    }
    if let Some(tol) = options.grad_tol {
        writeln!(out, "gradient rule: every scored gradient error of {name} must be ≤ --grad-tol {tol:e}")?;
    }
    let files = report::write_files(&options.out, &runs, &failures, entries.len())?;
    for f in &files {
        writeln!(out, "wrote {}", f.display())?;
    }
    if failures.is_empty() {
        writeln!(out, "\nPASS: {name} answered every case and meets its own error claims")?;
    } else {
        writeln!(out, "\nFAIL: {} problem(s):", failures.len())?;
        for f in &failures {
            writeln!(out, "  {f}")?;
        }
    }
    Ok(ValidateOutcome { run, compared, notes, claims, misses, allowed_misses: allowed, failures, files })
}
