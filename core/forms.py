"""Service errors on the form that sent them.

Services raise ``ValidationError`` keyed by the names of their arguments;
a page shows each message beside the field it is about, and the rest at the
top of the form, so nothing a service refused goes unsaid.
"""

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, elsewhere: frozenset[str] = frozenset()
) -> list[str]:
    """Put a service's errors on ``form``: on the field they name when the form
    has it, on the form as a whole otherwise.

    Messages about the names in ``elsewhere`` (fields of another part of the
    page, such as an agenda's phases beside the session's form) are returned
    instead, for the page to show there.
    """
    kept: list[str] = []
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return kept
    for name, messages in error.message_dict.items():
        if name in elsewhere:
            kept.extend(messages)
        elif name in form.fields:
            form.add_error(name, messages)
        else:
            form.add_error(None, messages)
    return kept
