"""The server error page stands on its own: it needs no request context."""

from django.template.loader import render_to_string


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "<script" not in html
