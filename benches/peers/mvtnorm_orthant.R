# Times R's mvtnorm (pmvnorm) on the problems written by `peer_problems write DIR`.
# Usage: Rscript mvtnorm_orthant.R DIR [REGEX]   (REGEX: only the problems whose name matches)
# Prints CSV rows: peer,algorithm,problem,d,tol,time_ms,reported_error,achieved_error,threads
#   GenzBretz-default: GenzBretz() as shipped (maxpts 25000, abseps 1e-3, releps 0);
#   GenzBretz: maxpts 1e8 and abseps 1e-3 ... 1e-6 for d <= 10, to 1e-5 for d = 20, to 1e-4
#   for d >= 50 (tighter ones take minutes per call: 1e-6 at d = 20 took over 100 s);
#   Miwa (d <= 5, steps 128; 40 s per call at d = 10), TVPACK (d = 2, 3; upper limits only, lower = -Inf).
# With PEER_DF=nu in the environment (the t comparison, DF=nu for the peer script): pmvt(df = nu)
# with GenzBretz only (TVPACK and Miwa are not used for the t).
# With PEER_SETTINGS=default in the environment only GenzBretz() as shipped runs (d > 3).
# Ten seeds per setting (three when a call takes over 0.5 s): time is the mean, achieved error
# the root mean square of |P - reference|, reported error the mean of attr(p, "error").
suppressMessages(library(mvtnorm))
df <- as.numeric(Sys.getenv("PEER_DF", "0"))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "target/peers"
index <- read.csv(file.path(dir, "index.csv"), stringsAsFactors = FALSE)
if (length(args) >= 2) index <- index[grepl(args[2], index$name), ]
run <- function(label, name, d, tol, ref, f) {
  t0 <- proc.time()[["elapsed"]]
  invisible(f())  # warm-up; its time picks the number of seeds
  seeds <- if (proc.time()[["elapsed"]] - t0 < 0.5) 1:10 else 1:3
  ms <- 0; sq <- 0; rep <- 0
  for (s in seeds) {
    set.seed(s)
    t0 <- proc.time()[["elapsed"]]
    p <- f()
    ms <- ms + (proc.time()[["elapsed"]] - t0) * 1000
    sq <- sq + (as.numeric(p) - ref)^2
    e <- attr(p, "error"); rep <- rep + if (is.null(e)) NA else e
  }
  n <- length(seeds)
  cat(sprintf("mvtnorm,%s,%s,%d,%g,%.6e,%.3e,%.3e,1\n", label, name, d, tol, ms / n, rep / n, sqrt(sq / n)))
}
# Very fast calls are below proc.time's resolution: repeat them.
run_fast <- function(label, name, d, tol, ref, f, reps = 2000) {
  invisible(f())
  t0 <- proc.time()[["elapsed"]]
  for (i in 1:reps) p <- f()
  ms <- (proc.time()[["elapsed"]] - t0) * 1000 / reps
  e <- attr(p, "error")
  cat(sprintf("mvtnorm,%s,%s,%d,%g,%.6e,%.3e,%.3e,1\n", label, name, d, tol, ms,
              if (is.null(e)) NA else e, abs(as.numeric(p) - ref)))
}
for (k in seq_len(nrow(index))) {
  name <- index$name[k]; d <- index$d[k]; ref <- index$reference[k]
  sigma <- as.matrix(read.csv(file.path(dir, paste0(name, ".cov.csv")), header = FALSE))
  dimnames(sigma) <- NULL
  lim <- as.matrix(read.csv(file.path(dir, paste0(name, ".lim.csv")), header = FALSE))
  lower <- as.numeric(lim[1, ]); upper <- as.numeric(lim[2, ])
  call <- if (df > 0) {
    function(alg) function() pmvt(lower = lower, upper = upper, sigma = sigma, df = df, algorithm = alg)
  } else {
    function(alg) function() pmvnorm(lower = lower, upper = upper, sigma = sigma, algorithm = alg)
  }
  if (d <= 3) {
    if (all(is.infinite(lower) & lower < 0)) run_fast("TVPACK", name, d, 1e-14, ref, call(TVPACK(abseps = 1e-14)))
    run_fast("Miwa", name, d, 0, ref, call(Miwa(steps = 128)), reps = 500)
    run_fast("GenzBretz-default", name, d, 1e-3, ref, call(GenzBretz()), reps = 200)
    next
  }
  run("GenzBretz-default", name, d, 1e-3, ref, call(GenzBretz()))
  if (Sys.getenv("PEER_SETTINGS") == "default") next
  tols <- if (d >= 50) c(1e-3, 1e-4) else if (d >= 20) c(1e-3, 1e-4, 1e-5) else c(1e-3, 1e-4, 1e-5, 1e-6)
  for (tol in tols) run("GenzBretz", name, d, tol, ref, call(GenzBretz(maxpts = 1e8, abseps = tol, releps = 0)))
  if (d <= 5 && df == 0) run("Miwa", name, d, 0, ref, call(Miwa(steps = 128)))
}
