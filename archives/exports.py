"""Exports of the archive: CSV, JSON and Markdown of the same consent-filtered rows the pages show.

The columns are listed in ``selectors.EXPORT_COLUMNS`` and documented in
``docs/archives.md``. Nothing here decides who may be named: every row comes
from ``selectors.rows_build`` already attributed per consent.
"""

import csv
import io
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import EXPORT_COLUMNS, ArchiveRow, group_rows

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
# A spreadsheet treats a cell starting with one of these as a formula; words
# people said must never run as one.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if isinstance(value, list):
        value = " | ".join(value)
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(rows: list[ArchiveRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        data = row.as_export()
        writer.writerow([_cell(data[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()


def to_json(rows: list[ArchiveRow], *, title: str, scope: dict[str, Any]) -> str:
    return json.dumps(
        {
            "title": title,
            "scope": scope,
            "generated_at": timezone.now().isoformat(),
            "columns": EXPORT_COLUMNS,
            "contributions": [row.as_export() for row in rows],
        },
        ensure_ascii=False,
        indent=2,
    )


def _md_escape_line(text: str) -> str:
    # Keep the words as they were said; only stop a line from turning into markup.
    return text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(rows: list[ArchiveRow], *, title: str) -> str:
    lines = [f"# {_md_escape_line(title)}", ""]
    current_session = None
    for group in group_rows(rows):
        first = group.rows[0]
        if first.session_id != current_session:
            current_session = first.session_id
            meeting = _("Meeting %(number)s: %(title)s") % {
                "number": first.meeting_number,
                "title": _md_escape_line(first.session_title),
            }
            lines += [f"## {meeting}", ""]
        heading = group.phase or _("Open conversation")
        if group.round:
            heading = _("%(heading)s — round %(round)s") % {"heading": heading, "round": group.round}
        lines += [f"### {_md_escape_line(heading)}", ""]
        for row in group.rows:
            lines.append(f"**{_md_escape_line(row.attribution_line)}** ({row.kind.lower()})")
            if row.reply_shown and row.reply_to_id:
                lines.append("_" + _("In reply to contribution %(id)s") % {"id": row.reply_to_id} + "_")
            lines.append("")
            for line in row.text.splitlines() or [""]:
                lines.append(f"> {_md_escape_line(line)}")
            lines.append("")
            extras = []
            if row.acknowledgements:
                extras.append(_("Heard by %(count)s") % {"count": row.acknowledgements})
            if row.themes:
                extras.append(_("Themes: %(themes)s") % {"themes": ", ".join(row.themes)})
            if extras:
                lines += ["_" + _md_escape_line("; ".join(extras)) + "_", ""]
            for reflection in row.reflections:
                lines += ["- " + _("Reflected back: %(words)s") % {"words": _md_escape_line(reflection)}]
            if row.reflections:
                lines.append("")
    if not rows:
        lines.append("_" + _("Nothing in this archive matches.") + "_")
    return "\n".join(lines) + "\n"
