"""Excel pages: import an estate's buildings, units and residents, download the template, export."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.services import log_export
from shouwen.core.net import client_ip
from shouwen.core.params import parse_id
from shouwen.directory.excel import MAX_FILE_BYTES, template_workbook
from shouwen.directory.excel_export import export_directory
from shouwen.directory.excel_import import import_directory
from shouwen.directory.models import Estate, Occupancy, Resident

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 300  # a page of thousands of errors helps nobody; the first few hundred show the pattern


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    # The file holds residents' phone and ID numbers: no copies in shared or browser caches.
    patch_cache_control(response, private=True, no_store=True)
    return response


class DirectoryImportForm(forms.Form):
    """Which estate to import into and the file."""

    estate = forms.ModelChoiceField(
        queryset=Estate.objects.none(), label=gettext_lazy("小区"), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Excel 文件（.xlsx）"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{XLSX}"}),
    )

    def __init__(self, *args: Any, estates: QuerySet[Estate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates  # type: ignore[attr-defined]


class DirectoryImportView(CapabilityRequiredMixin, FormView):
    """Upload a filled-in workbook into one of the estates served; show the errors or the counts."""

    required_cap = Cap.DIRECTORY_IMPORT
    template_name = "directory/import.html"
    form_class = DirectoryImportForm

    def estates(self) -> QuerySet[Estate]:
        """Return the estates the user may import into."""
        return self.scoped(Estate.objects.all())

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["estates"] = self.estates()
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        estate = parse_id(self.request.GET.get("estate"))
        return {"estate": estate} if estate is not None else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["max_mb"] = MAX_FILE_BYTES // (1024 * 1024)
        ctx["shown_errors"] = SHOWN_ERRORS
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An estate the user does not serve is "not found", as on every other page, not a form error.
        estate = parse_id(request.POST.get("estate"))
        if estate is not None and not self.estates().filter(pk=estate).exists():
            raise Http404
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: DirectoryImportForm) -> HttpResponse:
        estate: Estate = form.cleaned_data["estate"]
        result = import_directory(estate, form.cleaned_data["file"], self.request.user)
        return self.render_to_response(
            self.get_context_data(
                form=form, result=result, estate=estate, imported_name=form.cleaned_data["file"].name
            )
        )


class DirectoryTemplateView(CapabilityRequiredMixin, View):
    """Download the blank workbook with instructions and example rows."""

    required_cap = Cap.DIRECTORY_IMPORT

    def get(self, request: HttpRequest) -> HttpResponse:
        return _xlsx_response(template_workbook(), _("住户导入模板.xlsx"))


class DirectoryExportView(CapabilityRequiredMixin, View):
    """Download an estate's buildings, units and residents in the import format."""

    required_cap = Cap.DIRECTORY_EXPORT

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        estate = get_object_or_404(self.scoped(Estate.objects.all()), pk=pk)
        logger.info("directory export of %s by %s", estate.code, request.user.get_username())
        # The file carries full phone and ID numbers: log it like a reveal, once per resident.
        current = Resident.objects.filter(estate=estate).filter(
            occupancies__in=Occupancy.objects.filter(Occupancy.current_q())
        )
        log_export(
            request.user,
            estate.pk,
            list(current.distinct().values_list("pk", flat=True)),
            client_ip(request),
        )
        filename = _("%(name)s住户资料-%(date)s.xlsx") % {
            "name": estate.name,
            "date": timezone.localdate().strftime("%Y%m%d"),
        }
        return _xlsx_response(export_directory(estate), filename)
