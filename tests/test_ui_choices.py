"""Select boxes in the Spanish UI (crm_core.ui.choices, issue 16 defect 6): no Streamlit English shows
where the app can say it, namely every empty box's placeholder and the file uploader's label and help."""

from __future__ import annotations

from datetime import date

import pytest

from crm_core.i18n import MESSAGES
from tests.apptest_helpers import open_page

AS_OF = date(2026, 11, 25)
STREAMLIT_ENGLISH = {"", "Choose an option", "Choose options", "No options to select"}


@pytest.mark.parametrize("page", ["pages/clients.py", "pages/activities.py", "pages/pipeline.py", "pages/collections.py"])
def test_every_empty_select_box_says_what_to_pick_in_spanish(demo_db: str, page: str) -> None:
    at = open_page(page, AS_OF, "es")
    # a box holding None (nothing picked, or a None option such as "—" or "All") shows its placeholder
    empty = [s for s in at.selectbox if s.value is None] + [m for m in at.multiselect if not m.value]
    assert empty  # each of these pages has at least one box waiting for a pick
    for box in empty:
        assert box.proto.placeholder not in STREAMLIT_ENGLISH, (box.key, box.label, box.proto.placeholder)


def test_the_file_uploader_is_labelled_and_explained_in_spanish(demo_db: str) -> None:
    at = open_page("pages/import.py", AS_OF, "es")
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.label == MESSAGES["import.file"][1]
    assert uploader.proto.help == MESSAGES["import.file_help"][1]
