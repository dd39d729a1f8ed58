"""Forms for submitting a diff, as a new review or as a new revision."""

from __future__ import annotations

from django import forms

from reviewapp.ingest.errors import GitSourceError

from .models import Repository, Revision
from .services import DiffInput


class DiffSourceForm(forms.Form):
    """One of: pasted text, an uploaded file, or the repository's registered checkout and a
    range. A checkout is never a free path: an administrator registers it (Repository.local_path
    under SQUIGGLE_REPO_ROOTS) and membership decides who may read it."""

    diff = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
                           required=False, strip=False, label="Paste a unified diff",
                           error_messages={"null_characters_not_allowed": (
                               "The pasted diff holds NUL characters, as binary content does: "
                               "upload it as a .diff file instead.")})
    diff_file = forms.FileField(required=False, label="or upload a .diff / .patch file")
    from_checkout = forms.BooleanField(
        required=False, label="or read it from the repository's registered checkout")
    range_spec = forms.CharField(required=False, label="range",
                                 widget=forms.TextInput(
                                     attrs={"placeholder": "A..B (empty: working tree vs HEAD)"}))

    def __init__(self, *args, user=None, repository: Repository | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.repository = repository

    def clean(self) -> dict:
        data = super().clean()
        given = [bool(data.get("diff", "").strip()), bool(data.get("diff_file")),
                 bool(data.get("from_checkout"))]
        if sum(given) == 0 and "diff" not in self.errors:  # a refused paste says why itself
            raise forms.ValidationError(
                "Give a diff: paste it, upload a file, or read the repository's checkout.")
        if sum(given) > 1:
            raise forms.ValidationError(
                "Give only one of: pasted diff, uploaded file, the repository's checkout.")
        if data.get("from_checkout"):
            repository = self.source_repository(data)
            if repository is None:
                raise forms.ValidationError(
                    "Choose a registered repository to read its checkout.")
            try:
                self.checkout = repository.checkout_path()
            except GitSourceError as exc:
                raise forms.ValidationError(str(exc)) from None
        return data

    def source_repository(self, data: dict) -> Repository | None:
        """The repository whose checkout would be read."""
        return self.repository

    def diff_input(self) -> DiffInput:
        data = self.cleaned_data
        if data.get("from_checkout"):
            return DiffInput(repo_dir=str(self.checkout),
                             range_spec=data.get("range_spec", "").strip() or None)
        if data.get("diff_file"):
            return DiffInput(diff=data["diff_file"].read(), source=Revision.UPLOAD)
        # Browsers send CRLF from a textarea; the parser accepts both, keep what was pasted.
        return DiffInput(diff=data["diff"].encode("utf-8", "surrogateescape"))


class NewReviewForm(DiffSourceForm):
    title = forms.CharField(max_length=300)
    repository = forms.ModelChoiceField(queryset=Repository.objects.none(), required=False,
                                        empty_label="(new local repository)")
    new_repository = forms.CharField(max_length=200, required=False,
                                     label="new repository name")

    field_order = ["title", "repository", "new_repository", "diff", "diff_file",
                   "from_checkout", "range_spec"]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["repository"].queryset = Repository.objects.visible_to(user)

    def clean(self) -> dict:
        data = super().clean()
        name = data.get("new_repository", "").strip()
        if not data.get("repository") and not name:
            raise forms.ValidationError("Choose a repository or name a new one.")
        # Only the user's own repositories are compared: whether someone else's repository
        # carries the name is never said (local names are labels and may repeat).
        own = Repository.objects.visible_to(self.user).filter(provider=Repository.LOCAL,
                                                              full_name=name)
        if name and not data.get("repository") and own.exists():
            raise forms.ValidationError(
                f"You already have a repository named {name}: choose it above.")
        return data

    def source_repository(self, data: dict) -> Repository | None:
        return data.get("repository")

    def target_repository(self) -> Repository:
        """The chosen repository, or a new local one, not yet saved: `create_change_set`
        saves it once the diff has been read."""
        return self.cleaned_data.get("repository") or Repository(
            provider=Repository.LOCAL, full_name=self.cleaned_data["new_repository"].strip())
