"""Idempotent intake: one registration per (user, Idempotency-Key), a reused key with other content refused."""

import pytest
from django.core.exceptions import ValidationError

from shouwen.cases import idempotency, services
from shouwen.cases.idempotency import IdempotencyConflict, register_idempotently, request_hash
from shouwen.cases.models import Case, Contact, IdempotencyRecord

PAYLOAD = {"estate": 1, "channel": "phone", "category": "complaint", "content": "3号楼电梯困人"}


def registrar(world, content="3号楼电梯困人", staff=None):
    """Return a register() callable and a list counting how often it ran."""
    calls = []

    def register():
        calls.append(1)
        return world.contact(
            staff, content=content, caller_name="", caller_phone="", resident=None, unit=None
        )

    return register, calls


def test_same_key_and_body_registers_once(world):
    register, calls = registrar(world)
    first, created = register_idempotently(world.clerk.user, "k-1", PAYLOAD, register)
    again, created_again = register_idempotently(world.clerk.user, "k-1", dict(PAYLOAD), register)
    assert created is True and created_again is False
    assert again.pk == first.pk
    assert len(calls) == 1
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.get().request_hash == request_hash(PAYLOAD)


def test_same_key_with_other_body_is_a_conflict(world):
    register, calls = registrar(world)
    register_idempotently(world.clerk.user, "k-1", PAYLOAD, register)
    with pytest.raises(IdempotencyConflict, match="Idempotency-Key"):
        register_idempotently(world.clerk.user, "k-1", {**PAYLOAD, "content": "漏水"}, register)
    assert len(calls) == 1
    assert Case.objects.count() == 1


def test_key_order_does_not_change_the_hash():
    assert request_hash({"a": 1, "b": "电梯"}) == request_hash({"b": "电梯", "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": "1"})


def test_keys_belong_to_one_user(world):
    register, _ = registrar(world)
    other, _ = registrar(world, staff=world.supervisor)
    mine, _ = register_idempotently(world.clerk.user, "k-1", PAYLOAD, register)
    theirs, created = register_idempotently(world.supervisor.user, "k-1", PAYLOAD, other)
    assert created is True
    assert theirs.pk != mine.pk


@pytest.mark.parametrize("key", ["", "   ", "x" * 101])
def test_blank_or_too_long_key_is_refused(world, key):
    register, calls = registrar(world)
    with pytest.raises(ValidationError):
        register_idempotently(world.clerk.user, key, PAYLOAD, register)
    assert not calls


def test_a_key_of_100_characters_is_fine(world):
    register, _ = registrar(world)
    _, created = register_idempotently(world.clerk.user, "x" * 100, PAYLOAD, register)
    assert created


def test_failed_registration_leaves_no_record_so_a_retry_can_succeed(world):
    def failing():
        return services.register_contact(
            world.clerk, estate=world.estate, channel="phone", category="complaint", content="  "
        )

    with pytest.raises(ValidationError):
        register_idempotently(world.clerk.user, "k-1", PAYLOAD, failing)
    assert not IdempotencyRecord.objects.exists()
    register, _ = registrar(world)
    _, created = register_idempotently(world.clerk.user, "k-1", PAYLOAD, register)
    assert created


def _lose_the_race(monkeypatch, world, payload):
    """Pre-insert the record a concurrent request committed, and hide it from the first lookup."""
    winner = services.register_contact(
        world.clerk, estate=world.estate, channel="phone", category="complaint", content="3号楼电梯困人"
    )
    IdempotencyRecord.objects.create(
        user=world.clerk.user, key="k-race", request_hash=request_hash(payload), contact=winner
    )
    real_find = idempotency._find
    lookups = []

    def find(user, key):
        lookups.append(key)
        return None if len(lookups) == 1 else real_find(user, key)

    monkeypatch.setattr(idempotency, "_find", find)
    return winner


def test_losing_a_race_with_the_same_body_returns_the_winner_and_rolls_back(world, monkeypatch):
    winner = _lose_the_race(monkeypatch, world, PAYLOAD)
    register, calls = registrar(world)
    contact, created = register_idempotently(world.clerk.user, "k-race", PAYLOAD, register)
    assert calls == [1]  # this request did register…
    assert created is False
    assert contact.pk == winner.pk
    assert Contact.objects.count() == 1  # …but its registration was rolled back with the failed insert
    assert Case.objects.count() == 1


def test_losing_a_race_with_another_body_is_a_conflict_and_rolls_back(world, monkeypatch):
    _lose_the_race(monkeypatch, world, PAYLOAD)
    register, _ = registrar(world, content="漏水")
    with pytest.raises(IdempotencyConflict):
        register_idempotently(world.clerk.user, "k-race", {**PAYLOAD, "content": "漏水"}, register)
    assert Contact.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
