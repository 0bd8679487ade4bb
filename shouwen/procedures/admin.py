from django.contrib import admin

from shouwen.procedures.models import ChecklistItem, Procedure


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "category", "active", "order"]
    list_filter = ["category", "active"]
    inlines = [ChecklistItemInline]
