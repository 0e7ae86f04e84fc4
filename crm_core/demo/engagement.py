"""Activities (with follow-up tasks) and opportunities with their stage history."""

from __future__ import annotations

import numpy as np

from crm_core.demo import vocab
from crm_core.demo.arrays import (
    NO_TEXT,
    Columns,
    business_minutes,
    euros,
    group_index,
    pick,
    to_dates,
    utc_timestamps,
    weekday_back,
)
from crm_core.demo.names import NamePools
from crm_core.demo.plan import HISTORY_DAYS, Plan
from crm_core.enums import DEFAULT_STAGE_PROBABILITY, Stage
from crm_core.services.activities import FOLLOW_UP_HOUR

STAGES = [s.value for s in Stage]  # identified, contacted, proposal, negotiation, won, lost
OPEN_STAGE_WEIGHTS = np.array([0.3, 0.3, 0.25, 0.15])


def activity_columns(
    rng: np.random.Generator,
    plan: Plan,
    pools: NamePools,
    today: int,
    created_at: np.ndarray,
    contacts: Columns,
    first_contact: np.ndarray,
    n_contacts: np.ndarray,
) -> Columns:
    """Calls, emails, meetings... over each client's life (fading when it drifts or churns),
    plus the follow-up tasks they scheduled; also fills contacts' last_interaction_at."""
    n = len(plan.size)
    window_start = np.maximum(plan.created, today - HISTORY_DAYS - 90)
    window_end = np.where(plan.churned, np.minimum(plan.end + 45, today), today)
    window_end = np.where(plan.customer, window_end, np.minimum(plan.created + 150, today))
    span = np.maximum(window_end - window_start, 1)
    size_factor = np.asarray([0.7, 1.0, 1.3, 1.7])[plan.size]
    rate = rng.lognormal(np.log(0.33), 0.5, n) * size_factor  # per 30 days
    count = np.where(plan.customer, rng.poisson(rate * span / 30.0), 1 + rng.poisson(2.0, n))

    client = np.repeat(np.arange(n), count)
    m = len(client)
    day = window_start[client] + np.floor(rng.random(m) * (span[client] + 1)).astype(np.int64)
    day = np.maximum(weekday_back(day), window_start[client])
    fade = ((day > plan.drift[client]) & (rng.random(m) < 0.85)) | ((day > plan.end[client]) & (rng.random(m) < 0.9))
    keep = ~fade & (day < today)  # timestamped events end the day before as_of (never later than "now")
    client, day = client[keep], day[keep]
    m = len(client)

    kind_idx = pick(rng, vocab.ACTIVITY_KIND_WEIGHTS, m)
    kinds = np.asarray(vocab.ACTIVITY_KINDS, dtype=object)[kind_idx]
    title_pick = rng.integers(0, 100, m)
    outcome_pick = rng.integers(0, 100, m)
    duration_pick = rng.integers(0, 100, m)
    titles = np.empty(m, dtype=object)
    outcomes = np.empty(m, dtype=object)
    duration = np.full(m, np.nan)
    for k, kind in enumerate(vocab.ACTIVITY_KINDS):
        mask = kind_idx == k
        options = np.asarray(vocab.ACTIVITY_TITLES[kind], dtype=object)
        titles[mask] = options[title_pick[mask] % len(options)]
        outs = np.asarray([o or None for o in vocab.ACTIVITY_OUTCOMES[kind]], dtype=object)
        outcomes[mask] = outs[outcome_pick[mask] % len(outs)]
        durations = vocab.ACTIVITY_DURATIONS[kind]
        if durations:
            duration[mask] = np.asarray(durations, dtype=float)[duration_pick[mask] % len(durations)]
    contact = first_contact[client] + np.floor(rng.random(m) * n_contacts[client]).astype(np.int64)
    contact_f = np.where((kind_idx == 4) & (rng.random(m) < 0.6), np.nan, contact.astype(float))
    owner = np.where(rng.random(m) < 0.9, plan.owner[client], rng.integers(0, vocab.ACCOUNT_MANAGERS, m))
    occurred = np.maximum(utc_timestamps(day, business_minutes(rng, m)), created_at[client])

    # recent conversations still have their follow-up pending more often than old ones
    follow_rate = np.where(day > today - 30, 0.4, 0.15)
    follow = (kind_idx != 4) & (rng.random(m) < follow_rate) & (day <= np.minimum(plan.drift[client], plan.end[client]))
    follow_day = day + rng.integers(2, 22, m)
    follow_on = np.where(follow, follow_day, 0)

    # the follow-up tasks log_activity would have scheduled: open when due after today, else mostly done
    t_rows = np.flatnonzero(follow)
    t_day = follow_day[t_rows]
    # done when due long ago; a few recent ones overdue; open when due after today
    t_done = (t_day < today) & ((t_day < today - 30) | (rng.random(len(t_rows)) < 0.75))
    t_titles = np.array([f"Seguimiento: {t}" for t in titles[t_rows].tolist()], dtype=object)
    t_occurred = utc_timestamps(t_day, np.full(len(t_rows), FOLLOW_UP_HOUR.hour * 60 + FOLLOW_UP_HOUR.minute))

    all_client = np.concatenate([client, client[t_rows]])
    all_occurred = np.concatenate([occurred, t_occurred])
    order = np.lexsort((np.arange(len(all_client)), all_occurred))
    follow_dates = np.where(follow_on > 0, follow_on, 0)
    follow_col = np.concatenate([follow_dates, t_day])

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])[order]

    follow_col = follow_col[order]
    follow_dates_col = np.where(follow_col > 0, follow_col, 0).astype("datetime64[D]")
    follow_dates_col[follow_col == 0] = np.datetime64("NaT")

    columns: Columns = {
        "activity_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "client_id": all_client[order] + 1,
        "contact_id": cat(contact_f, contact_f[t_rows]),
        "kind": cat(kinds, np.full(len(t_rows), "task", dtype=object)),
        "title": cat(titles, t_titles),
        "description": np.full(len(order), None, dtype=object),
        "occurred_at": all_occurred[order],
        "duration_min": cat(duration, np.full(len(t_rows), np.nan)),
        "owner": pools.owners[cat(owner, owner[t_rows])],
        "done": cat(np.ones(m, bool), t_done),
        "outcome": cat(outcomes, np.full(len(t_rows), None, dtype=object)),
        "follow_up_on": follow_dates_col,
    }
    # a contact's last interaction: its latest done activity
    done_with_contact = columns["done"] & ~np.isnan(columns["contact_id"])
    last = np.full(len(contacts["contact_id"]), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(
        last,
        columns["contact_id"][done_with_contact].astype(np.int64) - 1,
        columns["occurred_at"][done_with_contact].astype(np.int64),
    )
    has = last != np.iinfo(np.int64).min
    contacts["last_interaction_at"][has] = last[has].astype("datetime64[us]")
    return columns


def _final_stage(outcome: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Index into STAGES of each opportunity's current stage."""
    return np.select([outcome == 1, outcome == 2], [4, 5], reach)


def _cover_stages(rng: np.random.Generator, outcome: np.ndarray, reach: np.ndarray, s0: np.ndarray, eligible: np.ndarray) -> None:
    """Make every pipeline stage appear at least once (in place), so any demo shows a full funnel."""
    for target in range(len(STAGES)):
        final = _final_stage(outcome, reach)
        counts = np.bincount(final, minlength=len(STAGES))
        if counts[target]:
            continue
        # take an opportunity from the most crowded stage
        candidates = np.flatnonzero(eligible & (final == counts.argmax()))
        if not len(candidates):
            continue
        j = rng.choice(candidates)
        if target < 4:
            outcome[j], reach[j], s0[j] = 0, target, min(s0[j], target)
        else:
            outcome[j], reach[j] = (1, 3) if target == 4 else (2, max(reach[j], s0[j]))


def opportunity_columns(
    rng: np.random.Generator,
    plan: Plan,
    pools: NamePools,
    today: int,
    created_at: np.ndarray,
    status: np.ndarray,
    first_contact: np.ndarray,
) -> tuple[Columns, Columns]:
    """Opportunities in every stage and the stage history of the path each one took."""
    n = len(plan.size)
    closed_only = plan.churned | (status == "lost")
    count = np.where(plan.customer, rng.poisson(1.0, n), 1 + rng.poisson(0.4, n))
    client = np.repeat(np.arange(n), count)
    m = len(client)
    u = rng.random(m)
    prospect = ~plan.customer[client]
    # outcome: 0 open, 1 won, 2 lost
    outcome = np.where(prospect, np.where(u < 0.55, 0, 2), np.where(u < 0.3, 0, np.where(u < 0.65, 1, 2)))
    outcome = np.where(closed_only[client] & (outcome == 0), 2, outcome)
    s0 = pick(rng, (0.7, 0.2, 0.1), m)
    open_reach = np.maximum(s0, pick(rng, OPEN_STAGE_WEIGHTS, m))
    lost_reach = s0 + np.floor(rng.random(m) * (4 - s0)).astype(np.int64)
    won_reach = np.maximum(s0, np.where(rng.random(m) < 0.85, 3, 2))
    reach = np.select([outcome == 0, outcome == 1], [open_reach, won_reach], lost_reach)
    _cover_stages(rng, outcome, reach, s0, eligible=plan.customer[client] & ~closed_only[client])
    closed = outcome > 0
    changes = reach - s0 + 1 + closed

    gaps = np.maximum(np.round(rng.gamma(2.0, 7.0, int(changes.sum()))), 1).astype(np.int64)
    row = np.repeat(np.arange(m), changes)
    idx = group_index(changes)
    gaps[idx == 0] = 0
    offsets = np.cumsum(gaps)
    group_first = np.cumsum(changes) - changes
    offsets = offsets - offsets[group_first][row]
    duration = offsets[group_first + changes - 1]

    earliest = np.where(plan.customer[client], np.maximum(plan.created[client], today - HISTORY_DAYS), plan.created[client])
    last_day_allowed = today - 1  # stage changes are timestamped: none on as_of itself
    latest = last_day_allowed - duration
    recent = latest - rng.integers(0, 150, m)
    stale = latest - rng.integers(150, 420, m)
    anywhere = earliest + np.floor(rng.random(m) * np.maximum(latest - earliest, 0)).astype(np.int64)
    created = np.where(outcome == 0, np.where(rng.random(m) < 0.8, recent, stale), anywhere)
    created = np.maximum(created, earliest)
    # a path that no longer fits before as_of is squeezed into the days available
    room = np.maximum(last_day_allowed - created, 0)
    squeeze = np.where(duration > room, room / np.maximum(duration, 1), 1.0)
    offsets = np.floor(offsets * squeeze[row]).astype(np.int64)
    change_day = created[row] + offsets
    last_day = change_day[group_first + changes - 1]

    from_idx = np.where(idx == 0, -1, s0[row] + idx - 1)
    to_idx = np.where((idx == changes[row] - 1) & closed[row], np.where(outcome[row] == 1, 4, 5), s0[row] + idx)
    stage_names = np.asarray(STAGES, dtype=object)
    from_stage = np.where(from_idx < 0, NO_TEXT, stage_names[np.maximum(from_idx, 0)])
    to_stage = stage_names[to_idx]
    minutes = business_minutes(rng, len(row))
    changed_at = np.maximum(utc_timestamps(change_day, minutes), created_at[client[row]])
    same_day_fix = np.concatenate(([False], (row[1:] == row[:-1]) & (changed_at[1:] <= changed_at[:-1])))
    while same_day_fix.any():
        changed_at[same_day_fix] = changed_at[np.flatnonzero(same_day_fix) - 1] + np.timedelta64(7, "m")
        same_day_fix = np.concatenate(([False], (row[1:] == row[:-1]) & (changed_at[1:] <= changed_at[:-1])))

    final_idx = _final_stage(outcome, reach)
    stage = stage_names[final_idx]
    default_p = np.asarray([DEFAULT_STAGE_PROBABILITY[Stage(s)] for s in STAGES])
    probability = np.where(outcome == 0, np.clip(default_p[final_idx] + rng.integers(-6, 7, m), 1, 99), default_p[final_idx])
    level = plan.level[client]
    amount_cents = np.maximum(np.round(level * rng.uniform(2, 12, m) / 5000) * 5000, 5000).astype(np.int64)
    won_cents = np.round(amount_cents * rng.uniform(0.85, 1.05, m)).astype(np.int64)
    expected = created + rng.integers(20, 120, m)
    expected_missing = rng.random(m) < np.where(outcome == 0, 0.08, 0.05)
    expected_dates = to_dates(expected)
    expected_dates[expected_missing] = np.datetime64("NaT")
    closed_dates = to_dates(last_day)
    closed_dates[~closed] = np.datetime64("NaT")
    year = to_dates(created).astype("datetime64[Y]").astype(np.int64) + 1970
    label = np.asarray(vocab.OPPORTUNITY_NAMES, dtype=object)[rng.integers(0, len(vocab.OPPORTUNITY_NAMES), m)]
    reasons = np.asarray(vocab.LOST_REASONS, dtype=object)[rng.integers(0, len(vocab.LOST_REASONS), m)]

    opportunities: Columns = {
        "opportunity_id": np.arange(1, m + 1, dtype=np.int64),
        "client_id": client + 1,
        "contact_id": first_contact[client].astype(float),
        "name": np.array([f"{a} {y}" for a, y in zip(label.tolist(), year.tolist(), strict=False)], dtype=object),
        "description": np.full(m, None, dtype=object),
        "amount": euros(amount_cents),
        "stage": stage,
        "probability": probability.astype(np.int64),
        "expected_close": expected_dates,
        "closed_at": closed_dates,
        "won_amount": np.where(outcome == 1, euros(won_cents), np.nan),
        "lost_reason": np.where(outcome == 2, reasons, NO_TEXT),
        "owner": pools.owners[plan.owner[client]],
        "notes": np.full(m, None, dtype=object),
        "created_at": changed_at[group_first],
        "version": np.ones(m, dtype=np.int64),
    }
    history: Columns = {
        "change_id": np.arange(1, len(row) + 1, dtype=np.int64),
        "opportunity_id": row + 1,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "changed_at": changed_at,
    }
    return opportunities, history
