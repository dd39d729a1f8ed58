from django.contrib import admin

from .models import BugHunt, Candidate


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0
    fields = ("rank", "status", "stage", "kind", "path", "line", "tests_passed", "tests_failed")
    readonly_fields = fields


@admin.register(BugHunt)
class BugHuntAdmin(admin.ModelAdmin):
    list_display = ("pk", "repository", "state", "candidates_tried", "candidates_passing",
                    "wall_s", "created_at")
    list_filter = ("state",)
    inlines = [CandidateInline]
