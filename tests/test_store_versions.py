"""TableVersions: a write bumps the tables it names; a change seen only in the fingerprints bumps every table,
or, with PostgreSQL's change counters (exact fingerprints), just the tables whose counter moved."""

from __future__ import annotations

import pytest

from crm_core.store.fingerprints import CHANGES, Fingerprints
from crm_core.store.frames import TABLES
from crm_core.store.versions import TableVersions


class _Database:
    """Fake fingerprints (one counter per table) and a clock the test moves."""

    def __init__(self, exact: bool = False) -> None:
        self.head = (CHANGES,) if exact else ()  # exact: fingerprints as read from the change counters
        self.prints: Fingerprints = {name: (*self.head, 0) for name in TABLES}
        self.reads = 0
        self.now = 0.0

    def fingerprints(self) -> Fingerprints:
        self.reads += 1
        return dict(self.prints)

    def change(self, name: str) -> None:
        self.prints[name] = (*self.head, self.prints[name][-1] + 1)


@pytest.fixture
def db() -> _Database:
    return _Database()


@pytest.fixture
def retired() -> list[tuple[str, int]]:
    return []


@pytest.fixture
def versions(db: _Database, retired: list[tuple[str, int]]) -> TableVersions:
    return TableVersions(
        db.fingerprints,
        retire=lambda name, gen: retired.append((name, gen)),
        recheck_seconds=1.0,
        clock=lambda: db.now,
        start=0,
    )


def test_a_write_bumps_only_the_tables_it_names_and_retires_their_old_generation(
    db: _Database, versions: TableVersions, retired: list[tuple[str, int]]
) -> None:
    assert versions.current() == (0,) * len(TABLES)
    db.change("activities")  # the write itself, as the fingerprints see it
    versions.wrote({"activities", "contacts"})
    after = versions.current()
    assert {name for name, gen in zip(TABLES, after, strict=True) if gen} == {"activities", "contacts"}
    assert sorted(retired) == [("activities", 0), ("contacts", 0)]
    assert db.reads == 2  # a write forces the next read to look, so its own change is not taken for another's


def test_reads_within_the_recheck_window_share_one_fingerprint_read(db: _Database, versions: TableVersions) -> None:
    versions.current()
    db.now = 0.5
    versions.current()
    versions.current()
    assert db.reads == 1
    db.now = 1.0
    versions.current()
    assert db.reads == 2


def test_a_change_made_elsewhere_bumps_every_table(
    db: _Database, versions: TableVersions, retired: list[tuple[str, int]]
) -> None:
    versions.current()
    db.change("payments")
    db.now = 2.0
    assert versions.current() == (1,) * len(TABLES)
    assert sorted(retired) == sorted((name, 0) for name in TABLES)
    db.now = 4.0
    assert versions.current() == (1,) * len(TABLES)  # seen once, not again


def test_a_change_elsewhere_next_to_a_write_here_still_bumps_every_table(db: _Database, versions: TableVersions) -> None:
    versions.current()
    db.change("activities")
    db.change("invoices")  # not written here
    versions.wrote({"activities"})
    expected = {name: 1 for name in TABLES} | {"activities": 2}  # bumped by the write, then with every table
    assert dict(zip(TABLES, versions.current(), strict=True)) == expected


def test_with_the_change_counters_a_change_elsewhere_bumps_only_the_tables_it_moved(retired: list[tuple[str, int]]) -> None:
    db = _Database(exact=True)
    versions = TableVersions(
        db.fingerprints, retire=lambda name, gen: retired.append((name, gen)), recheck_seconds=1.0, clock=lambda: db.now, start=0
    )
    versions.current()
    db.change("payments")
    db.change("activities")
    db.now = 2.0
    moved = {name for name, gen in zip(TABLES, versions.current(), strict=True) if gen}
    assert moved == {"payments", "activities"}
    assert sorted(retired) == [("activities", 0), ("payments", 0)]

    db.change("invoices")  # written here and seen in the counters: bumped once, by the write
    db.change("contacts")  # by another writer meanwhile
    versions.wrote({"invoices"})
    after = dict(zip(TABLES, versions.current(), strict=True))
    assert after == {name: 0 for name in TABLES} | {"payments": 1, "activities": 1, "invoices": 1, "contacts": 1}


def test_counted_fingerprints_after_exact_ones_bump_every_table(db: _Database) -> None:
    """Counters that went away (read from the rows again) prove nothing about the tables that look unchanged."""
    exact = _Database(exact=True)
    reads = iter([exact.fingerprints(), db.fingerprints()])
    versions = TableVersions(lambda: next(reads), recheck_seconds=0, start=0)
    versions.current()
    assert versions.current() == (1,) * len(TABLES)


def test_an_unknown_table_is_refused(versions: TableVersions) -> None:
    with pytest.raises(ValueError, match="unknown tables"):
        versions.wrote({"activity"})


def test_a_new_registry_never_reuses_an_earlier_ones_generations(db: _Database) -> None:
    first = TableVersions(db.fingerprints).current()
    second = TableVersions(db.fingerprints).current()
    assert not set(first) & set(second)


def test_a_slow_fingerprint_read_serves_ten_times_its_duration_but_own_writes_show_at_once(db: _Database) -> None:
    def slow_read() -> Fingerprints:
        db.now += 2.0  # the COUNTs of a 100,000-client database on a busy machine
        return db.fingerprints()

    versions = TableVersions(slow_read, recheck_seconds=1.0, clock=lambda: db.now, start=0)
    versions.current()  # read from 0 s to 2 s
    db.change("invoices")  # another process writes
    db.now = 19.0
    assert versions.current() == (0,) * len(TABLES) and db.reads == 1  # within 10 x 2 s of the read's start
    db.now = 22.5
    assert set(versions.current()) == {1} and db.reads == 2  # past it: read again, every table bumped
    versions.wrote({"activities"})
    assert versions.current()[TABLES.index("activities")] == 2 and db.reads == 3  # a write forces a read


def test_in_background_mode_a_slow_re_read_never_holds_the_caller(db: _Database) -> None:
    import threading

    gate = threading.Event()
    done = threading.Event()

    def slow_read() -> Fingerprints:
        if db.reads:  # the first read is in the foreground; later ones wait for the test
            gate.wait(10)
        db.now += 2.0  # slow: 2 s by the test's clock
        prints = db.fingerprints()
        done.set() if db.reads > 1 else None
        return prints

    versions = TableVersions(slow_read, recheck_seconds=1.0, clock=lambda: db.now, start=0, background=True)
    assert versions.current() == (0,) * len(TABLES) and db.reads == 1  # first read: in the foreground
    db.change("invoices")  # another process writes
    db.now = 30.0  # the re-read is due
    assert versions.current() == (0,) * len(TABLES)  # answered at once, with the generations known
    assert db.reads == 1  # the re-read is waiting in its thread
    gate.set()
    assert done.wait(10)
    for _ in range(100):  # the thread applies the read right after it returns
        if versions.current() != (0,) * len(TABLES):
            break
        threading.Event().wait(0.01)
    assert set(versions.current()) == {1} and db.reads == 2  # the change made elsewhere: every table bumped


def test_in_background_mode_a_write_during_a_read_stays_ours(db: _Database) -> None:
    import threading

    reading = threading.Event()
    gate = threading.Event()

    def slow_read() -> Fingerprints:
        if db.reads:
            reading.set()
            gate.wait(10)
        db.now += 2.0
        return db.fingerprints()

    versions = TableVersions(slow_read, recheck_seconds=1.0, clock=lambda: db.now, start=0, background=True)
    versions.current()
    db.now = 30.0
    versions.current()  # starts the background read
    assert reading.wait(10)
    db.change("activities")  # this server writes while the read is under way...
    versions.wrote({"activities"})
    gate.set()
    for _ in range(300):
        if db.reads >= 3:
            break
        versions.current()  # the overlapped read forces another one, which sees the write as ours
        threading.Event().wait(0.01)
    generations = dict(zip(TABLES, versions.current(), strict=True))
    assert generations["activities"] == 1 and generations["invoices"] == 0  # only the written table moved


def test_only_appended_follows_a_chain_of_appends_and_breaks_at_any_other_change(db: _Database, versions: TableVersions) -> None:
    versions.current()
    versions.wrote({"activities", "contacts"}, appended={"activities"})  # activities 0 -> 1
    versions.wrote({"activities", "contacts"}, appended={"activities"})  # 1 -> 2
    assert versions.only_appended("activities", 0, 2) and versions.only_appended("activities", 1, 2)
    assert not versions.only_appended("contacts", 0, 1)  # written, not appended
    assert not versions.only_appended("activities", 2, 3)  # a generation not reached yet
    versions.wrote({"activities"})  # an update: 2 -> 3
    assert not versions.only_appended("activities", 2, 3) and not versions.only_appended("activities", 0, 3)
    versions.wrote({"activities"}, appended={"activities"})  # 3 -> 4: a new chain from 3
    assert versions.only_appended("activities", 3, 4) and not versions.only_appended("activities", 2, 4)

    db.now += 5.0
    db.change("invoices")  # a change by another process bumps every table, appends forgotten
    generations = dict(zip(TABLES, versions.current(), strict=True))
    assert generations["activities"] == 5 and not versions.only_appended("activities", 4, 5)
    with pytest.raises(ValueError, match="appended tables not written"):
        versions.wrote({"contacts"}, appended={"activities"})
