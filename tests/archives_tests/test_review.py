"""The review window: each member reviews, re-attributes, redacts and releases
their own words before a facilitator may publish the session's archive."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from archives import services
from archives.models import ArchiveReview, Redaction, ReviewRelease
from sessions.models import Attribution, Contribution, SessionEvent

from .conftest import TEXTS, release_all

pytestmark = pytest.mark.django_db


def _seqs_are_gap_free(session):
    seqs = list(SessionEvent.objects.filter(session=session).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_window_opens_at_close_for_seven_days(closed):
    review = services.archive_review_open(session=closed.session)
    assert review.opens_at == closed.session.closed_at
    assert review.closes_at - review.opens_at == dt.timedelta(days=7)
    assert services.archive_review_open(session=closed.session).pk == review.pk


def test_window_length_is_set_per_session(closed, settings):
    settings.ARCHIVE_REVIEW_DAYS = 3
    review = services.archive_review_open(session=closed.session)
    assert review.closes_at - review.opens_at == dt.timedelta(days=3)
    services.archive_review_set_window(session_id=closed.session.pk, member=closed.people.facilitator, days=10)
    review.refresh_from_db()
    assert review.closes_at - review.opens_at == dt.timedelta(days=10)
    with pytest.raises(PermissionDenied):
        services.archive_review_set_window(session_id=closed.session.pk, member=closed.people.alice, days=1)


def test_before_publication_only_the_author_sees_their_words(closed, client_for):
    p = closed.people
    url = reverse("archive_review", args=[closed.session.pk])
    alice = client_for(p.alice).get(url).content.decode()
    assert TEXTS["named"] in alice and TEXTS["reply"] in alice
    assert TEXTS["nfa"] not in alice and TEXTS["anonymous"] not in alice and "quince" not in alice
    convener = client_for(p.convener).get(url).content.decode()
    for text in TEXTS.values():
        assert text not in convener
    # The holders see how many have released, never who has words in the
    # session: beside the named quotes that would say whose the others are.
    assert "0 of 3 members with words in this session have released them" in convener
    for name in ("Alice Named", "Bob Quietname", "Carol Hidden"):
        assert name not in convener
    assert client_for(p.convener).get(reverse("archive_transcript", args=[closed.session.pk])).status_code == 404


def test_consent_change_is_recorded_and_shows_in_the_archive(closed, client_for):
    p = closed.people
    seq = services.review_consent_change(
        contribution_id=closed.named.pk, member=p.alice, consent=Attribution.NOT_FOR_ATTRIBUTION
    )
    event = SessionEvent.objects.get(session=closed.session, seq=seq)
    assert event.name == "consent_changed" and event.payload["consent"] == "not_for_attribution"
    assert (
        services.review_consent_change(
            contribution_id=closed.named.pk, member=p.alice, consent=Attribution.NOT_FOR_ATTRIBUTION
        )
        is None
    )
    _seqs_are_gap_free(closed.session)
    release_all(closed)
    services.archive_publish(session_id=closed.session.pk, member=p.facilitator)
    body = client_for(p.convener).get(reverse("archive_transcript", args=[closed.session.pk])).content.decode()
    start = body.index(TEXTS["named"]) - 600
    assert "Alice Named" not in body[start : body.index(TEXTS["named"])]


def test_choosing_off_the_record_in_review_erases_the_words(closed):
    services.review_consent_change(contribution_id=closed.nfa.pk, member=closed.people.bob, consent="off_record")
    nfa = Contribution.objects.get(pk=closed.nfa.pk)
    assert nfa.text == "" and nfa.purged_at is not None
    for event in SessionEvent.objects.filter(contribution=nfa):
        assert "viewing party rebuilt" not in str(event.payload)


def test_redaction_removes_words_for_good(closed, client_for):
    p = closed.people
    seq = services.review_redact(contribution_id=closed.anonymous.pk, member=p.carol)
    assert SessionEvent.objects.get(session=closed.session, seq=seq).name == "contribution_redacted"
    assert Redaction.objects.filter(contribution=closed.anonymous).exists()
    assert Contribution.objects.get(pk=closed.anonymous.pk).text == ""
    assert not SessionEvent.objects.filter(payload__icontains="Grief sits").exists()
    _seqs_are_gap_free(closed.session)
    with pytest.raises(PermissionDenied):  # already redacted: nothing left to decide
        services.review_redact(contribution_id=closed.anonymous.pk, member=p.carol)
    release_all(closed)
    services.archive_publish(session_id=closed.session.pk, member=p.facilitator)
    body = client_for(p.convener).get(reverse("archive_transcript", args=[closed.session.pk])).content.decode()
    assert TEXTS["anonymous"] not in body


def test_nobody_reviews_someone_elses_words(closed):
    p = closed.people
    with pytest.raises(PermissionDenied):
        services.review_redact(contribution_id=closed.nfa.pk, member=p.alice)
    with pytest.raises(PermissionDenied):
        services.review_consent_change(contribution_id=closed.nfa.pk, member=p.facilitator, consent="named")
    with pytest.raises(PermissionDenied):  # off the record: already erased, nothing to review
        services.review_consent_change(contribution_id=closed.off.pk, member=p.dave, consent="named")


def test_publish_early_is_refused_until_everyone_has_released(closed):
    p = closed.people
    with pytest.raises(ValidationError):
        services.archive_publish(session_id=closed.session.pk, member=p.facilitator)
    services.review_release(session_id=closed.session.pk, member=p.alice)
    services.review_release(session_id=closed.session.pk, member=p.bob)
    with pytest.raises(ValidationError):
        services.archive_publish(session_id=closed.session.pk, member=p.facilitator)
    services.review_release(session_id=closed.session.pk, member=p.carol)
    assert ReviewRelease.objects.count() == 3
    with pytest.raises(PermissionDenied):
        services.archive_publish(session_id=closed.session.pk, member=p.alice)
    review = services.archive_publish(session_id=closed.session.pk, member=p.facilitator)
    assert review.published_at is not None and review.published_by == p.facilitator
    assert SessionEvent.objects.filter(session=closed.session, name="archive_published").exists()
    assert SessionEvent.objects.filter(session=closed.session, name="review_released").count() == 3
    _seqs_are_gap_free(closed.session)
    with pytest.raises(ValidationError):
        services.archive_publish(session_id=closed.session.pk, member=p.facilitator)


def test_a_member_who_redacted_everything_need_not_release(closed):
    p = closed.people
    services.review_release(session_id=closed.session.pk, member=p.alice)
    services.review_release(session_id=closed.session.pk, member=p.bob)
    with pytest.raises(ValidationError, match="1 member"):  # Carol's words still wait for her
        services.archive_publish(session_id=closed.session.pk, member=p.convener)
    services.review_redact(contribution_id=closed.anonymous.pk, member=p.carol)  # her only words
    review = services.archive_publish(session_id=closed.session.pk, member=p.convener)
    assert review.published_at is not None and review.published_by == p.convener
    assert not ReviewRelease.objects.filter(review=review, member=p.carol).exists()


def test_publish_after_the_window_ends_whoever_has_not_released(closed):
    p = closed.people
    review = services.archive_review_open(session=closed.session)
    ArchiveReview.objects.filter(pk=review.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=8), closes_at=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError):  # the window has ended: no more changes
        services.review_redact(contribution_id=closed.named.pk, member=p.alice)
    with pytest.raises(ValidationError):
        services.review_release(session_id=closed.session.pk, member=p.alice)
    published = services.archive_publish(session_id=closed.session.pk, member=p.facilitator)
    assert published.published_at is not None and published.published_by == p.facilitator
    assert not ReviewRelease.objects.filter(review=review).exists()  # nobody released


def test_review_page_actions(closed, client_for):
    p = closed.people
    url = reverse("archive_review", args=[closed.session.pk])
    alice = client_for(p.alice)
    response = alice.post(
        url, {"action": "consent", "contribution_id": closed.named.pk, f"c{closed.named.pk}-consent": "anonymous"}
    )
    assert response.status_code == 302
    assert Contribution.objects.get(pk=closed.named.pk).consent == "anonymous"
    # Redacting is for good: without the confirming step nothing is removed.
    alice.post(url, {"action": "redact", "contribution_id": closed.reply.pk})
    assert not Redaction.objects.filter(contribution=closed.reply).exists()
    assert "Confirm the redaction first" in alice.get(url).content.decode()
    alice.post(url, {"action": "redact", "contribution_id": closed.reply.pk, "confirm": "1"})
    assert Redaction.objects.filter(contribution=closed.reply).exists()
    alice.post(url, {"action": "redact", "contribution_id": closed.nfa.pk, "confirm": "1"})  # Bob's: refused
    assert not Redaction.objects.filter(contribution=closed.nfa).exists()
    alice.post(url, {"action": "release"})
    assert ReviewRelease.objects.filter(member=p.alice).exists()
    assert "You have released" in alice.get(url).content.decode()
    publish = reverse("archive_publish", args=[closed.session.pk])
    assert alice.post(publish).status_code == 403
    fac = client_for(p.facilitator)
    fac.post(publish)
    assert ArchiveReview.objects.get(session=closed.session).published_at is None
    assert fac.post(url, {"action": "window", "days": "2"}).status_code == 302
    review = ArchiveReview.objects.get(session=closed.session)
    assert review.closes_at - review.opens_at == dt.timedelta(days=2)


def test_review_page_before_close_says_when_it_opens(exchange, people, client_for):
    from tests.factories import DialogueSessionFactory, MeetingFactory

    session = DialogueSessionFactory(meeting=MeetingFactory(exchange=exchange))
    body = client_for(people.alice).get(reverse("archive_review", args=[session.pk])).content.decode()
    assert "opens when the session closes" in body
    assert not ArchiveReview.objects.exists()
