from django.contrib import admin

from minzheng.policy.models import Parameter, ParameterValue


class ParameterValueInline(admin.TabularInline):
    model = ParameterValue
    extra = 0


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "description")
    search_fields = ("name", "description")
    inlines = [ParameterValueInline]
