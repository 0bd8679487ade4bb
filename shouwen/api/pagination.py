"""Paging of API lists: ?limit= and ?offset=, kept within what a page and a database can hold.

``count`` is exact up to ``COUNT_CAP`` rows (or up to the end of the requested page, if that is
further). Beyond that the list answers ``"count": COUNT_CAP`` with ``"count_capped": true``
instead of counting a company's whole history on every page: the count stops at the cap, so a
page costs the same at a million cases as at ten thousand (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

# Far beyond any list here, yet inside the 64-bit OFFSET both databases accept (a larger one was a 500).
MAX_OFFSET = 2**62
# Lists longer than this say "at least COUNT_CAP" rather than counting every row.
COUNT_CAP = 10_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset paging with the page size capped, the offset bounded and the count capped."""

    max_limit = 500  # ?limit=10**30 gives a page of 500 rather than an overflowing query
    count_cap = COUNT_CAP

    def get_offset(self, request: Request) -> int:
        """Return the requested offset, bounded so the database can take it."""
        return min(super().get_offset(request), MAX_OFFSET)

    @staticmethod
    def count_rows(queryset: Any, limit: int) -> int:
        """Count the rows of ``queryset``, at most ``limit``.

        By their ids only, without the list's order and its per-row annotations (a pending-handover
        EXISTS per case), so that the database can count from an index.
        """
        if isinstance(queryset, QuerySet):
            return queryset.order_by().values("pk")[:limit].count()
        return len(queryset[:limit])

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        """Count at most one row past the cap (or past the page asked for), then return the page."""
        self.request = request
        limit = self.get_limit(request)
        if limit is None:
            return None
        self.limit = limit
        self.offset = self.get_offset(request)
        self.count_bound = max(self.count_cap, self.offset + self.limit)
        # COUNT(*) over "SELECT id … LIMIT bound + 1": stops at the bound instead of reading every row.
        self.counted: int = self.count_rows(queryset, self.count_bound + 1)
        self.count = self.counted
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    @property
    def count_capped(self) -> bool:
        """Whether there are more rows than were counted."""
        return self.counted > self.count_bound

    def get_paginated_response(self, data: Any) -> Response:
        """The page with its count (exact, or the cap and ``count_capped``) and its neighbours' links."""
        return Response(
            {
                "count": min(self.counted, self.count_bound),
                "count_capped": self.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """DRF's page schema with ``count_capped``."""
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["count", "count_capped", "results"]
        page["properties"]["count"]["description"] = _(
            "条数；count_capped 为 true 时表示至少这么多条（超过 %(cap)s 条不再细数）。"
        ) % {"cap": f"{COUNT_CAP:,}"}
        page["properties"] = {
            "count": page["properties"]["count"],
            "count_capped": {
                "type": "boolean",
                "description": _("为 true 时列表的条数多于 count：计数到上限即停止。"),
            },
            **{k: v for k, v in page["properties"].items() if k != "count"},
        }
        return page
