"""The golden cases through the real app, as a regression guard: the cases never looked at while
tuning keep 90% top-finding agreement and show no forbidden item. (The first measurement of each
batch, before anyone looked, is the quality figure: docs/DIAGNOSIS.md.)"""

from __future__ import annotations

import pytest

from bench.diagnosis import judge, run_all_in_processes

FLOOR = 0.90


# The harness runs the app on its own SQLite file whatever TEST_DB says: the PostgreSQL pass
# would run the same thing again, so it leaves this out (tests/conftest.py).
pytestmark = pytest.mark.database_free


def test_golden_cases_keep_their_score_and_never_show_a_forbidden_item() -> None:
    # Only the cases never looked at count here (the seen ones are the bench's regression list),
    # over one process per core: a third of the time of running them all in one.
    outcomes, seen = run_all_in_processes(unseen_only=True)
    counted = [o for o in outcomes if o.case_id not in seen]
    passed = [o for o in counted if o.passed]
    assert len(passed) / len(counted) >= FLOOR, [(o.case_id, o.problems) for o in counted if not o.passed]
    shown = [(o.case_id, p) for o in counted for p in o.problems if p.startswith("forbidden")]
    assert shown == []


def test_the_served_port_number_is_not_read_as_a_status_code() -> None:
    case = {
        "task": "Is anything answering on 127.0.0.1 port 45031?",
        "expect_top": {"severity": ["critical"], "any_of": ["refused"]},
        "must_not": ["503"],
    }
    refused = {"summary": "", "results": [{"findings": [
        {"severity": "critical", "message": "TCP connect to 127.0.0.1:45031 refused",
         "details": {"port": 45031, "ports": [45031]}}]}]}  # fmt: skip
    assert judge(case, refused, 45031) == []
    assert judge(case, refused) == ["forbidden item shown: '503'"]  # what CI once tripped on
    expected = {**case, "expect_top": {"any_of": ["503"]}, "must_not": []}
    assert judge(expected, refused, 45031) == ["top finding has none of the expected phrases"]
