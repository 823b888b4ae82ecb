"""The frame table in sessions/protocol.py is the one place that says which
service a frame calls and who may send it: the consumer dispatches from it and
the permissions are derived from it."""

import inspect

import pytest

from sessions import permissions, protocol, services
from sessions.protocol import FRAMES


@pytest.mark.parametrize("frame_type", sorted(t for t, f in FRAMES.items() if f.service))
def test_every_frame_names_a_service_that_takes_its_fields(frame_type):
    """A frame's service exists and accepts the session, the member and every
    field of the frame, under its renamed name where the table renames it."""
    frame = FRAMES[frame_type]
    parameters = inspect.signature(getattr(services, frame.service)).parameters
    wanted = {"session_id", "member"} | {frame.renamed.get(name, name) for name in frame.fields}
    assert wanted <= set(parameters), wanted - set(parameters)
    for name, (_check, required) in frame.fields.items():
        if not required:
            # A field a client may leave out is optional in the service too.
            assert parameters[frame.renamed.get(name, name)].default is not inspect.Parameter.empty


def test_frames_without_a_service_are_answered_by_the_consumer_and_open_to_anyone():
    """Only resume and heartbeat have no service; the projector may send exactly those."""
    assert {t for t, f in FRAMES.items() if f.service is None} == {"resume", "heartbeat"}
    assert permissions.PROJECTOR_ACTIONS == {"resume", "heartbeat"}


def test_roles_include_what_the_roles_below_them_may_send():
    assert permissions.PROJECTOR_ACTIONS < permissions.PARTICIPANT_ACTIONS
    assert permissions.PARTICIPANT_ACTIONS < permissions.SCRIBE_ACTIONS < permissions.FACILITATOR_ACTIONS
    assert permissions.FACILITATOR_ACTIONS == set(FRAMES)
    assert {FRAMES[t].role for t in FRAMES} <= set(protocol.ROLE_ORDER)


def test_service_kwargs_pass_only_the_fields_present_renamed():
    frame = FRAMES["hand_raise"]
    assert frame.service_kwargs({"type": "hand_raise", "kind": "new", "reply_to": 7, "extra": 1}) == {
        "kind": "new",
        "reply_to_id": 7,
    }
    assert frame.service_kwargs({"type": "hand_raise", "kind": "new", "reply_to": None}) == {"kind": "new"}
