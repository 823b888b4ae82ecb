"""factory_boy factories for the domain, shared by every test package."""

import datetime as dt

import factory
from django.utils import timezone

from exchanges.models import Exchange, Meeting, Team
from participants.models import ExchangeRole, Member, StakeholderRole, User
from sessions.models import DialogueSession, Phase


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exchange

    title = factory.Sequence(lambda n: f"Safe Communities Exchange {n}")
    convening_organisation = "Civic Learning Foundation"
    time_zone = "America/New_York"
    status = Exchange.Status.ACTIVE
    purpose = "How communities and police work through mutual mistrust."


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    exchange = factory.SubFactory(ExchangeFactory)
    community_name = factory.Sequence(lambda n: f"Riverton {n}")
    state_region = "OH"
    locale_type = Team.LocaleType.URBAN


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    exchange = factory.SubFactory(ExchangeFactory)
    user = factory.SubFactory(UserFactory)
    exchange_role = ExchangeRole.PARTICIPANT
    stakeholder_role = StakeholderRole.COMMUNITY_LEADER
    team = factory.LazyAttribute(lambda m: TeamFactory(exchange=m.exchange))
    display_name = factory.Sequence(lambda n: f"Member {n}")
    time_zone = "America/Chicago"
    consented_at = factory.LazyFunction(timezone.now)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    exchange = factory.SubFactory(ExchangeFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Meeting {n + 1}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + dt.timedelta(hours=6))
    time_zone = "America/New_York"
    mode = Meeting.Mode.IN_PERSON
    place = "Community Hall, 1 Main Street"


class DialogueSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DialogueSession

    meeting = factory.SubFactory(MeetingFactory)
    title = "Morning session"
    question = "What is one thing you've been trying to do to improve trust, and what have you learned from it?"
    guiding_prompts = "What have you tried?\nWhy?\nHow is it working?\nWhat are you learning?\nWhat next?"
    planned_start = factory.LazyAttribute(lambda s: s.meeting.starts_at)
    planned_end = factory.LazyAttribute(lambda s: s.meeting.starts_at + dt.timedelta(hours=3))


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    session = factory.SubFactory(DialogueSessionFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Phase {n + 1}")
    planned_minutes = 30


AGENDA = ("Opening round", "Stories", "Closing")


def session_with_agenda(meeting: Meeting, phases=AGENDA, **kwargs) -> DialogueSession:
    """A session of ``meeting`` with a 30-minute phase for each title, in order."""
    session = DialogueSessionFactory(meeting=meeting, **kwargs)
    for order, title in enumerate(phases, start=1):
        PhaseFactory(session=session, order=order, title=title, planned_minutes=30)
    return session
