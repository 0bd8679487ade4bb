"""Parse ids typed into query strings and forms: a bad one is "no id", never a server error."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest value of a BigAutoField (and of the databases' 64-bit integers)


def parse_id(raw: str | None) -> int | None:
    """Return the id written in ``raw``, or None when it is not one.

    ``str.isdigit`` alone lets through "²" (which int() refuses) and numbers longer than any id
    (which overflow the database query): both used to answer 500.
    """
    text = (raw or "").strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= MAX_ID else None
