"""What a reader may see of a contribution: the one visibility policy.

People in these rooms speak about trauma and mistrust between police and
communities, in teams where one person may be the only police chief or the
only pastor. Each contribution carries its speaker's consent, and every
surface that shows words or who said them asks this module, and only this
module, what the reader may see. The promise, consent by consent and surface
by surface, is tabled in docs/privacy.md (and PRODUCT.md, "Consent"); the
functions below are its only implementation.

The projector shows no one's words, and once a session has closed the live
room shows no words to anyone: the archive, after review and publication, is
the only reader.

Live frames are rendered here too, per audience rather than per socket: an
event leaves the server as at most three encodings (the author's tabs, the
rest of the room, the projector), and a replay renders each stored event from
the contribution's *current* state, so a withdrawn text, an earlier revision
or a name hidden since never goes out again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import Member, StakeholderRole

from .models import Attribution, Contribution, DialogueSession

# Chatham House: a not-for-attribution quote may carry its speaker's
# stakeholder role only where that many members of the exchange share it.
COMMON_ROLE_MIN = 5

# Consents under which words may appear in a published archive at all.
ARCHIVED_CONSENTS = (Attribution.NAMED, Attribution.NOT_FOR_ATTRIBUTION, Attribution.ANONYMOUS)

# The live room's stand-in name for anonymous words: one encoding of an event
# goes to every socket whatever its language, so it stays as it is here.
ANONYMOUS_LABEL = "Anonymous"
A_PARTICIPANT = gettext_lazy("A participant")
ROLE_LABELS = dict(StakeholderRole.choices)

# The fields of a room frame (or of its contribution) that hold someone's words.
WORD_FIELDS = ("text", "reflection")

# Events whose subject is a contribution (``SessionEvent.contribution``).
CONTRIBUTION_EVENTS = frozenset(
    {
        "contribution_added",
        "contribution_edited",
        "contribution_withdrawn",
        "consent_changed",
        "acknowledgement_added",
        "theme_tagged",
        "theme_untagged",
    }
)


class Audience(StrEnum):
    """Who a live frame is rendered for."""

    AUTHOR = "author"  # the speaker's own tabs
    ROOM = "room"  # everyone else present, facilitators included
    PROJECTOR = "projector"  # a shared screen: nobody's words


# --- Published surfaces --------------------------------------------------------------


@dataclass(frozen=True)
class Attributed:
    """Who said something, exactly as far as a surface may say it."""

    speaker: str = ""
    stakeholder_role: str = ""
    team: str = ""

    @property
    def line(self) -> str:
        """ "Name, role, team", "Role", "A participant" or "Anonymous"."""
        parts = [p for p in (self.speaker, self.stakeholder_role, self.team) if p]
        return ", ".join(parts) if parts else _("Anonymous")


def common_roles(*, exchange_id: int) -> frozenset[str]:
    """The stakeholder roles held by at least ``COMMON_ROLE_MIN`` people of the
    exchange (one query). Inactive accounts, such as the placeholder that keeps
    a departed member's words, are not people who could have said them."""
    rows = (
        Member.objects.filter(exchange_id=exchange_id, user__is_active=True)
        .values("stakeholder_role")
        .annotate(n=Count("pk"))
        .filter(n__gte=COMMON_ROLE_MIN)
        .values_list("stakeholder_role", flat=True)
    )
    return frozenset(rows)


def archive_attribution(*, consent: str, author: Member, common: frozenset[str]) -> Attributed:
    """Who said it, as every published surface may show it.

    ``author.team`` should be selected. ``common`` comes from
    ``common_roles`` for the author's exchange.
    """
    if consent == Attribution.NAMED:
        return Attributed(
            speaker=author.display_name,
            stakeholder_role=str(ROLE_LABELS.get(author.stakeholder_role, "")),
            team=str(author.team) if author.team_id else "",
        )
    if consent == Attribution.NOT_FOR_ATTRIBUTION:
        if author.stakeholder_role in common:
            return Attributed(stakeholder_role=str(ROLE_LABELS.get(author.stakeholder_role, "")))
        return Attributed(stakeholder_role=str(A_PARTICIPANT))
    return Attributed()


def groupable_consents(
    *, by: str, stakeholder_role: str = "", common: frozenset[str] = frozenset()
) -> tuple[Attribution, ...]:
    """The consents under which words may be counted or filtered under their
    speaker's ``team`` or ``role`` (``stakeholder_role`` being the one asked for).

    Only where the published row itself says as much: a count or a filter by
    team over not-for-attribution words would name the team the quote hides,
    and one over anonymous words would narrow who said them.
    """
    if by == "role" and stakeholder_role in common:
        return (Attribution.NAMED, Attribution.NOT_FOR_ATTRIBUTION)
    return (Attribution.NAMED,)


def words_language(*, language: str, author_shown: bool) -> str:
    """The language a surface may mark someone's words with (their ``lang``): "" for none.

    Only where the surface names who wrote them. The recorded language is the
    writer's page's, not detected from the text: on unnamed words it could
    narrow down who wrote them (the one person reading in Spanish, writing in
    English), so there the words take the page's language instead.
    """
    return language if author_shown else ""


def archive_groupable(*, consent: str, by: str, stakeholder_role: str, common: frozenset[str]) -> bool:
    """May these words be counted under their speaker's ``team`` or ``role``?"""
    return consent in groupable_consents(by=by, stakeholder_role=stakeholder_role, common=common)


def archive_shows_words(consent: str) -> bool:
    """Whether words given under ``consent`` may be read in a published archive."""
    return consent in ARCHIVED_CONSENTS


def archive_shows_round(consent: str) -> bool:
    """Whether a published row may say which go-around it was said in.

    Only named words: a round's turn counts by team and role (equity of voice)
    beside a round holding one unnamed quote would say whose it was.
    """
    return consent == Attribution.NAMED


def author_hidden_after(consent: str, *, was_hidden: bool) -> bool:
    """Whether the room may no longer know who said something, once its consent is ``consent``.

    Choosing anonymous hides the author; choosing to be named (on the record,
    or not for attribution, which names the speaker in the room) shows them
    again; moving words off the record changes nothing, so asking for more
    privacy never unmasks anyone.
    """
    if consent == Attribution.ANONYMOUS:
        return True
    if consent == Attribution.OFF_RECORD:
        return was_hidden
    return False


# --- The live room ---------------------------------------------------------------------


ANONYMOUS_MEMBER: dict[str, Any] = {
    "id": None,
    "display_name": ANONYMOUS_LABEL,
    "team": None,
    "stakeholder_role": None,
    "exchange_role": None,
}


def member_data(member: Member) -> dict[str, Any]:
    """A member as the room sees them (a MEMBER object); ``member.team`` should be selected."""
    team = member.team
    return {
        "id": member.pk,
        "display_name": member.display_name,
        "team": {"id": team.pk, "name": str(team)} if team is not None else None,
        "stakeholder_role": member.stakeholder_role,
        "exchange_role": member.exchange_role,
    }


@dataclass(frozen=True)
class Facts:
    """A contribution as it stands now: what every rendering is decided from."""

    id: int
    author_id: int
    consent: str
    hidden: bool  # the room may not know who said it (``author_hidden_after``)
    withdrawn: bool
    text: str
    author: dict[str, Any]  # MEMBER object of the speaker
    language: str = ""  # what the words were written in (``Contribution.language``)

    @classmethod
    def of(cls, contribution: Contribution) -> Facts:
        """``contribution.author.team`` should be selected."""
        return cls(
            id=contribution.pk,
            author_id=contribution.author_id,
            consent=contribution.consent,
            hidden=contribution.author_hidden,
            withdrawn=contribution.withdrawn_at is not None,
            text=contribution.text,
            author=member_data(contribution.author),
            language=contribution.language,
        )


def room_audience(*, viewer_id: int | None, projector: bool, facts: Facts | None) -> Audience:
    if projector:
        return Audience.PROJECTOR
    if facts is not None and viewer_id is not None and viewer_id == facts.author_id:
        return Audience.AUTHOR
    return Audience.ROOM


def hides_author(facts: Facts, audience: Audience) -> bool:
    """Anonymous words name nobody to anyone but their author, facilitators included."""
    return facts.hidden and audience != Audience.AUTHOR


def contribution_shape(facts: Facts, audience: Audience, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contribution object a live frame carries for this audience.

    ``extra`` holds the non-identifying fields (kind, reply_to, phase, acks,
    themes…) the caller has; text and author always come from ``facts``.
    """
    data = dict(extra or {})
    data["id"] = facts.id
    data["consent"] = facts.consent
    data["text"] = facts.text
    if hides_author(facts, audience):
        data["author"] = dict(ANONYMOUS_MEMBER)
        data["author_hidden"] = True
    else:
        data["author"] = facts.author
        data["author_hidden"] = False
    data["lang"] = words_language(language=facts.language, author_shown=not data["author_hidden"])
    return data


def _without_words(data: dict[str, Any]) -> dict[str, Any]:
    # ``reflection`` is words on an acknowledgement, a timer on reflection_started.
    return {k: v for k, v in data.items() if not (k in WORD_FIELDS and isinstance(v, str))}


def _bare(frame: dict[str, Any], *, keep_id: bool) -> dict[str, Any]:
    out: dict[str, Any] = {k: frame[k] for k in ("type", "seq", "event", "at") if k in frame}
    out["actor"] = None
    if keep_id and frame.get("contribution_id") is not None:
        out["contribution_id"] = frame["contribution_id"]
    return out


def render_event(
    frame: dict[str, Any], *, audience: Audience, facts: Facts | None, session_state: str, actor_id: int | None
) -> dict[str, Any]:
    """One stored room event as this audience may receive it now.

    ``frame`` is the stored event (``type``, ``seq``, ``event``, ``at`` and its
    payload); ``facts`` the current state of the contribution it is about, if
    any; ``actor_id`` who caused it.
    """
    name = frame.get("event")
    about_words = facts is not None or name in CONTRIBUTION_EVENTS
    if session_state == DialogueSession.State.CLOSED and name != "session_closed":
        # After close the live room shows no words to anyone, nor who held the
        # floor or a turn when: beside the archive's order that would name speakers.
        return _bare(frame, keep_id=False)
    if audience == Audience.PROJECTOR:
        if about_words:
            return _bare(frame, keep_id=False)
        return {**_without_words(frame), "actor": actor_id}
    if facts is None:
        if about_words:
            # A contribution since erased with its author (account deletion): nothing to show.
            return _bare(frame, keep_id=True)
        return {**frame, "actor": actor_id}
    if facts.withdrawn:
        # Withdrawn words are gone from every screen, and so is who said them.
        return _bare(frame, keep_id=True) | {"contribution_id": facts.id}
    out = dict(frame)
    hidden = hides_author(facts, audience)
    out["actor"] = None if hidden and actor_id == facts.author_id else actor_id
    if isinstance(out.get("contribution"), dict):
        out["contribution"] = contribution_shape(facts, audience, extra=out["contribution"])
    if name == "contribution_edited":
        out["text"] = facts.text
    if name == "consent_changed":
        out["consent"] = facts.consent
        out["author"] = dict(ANONYMOUS_MEMBER) if hidden else facts.author
        out["author_hidden"] = hidden
        # Words made anonymous lose their language on every other screen with their name.
        out["lang"] = words_language(language=facts.language, author_shown=not hidden)
    return out


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


def renderings(
    frame: dict[str, Any], *, facts: Facts | None, session_state: str, actor_id: int | None
) -> tuple[dict[str, str], int | None]:
    """Every encoding of a live event: ``{audience: json}`` and the author's member id.

    Audiences whose rendering is the same as the room's share its encoding, so
    an event costs at most three ``json.dumps`` however many sockets hear it.
    """
    room = render_event(frame, audience=Audience.ROOM, facts=facts, session_state=session_state, actor_id=actor_id)
    encoded = {Audience.ROOM.value: encode(room)}
    projector = render_event(
        frame, audience=Audience.PROJECTOR, facts=facts, session_state=session_state, actor_id=actor_id
    )
    encoded[Audience.PROJECTOR.value] = encoded[Audience.ROOM.value] if projector == room else encode(projector)
    author_id = None
    if facts is not None:
        author = render_event(
            frame, audience=Audience.AUTHOR, facts=facts, session_state=session_state, actor_id=actor_id
        )
        if author != room:
            encoded[Audience.AUTHOR.value] = encode(author)
            author_id = facts.author_id
    return encoded, author_id


def pick(encoded: dict[str, str], *, author_id: int | None, viewer_id: int | None, projector: bool) -> str:
    """The encoding one socket receives: a choice among a few, never a new rendering."""
    if projector:
        return encoded[Audience.PROJECTOR.value]
    if author_id is not None and viewer_id == author_id and Audience.AUTHOR.value in encoded:
        return encoded[Audience.AUTHOR.value]
    return encoded[Audience.ROOM.value]


def presence_shown(session_state: str) -> bool:
    """Whether the room is told who comes and goes: not after close, when
    every event already reaches the room bare (nothing says who was there when)."""
    return session_state != DialogueSession.State.CLOSED


def room_contributions_shown(session: DialogueSession) -> bool:
    """Whether the live room shows any words at all: only while the session is not closed."""
    return session.state != DialogueSession.State.CLOSED
