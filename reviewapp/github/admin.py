"""Admin: connect a repository (the same checks as `connect_github`), see deliveries and
analyses. Secrets are write-only fields: never shown back."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .connect import SetupError, connect_repository
from .models import GitHubConnection, PostedFinding, PullRequestAnalysis, WebhookDelivery


class ConnectRepositoryForm(forms.ModelForm):
    full_name = forms.CharField(label="Repository (OWNER/NAME)")
    installation_id = forms.IntegerField(required=False)
    webhook_secret = forms.CharField(required=False, widget=forms.PasswordInput,
                                     help_text="leave empty to keep the current one")
    token = forms.CharField(required=False, widget=forms.PasswordInput,
                            help_text="personal-token mode only (no check runs); "
                                      "leave empty to keep the current one")

    class Meta:
        model = GitHubConnection
        fields = ["full_name", "app_id", "installation_id", "private_key_path"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["full_name"].initial = self.instance.repository.full_name
            self.fields["installation_id"].initial = self.instance.repository.installation_id

    def clean(self) -> dict:
        data = super().clean()
        keep_token = self.instance.token if self.instance.pk else ""
        try:
            self.connection = connect_repository(
                data.get("full_name", ""), app_id=data.get("app_id"),
                installation_id=data.get("installation_id"),
                private_key_path=data.get("private_key_path") or "",
                webhook_secret=data.get("webhook_secret") or "",
                token=data.get("token") or keep_token)
        except SetupError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

    def save(self, commit: bool = True) -> GitHubConnection:
        return self.connection


@admin.register(GitHubConnection)
class GitHubConnectionAdmin(admin.ModelAdmin):
    form = ConnectRepositoryForm
    list_display = ("repository", "mode", "app_id", "created_at")

    def save_model(self, request, obj, form, change) -> None:
        """The form's clean() already saved through connect_repository."""

    def save_related(self, request, form, formsets, change) -> None:
        """Nothing related to save."""


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("delivery_id", "event", "action", "repository", "outcome", "received_at")
    list_filter = ("event",)
    readonly_fields = list_display


class PostedFindingInline(admin.TabularInline):
    model = PostedFinding
    fields = ("path", "line", "kind", "place")
    readonly_fields = fields
    extra = 0


@admin.register(PullRequestAnalysis)
class PullRequestAnalysisAdmin(admin.ModelAdmin):
    list_display = ("__str__", "run", "state", "review_state", "check_state", "received_at",
                    "posted_at")
    list_filter = ("state",)
    inlines = [PostedFindingInline]
