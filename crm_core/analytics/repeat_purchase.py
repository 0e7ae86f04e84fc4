"""BG/NBD purchase counts and Gamma-Gamma spend per purchase, fitted by maximum likelihood (numpy/scipy).

BG/NBD (Fader, Hardie & Lee 2005): while alive a client buys at a Poisson rate drawn from
Gamma(r, alpha); after each purchase it drops out with a probability drawn from Beta(a, b).
Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): the mean spend per purchase of a client is
drawn from a Gamma prior, so a client's expected spend is its own mean shrunk towards the portfolio's.
Inputs per client: x repeat purchases, t_x the age at the last purchase and t the age at the cut-off
(days since the first purchase), m the mean spend of the repeat purchases. Everything is vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1
from threadpoolctl import ThreadpoolController

# The parameters are population-level: a seeded sample of this many clients estimates them as well
# as all of them would, and keeps the fit fast on 100,000 clients.
FIT_SAMPLE = 25_000
_LOG_BOUNDS = (-9.0, 9.0)
# Gamma-Gamma's q must exceed 1 for a finite mean spend; a fit that ends at this bound means the
# Gamma prior cannot describe how mean spend varies across clients.
GG_MIN_Q = 1.05


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters (time in days)."""

    r: float
    alpha: float
    a: float
    b: float

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, rate_scale: np.ndarray | float = 1.0) -> np.ndarray:
        """Probability that each client is still buying at its age `t`.

        `rate_scale` multiplies each client's prior purchase rate (alpha / rate_scale; see
        rate_covariate_effect); 1 is the plain model.
        """
        r, alpha, a, b = self.r, self.alpha / rate_scale, self.a, self.b
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            ratio = np.exp((r + x) * (np.log(alpha + t) - np.log(alpha + t_x)))
            odds = np.where(x > 0, a / np.maximum(b + x - 1.0, 1e-12) * ratio, 0.0)
        return 1.0 / (1.0 + odds)

    def expected_purchases(
        self, horizon: float, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, rate_scale: np.ndarray | float = 1.0
    ) -> np.ndarray:
        """Expected number of purchases in the next `horizon` days, given each client's history
        (`rate_scale` as in p_alive)."""
        r, alpha, a, b = self.r, self.alpha / rate_scale, self.a, self.b
        if abs(a - 1.0) < 1e-6:  # the closed form has a removable singularity at a = 1
            a = 1.0 + 1e-6
        z = horizon / (alpha + t + horizon)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            hyper = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
            decay = np.exp((r + x) * (np.log(alpha + t) - np.log(alpha + t + horizon)))
            if_alive = (a + b + x - 1.0) / (a - 1.0) * (1.0 - decay * hyper)
            result = if_alive * self.p_alive(x, t_x, t, rate_scale)
        # Where the hypergeometric series does not converge numerically, fall back to the
        # alive-probability times the client's posterior mean rate (nearly equal for short horizons).
        rate = (r + x) / (alpha + t)
        fallback = self.p_alive(x, t_x, t, rate_scale) * rate * horizon
        bad = ~np.isfinite(result) | (result < 0)
        return np.where(bad, fallback, result)


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend parameters."""

    p: float
    q: float
    gamma: float

    @property
    def degenerate(self) -> bool:
        """True when the fit ended at the q bound (mean spend too heavy-tailed for a Gamma prior)."""
        return self.q <= GG_MIN_Q * 1.001

    @property
    def population_mean(self) -> float:
        """Expected spend per purchase of a client without repeat purchases."""
        return self.p * self.gamma / (self.q - 1.0)

    def expected_spend(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Posterior mean spend per purchase: the client's mean `m` over `x` purchases, shrunk."""
        m = np.where(x > 0, np.nan_to_num(m), 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1.0)


def _sample(n: int) -> np.ndarray:
    if n <= FIT_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(20240101).choice(n, FIT_SAMPLE, replace=False))


@lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The process's BLAS thread pools (found once: inspecting the loaded libraries takes milliseconds)."""
    return ThreadpoolController()


F = TypeVar("F", bound=Callable[..., Any])


def one_blas_thread(func: F) -> F:
    """Run `func` with BLAS on one thread: the fits' vectors and matrices have a few entries, and waking
    OpenBLAS's threads for each small call cost 5-10x the fit's own time (more on a loaded machine)."""

    @wraps(func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        with _blas().limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return cast(F, limited)


@one_blas_thread
def _minimise(func: Callable[..., Any], start: np.ndarray, args: tuple, bounds: list, jac: bool = False) -> np.ndarray | None:
    """L-BFGS-B from `start`; Nelder-Mead from where it stopped only if it did not converge.

    With `jac`, `func` returns (value, gradient).
    """
    return _minimise_here(func, start, args, bounds, jac)


def _minimise_here(func: Callable[..., Any], start: np.ndarray, args: tuple, bounds: list, jac: bool) -> np.ndarray | None:
    res = minimize(func, start, args=args, method="L-BFGS-B", jac=jac, bounds=bounds, options={"maxiter": 500})
    if res.success and np.isfinite(res.fun):
        return res.x
    retry_from = res.x if np.all(np.isfinite(res.x)) else start
    value_only = (lambda p, *a: func(p, *a)[0]) if jac else func
    retry = minimize(value_only, retry_from, args=args, method="Nelder-Mead", bounds=bounds, options={"maxiter": 2000})
    candidates = [r for r in (res, retry) if np.isfinite(r.fun)]
    return min(candidates, key=lambda r: r.fun).x if candidates else None


def _bgnbd_nll(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, unique_x: np.ndarray, x_index: np.ndarray
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of BG/NBD and its gradient in the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    # The gamma-function terms depend on x only: computed once per distinct x.
    per_x = gammaln(r + unique_x) - gammaln(r) + gammaln(a + b) + gammaln(b + unique_x) - gammaln(b) - gammaln(a + b + unique_x)
    log_t = np.log(alpha + t)
    log_tx = np.log(alpha + t_x)
    repeat = x > 0
    a3 = -(r + x) * log_t
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(repeat, np.log(a) - np.log(np.maximum(b + x - 1.0, 1e-12)) - (r + x) * log_tx, -np.inf)
    total = np.logaddexp(a3, a4)
    w3 = np.exp(a3 - total)
    w4 = np.where(repeat, np.exp(a4 - total), 0.0)
    d_r = (digamma(r + unique_x) - digamma(r))[x_index] + np.log(alpha) - w3 * log_t - w4 * log_tx
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + t) + w4 / (alpha + t_x))
    d_a = (digamma(a + b) - digamma(a + b + unique_x))[x_index] + w4 / a
    with np.errstate(divide="ignore", invalid="ignore"):
        d_b = (digamma(a + b) + digamma(b + unique_x) - digamma(b) - digamma(a + b + unique_x))[x_index] - np.where(
            repeat, w4 / np.maximum(b + x - 1.0, 1e-12), 0.0
        )
    grad = -np.array([r * d_r.mean(), alpha * d_alpha.mean(), a * d_a.mean(), b * d_b.mean()])
    return -float(np.mean(per_x[x_index] + r * np.log(alpha) + total)), grad


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> BGNBD | None:
    """Maximum-likelihood BG/NBD on clients' (x, t_x, t); None when there is too little to fit."""
    keep = t > 0
    x, t_x, t = x[keep], t_x[keep], t[keep]
    if len(x) < 2 or not np.any(x > 0):
        return None
    idx = _sample(len(x))
    x, t_x, t = x[idx], t_x[idx], t[idx]
    start = np.log([0.5, max(float(np.mean(t)), 1.0), 1.0, 1.0])
    unique_x, x_index = np.unique(x, return_inverse=True)
    best = _minimise(_bgnbd_nll, start, (x, t_x, t, unique_x, x_index), [_LOG_BOUNDS] * 4, jac=True)
    if best is None:
        return None
    return BGNBD(*(float(v) for v in np.exp(best)))


@one_blas_thread
def rate_covariate_effect(x: np.ndarray, t: np.ndarray, covariate: np.ndarray) -> float:
    """How a client's purchase rate moves with a covariate: b in x ~ Poisson(t * exp(c + b * covariate)).

    Fitted by Newton's method on the Poisson log-likelihood (exposure t days, x repeat purchases),
    over clients chosen by exposure, never by how much they bought (that would bias b towards 0).
    Used as a BG/NBD covariate in the Gamma scale (Fader & Hardie's time-invariant covariates:
    alpha_i = alpha * exp(-b * (z_i - mean z))): a client's prior rate follows what clients like it
    do, which matters most for new clients, whose own history says little. 0 when it cannot be fitted.
    """
    keep = (t > 0) & np.isfinite(covariate)
    if np.count_nonzero(keep) < 2:
        return 0.0
    x, t, z = x[keep], t[keep], covariate[keep] - np.mean(covariate[keep])
    if x.sum() <= 0 or np.ptp(z) == 0:
        return 0.0
    params = np.array([np.log(x.sum() / t.sum()), 0.0])
    for _ in range(50):
        mu = t * np.exp(params[0] + params[1] * z)
        gradient = np.array([np.sum(x - mu), np.sum((x - mu) * z)])
        hessian = np.array([[np.sum(mu), np.sum(mu * z)], [np.sum(mu * z), np.sum(mu * z * z)]])
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return 0.0
        params = params + step
        if not np.all(np.isfinite(params)):
            return 0.0
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(params[1])


def _gamma_gamma_nll(log_params: np.ndarray, x: np.ndarray, m: np.ndarray, unique_x: np.ndarray, x_index: np.ndarray) -> float:
    p, q, gamma = np.exp(log_params)
    pux = p * unique_x
    per_x = gammaln(pux + q) - gammaln(pux) - gammaln(q) + pux * np.log(unique_x)
    px = p * x
    ll = per_x[x_index] + q * np.log(gamma) + (px - 1.0) * np.log(m) - (px + q) * np.log(gamma + x * m)
    return -float(np.mean(ll))


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGamma | None:
    """Maximum-likelihood Gamma-Gamma on clients with repeat purchases of positive mean `m`."""
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep].astype("float64"), m[keep]
    if len(x) < 2:
        return None
    idx = _sample(len(x))
    x, m = x[idx], m[idx]
    scale = float(np.median(m))  # fit in units of the median spend: the optimiser sees numbers near 1
    start = np.log([2.0, 3.0, 1.0])
    # q > 1 keeps the mean spend finite.
    bounds = [_LOG_BOUNDS, (np.log(GG_MIN_Q), _LOG_BOUNDS[1]), _LOG_BOUNDS]
    unique_x, x_index = np.unique(x, return_inverse=True)
    best = _minimise(_gamma_gamma_nll, start, (x, m / scale, unique_x, x_index), bounds)
    if best is None:
        return None
    p, q, gamma = np.exp(best)
    return GammaGamma(float(p), float(q), float(gamma) * scale)


@dataclass(frozen=True)
class LogNormalSpend:
    """Empirical-Bayes spend per purchase on the log scale (normal-normal shrinkage).

    A client's purchases are log-normal around its own log-mean, with a within-client variance
    common to all; log-means vary across clients around the portfolio's with variance `between`.
    Unlike Gamma-Gamma this fits business invoices, whose amounts span orders of magnitude across
    clients but barely move within one.
    """

    mu: float
    between: float
    within: float

    def expected_spend(self, n: np.ndarray, mean_log: np.ndarray, own_within: np.ndarray | None = None) -> np.ndarray:
        """Posterior expected amount of a client's next purchase, from n purchases of mean log-amount.

        `own_within`, when given, is each client's own within-variance (already shrunk), used in
        place of the common one: a retainer billed the same every month, an irregular buyer less so.
        """
        n = np.asarray(n, dtype="float64")
        within = self.within if own_within is None else np.maximum(own_within, 1e-6)
        mean_log = np.where(n > 0, np.nan_to_num(mean_log), self.mu)
        precision = n / within + 1.0 / self.between
        post_mean = (n / within * mean_log + self.mu / self.between) / precision
        return np.exp(post_mean + 0.5 * (1.0 / precision + within))

    def client_within(self, n: np.ndarray, sum_sq_dev: np.ndarray, prior_purchases: float = 3.0) -> np.ndarray:
        """Each client's within-variance of log-amounts, shrunk towards the common one."""
        dof = np.maximum(np.asarray(n, dtype="float64") - 1.0, 0.0)
        return (np.nan_to_num(sum_sq_dev) + prior_purchases * self.within) / (dof + prior_purchases)


def fit_lognormal_spend(n: np.ndarray, mean_log: np.ndarray, sum_sq_dev: np.ndarray) -> LogNormalSpend | None:
    """Method-of-moments fit from each client's purchase count, mean log-amount and sum of squared deviations."""
    ok = (n > 0) & np.isfinite(mean_log)
    if np.count_nonzero(ok) < 2:
        return None
    n, mean_log, sum_sq_dev = n[ok], mean_log[ok], sum_sq_dev[ok]
    dof = float(np.sum(n - 1.0))
    within = float(np.sum(sum_sq_dev)) / dof if dof > 0 else 0.0
    within = max(within, 1e-4)
    mu = float(np.mean(mean_log))
    between = float(np.var(mean_log)) - within * float(np.mean(1.0 / n))
    between = max(between, 1e-4)
    return LogNormalSpend(mu, between, within)
