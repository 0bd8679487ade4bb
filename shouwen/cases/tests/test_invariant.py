"""Random sequences of actions by random staff never break the accountability invariant.

Every active case has exactly one current holder, who is the case's accountable person; a
finished case has none; at most one handover is pending; the chain of holders has no gaps.
"""

import contextlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shouwen.cases import services
from shouwen.cases.models import ACTIVE_STATUSES, Case, Handover, Responsibility

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


def _apply(world, staff, departments, action, actor_i, case_i, target_i):
    actor = staff[actor_i % len(staff)]
    target = staff[target_i % len(staff)]
    cases = list(Case.objects.order_by("pk"))
    if action == "register" or not cases:
        services.register_contact(
            actor,
            estate=world.estate,
            channel="phone",
            category=["complaint", "consultation"][target_i % 2],
            content="楼道灯不亮",
            caller_phone="13812345678",
        )
        return
    case = cases[case_i % len(cases)]
    pending = Handover.objects.filter(case=case, status="pending").first()
    # Often let the person who may act do so, so that most sequences go deep into the chain.
    if actor_i % 3 == 0 and case.accountable is not None:
        actor = case.accountable
    if actor_i % 3 == 1 and pending is not None:
        members = [s for s in staff if s.department_id == pending.to_department_id]
        actor = pending.to_staff or (members[0] if members else actor)
    if action == "hand_over_staff":
        services.hand_over(actor, case, to_staff=target, note="请处理")
    elif action == "hand_over_department":
        services.hand_over(actor, case, to_department=departments[target_i % len(departments)], note="请处理")
    elif action in ("accept", "return", "cancel") and pending is not None:
        if action == "accept":
            services.accept_handover(actor, pending)
        elif action == "return":
            services.return_handover(actor, pending, reason="不归本部门")
        else:
            services.cancel_handover(actor, pending, reason="撤回")
    elif action == "keep":
        services.keep_in_stead(actor, case, department=departments[target_i % len(departments)])
    elif action == "request_assignment":
        services.request_assignment(actor, case, note="请指派")
    elif action == "reassign":
        services.reassign(actor, case, to_staff=target, note="指派")
    elif action == "resolve":
        services.resolve_case(actor, case, resolution="已处理")
    elif action == "reopen":
        services.reopen_case(actor, case, reason="住户不满意")
    elif action == "close":
        services.close_case(actor, case)
    elif action == "decline":
        services.decline_case(actor, case, explanation="不合理要求")
    elif action == "void":
        services.void_case(actor, case, reason="登记错误")
    elif action == "visit":
        services.record_visit(actor, case, channel="visit", content="再次来访")


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
