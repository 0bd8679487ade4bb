"""Directory pages: resident search, resident and unit pages, estates and buildings."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.generic import DetailView, ListView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.services import reveal_personal_data
from shouwen.core.net import client_ip
from shouwen.core.params import parse_id
from shouwen.directory.changes import resident_changes, unit_changes
from shouwen.directory.models import Building, Estate, Occupancy, Resident, ResidentPhone, Unit
from shouwen.directory.search import NumberLookup, number_lookup, record_number_lookup, search_residents


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


class ResidentListView(CapabilityRequiredMixin, ListView):
    """Search residents by name, unit shorthand or phone (the last 4+ digits only for those who see numbers)."""

    required_cap = Cap.DIRECTORY_VIEW
    template_name = "directory/resident_list.html"
    paginate_by = 50
    context_object_name = "residents"
    lookup: NumberLookup | None = None

    def get_queryset(self) -> QuerySet[Resident]:
        visible = self.scoped(Resident.objects.all())
        qs = visible
        estate = parse_id(self.request.GET.get("estate"))
        if estate is not None:
            qs = qs.filter(estate_id=estate)
        query = self.request.GET.get("q", "")
        self.lookup = number_lookup(self.request.user, query)
        record_number_lookup(self.request.user, self.lookup, visible, _client_ip(self.request))
        results = search_residents(qs, query, self.lookup) if query.strip() else qs
        return (
            results.select_related("estate")
            .prefetch_related(
                Prefetch("phones", queryset=ResidentPhone.objects.order_by("pk")),
                Prefetch(
                    "occupancies",
                    queryset=Occupancy.objects.filter(Occupancy.current_q()).select_related("unit__building"),
                    to_attr="current_occupancies_list",
                ),
            )
            .order_by("estate__code", "name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["q"] = self.request.GET.get("q", "")
        ctx["lookup"] = self.lookup
        ctx["estates"] = self.scoped(Estate.objects.all())
        ctx["estate_id"] = self.request.GET.get("estate", "")
        return ctx


class ResidentDetailView(CapabilityRequiredMixin, DetailView):
    """A resident's page: masked personal data, their units; POST reveals (and logs) the numbers."""

    required_cap = Cap.DIRECTORY_VIEW
    method_caps = {"post": Cap.PERSONAL_REVEAL}  # revealing full numbers is its own capability (and logged)
    template_name = "directory/resident_detail.html"
    context_object_name = "resident"

    def get_queryset(self) -> QuerySet[Resident]:
        return self.scoped(Resident.objects.select_related("estate").prefetch_related("phones"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        resident: Resident = self.object
        ctx["occupancies"] = resident.occupancies.select_related("unit__building__estate").order_by(
            "end_date", "unit__building__code", "unit__number"
        )
        ctx["revealed"] = kwargs.get("revealed")
        if can(self.request.user, Cap.DIRECTORY_HISTORY):
            ctx["changes"] = resident_changes(resident)
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        fields = request.POST.getlist("field") or ["phone", "id_number"]
        revealed = reveal_personal_data(
            request.user, self.object, fields, channel="page", ip_address=_client_ip(request)
        )
        return self.render_to_response(self.get_context_data(revealed=revealed))


class UnitDetailView(CapabilityRequiredMixin, DetailView):
    """A unit's page: its facts and occupants, current and past."""

    required_cap = Cap.DIRECTORY_VIEW
    template_name = "directory/unit_detail.html"
    context_object_name = "unit"

    def get_queryset(self) -> QuerySet[Unit]:
        return self.scoped(Unit.objects.select_related("building__estate"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["occupancies"] = (
            self.object.occupancies.select_related("resident")
            .prefetch_related("resident__phones")
            .order_by("end_date", "role", "pk")
        )
        if can(self.request.user, Cap.DIRECTORY_HISTORY):
            ctx["changes"] = unit_changes(self.object)
        return ctx


class EstateListView(CapabilityRequiredMixin, ListView):
    """The estates the user serves, with their counts."""

    required_cap = Cap.DIRECTORY_VIEW
    template_name = "directory/estate_list.html"
    context_object_name = "estates"

    def get_queryset(self) -> QuerySet[Estate]:
        return self.scoped(Estate.objects.all()).annotate(
            building_count=Count("buildings", distinct=True),
            resident_count=Count("residents", distinct=True),
        )


class EstateDetailView(CapabilityRequiredMixin, DetailView):
    """An estate's buildings and public areas."""

    required_cap = Cap.DIRECTORY_VIEW
    template_name = "directory/estate_detail.html"
    context_object_name = "estate"

    def get_queryset(self) -> QuerySet[Estate]:
        return self.scoped(Estate.objects.all())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["buildings"] = self.object.buildings.annotate(unit_count=Count("units")).order_by("code")
        ctx["public_areas"] = self.object.public_areas.select_related("building")
        ctx["departments"] = self.object.departments.all()
        return ctx


class BuildingDetailView(CapabilityRequiredMixin, DetailView):
    """A building's units, grouped as the office lists them."""

    required_cap = Cap.DIRECTORY_VIEW
    template_name = "directory/building_detail.html"
    context_object_name = "building"

    def get_queryset(self) -> QuerySet[Building]:
        return self.scoped(Building.objects.select_related("estate"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["units"] = self.object.units.annotate(occupant_count=Count("occupancies")).order_by(
            "entrance", "floor", "number"
        )
        return ctx
