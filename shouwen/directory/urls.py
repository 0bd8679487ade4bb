from django.urls import path

from shouwen.directory import views, views_excel

app_name = "directory"

urlpatterns = [
    path("residents/", views.ResidentListView.as_view(), name="resident_list"),
    path("residents/<int:pk>/", views.ResidentDetailView.as_view(), name="resident_detail"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("estates/", views.EstateListView.as_view(), name="estate_list"),
    path("estates/<int:pk>/", views.EstateDetailView.as_view(), name="estate_detail"),
    path("buildings/<int:pk>/", views.BuildingDetailView.as_view(), name="building_detail"),
    path("import/", views_excel.DirectoryImportView.as_view(), name="import"),
    path("import/template.xlsx", views_excel.DirectoryTemplateView.as_view(), name="import_template"),
    path("estates/<int:pk>/export.xlsx", views_excel.DirectoryExportView.as_view(), name="export"),
]
