"""Creating reviews and revisions from diffs, and reviewer marks; views stay thin."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviewapp.ingest.errors import GitSourceError, IngestError
from reviewapp.ingest.git_source import contents_from_objects, diff_from_git
from reviewapp.ingest.limits import IngestLimits
from reviewapp.ingest.parsed import ParsedDiff
from reviewapp.ingest.parser import parse_diff
from reviewapp.ordering import GENERATED, VENDORED, order_files
from reviewapp.repo_config import RepoConfig, leave_out_ignored, read_config

from . import jobs
from .models import AnalysisJob, ChangeSet, FileChange, FileView, Hunk, Repository, Revision


def ingest_limits() -> IngestLimits:
    """Size limits from settings."""
    conf = settings.SQUIGGLE
    return IngestLimits(
        max_bytes=conf["MAX_DIFF_BYTES"],
        max_files=conf["MAX_DIFF_FILES"],
        max_lines=conf["MAX_DIFF_LINES"],
    )


@dataclass
class DiffInput:
    """What a reviewer submitted: diff bytes, or a local repository and a range."""

    diff: bytes | None = None
    repo_dir: str = ""
    range_spec: str | None = None
    source: str = Revision.PASTE  # Revision.SOURCES; a git range is always Revision.GIT

    def parse(self) -> tuple[ParsedDiff, str]:
        """Parse into (parsed diff, revision source). Raises IngestError."""
        if self.repo_dir:
            parsed = diff_from_git(self.repo_dir, self.range_spec or None, limits=ingest_limits())
            return parsed, Revision.GIT
        if not self.diff:
            raise IngestError("the diff is empty: paste a unified diff or upload a .diff file")
        return parse_diff(self.diff, limits=ingest_limits()), self.source

    def repo_config(self) -> RepoConfig | None:
        """`.squiggle.toml` and `.gitattributes` of a local repository; None for a pasted diff."""
        if not self.repo_dir:
            return None
        return read_config(self.repo_dir)


def read_submission(diff_input: DiffInput, repository: Repository,
                    ) -> tuple[ParsedDiff, str, RepoConfig | None]:
    """(parsed diff, revision source, configuration) of a submission. A range brings its own
    `.squiggle.toml`; a pasted or uploaded diff of a repository with a registered checkout
    gets that checkout's, and the whole files its `index` lines name from it, so the review
    reads them as it reads a range's (the whole-file checks run). Without a checkout, or for
    blobs it lacks, the hunks are all the review has, with the defaults."""
    parsed, source = diff_input.parse()
    if source == Revision.GIT:
        return parsed, source, diff_input.repo_config()
    try:
        checkout = repository.checkout_path()
    except GitSourceError:
        return parsed, source, None
    try:
        contents_from_objects(str(checkout), parsed, limits=ingest_limits())
    except GitSourceError as exc:  # not a git repository any more, git failing: say so
        parsed.warnings.append(f"the whole files could not be read from the checkout: {exc}")
    return parsed, source, read_config(checkout)


def create_change_set(repository: Repository, title: str, author, diff_input: DiffInput
                      ) -> Revision:
    """A new change set with its first revision, ordered and queued for analysis. An unsaved
    `repository` (a new local one) is created with it, the author as its member, so that a
    diff that cannot be read leaves no repository behind."""
    # Read everything before the transaction: on SQLite a transaction holds the write lock.
    parsed, source, config = read_submission(diff_input, repository)
    with transaction.atomic():
        if repository.pk is None:
            repository.save()
            repository.members.add(author)
        change_set = ChangeSet.objects.create(repository=repository, title=title, author=author)
        return store_revision(change_set, parsed, source, config)


def add_revision(change_set: ChangeSet, diff_input: DiffInput) -> Revision:
    """The next revision of an existing change set."""
    parsed, source, config = read_submission(diff_input, change_set.repository)
    with transaction.atomic():
        # Lock the change set so two concurrent submissions cannot take the same number.
        ChangeSet.objects.select_for_update().filter(pk=change_set.pk).first()
        change_set.save(update_fields=["updated_at"])
        return store_revision(change_set, parsed, source, config)


def store_revision(change_set: ChangeSet, parsed: ParsedDiff, source: str,
                   config: RepoConfig | None = None) -> Revision:
    """Write Revision, FileChange and Hunk rows in review order and queue the analysis job.

    Call inside a transaction. Files the repository configuration ignores are left out, each
    named in the warnings.
    """
    config = config or RepoConfig()
    parsed, ignored = leave_out_ignored(parsed, config)
    warnings = list(parsed.warnings) + config.errors
    warnings += [f"{item['path']} left out: {item['reason']}" for item in ignored]
    last = change_set.revisions.order_by("-number").values_list("number", flat=True).first()
    revision = Revision.objects.create(
        change_set=change_set, number=(last or 0) + 1, raw_diff=parsed.raw_text, source=source,
        base_sha=parsed.base_sha or "", head_sha=parsed.head_sha or "",
        warnings=warnings, config=config.to_json(),
    )
    ordered = sorted(order_files(parsed.files), key=lambda item: item.order)
    file_rows = []
    for item in ordered:
        pf = parsed.files[item.index]
        file_rows.append(FileChange(
            revision=revision, path=pf.path, old_path=pf.old_path, status=pf.status,
            is_binary=pf.is_binary, old_mode=pf.old_mode or "", new_mode=pf.new_mode or "",
            similarity=pf.similarity, language=pf.language, order=item.order,
            order_reason=item.reason, role=item.role, group=item.group,
            is_generated=item.role in (GENERATED, VENDORED),
            added=pf.added_count, removed=pf.removed_count,
            content_hash=FileChange.hash_change(
                pf.path, pf.old_path, pf.status, [h.text for h in pf.hunks], pf.new_content,
                pf.new_mode,
            ),
            old_content=pf.old_content, new_content=pf.new_content,
        ))
    FileChange.objects.bulk_create(file_rows, batch_size=500)
    Hunk.objects.bulk_create([
        Hunk(file=row, index=index, old_start=ph.old_start, old_lines=ph.old_lines,
             new_start=ph.new_start, new_lines=ph.new_lines,
             section_header=ph.section_header[:500], text=ph.text)
        for item, row in zip(ordered, file_rows, strict=True)
        for index, ph in enumerate(parsed.files[item.index].hunks)
    ], batch_size=2000)
    jobs.enqueue(AnalysisJob.objects.create(revision=revision, heartbeat_at=timezone.now()))
    return revision


def viewed_paths(user, revision: Revision) -> set[str]:
    """Paths of this revision the user marked viewed and that have not changed since."""
    marks = dict(
        FileView.objects.filter(user=user, change_set_id=revision.change_set_id)
        .values_list("path", "content_hash")
    )
    return {
        path for path, content_hash in revision.files.values_list("path", "content_hash")
        if marks.get(path) == content_hash
    }


def set_viewed(user, file: FileChange, viewed: bool) -> None:
    change_set_id = file.revision.change_set_id
    if viewed:
        # One upsert (INSERT ... ON CONFLICT): update_or_create's select-then-insert failed with
        # IntegrityError (a 500) when a concurrent "unviewed" deleted the row it raced to insert.
        FileView.objects.bulk_create(
            [FileView(user=user, change_set_id=change_set_id, path=file.path,
                      content_hash=file.content_hash)],
            update_conflicts=True, unique_fields=["user", "change_set", "path"],
            update_fields=["content_hash", "updated_at"])
    else:
        FileView.objects.filter(user=user, change_set_id=change_set_id, path=file.path).delete()
