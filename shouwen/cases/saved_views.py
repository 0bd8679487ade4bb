"""Saved queue views (保存的视图): each staff member names the filters and order they use often.

Only the list's own parameters are kept (queue, filters, sort, search); the page number and anything
else in the query string are dropped, so a saved view always opens on its first page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from shouwen.cases.filters import CaseFilterSet
from shouwen.cases.models import SavedView
from shouwen.directory.models import Staff

NAME_MAX = SavedView._meta.get_field("name").max_length or 40
QUERY_MAX = SavedView._meta.get_field("query").max_length or 500


def view_query(raw: str) -> str:
    """Keep the list parameters of a query string (``?`` optional), in the filter set's order."""
    data = QueryDict(raw.strip().lstrip("?"))
    kept = [(name, data[name]) for name in CaseFilterSet.base_filters if data.get(name, "").strip()]
    return urlencode(kept)


@transaction.atomic
def save_view(staff: Staff, *, name: str, query: str) -> SavedView:
    """Save (or update under the same name) the staff member's view of the queues."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请为视图起个名字。")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("名称最多 %(max)s 个字。") % {"max": NAME_MAX}})
    kept = view_query(query)
    if not kept:
        raise ValidationError({"query": _("当前列表没有筛选条件，无需保存。")})
    if len(kept) > QUERY_MAX:
        raise ValidationError({"query": _("筛选条件过长，无法保存。")})
    try:
        view, _created = SavedView.objects.update_or_create(owner=staff, name=name, defaults={"query": kept})
    except IntegrityError as exc:  # saved twice at the same moment under the same name
        raise ValidationError({"name": _("已有同名视图，请刷新页面。")}) from exc
    return view


def forget_view(staff: Staff, view_id: int) -> None:
    """Remove one of the staff member's own saved views (another's is refused as not found)."""
    deleted, _rows = SavedView.objects.filter(owner=staff, pk=view_id).delete()
    if not deleted:
        raise ValidationError(_("没有这个保存的视图。"))
