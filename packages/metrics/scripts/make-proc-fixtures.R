#!/usr/bin/env Rscript
# Records reference outputs of R's pROC (AUROC, DeLong variance and CI, ROC coordinates, paired
# DeLong test) and of stats::ks.test as JSON fixtures for packages/metrics/test.
#
# Inputs are generated here with a fixed seed and stored in the fixtures, so the TypeScript tests
# read exactly the numbers R used. Doubles are written with 17 significant digits (exact round trip).
#
# Usage (from anywhere): Rscript packages/metrics/scripts/make-proc-fixtures.R
# Needs: R with pROC (Debian: r-cran-proc).

suppressPackageStartupMessages(library(pROC))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- normalizePath(file.path(dirname(script), "..", "test", "fixtures"), mustWork = FALSE)
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# --- minimal JSON writer with exact doubles -------------------------------------------------
arr <- function(x) structure(x, json_array = TRUE)
enc_num <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.nan(x)] <- "null"
  s[is.infinite(x) & x > 0] <- "\"Infinity\""
  s[is.infinite(x) & x < 0] <- "\"-Infinity\""
  s
}
enc <- function(v) {
  if (is.list(v)) {
    if (!is.null(names(v))) {
      return(paste0("{", paste0("\"", names(v), "\":", vapply(v, enc, ""), collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(v, enc, ""), collapse = ","), "]"))
  }
  items <- if (is.character(v)) paste0("\"", v, "\"") else if (is.logical(v)) tolower(as.character(v)) else enc_num(as.numeric(v))
  if (isTRUE(attr(v, "json_array")) || length(v) != 1) paste0("[", paste(items, collapse = ","), "]") else items
}
write_json <- function(x, name) {
  path <- file.path(out_dir, name)
  writeLines(enc(x), path)
  cat("wrote", path, "\n")
}

# --- deterministic inputs -------------------------------------------------------------------
set.seed(20220517)
make <- function(name, cases, controls) {
  list(name = name, response = c(rep(1, length(cases)), rep(0, length(controls))), predictor = c(cases, controls))
}
single_inputs <- list(
  make("continuous-small", rnorm(10, 1), rnorm(15)),
  make("continuous-medium", rnorm(100, 0.7), rnorm(100)),
  make("ties-rounded", round(rnorm(30, 0.5), 1), round(rnorm(40), 1)),
  make("ties-ordinal-ratings", sample(1:5, 50, TRUE, prob = c(.1, .1, .2, .3, .3)), sample(1:5, 80, TRUE, prob = c(.3, .3, .2, .1, .1))),
  make("tiny-2-2", c(0.8, 0.3), c(0.4, 0.1)),
  make("tiny-2-3-tie", c(0.6, 0.2), c(0.6, 0.2, 0.1)),
  make("perfect-separation", c(0.9, 0.8, 0.95, 0.7, 0.85), c(0.1, 0.2, 0.3, 0.05, 0.4, 0.6)),
  make("tie-at-the-boundary", c(1, 1, 2), c(0, 1, 0)),
  make("perfect-inverse", c(0.1, 0.2, 0.3), c(0.7, 0.8, 0.9, 0.95)),
  make("all-tied", rep(0.5, 4), rep(0.5, 6)),
  make("below-chance", rnorm(20, -0.5), rnorm(25)),
  make("binary-predictor", rbinom(40, 1, 0.7), rbinom(60, 1, 0.2)),
  make("large-ties", round(plogis(rnorm(400, 1)), 2), round(plogis(rnorm(1100)), 2)),
  make("imbalanced", rnorm(3, 1), rnorm(200)),
  make("extreme-magnitudes", c(1e10, -3, 2e-8, 5e5), c(-1e10, -3, 1e-9, 7, -2e5))
)

single <- lapply(single_inputs, function(s) {
  r <- roc(s$response, s$predictor, levels = c(0, 1), direction = "<", quiet = TRUE)
  ci <- suppressWarnings(ci.auc(r, method = "delong", conf.level = 0.95))
  v <- suppressWarnings(var(r, method = "delong"))
  list(
    name = s$name,
    response = arr(s$response),
    predictor = arr(s$predictor),
    auc = as.numeric(auc(r)),
    var = v,
    ci = arr(c(ci[1], ci[3])),
    thresholds = arr(r$thresholds),
    sensitivities = arr(r$sensitivities),
    specificities = arr(r$specificities)
  )
})

make_paired <- function(name, response, p1, p2) list(name = name, response = response, predictor1 = p1, predictor2 = p2)
y <- c(rep(1, 40), rep(0, 60))
a <- rnorm(100, y * 1.2)
y2 <- c(rep(1, 30), rep(0, 50))
b <- round(rnorm(80, y2), 1)
y3 <- c(1, 1, 1, 0, 0, 0, 0)
y4 <- c(rep(1, 300), rep(0, 500))
d <- rnorm(800, y4 * 0.8)
y5 <- c(rep(1, 25), rep(0, 35))
e <- rnorm(60, y5)
paired_inputs <- list(
  make_paired("correlated-continuous", y, a, a + rnorm(100, 0, 0.8)),
  make_paired("correlated-ties", y2, b, round(b + rnorm(80, 0, 0.7), 1)),
  make_paired("tiny-3-4", y3, c(0.9, 0.4, 0.7, 0.5, 0.1, 0.3, 0.2), c(0.6, 0.8, 0.3, 0.7, 0.2, 0.3, 0.1)),
  make_paired("one-perfect", y5, c(rnorm(25, 3), rnorm(35, -3)), e),
  make_paired("large", y4, d, 0.6 * d + rnorm(800, y4 * 0.3)),
  make_paired("independent-models", y5, e, rnorm(60, y5 * 0.5))
)
paired <- lapply(paired_inputs, function(s) {
  r1 <- roc(s$response, s$predictor1, levels = c(0, 1), direction = "<", quiet = TRUE)
  r2 <- roc(s$response, s$predictor2, levels = c(0, 1), direction = "<", quiet = TRUE)
  t <- suppressWarnings(roc.test(r1, r2, method = "delong", paired = TRUE))
  list(
    name = s$name,
    response = arr(s$response),
    predictor1 = arr(s$predictor1),
    predictor2 = arr(s$predictor2),
    auc1 = as.numeric(auc(r1)),
    auc2 = as.numeric(auc(r2)),
    statistic = unname(t$statistic),
    p_value = t$p.value,
    conf_int = arr(as.numeric(t$conf.int))
  )
})

write_json(list(
  generator = "packages/metrics/scripts/make-proc-fixtures.R",
  R = R.version.string,
  pROC = as.character(packageVersion("pROC")),
  single = single,
  paired = paired
), "proc-auroc.json")

# --- two-sample Kolmogorov-Smirnov (asymptotic p-value) -------------------------------------
ks_inputs <- list(
  list(name = "shifted-normal", x = rnorm(300), y = rnorm(200, 0.3)),
  list(name = "same-distribution", x = runif(150), y = runif(180)),
  list(name = "with-ties", x = round(rnorm(120), 1), y = round(rnorm(90, 0.2), 1)),
  list(name = "slice-thickness", x = sample(c(0.625, 1, 1.25, 2.5), 100, TRUE), y = sample(c(0.625, 1, 1.25, 2.5, 5), 80, TRUE))
)
ks <- lapply(ks_inputs, function(s) {
  t <- suppressWarnings(ks.test(s$x, s$y, exact = FALSE))
  list(name = s$name, x = arr(s$x), y = arr(s$y), statistic = unname(t$statistic), p_value = t$p.value)
})
write_json(list(generator = "packages/metrics/scripts/make-proc-fixtures.R", R = R.version.string, ks = ks), "r-ks.json")
