"""Every page and API endpoint, found through the URL resolver, with what the capability table expects.

Nothing here lists endpoints by hand: a new app's URLs are walked like the old ones. Each endpoint
gets its view class, its HTTP methods (and DRF actions), the capability it needs (read from the
view: ``required_cap`` on pages, ``read_cap``/``write_cap``/``action_caps`` on the API), and the
model behind its path parameters, so a test can fill them with real ids from either estate.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string
from rest_framework.permissions import SAFE_METHODS

from shouwen.access.permissions import CapabilityRequiredMixin, HasCapability, IsStaffMember
from shouwen.access.roles import ROLES
from shouwen.core.middleware import PUBLIC_PREFIXES
from shouwen.core.testing import World
from shouwen.core.tests.reliability.helpers import rows_in
from shouwen.directory.models import Estate, Staff

STAFF = "any staff member"  # needs no capability, only an active staff record
PUBLIC = "anyone"  # no sign-in at all (sign-in page, health check, language switch)
RESIDENT = "a resident"  # the residents' portal: a resident's session or token, never a staff member's

# The portal's ways in, open to anyone; every other portal page and endpoint is a resident's.
PORTAL_PUBLIC = frozenset(
    {
        "portal:sign_in",
        "portal:verify",
        "portal:choose",
        "portal:sign_out",
        "portal:link",
        "portal_api:code",
        "portal_api:token",
    }
)
PORTAL_PREFIXES = ("portal:", "portal_api:")

# Django's admin has hundreds of URLs of its own; its index stands for it (the admin.site capability).
ADMIN_KEPT = {"admin:index"}
# Pages that are everyone's own rather than a capability's: start page, own password, own notifications.
PERSONAL_PAGES = ("core:", "accounts:", "notifications:")
# Path parameters whose model the view does not name (the page takes a case number to open a work order).
MODEL_HINTS: dict[str, str] = {
    "workorders:create": "cases.Case",
    **{
        name: "cases.Case"
        for name in (
            "portal:case",
            "portal:add",
            "portal:visit",
            "portal:cancel",
            "portal_api:case",
            "portal_api:information",
            "portal_api:return_visit",
            "portal_api:cancel_request",
        )
    },
}


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern: its name, route, parameters, view and the methods it answers."""

    name: str
    route: str
    params: tuple[str, ...]
    view: Any  # DRF view class, Django view class, or a function view
    actions: dict[str, str] | None  # DRF viewset: method -> action
    initkwargs: dict[str, Any]

    @property
    def is_api(self) -> bool:
        """Return whether the endpoint belongs to a REST API (the staff's or the residents' portal's)."""
        return self.name.startswith(("api:", "portal_api:"))

    @property
    def is_resident(self) -> bool:
        """Return whether the endpoint is a resident's (the portal's pages and API past sign-in)."""
        return self.name.startswith(PORTAL_PREFIXES) and self.name not in PORTAL_PUBLIC

    @property
    def is_public(self) -> bool:
        """Return whether the endpoint needs no sign-in (the middleware lets anonymous visitors in)."""
        if self.name in PORTAL_PUBLIC:
            return True
        return not self.is_api and not self.is_resident and ("/" + self.route).startswith(PUBLIC_PREFIXES)

    def methods(self) -> list[str]:
        """Return the HTTP methods (lower case) the endpoint handles."""
        if self.actions is not None:  # DRF maps HEAD to GET's action itself
            return [m for m in self.actions if m in ("get", "post", "put", "patch", "delete")]
        if isinstance(self.view, type):
            allowed = getattr(self.view, "http_method_names", [])
            return [
                m for m in ("get", "post", "put", "patch", "delete") if m in allowed and hasattr(self.view, m)
            ]
        return ["get", "post"] if self.name == "set_language" or self.is_resident else ["get"]

    def action(self, method: str) -> str | None:
        """Return the DRF action the method maps to (None for plain views)."""
        return (self.actions or {}).get(method)

    def capability(self, method: str) -> str | None:
        """Return the capability the method needs, STAFF, PUBLIC, or None when the view checks nothing."""
        if self.is_public:
            return PUBLIC
        if self.is_resident:
            return RESIDENT
        if self.name == "admin:index":
            return "admin.site"
        view = self.view
        if self.is_api:
            perms = self.initkwargs.get("permission_classes", getattr(view, "permission_classes", ()))
            if any(issubclass(p, HasCapability) for p in perms):
                extra = getattr(view, "action_caps", {}).get(self.action(method))
                if extra:
                    return str(extra)
                return str(view.read_cap if method.upper() in SAFE_METHODS else view.write_cap)
            if any(issubclass(p, IsStaffMember) for p in perms):
                return STAFF
            return None
        if isinstance(view, type) and issubclass(view, CapabilityRequiredMixin):
            return str(view.method_caps.get(method, view.required_cap))
        if self.name.startswith(PERSONAL_PAGES):
            return STAFF
        return None  # a page that checks no capability: reported by the matrix test


def _walk(patterns: list[Any], prefix: str, namespace: tuple[str, ...]) -> list[tuple[str, str, URLPattern]]:
    found: list[tuple[str, str, URLPattern]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + ((p.namespace,) if p.namespace else ())
            found += _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            found.append((prefix + str(p.pattern), ":".join((*namespace, p.name)), p))
    return found


def _params(pattern: URLPattern) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.pattern.regex.groupindex)


def all_endpoints() -> list[Endpoint]:
    """Return every named endpoint of the site (the admin only by its index, no format suffixes)."""
    endpoints = []
    for route, name, pattern in _walk(get_resolver().url_patterns, "", ()):
        if name.startswith("admin:") and name not in ADMIN_KEPT:
            continue
        # The resolver's admin prefix has a route of its own; prefixes of included resolvers may too.
        params = tuple(p for p in _params(pattern))
        if "format" in params:  # DRF's .json/.api suffix copies of each route
            continue
        callback = pattern.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
        actions = getattr(callback, "actions", None)
        initkwargs = dict(
            getattr(callback, "initkwargs", None) or getattr(callback, "view_initkwargs", None) or {}
        )
        endpoints.append(Endpoint(name, route, params, view, dict(actions) if actions else None, initkwargs))
    return endpoints


def _app_models(view: Any) -> list[type[Model]]:
    config = apps.get_containing_app_config(getattr(view, "__module__", ""))
    return list(config.get_models()) if config is not None else []


def primary_model(endpoint: Endpoint, superuser: User) -> type[Model] | None:
    """Return the model whose rows the endpoint's first path parameter names, or None if it has none."""
    if not endpoint.params:
        return None
    if endpoint.name in MODEL_HINTS:
        return apps.get_model(MODEL_HINTS[endpoint.name])
    view = endpoint.view
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    model = getattr(view, "model", None)
    if model is not None:
        return model
    if isinstance(view, type) and hasattr(view, "get_queryset"):
        try:
            instance = view()
            request = RequestFactory().get("/")
            request.user = superuser
            instance.setup(request)
            return instance.get_queryset().model
        except Exception:  # noqa: BLE001, S110 - many views need more than a bare request; fall through
            pass
    first = endpoint.params[0]
    candidates = [
        m
        for m in _app_models(view)
        if getattr(m, "ESTATE_LOOKUP", None) is not None or any(f.name == "recipient" for f in m._meta.fields)
    ]
    named = [m for m in candidates if any(f.name == first for f in m._meta.fields)]
    pool = named or candidates
    # The root model of the app: the one nearest to its estate (case__estate before visit__case__estate).
    pool.sort(key=lambda m: str(getattr(m, "ESTATE_LOOKUP", "")).count("__"))
    return pool[0] if pool else None


def lookup_field(endpoint: Endpoint, model: type[Model]) -> str:
    """Return the attribute of a row that fills the first path parameter (pk, number, …)."""
    name = getattr(endpoint.view, "lookup_field", None) if endpoint.is_api else None
    if name:
        return str(name)
    first = endpoint.params[0]
    return first if any(f.name == first for f in model._meta.fields) else "pk"


def secondary_value(endpoint: Endpoint, param: str, primary: Model | None) -> str:
    """Return a value for a path parameter after the first: an action code, or a related row's id."""
    if param == "code":
        config = apps.get_containing_app_config(getattr(endpoint.view, "__module__", ""))
        try:
            actions = importlib.import_module(f"{config.name}.transitions").ACTIONS  # type: ignore[union-attr]
            return str(next(iter(actions)))
        except (ImportError, AttributeError, StopIteration):
            return "x"
    if primary is not None and param.endswith("_id"):
        manager = getattr(primary, param.removesuffix("_id") + "s", None)
        row = manager.order_by("pk").first() if manager is not None else None
        if row is not None:
            return str(row.pk)
    return "999999"


@dataclass(frozen=True)
class Target:
    """Path parameters for one request and whose row they name."""

    label: str  # "-" (no parameters), "row of LJY", "row of CHY", "mine", "someone else's", "unknown"
    kwargs: dict[str, str]
    visible: bool | None  # may the person see the row? None: no row or not scoped


def served_estate_ids(world: World, staff: Staff | None) -> set[int]:
    """Return the estates the person serves, by the table: company-wide roles serve them all."""
    if staff is None:
        return set()
    if any(ROLES[code].company_wide for code in staff.role_codes if code in ROLES):
        return set(Estate.objects.filter(company=world.company).values_list("pk", flat=True))
    return set(staff.estates.values_list("pk", flat=True))


def capabilities(staff: Staff | None) -> set[str]:
    """Return the person's capabilities, by the table."""
    if staff is None:
        return set()
    return {cap for code in staff.role_codes if code in ROLES for cap in ROLES[code].caps}


def value_of(row: Model, attribute: str) -> str:
    """Return the attribute of a row as a path parameter."""
    return str(getattr(row, attribute))


def _seen(model: type[Model], row: Model | None, staff: Staff | None) -> bool:
    """Whether the person sees the row of an estate they serve: a model may narrow it (``SEEN_BY``)."""
    seen_by = getattr(model, "SEEN_BY", None)
    if seen_by is None or row is None or staff is None:
        return True
    narrowed = import_string(seen_by)(staff, model._default_manager.filter(pk=row.pk))
    return bool(narrowed.exists())


def targets(endpoint: Endpoint, world: World, staff: Staff | None, served: set[int]) -> list[Target]:
    """Return the path parameters to try: a row of each estate (or mine and someone else's)."""
    if not endpoint.params:
        return [Target("-", {}, None)]
    model = primary_model(endpoint, world.staff["admin"].user)
    first, rest = endpoint.params[0], endpoint.params[1:]
    candidates: list[tuple[str, Model | None, bool | None]] = []
    if model is None:
        candidates.append(("unknown", None, None))
    elif getattr(model, "ESTATE_LOOKUP", None) is not None:
        for estate in (world.estate, world.other_estate):
            row = rows_in(model, estate).first()
            candidates.append(
                (f"row of {estate.code}", row, estate.pk in served and _seen(model, row, staff))
            )
    elif any(f.name == "recipient" for f in model._meta.fields):
        mine = model._default_manager.filter(recipient=staff).first() if staff is not None else None
        others = (
            model._default_manager.exclude(recipient=staff)
            if staff is not None
            else model._default_manager.all()
        )
        candidates += [("mine", mine, True), ("someone else's", others.order_by("pk").first(), False)]
    else:
        candidates.append(("unscoped", model._default_manager.order_by("pk").first(), None))
    found = []
    for label, row, visible in candidates:
        attribute = lookup_field(endpoint, model) if model is not None else "pk"
        kwargs = {
            first: value_of(row, attribute)
            if row is not None
            else ("0" if first.endswith("pk") else "NOPE-0")
        }
        kwargs.update({p: secondary_value(endpoint, p, row) for p in rest})
        # A missing row is invisible to everybody: still a 404, never a 500.
        found.append(
            Target(
                label if row is not None else f"{label} (no row)",
                kwargs,
                visible if row is not None else False,
            )
        )
    return found
