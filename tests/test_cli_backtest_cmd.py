"""`python -m crm_core backtest`: the table for a database, and one-line errors for bad input."""

from __future__ import annotations

import pytest

from crm_core.cli import main
from tests.factories import make_client, make_invoice, make_opportunity


def test_backtest_prints_both_horizons_and_baselines(sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    client = make_client(sqlite_engine)
    for month in range(1, 13):  # 1,000 on the 1st of each month of 2025, then 2026-01-01
        make_invoice(sqlite_engine, client.client_id, issue_date=f"2025-{month:02d}-01", total="1000.00")
    make_invoice(sqlite_engine, client.client_id, issue_date="2026-01-01", total="1000.00")
    assert main(["backtest", "--as-of", "2025-12-15", "--url", url]) == 0
    out = capsys.readouterr().out
    assert "Recurring forecast backtest (database) as of 2025-12-15" in out
    assert "Expected revenue by part" not in out  # no opportunities: only the recurring table
    lines = [line.split() for line in out.splitlines()[2:]]
    assert [(row[0], " ".join(row[1:-8])) for row in lines] == [
        (h, model) for h in ("30d", "90d") for model in ("recurring forecast", "zero", "run rate 90d", "trailing 12m")
    ]
    # actual: one invoice of 1,000 (2026-01-01) in both horizons
    assert all(row[-6] == "1,000.00" for row in lines)


def test_backtest_at_several_dates_prints_a_line_per_date_and_horizon(sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    client = make_client(sqlite_engine)
    for year, month in [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 5)]:
        make_invoice(sqlite_engine, client.client_id, issue_date=f"{year}-{month:02d}-01", total="1000.00")
    assert main(["backtest", "--as-of", "2025-12-15", "--times", "3", "--every", "14", "--url", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Recurring forecast backtest (database) at 3 dates, every 14 days, ending 2025-12-15"
    assert [line.split()[:2] for line in out[2:8]] == [
        [day, h] for day in ("2025-11-17", "2025-12-01", "2025-12-15") for h in ("30d", "90d")
    ]
    assert out[8].startswith("30d over 3 dates: RMSE vs best baseline median")
    assert out[9].startswith("90d over 3 dates: RMSE vs best baseline median")
    # 2026-04-01 is the last invoice: the 90 days after 2026-01-02 (the first of the two dates) run past it.
    assert main(["backtest", "--as-of", "2026-02-01", "--times", "2", "--url", url]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: the 90 days after 2026-01-02 run past the last invoice (2026-04-01): pick an earlier date"
    )


def test_backtest_errors_are_one_line(sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["backtest", "--as-of", "2025-12-15", "--url", url]) == 1
    assert capsys.readouterr().err.strip() == "error: no invoice on or before 2025-12-15: nothing to forecast from"
    with pytest.raises(SystemExit) as exc:
        main(["backtest", "--as-of", "15/12/2025", "--url", url])
    assert exc.value.code == 2
    assert "not a date (YYYY-MM-DD): '15/12/2025'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["backtest", "--as-of", "2025-12-15", "--times", "0", "--url", url])
    assert exc.value.code == 2
    assert "must be 1 or more: 0" in capsys.readouterr().err


def test_backtest_scores_each_part_when_there_are_deals(sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    client = make_client(sqlite_engine)
    for month in range(1, 13):
        make_invoice(sqlite_engine, client.client_id, issue_date=f"2025-{month:02d}-01", total="1000.00")
    make_invoice(sqlite_engine, client.client_id, issue_date="2026-01-01", total="1000.00")
    make_opportunity(sqlite_engine, client.client_id)
    assert main(["backtest", "--as-of", "2025-12-15", "--url", url]) == 0
    out = capsys.readouterr().out.split("\n\n")
    assert out[1].startswith("Expected revenue by part, portfolio totals (database), 1 date(s) ending 2025-12-15")
    rows = [line.split()[:2] + [" ".join(line.split()[2:-3])] for line in out[1].splitlines()[2:18]]
    assert rows == [
        ["2025-12-15", h, f"{part} {model}"]
        for h in ("30d", "90d")
        for part, model in (
            ("pipeline", "learned pipeline"),
            ("pipeline", "typed probability"),
            ("pipeline", "won last h days"),
            ("pipeline open", "learned pipeline"),
            ("pipeline new", "learned pipeline"),
            ("recurring", "recurring forecast"),
            ("total", "recurring + learned"),
            ("total", "recurring + typed"),
        )
    ]
    # the recurring part's actual: the 1,000 invoiced on 2026-01-01, in both windows
    recurring = [line for line in out[1].splitlines() if " recurring  " in line]
    assert [line.split()[-2] for line in recurring] == ["1,000", "1,000"]
    assert "error = |forecast - actual| / actual of the portfolio total" in out[2]
