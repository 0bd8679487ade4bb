"""Random sequences of actions by random staff never break the accountability invariant.

Every active case has exactly one current holder, who is the case's accountable person; a
finished case has none; at most one handover is pending; the chain of holders has no gaps.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shouwen.cases import services
from shouwen.cases.models import ACTIVE_STATUSES, Case, Handover, Responsibility
from shouwen.directory.models import Department, Staff

ACTIONS = [
    "register",
    "hand_over_staff",
    "hand_over_department",
    "accept",
    "return",
    "cancel",
    "keep",
    "request_assignment",
    "reassign",
    "resolve",
    "reopen",
    "close",
    "decline",
    "void",
    "visit",
]

step = st.tuples(
    st.sampled_from(ACTIONS),
    st.integers(min_value=0, max_value=50),  # actor
    st.integers(min_value=0, max_value=50),  # case
    st.integers(min_value=0, max_value=50),  # target staff / department
)


class _Rollback(Exception):
    pass


@dataclass
class _Move:
    """One random step: who acts, on which case, towards whom or which department."""

    actor: Staff
    case: Case
    target: Staff
    department: Department
    pending: Handover | None


_MOVES: dict[str, Callable[[_Move], object]] = {
    "hand_over_staff": lambda m: services.hand_over(m.actor, m.case, to_staff=m.target, note="请处理"),
    "hand_over_department": lambda m: services.hand_over(
        m.actor, m.case, to_department=m.department, note="请处理"
    ),
    "accept": lambda m: services.accept_handover(m.actor, m.pending),
    "return": lambda m: services.return_handover(m.actor, m.pending, reason="不归本部门"),
    "cancel": lambda m: services.cancel_handover(m.actor, m.pending, reason="撤回"),
    "keep": lambda m: services.keep_in_stead(m.actor, m.case, department=m.department),
    "request_assignment": lambda m: services.request_assignment(m.actor, m.case, note="请指派"),
    "reassign": lambda m: services.reassign(m.actor, m.case, to_staff=m.target, note="指派"),
    "resolve": lambda m: services.resolve_case(m.actor, m.case, resolution="已处理"),
    "reopen": lambda m: services.reopen_case(m.actor, m.case, reason="住户不满意"),
    "close": lambda m: services.close_case(m.actor, m.case),
    "decline": lambda m: services.decline_case(m.actor, m.case, explanation="不合理要求"),
    "void": lambda m: services.void_case(m.actor, m.case, reason="登记错误"),
    "visit": lambda m: services.record_visit(m.actor, m.case, channel="visit", content="再次来访"),
}
_ON_HANDOVER = {"accept", "return", "cancel"}


def _actor(staff, actor_i, case, pending):
    """Often let the person who may act do so, so that most sequences go deep into the chain."""
    actor = staff[actor_i % len(staff)]
    if actor_i % 3 == 0 and case.accountable is not None:
        actor = case.accountable
    if actor_i % 3 == 1 and pending is not None:
        members = [s for s in staff if s.department_id == pending.to_department_id]
        actor = pending.to_staff or (members[0] if members else actor)
    return actor


def _apply(world, staff, departments, action, actor_i, case_i, target_i):
    cases = list(Case.objects.order_by("pk"))
    if action == "register" or not cases:
        world.contact(
            staff[actor_i % len(staff)],
            category=["complaint", "consultation"][target_i % 2],
            content="楼道灯不亮",
            caller_name="",
            resident=None,
            unit=None,
        )
        return
    case = cases[case_i % len(cases)]
    pending = Handover.objects.filter(case=case, status="pending").first()
    if action in _ON_HANDOVER and pending is None:
        return
    move = _Move(
        actor=_actor(staff, actor_i, case, pending),
        case=case,
        target=staff[target_i % len(staff)],
        department=departments[target_i % len(departments)],
        pending=pending,
    )
    _MOVES[action](move)


def _check_invariant():
    for case in Case.objects.all():
        current = list(Responsibility.objects.filter(case=case, ended_at__isnull=True))
        if case.status in ACTIVE_STATUSES:
            assert len(current) == 1, (case.number, case.status, current)
            assert current[0].holder_id == case.accountable_id
        else:
            assert current == [] and case.accountable_id is None
        assert Handover.objects.filter(case=case, status="pending").count() <= 1
        chain = list(Responsibility.objects.filter(case=case).order_by("started_at", "pk"))
        for before, after in zip(chain, chain[1:], strict=False):
            assert before.ended_at == after.started_at, "a gap or overlap in the chain"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_random_actions_by_random_staff_never_break_the_invariant(world, steps):
    staff = list(world.staff.values())
    departments = list(world.departments.values())
    try:
        with transaction.atomic():
            for action, actor_i, case_i, target_i in steps:
                # Refused actions are expected; they must change nothing.
                with contextlib.suppress(PermissionDenied, ValidationError, services.CaseConflict):
                    _apply(world, staff, departments, action, actor_i, case_i, target_i)
                _check_invariant()
            raise _Rollback
    except _Rollback:
        pass
