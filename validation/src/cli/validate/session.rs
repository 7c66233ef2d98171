//! A running external integrator ([`Session`]): its process group, the threads on its pipes, one
//! request and answer at a time with a timeout ([`ask`]), and the run over the suite
//! ([`run_command`]).

use super::answer::{parse_answer, truncate, AnswerOutcome, CaseOutcome};
use super::MAX_CONSECUTIVE_FAILURES;
use crate::cli::export::SuiteEntry;
use crate::harness::Status;
use std::collections::{HashSet, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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

/// Runs the command over the entries: one outcome (answer or reason, seconds) per entry, and
/// the protocol notes.
pub(super) fn run_command(
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
