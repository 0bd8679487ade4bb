from django.contrib import admin

from shouwen.accounts.models import SignInFailure


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    list_display = ["login", "failures", "first_failure_at", "locked_until", "last_ip"]
    search_fields = ["login"]
