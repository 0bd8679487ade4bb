"""One declaration per action, from which the pages and the API are generated.

A row of an :class:`ActionTable` is the whole declaration of what staff can do to a thing (a case,
a work order): its code and label, who may take it from which states, the state it leads to, the
form that parses its input, the service it calls, the message shown after it and what the API
answers with. :mod:`shouwen.core.action_views` turns the rows into the page's action endpoint,
:mod:`shouwen.api.actions` into the API's action routes with their OpenAPI entries, so a page and
the API cannot disagree: both parse with the same form and call the same service, and every rule
lives in the service (the form only reads the input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.module_loading import import_string

T = TypeVar("T")


class ActionForm(forms.Form):
    """Parse an action's input; hold no business rule (the service has them all).

    ``target`` is the thing acted on (a case, a work order). Subclasses narrow choices to it,
    name what the service acts on (:meth:`subject`) and the keyword arguments it takes
    (:meth:`arguments`).
    """

    def __init__(self, *args: Any, target: Any, **kwargs: Any) -> None:
        self.target = target
        super().__init__(*args, **kwargs)
        self.setup()

    def setup(self) -> None:
        """Narrow the fields' choices to the target (subclasses)."""

    def intro(self) -> str:
        """Return a sentence shown above the fields on the page (e.g. what the handover said)."""
        return ""

    def subject(self) -> Any:
        """Return what the service acts on (the target unless the action is on a part of it)."""
        return self.target

    def arguments(self) -> dict[str, Any]:
        """Return the service's keyword arguments from the cleaned data."""
        return dict(self.cleaned_data)


class NoInput(ActionForm):
    """An action that takes no input."""


@dataclass(frozen=True)
class Action:
    """A row of a transition table: the one declaration of an action.

    ``service`` is the dotted path of the service function, called as
    ``service(staff, form.subject(), **form.arguments())``; ``to`` the state the action leads to
    (None: the state does not change), ``also_to`` other states the service may choose instead.
    ``message`` is shown on the page after success, ``anchor`` names where on the page it returns. ``api`` is the path of its API route
    (``""``: the code with dashes; None: no API route), ``page`` whether a page offers it;
    ``result`` names what the API answers with (see :mod:`shouwen.api.actions`).
    """

    code: str
    label: Promise
    states: frozenset[str]
    who: str
    to: str | None = None
    also_to: frozenset[str] = frozenset()
    form: type[ActionForm] = NoInput
    service: str = ""
    # Shown on the page after success; a callable gets the service's result (e.g. a new order's number).
    message: Promise | str | Callable[[Any], str] = ""
    anchor: str = ""  # the part of the page the browser returns to after the action
    api: str | None = ""
    page: bool = True
    result: str = "target"
    description: Promise | str = ""

    @property
    def api_path(self) -> str | None:
        """Return the URL segment of the API route (None: the API has none)."""
        if self.api is None:
            return None
        return self.api or self.code.replace("_", "-")

    def leads_to(self) -> frozenset[str]:
        """Return the states the action may leave the target in (empty: it does not change it)."""
        return (frozenset({self.to}) if self.to else frozenset()) | self.also_to

    def function(self) -> Callable[..., Any]:
        """Return the service function."""
        return import_string(self.service)

    def run(self, staff: Any, form: ActionForm) -> Any:
        """Call the service with the form's parsed input; return what it returns."""
        return self.function()(staff, form.subject(), **form.arguments())


A = TypeVar("A", bound=Action)


class ActionTable(Generic[T, A]):
    """The actions of one kind of thing, and the one place that checks and moves its state.

    Subclasses set ``state_field``, ``denied`` (the exception for a refusal) and implement
    :meth:`refusal`.
    """

    state_field: ClassVar[str] = "status"
    denied: ClassVar[type[PermissionDenied]] = PermissionDenied

    def __init__(self, *rows: A) -> None:
        self.rows: dict[str, A] = {}
        for row in rows:
            if row.code in self.rows:
                raise ValueError(f"action {row.code} declared twice")
            self.rows[row.code] = row

    def __getitem__(self, code: str) -> A:
        return self.rows[code]

    def __contains__(self, code: object) -> bool:
        return code in self.rows

    def __iter__(self) -> Iterator[A]:
        return iter(self.rows.values())

    def values(self) -> list[A]:
        """Return the rows in table order."""
        return list(self.rows.values())

    def refusal(self, row: A, staff: Any, target: T, context: Mapping[str, Any]) -> str | None:
        """Return why ``staff`` may not take the action now (None: they may)."""
        raise NotImplementedError

    def context(self, target: T) -> dict[str, Any]:
        """Return what the checks of several rows share (e.g. the pending handover), read once."""
        return {}

    def allows(self, code: str, staff: Any, target: T, context: Mapping[str, Any] | None = None) -> bool:
        """Return whether ``staff`` may take action ``code`` on ``target`` now."""
        row = self.rows[code]
        return self.refusal(row, staff, target, self.context(target) if context is None else context) is None

    def allowed(
        self, staff: Any, target: T, *, page: bool = False, context: Mapping[str, Any] | None = None
    ) -> list[A]:
        """Return the actions ``staff`` may take now, in table order (``page``: only those pages offer)."""
        context = self.context(target) if context is None else context
        return [
            row
            for row in self.rows.values()
            if (row.page or not page) and self.refusal(row, staff, target, context) is None
        ]

    def check(self, code: str, staff: Any, target: T) -> A:
        """Raise ``denied`` with a message for the user unless the action is allowed; return the row."""
        row = self.rows[code]
        reason = self.refusal(row, staff, target, self.context(target))
        if reason is not None:
            raise self.denied(reason)
        return row

    def apply(self, code: str, staff: Any, target: T, *, to: str | None = None) -> A:
        """Check the action and move ``target`` to the state it leads to (``to`` picks among several).

        The caller saves the target: the state is set on the instance, in the service's transaction.
        """
        row = self.check(code, staff, target)
        state = to or row.to
        if state is not None:
            if state not in row.leads_to():
                raise ValueError(f"{code} does not lead to {state}")
            setattr(target, self.state_field, state)
        return row


class Conflict(Exception):
    """The thing changed under the request (e.g. the handover was already accepted): answer 409."""


class LimitExceeded(Exception):
    """A limit on the action was reached (e.g. text messages per case a day): answer 429.

    ``wait`` is the number of seconds until the action is possible again.
    """

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.message = message
        self.wait = wait
