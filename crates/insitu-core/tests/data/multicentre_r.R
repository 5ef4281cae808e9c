# Reference values for crates/insitu-core/tests/multicentre.rs, computed once
# with R 4.2.2 and survival 3.5.3:
#
#   Rscript crates/insitu-core/tests/data/multicentre_r.R shared/reference/datasets
#
# Each reference data set is split into K pseudo-centres by row order
# (row i, counted from 0, goes to centre "C" + (i mod K) + 1), exactly as the
# Rust test splits it. Times are grouped to the test's grid the way Insitu
# does (t -> ceiling(t / step) * step, values within 1e-9 of a step below a
# grid point counting as that point). The script prints Rust tuples, each
# after a comment with the R call that produced it; they are pasted into the
# test as they are.

library(survival)
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "shared/reference/datasets"

bin <- function(t, step) {
  q <- t / step
  k <- ceiling(q)
  k <- ifelse(k - q > 1 - 1e-9, k - 1, k)
  k * step
}
num <- function(x) {
  if (is.na(x) || !is.finite(x)) return("f64::NAN")
  s <- sprintf("%.17g", x)
  if (grepl("^-?[0-9]+$", s)) paste0(s, ".0") else s  # a Rust f64 literal
}
vec <- function(x) paste0("&[", paste(vapply(x, num, ""), collapse = ", "), "]")

# van Elteren's stratified rank-sum test, k groups: ranks within strata,
# weights 1 / (n + 1), permutation covariance with ties.
van_elteren <- function(x, g, s) {
  ok <- !is.na(x) & !is.na(g)
  x <- x[ok]; g <- droplevels(g[ok]); s <- s[ok]
  K <- nlevels(g); S <- rep(0, K); V <- matrix(0, K, K)
  for (st in unique(s)) {
    i <- s == st; n <- sum(i)
    if (n < 2) next
    r <- rank(x[i]); tt <- table(x[i]); Tt <- sum(tt^3 - tt)
    w <- 1 / (n + 1); s2 <- (n^3 - n - Tt) / (12 * (n - 1))
    ng <- as.numeric(table(g[i]))
    Rg <- tapply(r, g[i], sum); Rg[is.na(Rg)] <- 0
    S <- S + w * (Rg - ng * (n + 1) / 2)
    V <- V + w^2 * s2 * (n * diag(ng, K) - outer(ng, ng)) / n
  }
  rest <- 2:K
  stat <- drop(S[rest] %*% solve(V[rest, rest, drop = FALSE], S[rest]))
  c(stat, K - 1, pchisq(stat, K - 1, lower.tail = FALSE))
}

sets <- list(
  list(name = "ovarian", k = 2, group = "rx", levels = c("1", "2"),
       categorical = list(resid_ds = c("no", "yes"), ecog_ps = c("1", "2")),
       continuous = c("age"),
       endpoints = list(OS = c("os_days", "os_event")), steps = c(1)),
  list(name = "veteran", k = 3, group = "trt", levels = c("standard", "test"),
       categorical = list(celltype = c("squamous", "smallcell", "adeno", "large"),
                          prior_therapy = c("no", "yes")),
       continuous = c("karno", "diagtime_months", "age"),
       endpoints = list(OS = c("os_days", "os_event")), steps = c(1)),
  list(name = "lung", k = 4, group = "sex", levels = c("male", "female"),
       categorical = list(ph_ecog = c("0", "1", "2", "3")),
       continuous = c("age", "ph_karno", "pat_karno", "meal_cal", "wt_loss"),
       endpoints = list(OS = c("os_days", "os_event")), steps = c(1, 30)),
  list(name = "colon", k = 5, group = "rx", levels = c("Obs", "Lev", "Lev+5FU"),
       categorical = list(sex = c("female", "male"), obstruct = c("no", "yes"),
                          perfor = c("no", "yes"), adhere = c("no", "yes"),
                          node4 = c("no", "yes"), differ = c("well", "moderate", "poor"),
                          extent = c("submucosa", "muscle", "serosa", "contiguous structures"),
                          surg = c("short", "long")),
       continuous = c("age", "nodes"),
       endpoints = list(recurrence = c("recurrence_days", "recurrence_event"),
                        OS = c("os_days", "os_event")), steps = c(1)),
  list(name = "paper_lfa_m1", k = 6, group = "group", levels = c("LFA", "M1"),
       categorical = list(sex = c("M", "F"), comorbidity = c("no", "yes"),
                          ct_category = c("cT2", "cT3", "cT4"), cn_category = c("cN0", "cN1", "cN2"),
                          lm_distribution = c("unilobar", "bilobar"),
                          extrahepatic_disease = c("no", "yes"),
                          treatment_completed = c("no", "yes"), lm_pcr = c("yes", "no"),
                          rectal_response = c("No", "pCR", "cCR"),
                          centre = c("C1", "C2", "C3", "C4", "C5", "C6")),
       continuous = c("age", "n_liver_mets", "lm_diameter_cm", "treatment_weeks",
                      "hospital_stay_days"),
       endpoints = list(OS = c("os_months", "os_event"), PFS = c("pfs_months", "pfs_event")),
       steps = c(1))
)

cmh_lines <- c(); lr_lines <- c(); ve_lines <- c()
for (d in sets) {
  x <- read.csv(file.path(dir, paste0(d$name, ".csv")), na.strings = c("", "NA"),
                colClasses = "character")
  n <- nrow(x)
  centre <- paste0("C", (seq_len(n) - 1) %% d$k + 1)
  g <- factor(x[[d$group]], levels = d$levels)
  for (v in names(d$categorical)) {
    f <- factor(x[[v]], levels = d$categorical[[v]])
    ok <- !is.na(f) & !is.na(g)
    tab <- table(droplevels(f[ok]), droplevels(g[ok]), centre[ok])
    call <- sprintf("mantelhaen.test(table(%s, %s, centre)) [%s, %d centres]", v, d$group, d$name, d$k)
    r <- tryCatch(mantelhaen.test(tab), error = function(e) NULL)
    cmh_lines <- c(cmh_lines, paste0("    // ", call),
      if (is.null(r)) sprintf("    (\"%s\", \"%s\", f64::NAN, 0, f64::NAN),", d$name, v)
      else sprintf("    (\"%s\", \"%s\", %s, %d, %s),", d$name, v, num(r$statistic),
                   as.integer(r$parameter), num(r$p.value)))
  }
  for (v in d$continuous) {
    val <- as.numeric(x[[v]])
    r <- van_elteren(val, g, centre)
    ve_lines <- c(ve_lines,
      sprintf("    // van_elteren(%s, %s, centre) [%s, %d centres; function in this script]", v, d$group, d$name, d$k),
      sprintf("    (\"%s\", \"%s\", %s, %d, %s),", d$name, v, num(r[1]), as.integer(r[2]), num(r[3])))
  }
  for (e in names(d$endpoints)) {
    cols <- d$endpoints[[e]]
    t <- as.numeric(x[[cols[1]]]); ev <- as.numeric(x[[cols[2]]])
    ok <- !is.na(t) & !is.na(ev) & !is.na(g)
    for (step in c(0, d$steps)) {
      tt <- if (step == 0) t else bin(t, step)
      fit <- survdiff(Surv(tt[ok], ev[ok]) ~ g[ok] + strata(centre[ok]))
      # observed and expected summed over strata (rows = groups)
      obs <- rowSums(as.matrix(fit$obs)); expd <- rowSums(as.matrix(fit$exp))
      df <- sum(expd > 0) - 1
      p <- pchisq(fit$chisq, df, lower.tail = FALSE)
      what <- if (step == 0) sprintf("Surv(%s, %s)", cols[1], cols[2])
              else sprintf("Surv(bin(%s, %g), %s)", cols[1], step, cols[2])
      lr_lines <- c(lr_lines,
        sprintf("    // survdiff(%s ~ %s + strata(centre)) [%s, %d centres]", what, d$group, d$name, d$k),
        sprintf("    (\"%s\", \"%s\", %s, %s, %d, %s, %s, %s),", d$name, e, num(step), num(fit$chisq), df,
                num(p), vec(obs), vec(expd)))
    }
  }
}
cat("// (data set, variable, statistic, df, p)\nconst CMH: &[(&str, &str, f64, usize, f64)] = &[\n")
cat(cmh_lines, sep = "\n"); cat("];\n\n")
cat("// (data set, variable, statistic, df, p)\nconst VAN_ELTEREN: &[(&str, &str, f64, usize, f64)] = &[\n")
cat(ve_lines, sep = "\n"); cat("];\n\n")
cat("// (data set, endpoint, grid step (0 = exact times), chisq, df, p, observed, expected)\n")
cat("#[allow(clippy::type_complexity)]\nconst STRATIFIED_LOGRANK: &[(&str, &str, f64, f64, usize, f64, &[f64], &[f64])] = &[\n")
cat(lr_lines, sep = "\n"); cat("];\n")
