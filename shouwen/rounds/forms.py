"""The page forms of the daily routine: the patrol report (one block per checkpoint) and the review mark."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from shouwen.rounds.models import Checkpoint
from shouwen.rounds.services import ItemInput

NORMAL, FINDING = "normal", "finding"


def items_from_post(
    checkpoints: Sequence[Checkpoint], data: QueryDict, files: MultiValueDict[str, Any]
) -> list[ItemInput]:
    """Read the patrol page's blocks: ``state_<id>`` normal/finding, ``finding_<id>``, ``action_<id>``, ``photos_<id>``.

    A checkpoint left unanswered counts as normal: the patrol ticks what it found wrong.
    """
    items = []
    for cp in checkpoints:
        found = data.get(f"state_{cp.pk}") == FINDING
        items.append(
            ItemInput(
                checkpoint=cp,
                normal=not found,
                finding=(data.get(f"finding_{cp.pk}") or "") if found else "",
                needs_action=found and data.get(f"action_{cp.pk}") == "on",
                photos=tuple(files.getlist(f"photos_{cp.pk}")) if found else (),
            )
        )
    return items


class ReviewDoneForm(forms.Form):
    """The supervisor marks the morning review done, with an optional note."""

    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
