#!/usr/bin/env Rscript
# R's mvtnorm::pmvnorm as an integrator for `orthant validate`:
#
#   orthant validate --command "Rscript validation/adapters/mvtnorm_adapter.R" --name mvtnorm
#
# Reads one request a line on stdin (the `orthant suite` / `orthant eval` input format: `id`,
# `covariance`, `mean`, `lower`, `upper`, with "inf"/"-inf" for infinite limits) and writes one
# answer a line on stdout, flushed:
#   {"id": ..., "value": P, "error": E, "seconds": t, "method": "mvtnorm-<version>", "message": msg}
#
# `error` is pmvnorm's attr(, "error"). mvtnorm's help says only "estimated absolute error"; the
# Fortran underneath (Genz's MVTDST) documents it as the "estimated absolute error, with 99%
# confidence level", which is what `orthant validate` takes `error` to mean. `message` is
# attr(, "msg") ("Normal Completion", or "Completion with error > abseps" when maxpts ran out);
# `orthant validate` ignores it, but it is in the answer for a person to read.
#
# A request with `df` (a multivariate Student t: `covariance` the scale matrix, `mean` the location)
# is answered by pmvt(lower - mean, upper - mean, sigma = covariance, df = df) with the same
# GenzBretz settings (method "mvtnorm-t-<version>"; the centred limits, because pmvt's `delta` is a
# noncentrality, not a location, under its default type "Kshirsagar"). pmvt accepts only integer
# degrees of freedom: a non-integer df is answered with the error line of kind
# "method-not-applicable" (recorded as n/a).
#
# Dependencies: R and mvtnorm only (Debian: r-base-core r-cran-mvtnorm). Base R has no JSON
# reader, so the request is read with a few regular expressions that understand exactly the
# request format above (numbers, nested arrays of numbers, and "inf"/"-inf" strings); it is not
# a general JSON parser. Options (environment): MVTNORM_MAXPTS (default 25000, GenzBretz's),
# MVTNORM_ABSEPS (default 0.001, GenzBretz's), MVTNORM_RELEPS (default 0), MVTNORM_SEED (1).
suppressPackageStartupMessages(library(mvtnorm))

env_num <- function(name, default) {
  v <- Sys.getenv(name, "")
  if (nzchar(v)) as.numeric(v) else default
}
MAXPTS <- env_num("MVTNORM_MAXPTS", 25000)
ABSEPS <- env_num("MVTNORM_ABSEPS", 0.001)
RELEPS <- env_num("MVTNORM_RELEPS", 0)
SEED <- env_num("MVTNORM_SEED", 1)
METHOD <- paste0("mvtnorm-", as.character(packageVersion("mvtnorm")))
METHOD_T <- paste0("mvtnorm-t-", as.character(packageVersion("mvtnorm")))

# The scalar number that follows "key": in line (null and "inf" as Inf), or Inf when absent.
json_scalar <- function(line, key) {
  m <- regmatches(line, regexec(paste0('"', key, '"[[:space:]]*:[[:space:]]*([^,}[:space:]]+)'), line))[[1]]
  if (length(m) == 0) return(Inf)
  v <- gsub('"', "", m[2])
  if (v == "null") return(Inf)
  x <- suppressWarnings(as.numeric(v))
  if (is.na(x)) stop(paste("not a number:", key))
  x
}

# A refusal: the error line of kind "method-not-applicable".
not_applicable <- function(message) structure(class = c("not_applicable", "error", "condition"),
                                             list(message = message, call = NULL))

# The text of the JSON array that follows "key": in line (brackets balanced), or NULL.
json_array <- function(line, key) {
  m <- regexpr(paste0('"', key, '"[[:space:]]*:[[:space:]]*\\['), line)
  if (m < 0) return(NULL)
  start <- m + attr(m, "match.length") - 1
  chars <- strsplit(substring(line, start), "")[[1]]
  depth <- cumsum((chars == "[") - (chars == "]"))
  end <- which(depth == 0)[1]
  if (is.na(end)) stop(paste("unbalanced array for", key))
  paste(chars[1:end], collapse = "")
}

# The numbers of an array (flattened), with "inf"/"-inf"/null as infinities.
json_numbers <- function(text, null_value) {
  items <- strsplit(gsub("[][[:space:]]", "", text), ",")[[1]]
  items <- items[nzchar(items)]
  items <- gsub('"', "", items)
  items[items == "null"] <- as.character(null_value)
  v <- suppressWarnings(as.numeric(items))  # as.numeric reads "inf", "-inf", "Inf"
  if (any(is.na(v))) stop(paste("not a number in", substr(text, 1, 60)))
  v
}

# The id, still JSON-escaped (it is written back verbatim), or its literal text if not a string.
json_id <- function(line) {
  m <- regmatches(line, regexec('"id"[[:space:]]*:[[:space:]]*"((\\\\.|[^"\\\\])*)"', line))[[1]]
  if (length(m) > 0) return(paste0('"', m[2], '"'))
  m <- regmatches(line, regexec('"id"[[:space:]]*:[[:space:]]*([^,}[:space:]]+)', line))[[1]]
  if (length(m) > 0) return(m[2])
  "null"
}

num <- function(x) if (is.finite(x)) sprintf("%.17g", x) else paste0('"', tolower(as.character(x)), '"')
esc <- function(s) gsub('"', '\\\\"', gsub("\\\\", "\\\\\\\\", s))

answer <- function(line) {
  cov_text <- json_array(line, "covariance")
  if (is.null(cov_text)) stop("no covariance")
  cov <- json_numbers(cov_text, NA)
  d <- as.integer(round(sqrt(length(cov))))
  if (d * d != length(cov)) stop("covariance is not square")
  sigma <- matrix(cov, d, d, byrow = TRUE)
  field <- function(key, default) {
    t <- json_array(line, key)
    if (is.null(t)) rep(default, d) else json_numbers(t, default)
  }
  mean <- field("mean", 0)
  lower <- field("lower", -Inf)
  upper <- field("upper", Inf)
  df <- json_scalar(line, "df")
  method <- METHOD
  if (is.finite(df) && df != round(df)) {
    stop(not_applicable(paste0("pmvt needs an integer df, not ", df)))
  }
  run <- function() {
    set.seed(SEED)
    if (is.finite(df)) {
      pmvt(lower = lower - mean, upper = upper - mean, sigma = sigma, df = as.integer(df),
           algorithm = GenzBretz(maxpts = MAXPTS, abseps = ABSEPS, releps = RELEPS))
    } else {
      pmvnorm(lower = lower, upper = upper, mean = mean, sigma = sigma,
              algorithm = GenzBretz(maxpts = MAXPTS, abseps = ABSEPS, releps = RELEPS))
    }
  }
  if (is.finite(df)) method <- METHOD_T
  start <- proc.time()[["elapsed"]]
  p <- run()
  seconds <- proc.time()[["elapsed"]] - start
  # proc.time() ticks in milliseconds: time a fast case over repeats (same seed, same answer).
  if (seconds < 0.01) {
    reps <- 0
    start <- proc.time()[["elapsed"]]
    while ((elapsed <- proc.time()[["elapsed"]] - start) < 0.02) {
      run()
      reps <- reps + 1
    }
    seconds <- elapsed / reps
  }
  err <- attr(p, "error")
  msg <- attr(p, "msg")
  paste0('{"value": ', num(as.numeric(p)),
         if (!is.null(err) && !is.na(err)) paste0(', "error": ', num(err)) else "",
         ', "seconds": ', num(seconds), ', "method": "', method, '"',
         if (!is.null(msg)) paste0(', "message": "', esc(msg), '"') else "", "}")
}

con <- file("stdin", open = "r")
while (length(line <- readLines(con, n = 1, warn = FALSE)) > 0) {
  if (!nzchar(trimws(line))) next
  id <- json_id(line)
  out <- tryCatch({
    body <- answer(line)
    paste0('{"id": ', id, ", ", substring(body, 2))
  }, not_applicable = function(e) {
    paste0('{"id": ', id, ', "status": "error", "kind": "method-not-applicable", "message": "',
           esc(conditionMessage(e)), '"}')
  }, error = function(e) {
    paste0('{"id": ', id, ', "status": "error", "kind": "internal", "message": "',
           esc(conditionMessage(e)), '"}')
  })
  cat(out, "\n", sep = "")
  flush(stdout())
}
