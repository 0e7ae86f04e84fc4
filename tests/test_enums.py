"""The shared enum constants: one definition of the open stages' stored values."""

from __future__ import annotations

from crm_core.analytics import pipeline as analytics_pipeline
from crm_core.charts import pipeline as charts_pipeline
from crm_core.enums import OPEN_STAGE_VALUES, OPEN_STAGES
from crm_core.ui import pipeline_forms


def test_open_stage_values_are_the_open_stages_in_funnel_order() -> None:
    assert OPEN_STAGE_VALUES == ("identified", "contacted", "proposal", "negotiation")
    assert OPEN_STAGE_VALUES == tuple(s.value for s in OPEN_STAGES)


def test_every_user_shares_the_one_definition() -> None:
    for module in (analytics_pipeline, charts_pipeline, pipeline_forms):
        assert module.OPEN_STAGE_VALUES is OPEN_STAGE_VALUES, module.__name__
