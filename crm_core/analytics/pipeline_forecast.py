"""Pipeline forecast learned from the stage history: value expected to be won in (T, T + h].

The typed forecast (`pipeline.pipeline_forecast`: probability x amount of the deals due by T + h,
past-due deals all in the first window) trusts what people typed. This model learns from replays
of the past instead: at snapshot dates S = T - k x STEP_DAYS, each deal open at S is put in a cell
(CELL_SHAPE: its client had already invoiced or not, days in its current stage, its timing - days past
or before its expected close, its age when it has no close date - and its stage then), and what it
really won in each development period (S, S + 15], (S + 15, S + 30], ... is recorded. A period is
learned only from the snapshots where it has ended by T (chain ladder): the first 15 days of the window
from snapshots up to T - 15, the last ones from older snapshots, so the figure follows the pipeline's
latest behaviour instead of lagging h days behind it. A cell's rate for a period is won value / open
amount over those snapshots, recent ones weighing more (HALF_LIFE_DAYS), each level of the cell shrunk
towards the coarser one by empirical Bayes (PRIOR_DEALS); the h-day rate is the sum over the periods.
A deal 120 days overdue thus weighs what such deals really turned into: win rate by stage, timing of
wins and slippage in one learned number.

A separate part covers deals not yet created at T: per 15-day creation period, the value won d periods
later by the deals created in it (learned the same way, from the creation periods whose lag d has ended
by T), summed over the creation periods of the window. It is a portfolio (and per-owner) figure, not a
client's.

The replays (`fit_pipeline`, the costly part) do not depend on the horizon: one fit per as-of day and table
data (`pipeline_fit`, analytics.memo) covers FIT_DAYS, and client_health, the forecast cards, the Pipeline page
and the monthly chart each evaluate their own horizons from it (`PipelineFit.model`).

Only data dated on or before T is used: a deal closed after T counts as open, with its stage from
the history; its won amount and close are never read. The expected close date is the field's current
value (it has no history): a date moved after T is read as if known at T.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.cadence import first_invoice_days
from crm_core.analytics.days import NO_DAY, as_of_day, day_numbers
from crm_core.analytics.forecast import HORIZONS
from crm_core.analytics.memo import FrameMemo, columns_of
from crm_core.analytics.money import to_cents
from crm_core.analytics.pipeline import probability_as_of
from crm_core.enums import OPEN_STAGE_VALUES, Stage

STEP_DAYS = 15  # snapshot spacing and length of a development period; 30 and 90 days are whole periods
LOOKBACK_DAYS = 365  # each development period learns from snapshots this far before its latest one
HALF_LIFE_DAYS = 45.0  # a snapshot this much older than a period's latest weighs half (chosen on demo seeds 1, 3)
PRIOR_DEALS = 20.0  # prior strength of a cell's shrinkage, in deals of the cell's mean amount
FIT_DAYS = 135  # the shared fit covers this many days: the 30/90-day cards and the monthly chart's month ends (<= 123)
MIN_DEALS_SEEN = 50  # fewer deal-snapshots behind a horizon's last period: nothing learned, the typed figure stands in
# Timing buckets on d = expected close - snapshot day (negative: overdue); undated deals by age.
DATED_EDGES: tuple[int, ...] = (-180, -90, -30, 0, 30, 90)  # d < -180 | -180..-91 | ... | d >= 90
AGE_EDGES: tuple[int, ...] = (30, 90)  # undated deals: age <= 30 | 31..90 | > 90 days
TIMING_LABELS: tuple[str, ...] = (
    "overdue_180_plus",
    "overdue_91_180",
    "overdue_31_90",
    "overdue_1_30",
    "due_0_29",
    "due_30_89",
    "due_90_plus",
    "undated_new",
    "undated_31_90",
    "undated_90_plus",
)
N_TIMING = len(TIMING_LABELS)
N_STAGES = len(OPEN_STAGE_VALUES)
STAGE_AGE_EDGES: tuple[int, ...] = (21, 60)  # days in the current stage: <= 21 | 22..60 | > 60
STAGE_AGE_LABELS: tuple[str, ...] = ("stage_0_21", "stage_22_60", "stage_60_plus")
# Cell axes, coarsest first: client already invoiced (0/1), days in stage, timing, stage.
CELL_SHAPE: tuple[int, ...] = (2, len(STAGE_AGE_EDGES) + 1, N_TIMING, N_STAGES)
DEAL_COLUMNS: list[str] = [
    "opportunity_id",
    "client_id",
    "owner",
    "stage",
    "timing",
    "stage_age",
    "customer",
    "amount",
    "probability",
    *[f"learned_{h}d" for h in HORIZONS],
    *[f"typed_{h}d" for h in HORIZONS],
]


@dataclass(frozen=True)
class PipelineModel:
    """The learned pipeline forecast as of one date.

    deals: one row per deal open at `as_of` (DEAL_COLUMNS): learned and typed expected value per horizon.
    new_deals: per horizon, the value expected from deals created and won inside the window.
    new_by_owner: the same per owner (index owner, columns new_{h}d); it sums to `new_deals`.
    rates: per cell (customer, stage_age, timing, stage) the learned rate_{h}d (won value / open amount, summed
    over the horizon's periods) and seen_{h}d (deal-snapshots behind its last period).
    snapshots: per horizon, how many snapshot dates fed its periods (the first period has the most).
    learned: per horizon, whether enough deals were seen (MIN_DEALS_SEEN); if not, learned_{h}d is the
    typed figure and the new-deal part 0, since history cannot tell yet.
    """

    as_of: date
    deals: pd.DataFrame
    new_deals: dict[int, float]
    new_by_owner: pd.DataFrame
    rates: pd.DataFrame
    snapshots: dict[int, int]
    learned: dict[int, bool]


@dataclass(frozen=True)
class _Deals:
    """Day numbers and codes of every deal, as known at T (closes after T erased)."""

    created: np.ndarray
    closed: np.ndarray  # NO_DAY-free: open at T = a large day number
    close_due: np.ndarray  # expected close, NO_DAY when missing
    won_value: np.ndarray  # value won at its close (0 unless won on or before T)
    amount: np.ndarray
    owner_code: np.ndarray
    owners: np.ndarray
    stage_rows: np.ndarray  # history rows (sorted): deal position
    stage_start: np.ndarray  # day the row's stage began
    stage_end: np.ndarray  # day the next change began (exclusive), large when none
    stage_code: np.ndarray  # 0..3 open stages, -1 won/lost/other
    fallback_stage: np.ndarray  # stage code used when no history row covers a day


FAR = np.int64(2**40)


def _timing(close_due: np.ndarray, created: np.ndarray, day: int | np.ndarray) -> np.ndarray:
    """Timing bucket code (index into TIMING_LABELS) of deals on `day`."""
    dated = close_due != NO_DAY
    d = np.where(dated, close_due - day, 0)
    dated_code = np.searchsorted(np.asarray(DATED_EDGES), d, side="right")
    age = day - created
    undated_code = len(DATED_EDGES) + 1 + np.searchsorted(np.asarray(AGE_EDGES), age, side="left")
    return np.where(dated, dated_code, undated_code).astype(np.int64)


def _deal_arrays(opportunities: pd.DataFrame, stage_history: pd.DataFrame, t: int) -> _Deals:
    opps = opportunities
    created = day_numbers(opps["created_at"])
    closed = day_numbers(opps["closed_at"])
    stage_now = opps["stage"].to_numpy(dtype=object)
    # won / lost without a close date: closed on no known day (analytics.pipeline.open_mask), so never open
    # and its win undated (not learned from)
    undated_close = (closed == NO_DAY) & np.isin(stage_now, [Stage.WON.value, Stage.LOST.value])
    closed = np.where(undated_close, created, np.where((closed == NO_DAY) | (closed > t), FAR, closed))
    won = (stage_now == Stage.WON.value) & (closed <= t) & ~undated_close
    won_amount = opps["won_amount"].to_numpy(dtype="float64")
    amount = np.nan_to_num(opps["amount"].to_numpy(dtype="float64"))
    won_value = np.where(won, np.where(np.isnan(won_amount), amount, won_amount), 0.0)
    owner_code, owners = pd.factorize(opps["owner"].fillna("").astype(str).to_numpy(dtype=object), sort=True)
    codes = pd.Index(list(OPEN_STAGE_VALUES), dtype=object)  # a stage's code: its position here (-1: not open)
    current = np.maximum(codes.get_indexer(stage_now), 0).astype(np.int64)
    fallback = np.where(closed == FAR, current, 0)

    hist = stage_history
    day = day_numbers(hist["changed_at"])
    keep = day <= t
    hist = hist.loc[keep]
    pos = pd.Index(opps["opportunity_id"].to_numpy()).get_indexer(hist["opportunity_id"].to_numpy())
    ok = pos >= 0
    order = np.lexsort((hist["change_id"].to_numpy()[ok], hist["changed_at"].to_numpy()[ok], pos[ok]))
    rows = pos[ok][order]
    start = day[keep][ok][order]
    end = np.full(len(rows), FAR, dtype=np.int64)
    same = rows[1:] == rows[:-1]
    end[:-1][same] = start[1:][same]
    stage_code = codes.get_indexer(hist["to_stage"].to_numpy(dtype=object)[ok][order])
    return _Deals(
        created,
        closed,
        day_numbers(opps["expected_close"]),
        won_value,
        amount,
        owner_code.astype(np.int64),
        np.asarray(owners, dtype=object),
        rows,
        start,
        end,
        stage_code.astype(np.int64),
        fallback,
    )


def _open_on(deals: _Deals, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the deals open on `day`, their stage code then and the day that stage began."""
    is_open = (deals.created <= day) & (deals.closed > day)
    stage = np.where(is_open, deals.fallback_stage, -2)
    since = deals.created.copy()
    live = np.flatnonzero((deals.stage_start <= day) & (deals.stage_end > day))  # found once, read thrice
    rows = deals.stage_rows[live]
    codes = deals.stage_code[live]
    stage[rows] = np.where(codes >= 0, codes, 0)  # a close row on an open deal: identified, as open_deals does
    since[rows] = deals.stage_start[live]
    positions = np.flatnonzero(is_open)
    return positions, stage[positions], since[positions]


def _cells(deals: _Deals, day: int, first_invoice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deals open on `day` and their cell: ((customer x stage age) x timing) x stage, see CELL_SHAPE."""
    positions, stage, since = _open_on(deals, day)
    timing = _timing(deals.close_due[positions], deals.created[positions], day)
    customer = (first_invoice[positions] <= day).astype(np.int64)
    stage_age = np.searchsorted(np.asarray(STAGE_AGE_EDGES), day - since, side="left")
    cell = np.ravel_multi_index((customer, stage_age, timing, stage), CELL_SHAPE)
    return positions, cell


def _shrunk_rates(amount: np.ndarray, won: np.ndarray, prior: float) -> np.ndarray:
    """Won / amount per cell of CELL_SHAPE, each level shrunk towards its parent (the last axis dropped first)."""
    shape = CELL_SHAPE
    rate = np.full((1,) * len(shape), won.sum() / amount.sum() if amount.sum() > 0 else 0.0)
    for depth in range(1, len(shape) + 1):
        axes = tuple(range(depth, len(shape)))
        level_amount = amount.reshape(shape).sum(axis=axes, keepdims=True)
        level_won = won.reshape(shape).sum(axis=axes, keepdims=True)
        denominator = level_amount + prior
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(denominator > 0, (level_won + prior * rate) / denominator, rate)  # no data: the parent's
    return rate.reshape(-1)


def fit_periods(horizons: tuple[int, ...]) -> int:
    """Development periods a fit needs: at least FIT_DAYS' worth (so the cards and the monthly chart share one fit),
    more when a longer horizon is asked."""
    return max(-(-FIT_DAYS // STEP_DAYS), -(-max(horizons, default=0) // STEP_DAYS))


def _development_edges(periods: int) -> np.ndarray:
    """Ends of the development periods, in days after a snapshot: every STEP_DAYS, `periods` of them.

    A period learns only from its own snapshots, so a horizon's figure is the same whatever the grid's length
    (and whatever else is asked).
    """
    return np.arange(1, periods + 1, dtype=np.int64) * STEP_DAYS


@dataclass(frozen=True)
class _Learned:
    """What the replays taught, per development period (see `_learn`)."""

    edges: np.ndarray  # period j covers (edges[j] - STEP_DAYS, edges[j]] days after the snapshot
    rate: np.ndarray  # (periods, cells): shrunk won value in the period / open amount at the snapshot
    seen: np.ndarray  # (periods, cells): deal-snapshots each period's rate was learned from
    new_by_lag: np.ndarray  # (lags, owners): mean value won in lag d by deals created in one period (d = 0: that period)
    snapshots: np.ndarray  # (periods,): snapshot dates used by each period


def _learn(
    deals: _Deals,
    t: int,
    periods: int,
    first_invoice: np.ndarray,
    prior_deals: float = PRIOR_DEALS,
) -> _Learned:
    """Replay snapshot dates S = T - k x STEP_DAYS and learn, per development period, from every S whose period has ended.

    A period (a, b] after S is learned from the snapshots with S + b <= T, back LOOKBACK_DAYS before the
    latest of them (weights halve every HALF_LIFE_DAYS from it): the first 15 days of a 90-day window are
    learned from snapshots up to T - 15, not T - 90 (chain ladder). Likewise for new deals: the value won
    d periods after a STEP_DAYS creation period, learned from the creation periods whose lag d has ended.
    """
    edges = _development_edges(periods)
    starts = edges - STEP_DAYS
    lags = len(edges)
    cells = int(np.prod(CELL_SHAPE))
    n_owners = len(deals.owners)
    amount_sum = np.zeros((len(edges), cells))
    won_sum = np.zeros((len(edges), cells))
    count = np.zeros((len(edges), cells))
    weighted_count = np.zeros((len(edges), cells))
    used = np.zeros(len(edges), dtype=np.int64)
    new_sum = np.zeros((lags, n_owners))
    new_weight = np.zeros(lags)
    known = deals.created[deals.created != NO_DAY]
    first_created = int(known.min()) if len(known) else t
    for k in range(1, (int(edges[-1]) + LOOKBACK_DAYS) // STEP_DAYS + 1):
        s = t - k * STEP_DAYS
        if s < first_created:
            break
        age = t - s
        positions, cell = _cells(deals, s, first_invoice)
        closed = deals.closed[positions]
        won_value = deals.won_value[positions]
        amount_cells = np.bincount(cell, weights=deals.amount[positions], minlength=cells)
        seen_cells = np.bincount(cell, minlength=cells)
        for j in np.flatnonzero((edges <= age) & (age <= edges + LOOKBACK_DAYS)):
            weight = 0.5 ** ((age - edges[j]) / HALF_LIFE_DAYS)
            inside = (closed > s + starts[j]) & (closed <= s + edges[j])
            won_cells = np.bincount(cell, weights=np.where(inside, won_value, 0.0), minlength=cells)
            amount_sum[j] += weight * amount_cells
            won_sum[j] += weight * won_cells
            count[j] += seen_cells
            weighted_count[j] += weight * seen_cells
            used[j] += 1
        born = (deals.created > s) & (deals.created <= s + STEP_DAYS)
        for d in range(lags):
            lag_end = (d + 1) * STEP_DAYS
            if not lag_end <= age <= lag_end + LOOKBACK_DAYS:
                continue
            weight = 0.5 ** ((age - lag_end) / HALF_LIFE_DAYS)
            won_then = born & (deals.closed > s + d * STEP_DAYS) & (deals.closed <= s + lag_end)
            new_sum[d] += weight * np.bincount(deals.owner_code[won_then], weights=deals.won_value[won_then], minlength=n_owners)
            new_weight[d] += weight
    rate = np.zeros((len(edges), cells))
    for period in range(len(edges)):
        deals_seen = weighted_count[period].sum()
        mean_amount = amount_sum[period].sum() / deals_seen if deals_seen > 0 else 1.0
        rate[period] = _shrunk_rates(amount_sum[period], won_sum[period], prior_deals * max(mean_amount, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        new_by_lag = np.where(new_weight[:, None] > 0, new_sum / new_weight[:, None], 0.0)
    return _Learned(edges, rate, count, new_by_lag, used)


def _horizon_rates(learned: _Learned, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Rate per cell over (T, T + horizon], deals seen by its last period, new-deal value per owner, snapshots used.

    A horizon that is not a whole number of periods takes the share of its last period it covers.
    """
    n = horizon / STEP_DAYS
    share = np.clip(n - np.arange(len(learned.edges)), 0.0, 1.0)  # of each period inside the window
    rate = share @ learned.rate
    last = int(np.ceil(n)) - 1
    # deals created in creation period i of the window and won by its end: lag d counts for the n - d
    # creation periods it fits in (a partial last creation period by its share)
    lag_weight = np.clip(n - np.arange(learned.new_by_lag.shape[0]), 0.0, None)
    by_owner = lag_weight @ learned.new_by_lag
    return rate, learned.seen[last], by_owner, int(learned.snapshots[: last + 1].max())


def _first_invoice_days(opportunities: pd.DataFrame, invoices: pd.DataFrame | None, as_of: date) -> np.ndarray:
    """Per deal, the day its client first invoiced as of T (`cadence.first_invoice_days`); FAR when never."""
    out = np.full(len(opportunities), FAR, dtype=np.int64)
    if invoices is None or invoices.empty:
        return out
    first = first_invoice_days(invoices, as_of)
    found = first.index.get_indexer(opportunities["client_id"].to_numpy())
    out[found >= 0] = first.to_numpy()[found[found >= 0]]
    return out


# The columns the fit reads: what the shared fit is keyed on and keeps alive (analytics.memo).
OPPORTUNITY_COLUMNS: list[str] = [
    "opportunity_id",
    "client_id",
    "owner",
    "stage",
    "probability",
    "amount",
    "won_amount",
    "expected_close",
    "created_at",
    "closed_at",
]
STAGE_HISTORY_COLUMNS: list[str] = ["change_id", "opportunity_id", "to_stage", "changed_at"]
INVOICE_COLUMNS: list[str] = ["client_id", "issue_date", "void", "credit_note"]


@dataclass(frozen=True)
class PipelineFit:
    """What the replays taught as of one date, and the deals open then: any horizons are then cheap (`model`).

    The learned rates per cell and development period do not depend on the horizon; a horizon only sums
    its periods. `model(horizons)` is kept per (horizons, min_seen), so a shared fit evaluates each once.
    """

    as_of: date
    deals: _Deals
    learned: _Learned
    open_rows: pd.DataFrame  # the open deals' opportunity_id, client_id, owner
    cell: np.ndarray  # their cell on T
    typed_p: np.ndarray  # their typed probability on T, 0..1
    made: dict[tuple[tuple[int, ...], int], PipelineModel] = field(default_factory=dict, compare=False, repr=False)

    def model(self, horizons: tuple[int, ...] = HORIZONS, min_seen: int = MIN_DEALS_SEEN) -> PipelineModel:
        """The learned pipeline forecast for `horizons` (see `learned_pipeline`); the caller's own frames."""
        key = (tuple(horizons), min_seen)
        model = self.made.get(key)
        if model is None:
            model = self._evaluate(tuple(horizons), min_seen)
            self.made[key] = model
        # shallow copies (copy-on-write): a column a caller adds never reaches the shared model
        return replace(
            model,
            deals=model.deals.copy(deep=False),
            new_by_owner=model.new_by_owner.copy(deep=False),
            rates=model.rates.copy(deep=False),
            new_deals=dict(model.new_deals),
            snapshots=dict(model.snapshots),
            learned=dict(model.learned),
        )

    def _evaluate(self, horizons: tuple[int, ...], min_seen: int) -> PipelineModel:
        t = as_of_day(self.as_of)
        customer, stage_age, timing, stage = np.unravel_index(self.cell, CELL_SHAPE)
        positions = self.open_rows.index.to_numpy()
        amount = self.deals.amount[positions]
        due = self.deals.close_due[positions]
        table: dict[str, object] = {
            "opportunity_id": self.open_rows["opportunity_id"].to_numpy(),
            "client_id": self.open_rows["client_id"].to_numpy(),
            "owner": self.open_rows["owner"].to_numpy(dtype=object),
            "stage": np.asarray(OPEN_STAGE_VALUES, dtype=object)[stage],
            "timing": np.asarray(TIMING_LABELS, dtype=object)[timing],
            "stage_age": np.asarray(STAGE_AGE_LABELS, dtype=object)[stage_age],
            "customer": customer.astype(bool),
            "amount": amount,
            "probability": self.typed_p * 100.0,
        }
        new_deals: dict[int, float] = {}
        new_owner: dict[str, np.ndarray] = {}
        rates: dict[str, np.ndarray] = {}
        snapshots: dict[int, int] = {}
        learned_flags: dict[int, bool] = {}
        for h in horizons:
            rate, seen, by_owner, used = _horizon_rates(self.learned, h)
            typed_due = (due != NO_DAY) & (due <= t + h)
            table[f"typed_{h}d"] = to_cents(np.where(typed_due, amount * self.typed_p, 0.0))
            learned = seen.sum() >= min_seen
            table[f"learned_{h}d"] = to_cents(amount * rate[self.cell]) if learned else table[f"typed_{h}d"]
            if not learned:
                by_owner = np.zeros_like(by_owner)
            new_deals[h] = float(to_cents(by_owner.sum()))
            new_owner[f"new_{h}d"] = by_owner
            rates[f"rate_{h}d"], rates[f"seen_{h}d"] = rate, seen.astype(np.int64)
            snapshots[h] = used
            learned_flags[h] = bool(learned)
        deal_frame = pd.DataFrame(table)
        owners = pd.DataFrame(new_owner, index=pd.Index(self.deals.owners, name="owner"))
        axes = np.unravel_index(np.arange(int(np.prod(CELL_SHAPE))), CELL_SHAPE)
        rate_frame = pd.DataFrame(
            {
                "customer": axes[0].astype(bool),
                "stage_age": np.asarray(STAGE_AGE_LABELS, dtype=object)[axes[1]],
                "timing": np.asarray(TIMING_LABELS, dtype=object)[axes[2]],
                "stage": np.asarray(OPEN_STAGE_VALUES, dtype=object)[axes[3]],
                **rates,
            }
        )
        return PipelineModel(self.as_of, deal_frame, new_deals, owners, rate_frame, snapshots, learned_flags)


def fit_pipeline(
    opportunities: pd.DataFrame,
    stage_history: pd.DataFrame,
    as_of: date,
    invoices: pd.DataFrame | None = None,
    periods: int = -(-FIT_DAYS // STEP_DAYS),
    prior_deals: float = PRIOR_DEALS,
) -> PipelineFit:
    """Replay the history before `as_of` and learn `periods` development periods (the costly part), not shared."""
    t = as_of_day(as_of)
    deals = _deal_arrays(opportunities, stage_history, t)
    first_days = _first_invoice_days(opportunities, invoices, as_of)
    positions, cell = _cells(deals, t, first_days)
    open_rows = opportunities.iloc[positions]
    typed_p = probability_as_of(open_rows, stage_history, as_of).to_numpy(dtype="float64") / 100.0
    rows = pd.DataFrame(
        {name: open_rows[name].to_numpy() for name in ("opportunity_id", "client_id", "owner")},
        index=pd.Index(positions),
    )
    return PipelineFit(as_of, deals, _learn(deals, t, periods, first_days, prior_deals), rows, cell, typed_p)


# One fit per (opportunities, stage history, invoices) data and as-of day: client_health, the forecast cards,
# the Pipeline page and the monthly chart share it (4 entries: two dates, two table versions).
_FITS = FrameMemo(max_entries=4)


def pipeline_fit(
    opportunities: pd.DataFrame,
    stage_history: pd.DataFrame,
    as_of: date,
    invoices: pd.DataFrame | None = None,
    horizons: tuple[int, ...] = HORIZONS,
    prior_deals: float = PRIOR_DEALS,
) -> PipelineFit:
    """`fit_pipeline` covering `horizons` (at least FIT_DAYS), computed once per table data and as-of day."""
    periods = fit_periods(tuple(horizons))
    opps = columns_of(opportunities, OPPORTUNITY_COLUMNS)
    history = columns_of(stage_history, STAGE_HISTORY_COLUMNS)
    tables: tuple[pd.DataFrame, ...] = (opps, history)
    if invoices is not None:
        tables += (columns_of(invoices, INVOICE_COLUMNS),)
    fit: PipelineFit = _FITS.get(
        tables,
        (as_of_day(as_of), periods, prior_deals, invoices is None),
        lambda: fit_pipeline(opps, history, as_of, tables[2] if invoices is not None else None, periods, prior_deals),
    )
    return fit


def learned_pipeline(
    opportunities: pd.DataFrame,
    stage_history: pd.DataFrame,
    as_of: date,
    invoices: pd.DataFrame | None = None,
    horizons: tuple[int, ...] = HORIZONS,
    *,
    prior_deals: float = PRIOR_DEALS,
    min_seen: int = MIN_DEALS_SEEN,
) -> PipelineModel:
    """The learned pipeline forecast as of `as_of` for each horizon (see the module docstring).

    `invoices` tells which deals belong to clients who had already invoiced at each date (a deal with
    an existing customer converts differently from one with a prospect; `cadence.first_invoice_days`);
    without it, none has. `prior_deals` and `min_seen` (shrinkage strength, deals needed to learn) are
    parameters so a small hand-made case can be computed by hand. The fit is shared per table data and
    as-of day (`pipeline_fit`): every face evaluating any horizons of it gets the same figures.
    """
    return pipeline_fit(opportunities, stage_history, as_of, invoices, tuple(horizons), prior_deals).model(
        tuple(horizons), min_seen
    )


def learned_pipeline_by_client(model: PipelineModel, horizons: tuple[int, ...] = HORIZONS) -> pd.DataFrame:
    """Learned expected value of each client's open deals (pipeline_{h}d), indexed by client_id.

    Deals not yet created are a portfolio figure (`model.new_deals`), not any client's.
    """
    deals = model.deals
    sums = deals.groupby("client_id")[[f"learned_{h}d" for h in horizons]].sum()
    sums.columns = [f"pipeline_{h}d" for h in horizons]
    sums.index = sums.index.astype("int64")
    return pd.DataFrame(to_cents(sums.to_numpy()), index=sums.index, columns=sums.columns)


def forecast_by_owner(model: PipelineModel, horizons: tuple[int, ...] = HORIZONS) -> pd.DataFrame:
    """Per owner: open deals, learned and typed expected value of open deals, new-deal value, learned total."""
    deals = model.deals.assign(owner=model.deals["owner"].fillna("").astype(str))
    grouped = deals.groupby("owner")
    out = pd.DataFrame({"open_deals": grouped.size()})
    for h in horizons:
        out[f"learned_{h}d"] = grouped[f"learned_{h}d"].sum()
        out[f"typed_{h}d"] = grouped[f"typed_{h}d"].sum()
    out = out.reindex(out.index.union(model.new_by_owner.index))
    for h in horizons:
        out[f"new_{h}d"] = model.new_by_owner[f"new_{h}d"].reindex(out.index).fillna(0.0)
        out[f"total_{h}d"] = out[f"learned_{h}d"].fillna(0.0) + out[f"new_{h}d"]
    out = out.fillna(0.0)
    out["open_deals"] = out["open_deals"].astype("int64")
    money = [c for c in out.columns if c != "open_deals"]
    out[money] = to_cents(out[money].to_numpy())
    out.index.name = "owner"
    return out.sort_values(f"total_{horizons[-1]}d", ascending=False).reset_index()


def won_between(opportunities: pd.DataFrame, start_day: int, end_day: int) -> tuple[float, float]:
    """Value won in (start, end]: all deals, and those created in the same window (for the new-deal part)."""
    closed = day_numbers(opportunities["closed_at"])
    created = day_numbers(opportunities["created_at"])
    won = (opportunities["stage"].to_numpy(dtype=object) == Stage.WON.value) & (closed > start_day) & (closed <= end_day)
    value = opportunities["won_amount"].fillna(opportunities["amount"]).fillna(0.0).to_numpy(dtype="float64")
    inside = won & (created > start_day)
    return float(value[won].sum()), float(value[inside].sum())


__all__ = [
    "PipelineFit",
    "PipelineModel",
    "fit_pipeline",
    "pipeline_fit",
    "learned_pipeline",
    "learned_pipeline_by_client",
    "forecast_by_owner",
    "won_between",
    "TIMING_LABELS",
]
