"""The page side of the action tables: one view posts any row of a table.

A page offers the rows :meth:`ActionTable.allowed` returns, each as a small form rendered from the
row's :class:`ActionForm`; the form posts here, the row's form parses it, the row's service acts,
and the row's message (or the refusal) comes back as a message on the page the form was on.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views import View

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.scope import staff_of
from shouwen.core.actions import Action, ActionForm, ActionTable, Conflict, LimitExceeded


def acting_staff(request: HttpRequest) -> Any:
    """Return the signed-in, active staff member who acts; refuse anyone else."""
    staff = staff_of(request.user)
    if staff is None or not staff.is_active:
        raise PermissionDenied(_("只有在职员工可以使用此功能。"))
    return staff


def form_errors_text(form: ActionForm) -> str:
    """Return the form's errors as one line, each prefixed by its field's label."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}{e}" for e in errors)
    return "；".join(parts)


def forms_for(rows: list[Any], target: Any) -> dict[str, ActionForm]:
    """Return an empty form for every row a page offers, keyed by the row's code."""
    return {row.code: row.form(target=target) for row in rows}


class ActionPostView(CapabilityRequiredMixin, View):
    """POST one action of ``table`` on the target named in the URL; answer with a redirect and a message.

    Subclasses set ``table`` and implement :meth:`get_target` (estate-scoped: a 404 otherwise) and
    :meth:`done_url`. Nothing is half-done: the service runs in its own transaction.
    """

    table: ClassVar[ActionTable[Any, Any]]

    def get_target(self, **kwargs: Any) -> Any:
        """Return the thing the URL names, among those the user may see."""
        raise NotImplementedError

    def done_url(self, target: Any, row: Action, result: Any) -> str:
        """Return where the browser goes after the action (success or not)."""
        raise NotImplementedError

    def post(self, request: HttpRequest, code: str, **kwargs: Any) -> HttpResponse:
        if code not in self.table or not self.table[code].page:
            raise Http404(code)
        row = self.table[code]
        target = self.get_target(**kwargs)
        staff = acting_staff(request)
        form = row.form(request.POST, request.FILES, target=target)
        result = None
        try:
            if not form.is_valid():
                raise ValidationError(form_errors_text(form))
            result = row.run(staff, form)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except (Conflict, LimitExceeded, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, self.message(row, result))
        return HttpResponseRedirect(self.done_url(target, row, result))

    def message(self, row: Action, result: Any) -> str:
        """Return the row's message after success (a callable row message gets the service's result)."""
        if callable(row.message):
            return row.message(result)
        return str(row.message)
