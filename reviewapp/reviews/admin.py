from django.contrib import admin

from .models import (
    AnalysisJob,
    ChangeSet,
    FileChange,
    Finding,
    FindingFeedback,
    Hunk,
    Repository,
    Revision,
)


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ("full_name", "provider", "local_path", "created_at")
    filter_horizontal = ("members", "member_groups")
    search_fields = ("full_name",)
    # Set (masked) through the GitHub connection form; never shown back in plain text here.
    exclude = ("webhook_secret",)


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("number", "source", "base_sha", "head_sha", "created_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(ChangeSet)
class ChangeSetAdmin(admin.ModelAdmin):
    list_display = ("title", "repository", "kind", "number", "updated_at")
    list_filter = ("kind", "repository")
    inlines = [RevisionInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ("change_set", "number", "source", "created_at")
    exclude = ("raw_diff",)


@admin.register(FileChange)
class FileChangeAdmin(admin.ModelAdmin):
    list_display = ("path", "revision", "status", "order", "role", "added", "removed")
    exclude = ("old_content", "new_content")
    search_fields = ("path",)


@admin.register(Hunk)
class HunkAdmin(admin.ModelAdmin):
    list_display = ("file", "index", "tier", "importance", "reason")
    list_filter = ("tier",)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("file", "line", "kind", "probability", "severity", "state",
                    "dismiss_reason")
    list_filter = ("kind", "severity", "state", "dismiss_reason")


@admin.register(FindingFeedback)
class FindingFeedbackAdmin(admin.ModelAdmin):
    """Reviewers' verdicts, read-only: they are training data (`manage.py export_feedback`)."""

    list_display = ("created_at", "repository", "path", "line", "kind", "action", "reason",
                    "probability", "model_version", "user")
    list_filter = ("action", "reason", "kind", "model_version")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AnalysisJob)
class AnalysisJobAdmin(admin.ModelAdmin):
    list_display = ("revision", "state", "stage", "progress", "worker", "created_at",
                    "finished_at")
    list_filter = ("state",)
