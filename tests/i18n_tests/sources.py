"""Strings no page visit reaches, found in the source instead.

- ``python_unmarked``: a plain string (or f-string) handed to something a
  person reads: a field's label or help text, a model's verbose name, a
  choice's label, an error (``ValidationError``, ``PermissionDenied``,
  ``RoomError``), a message (``messages.success``), a bad request's body.
- ``javascript_unmarked``: a string literal in ``static/js`` that reads as
  prose and is not an argument of ``gettext``/``ngettext``/``pgettext``/``_``
  (static/js/i18n.js). Comments, imports and machine strings (selectors,
  event names, codes, keys) are not prose.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Read by operators at a terminal, not by people using the site.
OPERATOR_FILES = {"exchanges/backup.py"}
APPS = ["config", "core", "participants", "exchanges", "sessions", "archives", "reminders", "data_rights", "demo"]

# --- Python ------------------------------------------------------------------------------------

_HUMAN_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
_HUMAN_CALLS = {"ValidationError", "PermissionDenied", "HttpResponseBadRequest", "HttpResponseForbidden"}
_MESSAGE_LEVELS = {"success", "error", "warning", "info", "debug", "add_message"}


def _plain(node: ast.AST | None) -> bool:
    """A literal a person would read untranslated: text with a word in it, or an f-string."""
    if isinstance(node, ast.JoinedStr):  # words of its own, not only the values it formats
        return any(_plain(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}", node.value))
    if isinstance(node, ast.BinOp):  # "a" + "b", "..." % x
        return _plain(node.left)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _choices_class(node: ast.ClassDef) -> bool:
    return any(_name(base) in {"TextChoices", "IntegerChoices", "Choices"} for base in node.bases)


def python_unmarked() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            if str(path.relative_to(ROOT)) in OPERATOR_FILES:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            where = path.relative_to(ROOT)
            for node in ast.walk(tree):
                for line, text in _python_sinks(node):
                    found.append(f"{where}:{line}: {text}")
    return found


def _python_sinks(node: ast.AST) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Call):
        name = _name(node.func)
        for keyword in node.keywords:
            if keyword.arg in _HUMAN_KEYWORDS and _plain(keyword.value):
                yield keyword.lineno, f"{keyword.arg}={ast.unparse(keyword.value)}"
            if keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                for value in keyword.value.values:
                    if _plain(value):
                        yield value.lineno, f"error_messages: {ast.unparse(value)}"
        if name in _HUMAN_CALLS and node.args and _plain(node.args[0]):
            yield node.lineno, f"{name}({ast.unparse(node.args[0])})"
        if name == "RoomError" and len(node.args) > 1 and _plain(node.args[1]):
            yield node.lineno, f"RoomError(..., {ast.unparse(node.args[1])})"
        if (
            name in _MESSAGE_LEVELS
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "messages"
            and len(node.args) > 1
            and _plain(node.args[-1])
        ):
            yield node.lineno, f"messages.{name}(..., {ast.unparse(node.args[-1])})"
    if isinstance(node, ast.ClassDef) and _choices_class(node):
        for statement in node.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                elements = statement.value.elts
                if len(elements) > 1 and _plain(elements[-1]):
                    yield statement.lineno, f"choice label {ast.unparse(elements[-1])}"
    if isinstance(node, ast.ClassDef) and node.name == "Meta":
        for statement in node.body:
            if isinstance(statement, ast.Assign) and _plain(statement.value):
                targets = {t.id for t in statement.targets if isinstance(t, ast.Name)}
                if targets & {"verbose_name", "verbose_name_plural"}:
                    yield statement.lineno, f"Meta {ast.unparse(statement)}"


# --- JavaScript --------------------------------------------------------------------------------

_LITERAL = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)"""
# A literal is marked when it is an argument of a gettext-family call: the first, or
# after the ones before it (ngettext's plural, pgettext's message, npgettext's forms).
_GETTEXT = re.compile(
    rf"\b(?:_|gettext|ngettext|pgettext|npgettext)\s*\(\s*$"
    rf"|\b(?:ngettext|pgettext)\s*\(\s*{_LITERAL}\s*,\s*$"
    rf"|\bnpgettext\s*\(\s*{_LITERAL}\s*,\s*(?:{_LITERAL}\s*,\s*)?$"
)
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}
# Words a script uses as values, never shown: keys, events, states, element names.
_MACHINE = re.compile(
    r"^(?:[a-z][a-z0-9]*(?:[-_:.][a-z0-9]+)*|[a-z]+(?:[A-Z][a-z0-9]*)+|[A-Z][a-z]+(?:[A-Z][a-z]+)+"
    r"|Enter|Escape|Tab|Space|Backspace|Delete|Home|End|ArrowUp|ArrowDown|ArrowLeft|ArrowRight|PageUp|PageDown"
    r"|GET|POST|UTF-8|NFD|NFC|NFKD|OPTION|OPTGROUP|SELECT|INPUT|BUTTON|Content-Type|X-CSRFToken|Accept)$"
)


def _js_strings(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, text, what precedes it) of each string literal and template-literal piece, comments skipped."""
    i, n, line = 0, len(source), 1
    last = ""  # the last significant character, to tell a regex literal from a division
    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
            continue
        if c in "\"'`":
            start, j, pieces, piece = i, i + 1, [], ""
            while j < n and source[j] != c:
                if source[j] == "\\":
                    piece += source[j : j + 2]
                    j += 2
                    continue
                if c == "`" and source.startswith("${", j):
                    pieces.append(piece)
                    piece, depth, j = "", 1, j + 2
                    while j < n and depth:
                        depth += {"{": 1, "}": -1}.get(source[j], 0)
                        j += 1
                    continue
                piece += source[j]
                j += 1
            pieces.append(piece)
            before = source[max(0, start - 400) : start]
            for text in pieces:
                yield line, text, before
            line += source.count("\n", start, j)
            i, last = j + 1, c
            continue
        if c == "/" and last in _REGEX_BEFORE:  # a regex literal
            j = i + 1
            in_class = False
            while j < n and source[j] != "\n":
                if source[j] == "\\":
                    j += 2
                    continue
                if source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                elif source[j] == "/" and not in_class:
                    break
                j += 1
            i, last = j + 1, "/"
            continue
        if not c.isspace():
            last = c if not (c.isalnum() or c in "_$") else "a"
            if source[i : i + 6] == "return" and not (i + 6 < n and source[i + 6].isalnum()):
                last = ""
                i += 6
                continue
        i += 1


def _prose(text: str) -> bool:
    text = text.strip()
    if not re.search(r"[A-Za-z]{2,}", text) or _MACHINE.match(text):
        return False
    # Media queries, selectors, cookies, paths.
    if re.match(r"^\([a-z-]+:|^[#.\[:;{]|^\w+[.#\[]|^[a-z-]+\s*[:=]|^(https?:)?/|^\w+/\w", text):
        return False
    if re.fullmatch(r"[a-z0-9_-]+(\s+[a-z0-9_-]+)*", text):  # class lists, lowercase codes
        return False
    return True


def javascript_unmarked() -> list[str]:
    found = []
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        source = path.read_text()
        where = path.relative_to(ROOT)
        lines = source.splitlines()
        for line, text, before in _js_strings(source):
            if not _prose(text):
                continue
            code = lines[line - 1].strip() if line - 1 < len(lines) else ""
            if code.startswith(("import ", "export ")) and " from " in code:
                continue
            if _GETTEXT.search(before):
                continue
            found.append(f"{where}:{line}: {text!r}")
    return found
