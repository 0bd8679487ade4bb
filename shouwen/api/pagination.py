"""Paging of API lists: ?limit= and ?offset=, kept within what a page and a database can hold."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

# Far beyond any list here, yet inside the 64-bit OFFSET both databases accept (a larger one was a 500).
MAX_OFFSET = 2**62


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset paging with the page size capped and the offset bounded."""

    max_limit = 500  # ?limit=10**30 gives a page of 500 rather than an overflowing query

    def get_offset(self, request: Request) -> int:
        """Return the requested offset, bounded so the database can take it."""
        return min(super().get_offset(request), MAX_OFFSET)
