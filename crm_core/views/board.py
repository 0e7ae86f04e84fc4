"""The pipeline as a board: one column per open stage, one card per open deal (amount, close date, stale mark).

A pure read model over the pipeline view's frames (`crm_core.views.pipeline`): the open deals as of
the as-of date and the stale ones among them (docs/design.md §4.13). Moving a card is a write, done
by `crm_core.services.move_opportunity`; this module only says which card sits where and what a
card may move to.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crm_core.enums import OPEN_STAGE_VALUES

CARD_COLUMNS: list[str] = [
    "opportunity_id",
    "company_name",
    "name",
    "amount",
    "probability",
    "expected_close",
    "owner",
    "version",
    "stale",
]


@dataclass(frozen=True)
class BoardColumn:
    """One stage of the board: its cards (soonest close first, up to the cap), how many and how much in all."""

    stage: str
    cards: pd.DataFrame
    count: int
    amount: float

    @property
    def hidden(self) -> int:
        """Cards of this stage beyond the cap (not drawn)."""
        return self.count - len(self.cards)


BOARD_CAP = 10  # cards drawn per column: each is ~8 elements and 2-3 buttons, sent on every run


def stage_deals(open_deals: pd.DataFrame, stage: str) -> pd.DataFrame:
    """The open deals of `stage` in board order: soonest expected close first (a passed date first of
    all: the deal needs a new date or a decision), then the larger amount, then company, then the older deal; no date last.

    As a rep works a board (Pipedrive, HubSpot): what closes next needs the push now; the stage's
    totals above the column count every deal, and the full list is one click away (`board_columns`).
    """
    mine = open_deals.loc[open_deals["stage"] == stage]
    return mine.sort_values(
        ["expected_close", "amount", "company_name", "opportunity_id"],
        ascending=[True, False, True, True],
        na_position="last",
        kind="stable",
    )


def board_columns(open_deals: pd.DataFrame, stale: pd.DataFrame, cap: int = BOARD_CAP) -> list[BoardColumn]:
    """The open stages in pipeline order, each with its deals as cards; `stale` marks the stale ones.

    Cards are in `stage_deals` order and capped at `cap` per column (the rest: `hidden`, listed on
    demand); the column's count and amount cover every deal of the stage.
    """
    deals = open_deals.assign(stale=open_deals["opportunity_id"].isin(stale["opportunity_id"]))
    if "version" not in deals.columns:
        deals = deals.assign(version=pd.NA)
    columns = []
    for stage in OPEN_STAGE_VALUES:
        ordered = stage_deals(deals, stage)
        columns.append(
            BoardColumn(
                stage=stage,
                cards=ordered.head(cap)[CARD_COLUMNS].reset_index(drop=True),
                count=len(ordered),
                amount=float(ordered["amount"].fillna(0.0).sum()),
            )
        )
    return columns


def neighbour_stages(stage: str) -> tuple[str | None, str | None]:
    """The open stages a card can move to in one step: (previous, next); None at either end."""
    index = OPEN_STAGE_VALUES.index(stage)
    previous = OPEN_STAGE_VALUES[index - 1] if index > 0 else None
    following = OPEN_STAGE_VALUES[index + 1] if index + 1 < len(OPEN_STAGE_VALUES) else None
    return previous, following
