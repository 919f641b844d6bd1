"""Platform staff manage organizations and domains here (public site only)."""

from django.contrib import admin

from tenants.models import Domain, Organization


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "schema_name", "kind", "status", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("name", "slug", "schema_name")
    readonly_fields = ("schema_name", "kind", "created_at")
    inlines = [DomainInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # An organization needs its owner: create it by sign-up or `manage.py create_organization`.
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Deleting an organization's schema is an irreversible data operation, not a click.
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__name")
