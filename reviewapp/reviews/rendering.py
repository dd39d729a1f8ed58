"""Turning hunks into highlighted rows for the unified and side-by-side views."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape

from reviewapp.findings.fixes import FixSource, NoFix, replace_span

from .highlighting import Mark, line_html, token_lines
from .word_diff import changed_spans, paired_lines


@dataclass
class Row:
    kind: str  # "ctx", "add", "del", "note"
    old_no: int | None
    new_no: int | None
    html: str
    findings: list = field(default_factory=list)


@dataclass
class SplitRow:
    left: Row | None
    right: Row | None


@dataclass
class Gap:
    """Unchanged new-side lines [first, last] between hunks; old line = new line + offset."""

    first: int
    last: int
    offset: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


@dataclass
class RenderedHunk:
    hunk: object  # the Hunk row (tier, reason, importance, ranges)
    rows: list[Row]
    gap_before: Gap | None = None

    def split_rows(self) -> list[SplitRow]:
        """Pair removed and added runs side by side; context rows appear on both sides."""
        out: list[SplitRow] = []
        dels: list[Row] = []
        adds: list[Row] = []

        def flush() -> None:
            for i in range(max(len(dels), len(adds))):
                out.append(SplitRow(dels[i] if i < len(dels) else None,
                                    adds[i] if i < len(adds) else None))
            dels.clear()
            adds.clear()

        for row in self.rows:
            if row.kind == "del":
                if adds:  # a removal after additions starts a new pairing block
                    flush()
                dels.append(row)
            elif row.kind == "add":
                adds.append(row)
            else:
                flush()
                out.append(SplitRow(row, row))
        flush()
        return out


def parse_hunk_text(text: str, old_start: int, new_start: int) -> list[tuple[str, int | None,
                                                                             int | None, str]]:
    """(kind, old line, new line, text) for each body line of a stored hunk."""
    out = []
    old_no, new_no = old_start, new_start
    for raw in text.split("\n"):
        if not raw:
            continue
        marker, body = raw[0], raw[1:]
        if marker == "+":
            out.append(("add", None, new_no, body))
            new_no += 1
        elif marker == "-":
            out.append(("del", old_no, None, body))
            old_no += 1
        elif marker == "\\":
            out.append(("note", None, None, raw))
        else:
            out.append(("ctx", old_no, new_no, body))
            old_no += 1
            new_no += 1
    return out


def _finding_marks(text: str, line_no: int, findings: list) -> list[Mark]:
    """Squiggles under the findings' column spans (overlapping findings: the first only)."""
    marks, cursor = [], 0
    spans = []
    for finding in findings:
        start = finding.column if finding.line == line_no else 0
        end = finding.end_column if finding.end_line == line_no else len(text)
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        spans.append((start, max(end, start + 1) if text else start, finding))
    for start, end, finding in sorted(spans, key=lambda item: item[0]):
        if start < cursor:
            continue
        marks.append(Mark(start, end, f'class="squiggle sev-{escape(finding.severity)}" '
                                      f'tabindex="0" data-finding="{finding.pk}"', order=1))
        cursor = end
    return marks


def _word_marks(parsed: list[tuple[str, int | None, int | None, str]]) -> dict[int, list[Mark]]:
    """Changed words of each edited line (a removed line paired with its added line)."""
    marks: dict[int, list[Mark]] = {}
    for old_i, new_i in paired_lines([item[0] for item in parsed]):
        spans = changed_spans(parsed[old_i][3], parsed[new_i][3])
        if spans is None:
            continue
        for index, side, css in ((old_i, spans[0], "word-del"), (new_i, spans[1], "word-add")):
            marks[index] = [Mark(a, b, f'class="{css}"') for a, b in side]
    return marks


def render_rows(parsed: list[tuple[str, int | None, int | None, str]], language: str,
                findings_by_line: dict[int, list] | None = None) -> list[Row]:
    """Rows with old and new sides highlighted separately, changed words and findings marked."""
    findings_by_line = findings_by_line or {}
    tokens: dict[int, list] = {}
    for side in (("ctx", "del"), ("ctx", "add")):
        indices = [i for i, item in enumerate(parsed) if item[0] in side]
        lexed = token_lines([parsed[i][3] for i in indices], language)
        tokens.update(zip(indices, lexed, strict=True))
    word_marks = _word_marks(parsed)
    rows = []
    for i, (kind, old_no, new_no, text) in enumerate(parsed):
        if kind == "note":
            rows.append(Row(kind, None, None, escape(text)))
            continue
        line_findings = findings_by_line.get(new_no, []) if new_no is not None else []
        marks = word_marks.get(i, []) + _finding_marks(text, new_no, line_findings)
        rows.append(Row(kind, old_no, new_no, line_html(tokens[i], marks), line_findings))
    return rows


@dataclass
class FixPreview:
    """A finding's suggested fix as the line before and after it ("" and "" when the line
    stays) and the import it adds ("" for none)."""

    before: str
    after: str
    added_import: str = ""


def fix_preview(finding, line_text: str | None) -> FixPreview | None:
    """The one-line before/after of a finding's replacement, with the import it adds; None
    when there is nothing to show."""
    before = after = ""
    start, end = finding.column, finding.end_column
    if line_text is not None and finding.end_line == finding.line and (
            0 <= start <= end <= len(line_text)):
        before, after = line_text, line_text[:start] + finding.replacement + line_text[end:]
    if before == after and not finding.added_import:
        return None
    if before == after:  # the line stays: the import is the whole fix
        before = after = ""
    return FixPreview(before, after, finding.added_import)


def known_lines(file, hunks) -> dict[int, str]:
    """The new side's text by 1-based line: every line when the content is stored, else the
    hunks' context and added lines (a pasted diff)."""
    if file.new_content is not None:
        return dict(enumerate(file.new_content.splitlines(), start=1))
    return {new_no: text for hunk in hunks
            for kind, _, new_no, text in parse_hunk_text(hunk.text, hunk.old_start,
                                                         hunk.new_start)
            if kind in ("ctx", "add")}


def changes_code(finding, lines: dict[int, str]) -> bool:
    """Whether accepting the finding's replacement would change the code (a whole-file check
    without a repair carries the span's own text), judged by the span edit accepting makes
    (`reviewapp.findings.fixes.replace_span`). Unknown lines or a span that does not fit
    them: assume it would, and let accepting say why not."""
    if finding.added_import:
        return True
    span = [lines.get(n) for n in range(finding.line, finding.end_line + 1)]
    if None in span:
        return bool(finding.replacement) or finding.column != finding.end_column
    source = FixSource("".join(line + "\n" for line in span), first_line=finding.line,
                       whole_file=False)
    try:
        return replace_span(source, finding) != source.text
    except NoFix:
        return True


def finding_cards(file, hunks, findings) -> list[tuple[object, FixPreview | None, bool]]:
    """Each finding with the before/after of its suggested fix, from the new side's lines, and
    whether it has a fix to accept at all."""
    lines = known_lines(file, hunks)
    return [(finding, fix_preview(finding, lines.get(finding.line)),
             changes_code(finding, lines)) for finding in findings]


def findings_index(findings) -> dict[int, list]:
    """Findings keyed by every new-side line they cover."""
    index: dict[int, list] = {}
    for finding in findings:
        for line in range(finding.line, max(finding.line, finding.end_line) + 1):
            index.setdefault(line, []).append(finding)
    return index


def render_file(file, hunks, findings) -> list[RenderedHunk]:
    """Every hunk of a file with the collapsed gaps between them (when the content is known)."""
    by_line = findings_index(findings)
    rendered = []
    prev_new_end, prev_offset = 0, None
    for hunk in hunks:
        parsed = parse_hunk_text(hunk.text, hunk.old_start, hunk.new_start)
        gap = None
        if file.new_content is not None:
            first = prev_new_end + 1
            last = hunk.new_start - 1
            offset = hunk.old_start - hunk.new_start if prev_offset is None else prev_offset
            if last >= first:
                gap = Gap(first, last, offset)
        rendered.append(RenderedHunk(hunk, render_rows(parsed, file.language, by_line), gap))
        prev_new_end = hunk.new_start + hunk.new_lines - 1
        prev_offset = (hunk.old_start + hunk.old_lines) - (hunk.new_start + hunk.new_lines)
    return rendered


def trailing_gap(file, hunks) -> Gap | None:
    """The unchanged lines after the last hunk, when the content is known."""
    if file.new_content is None or not hunks:
        return None
    last = hunks[-1]
    total = len(file.new_content.splitlines())
    first = last.new_start + last.new_lines
    offset = (last.old_start + last.old_lines) - (last.new_start + last.new_lines)
    return Gap(first, total, offset) if total >= first else None


def context_rows(file, first: int, last: int, offset: int) -> list[Row]:
    """Unchanged lines [first, last] of the new file as context rows."""
    if file.new_content is None:
        return []
    lines = file.new_content.splitlines()
    first, last = max(1, first), min(last, len(lines))
    parsed = [("ctx", n + offset, n, lines[n - 1]) for n in range(first, last + 1)]
    return render_rows(parsed, file.language)


def _cell_no(number: int | None) -> str:
    return "" if number is None else str(number)


def _row_attrs(row: Row | None, base: str) -> str:
    classes = base
    if row is not None and row.findings:
        classes += " has-finding"
    line = f' data-line="{row.new_no}"' if row is not None and row.new_no is not None else ""
    return f'class="{classes}"{line}'


def rows_html(rows: list[Row], view_mode: str) -> str:
    """The <tr> elements of rows; built here, not in a template loop, because a 10k-line page
    would spend most of its time in per-cell template rendering."""
    out = []
    if view_mode == "split":
        for pair in RenderedHunk(hunk=None, rows=rows).split_rows():
            left, right = pair.left, pair.right
            cells = []
            for row, number in ((left, left.old_no if left else None),
                                (right, right.new_no if right else None)):
                kind = row.kind if row is not None else "empty"
                body = f"<pre>{row.html}</pre>" if row is not None else ""
                cells.append(f'<td class="ln">{_cell_no(number)}</td>'
                             f'<td {_row_attrs(row, "code " + kind)}>{body}</td>')
            out.append(f'<tr class="split">{"".join(cells)}</tr>')
    else:
        for row in rows:
            out.append(f'<tr {_row_attrs(row, row.kind)}><td class="ln">{_cell_no(row.old_no)}'
                       f'</td><td class="ln">{_cell_no(row.new_no)}</td>'
                       f'<td class="code"><pre>{row.html}</pre></td></tr>')
    return "\n".join(out)
