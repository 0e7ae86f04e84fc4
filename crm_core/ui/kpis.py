"""KPI cards: the overview's figures as formatted metric cards with deltas, and how to draw them.

A card's label, value and delta cannot wrap (st.metric cuts them with an ellipsis), so labels are
short, amounts show in millions from a million on (the exact amount in the tooltip), and what the
arrows compare with is said once under each row (ROW_NOTES), not beside every delta.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from crm_core.i18n import format_money, format_number, label, t
from crm_core.i18n.formatting import format_money_short

# The cards show the living clients first.
LIFECYCLE_CARDS: tuple[str, ...] = ("active", "vip", "dormant", "prospect", "lost")
# Each row of overview_cards: its heading and the note saying what its arrows compare with.
ROW_TEXTS: dict[str, tuple[str, str]] = {
    "lifecycle": ("overview.clients_heading", "overview.clients_note"),
    "receivables": ("overview.money_heading", "overview.money_note"),
    "forecasts": ("overview.forecast_heading", "overview.forecast_note"),
}


@dataclass(frozen=True)
class Card:
    """One metric card: what st.metric shows (texts already formatted for the language)."""

    key: str
    label: str
    value: str
    delta: str | None = None
    delta_color: Literal["normal", "inverse", "off"] = "normal"
    help: str | None = None
    caption: str | None = None


def signed(text: str, delta: float) -> str:
    """A delta as text with an explicit sign (st.metric colours by the leading minus); no sign for 0."""
    if round(delta, 2) == 0:
        return text.lstrip("-")
    return text if delta < 0 else f"+{text}"


def money_delta(delta: float, lang: str) -> str:
    """A money delta with its sign, short like the card's value (millions from a million on)."""
    return signed(format_money_short(delta, lang), delta)


def money_help(help_text: str, value: float, lang: str) -> str:
    """A money card's tooltip: its explanation, then the exact amount the short value rounds."""
    return f"{help_text}\n\n{format_money(value, lang, 0)}"


def count_delta(delta: float, lang: str) -> str:
    """A count delta with its sign, as st.metric shows it."""
    return signed(format_number(delta, lang), delta)


def _color(delta: float, good_when_up: bool) -> Literal["normal", "inverse", "off"]:
    if round(delta, 2) == 0:
        return "off"
    return "normal" if good_when_up else "inverse"


def overview_cards(summary: Mapping[str, Any], year_deltas: Mapping[str, Any], lang: str) -> dict[str, list[Card]]:
    """The overview's cards in three rows: clients by lifecycle, receivables and risk, forecasts.

    `summary` is `portfolio_summary(health, previous=<health 30 days earlier>)`; `year_deltas` the
    `deltas` of `portfolio_summary(health, previous=<health 12 months earlier>)`, used for the
    revenue of the last 12 months (compared with the 12 months before). A summary without "deltas"
    (the health 30 days earlier still being computed) gives cards without their 30-day changes.
    """
    deltas = summary.get("deltas")
    lifecycle = [
        Card(
            key=f"lifecycle_{life}",
            label=t(f"overview.lifecycle_{life}", lang),
            value=format_number(summary["by_lifecycle"][life], lang),
            delta=None if deltas is None else count_delta(deltas["by_lifecycle"][life], lang),
            delta_color="off" if deltas is None else _color(deltas["by_lifecycle"][life], life not in ("dormant", "lost")),
            help=t("overview.lifecycle_help", lang, lifecycle=label("lifecycle", life, lang)),
        )
        for life in LIFECYCLE_CARDS
    ]

    def money(key: str, good_when_up: bool, help_key: str, caption: str | None = None) -> Card:
        """A money KPI card for summary key `key`, its delta coloured by whether up is good."""
        return Card(
            key=key,
            label=t(f"overview.{key}", lang),
            value=format_money_short(summary[key], lang),
            delta=None if deltas is None else money_delta(deltas[key], lang),
            delta_color="off" if deltas is None else _color(deltas[key], good_when_up),
            help=money_help(t(help_key, lang), summary[key], lang),
            caption=caption,
        )

    revenue = Card(
        key="revenue_12m",
        label=t("overview.revenue_12m", lang),
        value=format_money_short(summary["revenue_12m"], lang),
        delta=money_delta(year_deltas["revenue_12m"], lang),
        delta_color=_color(year_deltas["revenue_12m"], True),
        help=money_help(t("overview.revenue_12m_help", lang), summary["revenue_12m"], lang),
    )
    at_risk = Card(
        key="clients_at_risk",
        label=t("overview.clients_at_risk", lang),
        value=format_number(summary["clients_at_risk"], lang),
        delta=None if deltas is None else count_delta(deltas["clients_at_risk"], lang),
        delta_color="off" if deltas is None else _color(deltas["clients_at_risk"], False),
        help=t("overview.clients_at_risk_help", lang),
    )
    receivables = [
        revenue,
        money("outstanding", False, "overview.outstanding_help"),
        money("overdue", False, "overview.overdue_help"),
        at_risk,
    ]

    def parts(h: int) -> str:
        """The recurring and pipeline parts of the `h`-day forecast, as the card's caption."""
        return t(
            "overview.parts",
            lang,
            recurring=format_money(summary[f"recurring_{h}d"], lang, 0),
            pipeline=format_money(summary[f"pipeline_{h}d"], lang, 0),
            new=format_money(summary.get(f"new_deals_{h}d", 0.0), lang, 0),
            typed=format_money(summary.get(f"typed_pipeline_{h}d", 0.0), lang, 0),
        )

    forecasts = [
        money("expected_revenue_30d", True, "overview.expected_revenue_help", parts(30)),
        money("expected_revenue_90d", True, "overview.expected_revenue_help", parts(90)),
        money("expected_cash_30d", True, "overview.expected_cash_help"),
        money("expected_cash_90d", True, "overview.expected_cash_help"),
    ]
    return {"lifecycle": lifecycle, "receivables": receivables, "forecasts": forecasts}


def draw_rows(rows: Mapping[str, Sequence[Card]], lang: str) -> None:
    """Each row of `overview_cards` under its heading, with the note on what its arrows compare with."""
    for row, (heading, note) in ROW_TEXTS.items():
        st.subheader(t(heading, lang))
        st.caption(t(note, lang))
        draw_cards(rows[row])


def draw_cards(cards: Sequence[Card]) -> None:
    """One row of bordered metric cards (a caption under a card when it has one)."""
    for column, card in zip(st.columns(len(cards)), cards, strict=True):
        with column:
            st.metric(
                card.label,
                card.value,
                delta=card.delta,
                delta_color=card.delta_color,
                delta_arrow="off" if card.delta_color == "off" else "auto",
                help=card.help,
                border=True,
            )
            if card.caption:
                st.caption(card.caption)
