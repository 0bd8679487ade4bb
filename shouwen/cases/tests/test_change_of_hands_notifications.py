"""The bell rings whenever accountability moves: offered, accepted, sent back, reassigned, reopened, chased."""

from __future__ import annotations

from shouwen.cases import services
from shouwen.notifications.models import Notification


def bells(staff):
    return list(Notification.objects.filter(recipient=staff).order_by("pk").values_list("kind", "title"))


def test_a_handover_to_a_person_rings_their_bell_and_the_answer_rings_the_givers(world):
    case = world.register()
    handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请上门查看")
    assert bells(world.technician) == [("handover", f"王丽 转办 {case.number} 给您：{case.summary}")]
    services.return_handover(world.technician, handover, reason="不属于本户维修范围")
    assert bells(world.clerk)[-1][1].startswith(f"刘师傅 退回了 {case.number}")
    again = services.hand_over(world.clerk, case, to_staff=world.technician, note="已核实，请处理")
    services.accept_handover(world.technician, again)
    assert bells(world.clerk)[-1][1].startswith(f"刘师傅 已接收 {case.number}")


def test_a_handover_to_a_department_reaches_its_head_and_members_but_not_the_giver(world):
    case = world.register()
    services.hand_over(world.clerk, case, to_department=world.departments["engineering"], note="请工程部处理")
    told = set(Notification.objects.filter(case=case).values_list("recipient__name", flat=True))
    assert told == {"刘师傅", "黄国庆"}  # the technician and the department's head
    assert not Notification.objects.filter(recipient=world.clerk).exists()


def test_a_reassignment_tells_the_new_holder_and_the_former_one(world):
    case = world.register()
    services.reassign(world.supervisor, case, to_staff=world.technician, note="刘师傅负责")
    assert bells(world.technician)[-1][1].startswith(f"李强 指派 {case.number} 由您处理")
    assert bells(world.clerk)[-1][1] == f"李强 已将 {case.number} 指派给 刘师傅"
    assert not Notification.objects.filter(recipient=world.supervisor).exists()


def test_a_reopened_case_tells_its_holder(world):
    case = world.register()
    services.reassign(world.supervisor, case, to_staff=world.technician, note="刘师傅负责")
    services.resolve_case(world.technician, case, resolution="已更换水龙头")
    services.reopen_case(world.supervisor, case, reason="住户说仍在滴水")
    kind, title = bells(world.technician)[-1]
    assert kind == "handover" and title.startswith(f"{case.number} 已重新打开")
    assert (
        Notification.objects.filter(recipient=world.technician).order_by("pk").last().body == "住户说仍在滴水"
    )


def test_a_burst_about_one_case_within_a_minute_is_one_line_of_the_bell(world, client_for):
    from datetime import timedelta

    import time_machine
    from django.urls import reverse
    from django.utils import timezone

    from shouwen.notifications.services import unread_count

    first, second = world.register(), world.register(content="楼道灯不亮")
    with time_machine.travel((timezone.now() + timedelta(minutes=2)).replace(second=5), tick=False):
        services.reassign(world.supervisor, first, to_staff=world.technician, note="刘师傅负责")
        services.chase(world.supervisor, first, note="请今天处理")
        services.reassign(world.supervisor, second, to_staff=world.technician, note="一并处理")
    assert Notification.objects.filter(recipient=world.technician).count() == 3
    assert unread_count(world.technician) == 2  # one line per case and minute
    client = client_for(world.technician)
    page = client.get(reverse("notifications:list"))
    groups = page.context["groups"]
    assert [len(g.ids) for g in groups] == [1, 2]
    assert "同一分钟内另有 1 条" in page.content.decode()
    # Opening the grouped line reads all of it.
    client.post(reverse("notifications:read", args=[groups[1].latest.pk]))
    assert unread_count(world.technician) == 1
    assert not Notification.objects.filter(
        recipient=world.technician, case=first, read_at__isnull=True
    ).exists()
