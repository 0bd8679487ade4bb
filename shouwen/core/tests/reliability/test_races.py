"""Real concurrency through the production server: the database settles every race, nothing is lost.

Requests come from many threads at once (released together by a barrier) to gunicorn's worker
processes, each with its own database connection, so the races are the ones production sees.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from shouwen.cases import services
from shouwen.cases.models import Case, CaseEvent, CaseNote, Handover, HandoverStatus, Responsibility
from shouwen.core.tests.reliability.helpers import assert_accountability_invariant, token_for
from shouwen.core.tests.reliability.server import Reply, ServerProcess, request, scale

ACCEPTERS = 50
ACCEPT_ROUNDS = scale(1, 5)
NOTE_WRITERS = scale(20, 60)
HANDOVER_ROUNDS = scale(3, 20)


def race(calls: list[Callable[[], Reply]], timeout: float = 60.0) -> list[Reply | BaseException]:
    """Run the calls in one thread each, released together; return each reply (or the error it raised)."""
    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list[Reply | BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as exc:  # reported by the test, not swallowed
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a request did not finish in time"
    return [r for r in results if r is not None]


def statuses(results: list[Reply | BaseException]) -> Counter[Any]:
    """Count the HTTP statuses (and the names of errors raised instead)."""
    return Counter(r.status if isinstance(r, Reply) else type(r).__name__ for r in results)


def post(server: ServerProcess, token: str, path: str, body: dict[str, Any]) -> Callable[[], Reply]:
    """Return a call that POSTs the JSON body with the token."""
    return lambda: request(server.base_url, "POST", path, token=token, json_body=body, timeout=60)


def _case(world) -> Case:  # noqa: ANN001 - World
    return world.register(category="household_repair", content="厨房下水道堵塞，水排不下去", caller_name="")


def test_fifty_simultaneous_accepts_of_one_handover_have_exactly_one_winner(live_world, shouwen_server):
    # Two members of the engineering department may accept a handover to the department.
    receivers = [live_world.technician, live_world.staff["engineering_head"]]
    tokens = {s.pk: token_for(s) for s in receivers}
    for _ in range(ACCEPT_ROUNDS):
        case = _case(live_world)
        handover = services.hand_over(
            live_world.clerk, case, to_department=live_world.departments["engineering"], note="请上门疏通"
        )
        path = f"/api/v1/cases/{case.number}/accept-handover/"
        calls = [
            post(shouwen_server, tokens[receivers[i % 2].pk], path, {"handover": handover.pk})
            for i in range(ACCEPTERS)
        ]
        results = race(calls)
        seen = statuses(results)
        assert seen == Counter({200: 1, 409: ACCEPTERS - 1}), (seen, shouwen_server.log_tail())
        conflicts = [r for r in results if isinstance(r, Reply) and r.status == 409]
        assert all("已被处理" in r.json()["detail"] for r in conflicts), conflicts[0].text()
        winner = next(r for r in results if isinstance(r, Reply) and r.status == 200).json()
        handover.refresh_from_db()
        case.refresh_from_db()
        assert handover.status == HandoverStatus.ACCEPTED
        assert case.accountable_id == handover.decided_by_id == winner["accountable"]["id"]
        assert Responsibility.objects.filter(case=case, ended_at__isnull=True).count() == 1
        assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.HANDOVER_ACCEPTED).count() == 1
    assert_accountability_invariant()


def test_notes_added_at_the_same_time_are_all_kept(live_world, shouwen_server):
    case = _case(live_world)
    version = case.version
    writers = [
        live_world.clerk,
        live_world.staff["cs_assistant"],
        live_world.supervisor,
        live_world.technician,
    ]
    tokens = [token_for(s) for s in writers]
    path = f"/api/v1/cases/{case.number}/notes/"
    texts = [f"并发备注 {i}：住户 𠮷 先生来电 😀" for i in range(NOTE_WRITERS)]
    results = race(
        [post(shouwen_server, tokens[i % len(tokens)], path, {"text": text}) for i, text in enumerate(texts)]
    )
    assert statuses(results) == Counter({201: NOTE_WRITERS}), (statuses(results), shouwen_server.log_tail())
    assert sorted(CaseNote.objects.filter(case=case).values_list("text", flat=True)) == sorted(texts)
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == NOTE_WRITERS
    case.refresh_from_db()
    assert case.version == version + NOTE_WRITERS  # every change counted: no lost update


def test_two_simultaneous_handovers_leave_exactly_one_pending(live_world, shouwen_server):
    case = _case(live_world)
    clerk, supervisor = live_world.clerk, live_world.supervisor
    clerk_token, supervisor_token = token_for(clerk), token_for(supervisor)
    path = f"/api/v1/cases/{case.number}/hand-over/"
    departments = live_world.departments
    for round_no in range(HANDOVER_ROUNDS):
        # The holder and a supervisor hand the same case to two departments at the same moment.
        results = race(
            [
                post(
                    shouwen_server,
                    clerk_token,
                    path,
                    {"to_department": departments["engineering"].pk, "note": "请工程部处理"},
                ),
                post(
                    shouwen_server,
                    supervisor_token,
                    path,
                    {"to_department": departments["security"].pk, "note": "请安护部处理"},
                ),
            ]
        )
        seen = statuses(results)
        assert seen[200] == 1 and sum(seen.values()) == 2, (round_no, seen, shouwen_server.log_tail())
        loser = next(r for r in results if isinstance(r, Reply) and r.status != 200)
        assert loser.status in (403, 409), loser.text()
        assert "转办" in loser.json()["detail"]
        pending = list(Handover.objects.filter(case=case, status=HandoverStatus.PENDING))
        assert len(pending) == 1
        # The giver withdraws it while a receiver accepts it: exactly one of the two happens.
        receiver = (
            live_world.technician if pending[0].to_department_id == departments["engineering"].pk else None
        )
        calls = [
            post(
                shouwen_server,
                clerk_token,
                f"/api/v1/cases/{case.number}/cancel-handover/",
                {"handover": pending[0].pk, "reason": "撤回"},
            )
        ]
        if receiver is not None:
            calls.append(
                post(
                    shouwen_server,
                    token_for(receiver),
                    f"/api/v1/cases/{case.number}/accept-handover/",
                    {"handover": pending[0].pk},
                )
            )
        seen = statuses(race(calls))
        assert seen[200] == 1 and set(seen) <= {200, 409}, seen
        pending[0].refresh_from_db()
        assert pending[0].status in (HandoverStatus.CANCELLED, HandoverStatus.ACCEPTED)
        if pending[0].status == HandoverStatus.ACCEPTED:  # give the case back to the clerk for the next round
            services.reassign(supervisor, Case.objects.get(pk=case.pk), to_staff=clerk, note="退回前台")
        assert not Handover.objects.filter(case=case, status=HandoverStatus.PENDING).exists()
    assert_accountability_invariant()
