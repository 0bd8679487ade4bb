"""Every new estate starts with the default patrol checkpoints (admin-editable afterwards)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from shouwen.directory.models import Estate


@receiver(post_save, sender=Estate, dispatch_uid="rounds_seed_checkpoints")
def seed_checkpoints_of_new_estate(
    sender: type[Estate], instance: Estate, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        from shouwen.rounds.services import seed_checkpoints

        seed_checkpoints(instance)
