from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from hub.models import Project, ProjectUpdate, User, WorkerHeartbeat


@admin.register(User)
class HubUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Profile", {"fields": ("display_name", "bio",
                                                                "preferred_language")}))


class ProjectUpdateInline(admin.TabularInline):
    model = ProjectUpdate
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "partner")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ProjectUpdateInline]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("hostname", "queues", "pid", "last_seen")
