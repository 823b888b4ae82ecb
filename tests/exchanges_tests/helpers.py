"""Small helpers for reading rendered pages the way a person reads them."""

import re


def page_text(response) -> str:
    """The visible text of a page: tags removed, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body)).strip()
