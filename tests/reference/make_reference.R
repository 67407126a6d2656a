# Reference values for tests/test_analysis.py, computed with R's survival package.
#
# Re-run from the repository root:
#     Rscript tests/reference/make_reference.R
# It (re)writes the generated data sets tests/reference/data/<name>.csv (fixed
# seeds) and tests/reference/r_values.json. The kmdata files TH3RESA_2A.csv and
# CEREBEL_2A.csv in tests/reference/data/ are inputs and are not rewritten.
# Needs only base R and survival (3.x); written with R 4.2.2 and survival 3.5.3.
# The tests read the JSON; they never call R.

suppressPackageStartupMessages(library(survival))

ref_dir <- file.path("tests", "reference")
data_dir <- file.path(ref_dir, "data")
if (!dir.exists(data_dir)) stop("run from the repository root: ", data_dir, " not found")

# ---------------------------------------------------------------- JSON writer
# Scalars for length-1 atomics, arrays otherwise (I() forces an array);
# NA/NaN -> null, +-Inf -> the strings "Inf"/"-Inf".
json_num <- function(v) {
  if (is.na(v)) return("null")
  if (is.infinite(v)) return(if (v > 0) "\"Inf\"" else "\"-Inf\"")
  sprintf("%.17g", v)
}
json_atom <- function(v) {
  if (is.logical(v)) return(if (is.na(v)) "null" else if (v) "true" else "false")
  if (is.numeric(v)) return(json_num(v))
  paste0("\"", gsub("\"", "\\\\\"", as.character(v)), "\"")
}
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    items <- vapply(x, to_json, "")
    if (!is.null(names(x))) {
      return(paste0("{", paste0("\"", names(x), "\": ", items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  if (length(x) == 1 && !inherits(x, "AsIs")) return(json_atom(x))
  paste0("[", paste(vapply(unclass(x), json_atom, ""), collapse = ", "), "]")
}

# ---------------------------------------------------------------- data sets
arm_data <- function(arm, time, event) data.frame(arm = arm, time = time, event = event)

simulate_arm <- function(arm, n, rate, censor_max, shape = 1, digits = 2) {
  t <- rweibull(n, shape = shape, scale = 1 / rate)
  c <- runif(n, 0, censor_max)
  arm_data(arm, round(pmax(pmin(t, c), 0.01), digits), as.integer(t <= c))
}

make_ties <- function() {  # integer months: many tied events and censorings
  set.seed(101)
  d <- rbind(simulate_arm("control", 120, 0.10, 30), simulate_arm("treatment", 120, 0.07, 30))
  d$time <- pmax(ceiling(d$time), 1)
  d
}
make_heavy_censoring <- function() {  # ~75% censored
  set.seed(202)
  rbind(simulate_arm("control", 150, 0.04, 14), simulate_arm("treatment", 150, 0.025, 14))
}
make_not_reached <- function() {  # arm "A" never drops to 0.5
  set.seed(303)
  rbind(simulate_arm("A", 100, 0.015, 40), simulate_arm("B", 100, 0.06, 40))
}
make_three_arm <- function() {
  set.seed(404)
  rbind(simulate_arm("a", 60, 0.08, 36, shape = 1.3, digits = 1),
        simulate_arm("b", 70, 0.06, 36, shape = 1.0, digits = 1),
        simulate_arm("c", 80, 0.05, 36, shape = 0.8, digits = 1))
}
make_flat_half <- function() {  # "flat": S is exactly 0.5 from t = 10 to t = 15
  set.seed(505)
  flat <- arm_data("flat", c(1:10, 11, 12, 13, 15, 16, 18, 20, 22, 25, 28),
                   c(rep(1, 10), 0, 0, 0, 1, 1, 0, 1, 1, 0, 1))
  rbind(flat, simulate_arm("other", 30, 0.05, 30, digits = 0))
}
make_last_event <- function() {  # arm "x" ends with an event (S drops to 0)
  set.seed(606)
  x <- simulate_arm("x", 25, 0.1, 60)
  x$event[which.max(x$time)] <- 1L
  rbind(x, simulate_arm("y", 30, 0.06, 25))
}
make_crossing <- function() {  # non-proportional hazards: curves cross
  set.seed(707)
  rbind(simulate_arm("exp", 100, 0.08, 30, shape = 1.0),
        simulate_arm("weibull", 100, 0.06, 30, shape = 2.2))
}

generated <- list(ties = make_ties, heavy_censoring = make_heavy_censoring,
                  not_reached = make_not_reached, three_arm = make_three_arm,
                  flat_half = make_flat_half, last_event = make_last_event,
                  crossing = make_crossing)
for (name in names(generated)) {
  write.csv(generated[[name]](), file.path(data_dir, paste0(name, ".csv")),
            row.names = FALSE, quote = FALSE)
}

# What each case analyses: files, arms (first = reference), landmarks, cuts and
# tau_given (NULL: the default, the smallest of the arms' largest times; the tau
# used is written as "tau").
case <- function(files, arms, landmarks, cuts, tau = NULL) {
  list(files = I(files), arms = I(arms), landmarks = I(landmarks), cuts = I(cuts),
       tau_given = tau)
}
cases <- list(
  ties = case("ties.csv", c("control", "treatment"), c(0, 6, 12, 24, 60), c(6, 12)),
  heavy_censoring = case("heavy_censoring.csv", c("control", "treatment"), c(3, 6, 12), c(4, 8)),
  not_reached = case("not_reached.csv", c("A", "B"), c(6, 12, 24, 36), c(12), tau = 24),
  three_arm = case("three_arm.csv", c("a", "b", "c"), c(6, 12, 24), c(6, 18)),
  flat_half = case("flat_half.csv", c("flat", "other"), c(10, 12.5, 27), c(8, 16)),
  last_event = case("last_event.csv", c("x", "y"), c(5, 10, 20, 40), c(5, 15, 22)),
  crossing = case("crossing.csv", c("exp", "weibull"), c(3, 6, 12), c(5, 10)),
  th3resa = case("TH3RESA_2A.csv", c("physicians_choice", "trastuzumab_emtansine"),
                 c(3, 6, 12), c(3, 6)),
  cerebel = case("CEREBEL_2A.csv", c("trastuzumab_cape", "lapatinib_cape"),
                 c(3, 6, 12), c(6)),
  her2_cross_trial = case(c("CEREBEL_2A.csv", "TH3RESA_2A.csv"),
                          c("lapatinib_cape", "trastuzumab_emtansine"), c(3, 6, 12, 24), c(4, 8))
)

load_case <- function(spec) {
  d <- do.call(rbind, lapply(spec$files, function(f) read.csv(file.path(data_dir, f))))
  d <- d[d$arm %in% spec$arms, ]
  d$arm <- factor(d$arm, levels = spec$arms)
  d
}

# ---------------------------------------------------------------- per arm
km_fit <- function(d, level = 0.95) {
  survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log", conf.int = level)
}

arm_values <- function(d, landmarks, tau, tau_ext) {
  fit <- km_fit(d)
  fit90 <- km_fit(d, 0.90)
  q <- quantile(fit, c(0.25, 0.5, 0.75))
  marks <- lapply(landmarks, function(t) {
    if (t > max(fit$time)) return(NULL)  # summary() refuses times beyond follow-up
    s <- summary(fit, times = t, extend = FALSE)
    list(time = t, surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
  })
  names(marks) <- vapply(landmarks, function(t) format(t, digits = 15), "")
  rm_tab <- function(t) {
    tab <- summary(fit, rmean = t)$table
    list(tau = t, rmean = unname(tab["rmean"]), se = unname(tab["se(rmean)"]))
  }
  list(n = nrow(d), events = sum(d$event),
       km = list(time = I(fit$time), n_risk = I(fit$n.risk), n_event = I(fit$n.event),
                 n_censor = I(fit$n.censor), surv = I(fit$surv), std_err = I(fit$std.err),
                 lower = I(fit$lower), upper = I(fit$upper),
                 lower90 = I(fit90$lower), upper90 = I(fit90$upper)),
       quantiles = list(probs = I(c(0.25, 0.5, 0.75)), estimate = I(unname(q$quantile)),
                        lower = I(unname(q$lower)), upper = I(unname(q$upper))),
       landmarks = marks, rmst = rm_tab(tau), rmst_extended = rm_tab(tau_ext))
}

# ---------------------------------------------------------------- comparisons
cox_values <- function(time, event, treated, start = NULL) {
  if (sum(event[treated == 1]) == 0 || sum(event[treated == 0]) == 0) {
    return(list(coef = NULL, se = NULL, hr = NULL, lower = NULL, upper = NULL,
                pvalue = NULL, wald = NULL, events = sum(event)))
  }
  fit <- if (is.null(start)) {
    coxph(Surv(time, event) ~ treated, ties = "efron")
  } else {
    coxph(Surv(start, time, event) ~ treated, ties = "efron")
  }
  s <- summary(fit)
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       hr = unname(s$conf.int[1, "exp(coef)"]), lower = unname(s$conf.int[1, "lower .95"]),
       upper = unname(s$conf.int[1, "upper .95"]), pvalue = unname(s$coefficients[1, "Pr(>|z|)"]),
       wald = unname(fit$wald.test), events = sum(event), fit = fit)
}

piece_values <- function(d, cuts) {
  starts <- c(0, cuts)
  stops <- c(cuts, Inf)
  lapply(seq_along(starts), function(i) {
    p <- d[d$time > starts[i], ]
    stop_t <- pmin(p$time, stops[i])
    ev <- as.integer(p$event == 1 & p$time <= stops[i])
    v <- cox_values(stop_t, ev, p$treated, start = rep(starts[i], nrow(p)))
    v$fit <- NULL
    c(list(start = starts[i], stop = if (is.finite(stops[i])) stops[i] else NULL), v)
  })
}

logrank_values <- function(d) {
  sd <- survdiff(Surv(time, event) ~ arm, data = d)
  df <- sum(sd$n > 0) - 1
  list(statistic = sd$chisq, df = df, pvalue = pchisq(sd$chisq, df, lower.tail = FALSE))
}

comparison_values <- function(d, arm, reference, cuts) {
  d <- d[d$arm %in% c(reference, arm), ]
  d$arm <- droplevels(d$arm)
  d$treated <- as.numeric(d$arm == arm)
  cox <- cox_values(d$time, d$event, d$treated)
  zph <- cox.zph(cox$fit)$table["GLOBAL", ]
  cox$fit <- NULL
  list(arm = arm, reference = reference, cox = cox, logrank = logrank_values(d),
       zph = list(statistic = unname(zph["chisq"]), df = unname(zph["df"]),
                  pvalue = unname(zph["p"])),
       piecewise = piece_values(d, cuts))
}

case_values <- function(spec) {
  d <- load_case(spec)
  last <- tapply(d$time, d$arm, max)
  tau <- if (is.null(spec$tau_given)) min(last) else spec$tau_given
  arms <- lapply(spec$arms, function(a) {
    arm_values(d[d$arm == a, ], spec$landmarks, tau, max(last))
  })
  names(arms) <- spec$arms
  arm_names <- as.character(spec$arms)
  comps <- lapply(arm_names[-1], function(a) comparison_values(d, a, arm_names[1], spec$cuts))
  c(spec, list(tau = tau, tau_extended = max(last), arm_values = arms,
               comparisons = comps, logrank_overall = logrank_values(d)))
}

values <- lapply(cases, case_values)
meta <- list(r_version = R.version.string,
             survival_version = as.character(packageVersion("survival")),
             script = "tests/reference/make_reference.R")
writeLines(to_json(list(meta = meta, cases = values)), file.path(ref_dir, "r_values.json"))
cat("wrote", file.path(ref_dir, "r_values.json"), "\n")
