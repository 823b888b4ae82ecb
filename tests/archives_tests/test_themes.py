"""Themes: conveners and facilitators add, rename and merge them; quotes carry over."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from archives import services
from sessions.models import ContributionTheme, Theme

from .conftest import TEXTS

pytestmark = pytest.mark.django_db


def test_create_rename_and_refuse_clashes(published):
    p = published.people
    x = published.session.meeting.exchange_id
    theme = services.exchange_theme_create(exchange_id=x, member=p.convener, name="  Burnout  ")
    assert theme.name == "Burnout"
    assert services.exchange_theme_create(exchange_id=x, member=p.facilitator, name="burnout").pk == theme.pk
    services.theme_rename(theme_id=theme.pk, member=p.facilitator, name="Compassion fatigue")
    assert Theme.objects.get(pk=theme.pk).name == "Compassion fatigue"
    with pytest.raises(ValidationError):
        services.theme_rename(theme_id=theme.pk, member=p.convener, name="trauma")
    with pytest.raises(ValidationError):
        services.exchange_theme_create(exchange_id=x, member=p.convener, name="x" * 61)
    with pytest.raises(PermissionDenied):
        services.exchange_theme_create(exchange_id=x, member=p.alice, name="Mine")
    with pytest.raises(PermissionDenied):
        services.theme_rename(theme_id=theme.pk, member=p.scribe, name="Mine")


def test_merge_moves_tags_without_duplicates(published):
    p = published.people
    trauma = Theme.objects.get(exchange=published.theme.exchange, name="Trauma")
    now = timezone.now()
    ContributionTheme.objects.create(contribution=published.nfa, theme=trauma, tagged_at=now)
    ContributionTheme.objects.create(contribution=published.reply, theme=trauma, tagged_at=now)
    target = services.theme_merge(source_id=trauma.pk, target_id=published.theme.pk, member=p.convener)
    assert not Theme.objects.filter(pk=trauma.pk).exists()
    tagged = sorted(ContributionTheme.objects.filter(theme=target).values_list("contribution_id", flat=True))
    assert tagged == sorted(
        [published.named.pk, published.nfa.pk, published.anonymous.pk, published.off.pk, published.reply.pk]
    )
    with pytest.raises(ValidationError):
        services.theme_merge(source_id=target.pk, target_id=target.pk, member=p.convener)
    with pytest.raises(PermissionDenied):
        other = Theme.objects.get(exchange=target.exchange, name="Flagging optimism")
        services.theme_merge(source_id=other.pk, target_id=target.pk, member=p.alice)


def test_theme_page_shows_consenting_quotes_and_counts(published, client_for):
    client = client_for(published.people.convener)
    body = client.get(reverse("archive_themes", args=[published.session.meeting.exchange_id])).content.decode()
    assert "Mutual mistrust" in body and "<td>3</td>" in body  # off the record is not counted
    body = client.get(reverse("archive_theme", args=[published.theme.pk])).content.decode()
    assert TEXTS["named"] in body and TEXTS["nfa"] in body and TEXTS["anonymous"] in body
    assert "zebra" not in body and "Bob Quietname" not in body and "Carol Hidden" not in body


def test_theme_management_through_the_page(published, client_for):
    x = published.session.meeting.exchange_id
    url = reverse("archive_themes", args=[x])
    assert client_for(published.people.alice).post(url, {"action": "create", "name": "Nope"}).status_code == 403
    client = client_for(published.people.facilitator)
    client.post(url, {"action": "create", "name": "Hope"})
    hope = Theme.objects.get(exchange_id=x, name="Hope")
    client.post(url, {"action": "rename", "theme_id": hope.pk, "name": "Renewed hope"})
    hope.refresh_from_db()
    assert hope.name == "Renewed hope"
    client.post(url, {"action": "merge", "source": hope.pk, "target": published.theme.pk})
    assert not Theme.objects.filter(pk=hope.pk).exists()
