"""Sentences the system writes once and every reader sees in their own language.

A timeline entry or a notification is stored when it happens, but read later, by people who may
have chosen English. Its wording is kept twice: the sentence in the site's language (the text
column: search, exports and the Django admin read it), and its message id with the parameters
(a JSON payload), from which the page and the API render it again in the reader's language.

Write ``stored(gettext_noop("%(who)s 催办 %(number)s"), who=…, number=…)``: ``gettext_noop`` marks
the id for the catalogue. A parameter that is itself a lazy translation (a choice's ``.label``, a
``gettext_lazy`` text) or another stored sentence is translated too; anything else (names,
numbers, what a person typed) is shown as it was written.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, override, pgettext

Payload = dict[str, Any]


class StoredText(str):
    """A sentence in the site's language that remembers how to say itself in another."""

    payload: Payload

    def __new__(cls, payload: Payload) -> StoredText:
        with override(settings.LANGUAGE_CODE):
            text = render(payload)
        obj = super().__new__(cls, text)
        obj.payload = payload
        return obj

    def strip(self, chars: str | None = None) -> str:
        """Return itself when there is nothing to strip (services strip every text they are given)."""
        text = str.strip(self, chars)
        return self if text == self else text


def stored(msgid: str, /, **params: object) -> StoredText:
    """Return the sentence ``msgid % params`` that renders again in each reader's language."""
    return StoredText({"id": msgid, "params": {key: _param(value) for key, value in params.items()}})


def stored_join(parts: list[StoredText]) -> StoredText:
    """Return the sentences one after the other, separated by "；" ("; " in English)."""
    text = parts[0]
    for part in parts[1:]:
        text = stored(gettext_noop("%(head)s；%(tail)s"), head=text, tail=part)
    return text


def label_text(label: Promise | str) -> StoredText:
    """Return a lazy label (a choice's ``.label``) as a sentence shown in each reader's language."""
    return stored("%(label)s", label=label)


def payload_of(text: str) -> Payload | None:
    """Return the payload of a stored sentence, ``None`` for a plain text (what a person wrote)."""
    return text.payload if isinstance(text, StoredText) else None


def _param(value: object) -> object:
    if isinstance(value, StoredText):
        return {"s": value.payload}
    if isinstance(value, Promise):
        args: tuple[object, ...] = getattr(value, "_args", ())  # gettext_lazy(msgid) keeps its msgid
        if len(args) == 1 and isinstance(args[0], str):
            return {"t": args[0]}
        if len(args) == 2 and all(isinstance(a, str) for a in args):  # pgettext_lazy(context, msgid)
            return {"c": args[0], "t": args[1]}
        return str(value)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    return str(value)


def _show(value: object) -> object:
    if isinstance(value, dict):
        if "t" in value:
            if "c" in value:
                return pgettext(str(value["c"]), str(value["t"]))
            return gettext(str(value["t"]))
        if "s" in value and isinstance(value["s"], dict):
            return render(value["s"])
    return value


def render(payload: Payload) -> str:
    """Return the sentence in the active language."""
    template = gettext(str(payload["id"]))
    params = payload.get("params") or {}
    if not params:
        return template
    return template % {key: _show(value) for key, value in params.items()}


def shown(text: str, payload: Payload | None) -> str:
    """Return the stored sentence in the reader's language, or ``text`` when it has no payload.

    A payload that no longer fits its message (a parameter renamed since it was stored) falls back
    to the text stored with it: a reader never gets an error for an old entry.
    """
    if not payload:
        return text
    try:
        return render(payload)
    except (KeyError, TypeError, ValueError):
        return text
