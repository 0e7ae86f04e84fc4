"""BG/NBD, Gamma-Gamma and log-normal spend: recovery on simulated data, gradients, the CDNOW reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from crm_core.analytics.backtest import revenue_between
from crm_core.analytics.cdnow import CALIBRATION_END
from crm_core.analytics.repeat_purchase import (
    BGNBD,
    GammaGamma,
    _bgnbd_nll,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_lognormal_spend,
    rate_covariate_effect,
)
from crm_core.io.cdnow import load_cdnow


def _simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, days: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, t) of n clients followed `days` days after a first purchase at day 0 (loop over purchases)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        now = np.where(alive, now + rng.exponential(1.0 / rate), now)
        bought = alive & (now <= days)
        x[bought] += 1
        t_x[bought] = now[bought]
        alive = bought & (rng.random(n) >= drop)
    return x, t_x, np.full(n, days)


def test_bgnbd_recovers_simulated_parameters() -> None:
    x, t_x, t = _simulate_bgnbd(8_000, r=0.8, alpha=40.0, a=0.9, b=3.0, days=365.0, seed=3)
    fitted = fit_bgnbd(x, t_x, t)
    assert fitted is not None
    assert fitted.r == pytest.approx(0.8, rel=0.15)
    assert fitted.alpha == pytest.approx(40.0, rel=0.2)
    assert fitted.a == pytest.approx(0.9, rel=0.3)
    assert fitted.b == pytest.approx(3.0, rel=0.35)


def test_bgnbd_gradient_matches_finite_differences() -> None:
    x, t_x, t = _simulate_bgnbd(500, r=0.5, alpha=20.0, a=1.2, b=2.0, days=200.0, seed=1)
    unique_x, x_index = np.unique(x, return_inverse=True)
    point = np.log([0.7, 25.0, 0.9, 2.5])
    analytic = _bgnbd_nll(point, x, t_x, t, unique_x, x_index)[1]
    numeric = approx_fprime(point, lambda p: _bgnbd_nll(p, x, t_x, t, unique_x, x_index)[0], 1e-7)
    assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-7)


def test_bgnbd_expected_purchases_behaviour() -> None:
    model = BGNBD(r=0.5, alpha=30.0, a=0.8, b=2.5)
    x = np.array([0.0, 10.0, 10.0])
    t_x = np.array([0.0, 350.0, 100.0])
    t = np.array([365.0, 365.0, 365.0])
    e30 = model.expected_purchases(30.0, x, t_x, t)
    e90 = model.expected_purchases(90.0, x, t_x, t)
    # more time, more purchases; a frequent recent buyer beats one silent for 265 days
    assert np.all(e90 > e30)
    assert e30[1] > e30[2] > 0
    # the alive probability of a client without repeat purchases is 1 in BG/NBD
    assert model.p_alive(x, t_x, t)[0] == 1.0


def test_rate_covariate_effect_is_the_poisson_slope() -> None:
    # Three groups of 100-day clients whose purchases are exactly t x exp(-3 + 0.5 z), z = -1, 0, 1:
    # 100 x e^-3.5 = 3.0197, 100 x e^-3 = 4.9787, 100 x e^-2.5 = 8.2085. The Poisson likelihood is
    # maximal at the generating slope, 0.5.
    z = np.array([-1.0, 0.0, 1.0])
    t = np.full(3, 100.0)
    x = t * np.exp(-3.0 + 0.5 * z)
    assert rate_covariate_effect(x, t, z) == pytest.approx(0.5, abs=1e-9)
    # simulated counts: 5,000 clients, slope -0.3 recovered within sampling error
    rng = np.random.default_rng(4)
    z = rng.normal(0.0, 1.0, 5_000)
    t = rng.uniform(200.0, 1_000.0, 5_000)
    x = rng.poisson(t * np.exp(-3.5 - 0.3 * z)).astype(float)
    assert rate_covariate_effect(x, t, z) == pytest.approx(-0.3, abs=0.03)
    # nothing to learn: one covariate value, no purchases, no exposure, NaN covariates
    assert rate_covariate_effect(x, t, np.ones(5_000)) == 0.0
    assert rate_covariate_effect(np.zeros(3), np.full(3, 100.0), np.array([-1.0, 0.0, 1.0])) == 0.0
    assert rate_covariate_effect(x[:2], np.zeros(2), z[:2]) == 0.0
    assert rate_covariate_effect(x[:2], t[:2], np.array([np.nan, np.nan])) == 0.0


def test_bgnbd_rate_scale_moves_the_prior_rate() -> None:
    model = BGNBD(r=2.0, alpha=60.0, a=0.5, b=5.0)
    x, t_x, t = np.array([0.0, 20.0]), np.array([0.0, 700.0]), np.array([1.0, 720.0])
    plain = model.expected_purchases(30.0, x, t_x, t)
    assert model.expected_purchases(30.0, x, t_x, t, 1.0) == pytest.approx(plain)
    doubled = model.expected_purchases(30.0, x, t_x, t, np.array([2.0, 2.0]))
    # a day-old client knows only the prior (r / alpha = 1 purchase a month): about twice as many;
    # a client with 20 purchases in 720 days mostly follows its own rate: (2 + 20) / (30 + 720)
    # against (2 + 20) / (60 + 720) a day, 4 % more.
    assert 1.8 < doubled[0] / plain[0] < 2.0
    assert doubled[1] / plain[1] == pytest.approx(780.0 / 750.0, rel=0.01)


def test_gamma_gamma_recovers_and_flags_heavy_tails() -> None:
    rng = np.random.default_rng(5)
    n = 6_000
    p, q, gamma = 6.0, 4.0, 15.0
    nu = rng.gamma(q, 1.0 / gamma, n)
    x = rng.integers(1, 8, n).astype("float64")
    m = rng.gamma(p * x, 1.0 / (nu * x))  # mean of x Gamma(p, nu) amounts
    fitted = fit_gamma_gamma(x, m)
    assert fitted is not None and not fitted.degenerate
    assert fitted.population_mean == pytest.approx(p * gamma / (q - 1), rel=0.1)
    # client means spread log-normally (sd 2 in logs, four orders of magnitude): no Gamma prior fits
    heavy = np.exp(rng.normal(7.0, 2.0, n))
    assert fit_gamma_gamma(np.full(n, 5.0), heavy * rng.lognormal(0, 0.02, n)).degenerate


def test_gamma_gamma_expected_spend_by_hand() -> None:
    model = GammaGamma(p=2.0, q=3.0, gamma=10.0)
    # p (gamma + x m) / (p x + q - 1): x = 4, m = 30 -> 2 x (10 + 120) / (8 + 2) = 26
    assert model.expected_spend(np.array([4.0]), np.array([30.0]))[0] == pytest.approx(26.0)
    # no repeat purchase: the population mean p gamma / (q - 1) = 10
    assert model.expected_spend(np.array([0.0]), np.array([np.nan]))[0] == pytest.approx(10.0)


def test_lognormal_spend_shrinks_by_evidence() -> None:
    # two clients: 9 purchases at log-mean 8, 1 purchase at log-mean 4; within-variance from client 1.
    n = np.array([9.0, 1.0])
    mean_log = np.array([8.0, 4.0])
    model = fit_lognormal_spend(n, mean_log, np.array([0.08 * 8, 0.0]))
    assert model is not None
    assert model.within == pytest.approx(0.08)  # 0.64 / 8 degrees of freedom
    assert model.mu == pytest.approx(6.0)
    # between = var(8, 4) - within x mean(1/n) = 4 - 0.08 x (1/9 + 1) / 2
    assert model.between == pytest.approx(4.0 - 0.08 * (1 / 9 + 1) / 2)
    spend = model.expected_spend(n, mean_log)
    # the well-measured client stays near exp(8); the single purchase is pulled a little towards 6
    assert spend[0] == pytest.approx(np.exp(8.0), rel=0.06)
    assert np.exp(4.0) < spend[1] < np.exp(4.2)


@pytest.mark.slow
def test_cdnow_bgnbd_gamma_gamma_reproduces_the_reference() -> None:
    """BG/NBD + Gamma-Gamma on CDNOW to 1997-09-30: per-client RMSE 17.78 / 43.21, bias -3.9 / -19.1 %."""
    frames = load_cdnow()
    cutoff = pd.Timestamp(CALIBRATION_END)
    # The reference summary: every purchase day counts (zero-dollar ones too), spend = mean of repeat days.
    days = (
        frames.invoices[frames.invoices["issue_date"] <= cutoff]
        .groupby(["client_id", "issue_date"], as_index=False)["total"]
        .sum()
    )
    days["nth"] = days.groupby("client_id").cumcount()
    per_client = days.groupby("client_id").agg(first=("issue_date", "min"), last=("issue_date", "max"), n=("total", "size"))
    x = (per_client["n"] - 1).to_numpy(dtype="float64")
    t_x = (per_client["last"] - per_client["first"]).dt.days.to_numpy(dtype="float64")
    t = (cutoff - per_client["first"]).dt.days.to_numpy(dtype="float64")
    m = days[days["nth"] > 0].groupby("client_id")["total"].mean().reindex(per_client.index).to_numpy()
    bgnbd = fit_bgnbd(x, t_x, t)
    spend = fit_gamma_gamma(x, m).expected_spend(x, m)
    for horizon, rmse, bias in ((30, 17.78, -3.9), (90, 43.21, -19.1)):
        forecast = bgnbd.expected_purchases(float(horizon), x, t_x, t) * spend
        actual = revenue_between(frames.invoices, cutoff, cutoff + pd.Timedelta(days=horizon), per_client.index.to_numpy())
        assert np.sqrt(np.mean((forecast - actual) ** 2)) == pytest.approx(rmse, abs=0.005)
        assert (forecast.sum() / actual.sum() - 1) * 100 == pytest.approx(bias, abs=0.05)


def test_fits_run_with_one_blas_thread_and_restore_the_pools_after():
    from threadpoolctl import threadpool_info

    from crm_core.analytics.repeat_purchase import one_blas_thread

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    before = blas_threads()
    inside = one_blas_thread(blas_threads)()
    assert inside == {1}
    assert blas_threads() == before
