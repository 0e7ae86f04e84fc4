"""Possible duplicates of a new client (crm_core.views.duplicates): names normalised, emails in any case."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_core.views.duplicates import duplicate_candidates, normalise_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Talleres Pérez S.L.", "talleres perez"),
        ("TALLERES PEREZ SL", "talleres perez"),
        ("Talleres Pérez, S.L.U.", "talleres perez"),
        ("Cooperativa Olivarera S. Coop.", "cooperativa olivarera"),
        ("Peña Ñandú S.A.", "pena nandu"),
        ("Casa", "casa"),  # a word ending like a legal form is kept
        (None, ""),
    ],
)
def test_normalise_name(name, expected) -> None:
    assert normalise_name(name) == expected


def test_candidates_by_name_or_email() -> None:
    clients = pd.DataFrame(
        {
            "client_id": [1, 2, 3],
            "company_name": ["Talleres Pérez S.L.", "Beta S.A.", "Gamma SL"],
            "email": ["info@perez.es", "Hola@Beta.es", None],
        }
    )
    found = duplicate_candidates(clients, "TALLERES PEREZ SL", "otra@x.es")
    assert found[["client_id", "why"]].values.tolist() == [[1, "name"]]
    found = duplicate_candidates(clients, "Nueva", "hola@beta.es")
    assert found[["client_id", "why"]].values.tolist() == [[2, "email"]]
    assert duplicate_candidates(clients, "Nueva", None).empty
    assert duplicate_candidates(clients, "", "").empty
