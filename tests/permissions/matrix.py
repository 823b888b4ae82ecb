"""Who may open what: the expected answer for every URL and every live-room
action, for every kind of visitor. ONE table; ``test_matrix.py`` checks it
against the running app and fails when a URL or action has no row here.

Roles (columns):
  anonymous    not signed in
  outsider     signed in, a member of another exchange
  staff        Django ``is_staff``, not a member: staff work in the Django
               admin only; exchange pages follow membership, so staff get 404
  participant, scribe, facilitator, convener   members of the exchange

Keys are URL names; a name routed twice (one view for a session and for an
exchange) has one row per route, keyed ``name(param,param)``.

Statuses: an HTTP status code, or LOGIN (302 to the sign-in page). For
per-person secret links the row gives the answer to the valid link and,
in ``wrong``, the answer to a tampered one (for everyone).

House rules the table encodes: nobody outside an exchange learns it exists
(404); members without a managing role may read but not change (403);
anything that changes state is POST.
"""

from dataclasses import dataclass, field

LOGIN = "login"


@dataclass(frozen=True)
class Row:
    why: str
    expect: dict
    method: str = "GET"
    secret: str | None = None  # which per-person secret the URL's token is
    wrong: int | None = None  # answer to a tampered secret
    objects: dict = field(default_factory=dict)  # URL parameter -> world parameter


def roles(anonymous, outsider, staff, participant, scribe, facilitator, convener) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "staff": staff,
        "participant": participant,
        "scribe": scribe,
        "facilitator": facilitator,
        "convener": convener,
    }


EVERYONE = roles(200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = roles(LOGIN, 200, 200, 200, 200, 200, 200)
MEMBERS = roles(LOGIN, 404, 404, 200, 200, 200, 200)
MANAGERS = roles(LOGIN, 404, 404, 403, 403, 200, 200)
# Member pages that 404 (not 403) for non-managers: the selector hides them.
MANAGERS_HIDDEN = roles(LOGIN, 404, 404, 404, 404, 200, 200)
# Published session archives: holders, and the members who were in the session
# (the participant spoke in it; the scribe was not there).
WERE_THERE = roles(LOGIN, 404, 404, 200, 404, 200, 200)
OWNER = roles(LOGIN, 404, 404, 200, 404, 404, 404)  # the participant's own commitment


HTTP: dict[str, Row] = {
    # --- Service and accounts ---------------------------------------------------------
    "healthz": Row("load balancers poll it; says nothing about anyone", EVERYONE),
    "javascript_catalog": Row("the scripts' strings in the reader's language: public, like static files", EVERYONE),
    "language_set": Row(
        "POST only; a language that is not offered is refused", roles(400, 400, 400, 400, 400, 400, 400), "POST"
    ),
    "favicon": Row("browsers ask for it on their own; sent on to the icon", roles(301, 301, 301, 301, 301, 301, 301)),
    "login": Row("signed-in people are sent on to their exchanges", roles(200, 302, 302, 302, 302, 302, 302)),
    "logout": Row(
        "POST only, so a link or image cannot sign anyone out", roles(302, 302, 302, 302, 302, 302, 302), "POST"
    ),
    # --- Exchanges, teams, meetings, sessions --------------------------------------------
    "exchange_list": Row("each person sees only their own exchanges", SIGNED_IN),
    "exchange_create": Row("anyone signed in may start an exchange and convene it", SIGNED_IN),
    "exchange_detail": Row("the exchange hub, for its members", MEMBERS),
    "exchange_edit": Row("purpose, status, recording terms", MANAGERS),
    "exchange_composition": Row("team × stakeholder-role matrix, shared knowledge", MEMBERS),
    "team_create": Row("set up teams", MANAGERS),
    "team_edit": Row("", MANAGERS),
    "meeting_create": Row("schedule the series", MANAGERS),
    "meeting_detail": Row("time, place, sessions", MEMBERS),
    "meeting_edit": Row("", MANAGERS),
    "meeting_cancel": Row("", MANAGERS),
    "session_create": Row("question, prompts and agenda", MANAGERS),
    "session_edit": Row("a scheduled session's plan", MANAGERS),
    # --- People ----------------------------------------------------------------------
    "member_list": Row("names, emails and invitation states: organisers only", MANAGERS),
    "invitation_create": Row("", MANAGERS),
    "invitations_bulk": Row("", MANAGERS),
    "invitation_revoke": Row("POST only", roles(LOGIN, 404, 404, 403, 403, 302, 302), "POST"),
    "invitation_resend": Row("POST only", roles(LOGIN, 404, 404, 403, 403, 302, 302), "POST"),
    "member_edit": Row("someone else's team and roles", MANAGERS),
    "member_edit_self": Row("your own name, pronouns, time zone", MEMBERS),
    "exchange_series": Row("who came to which meeting: continuity is shared", MEMBERS),
    "meeting_rsvp": Row("POST only; your own answer", roles(LOGIN, 404, 404, 302, 302, 302, 302), "POST"),
    "meeting_attendance": Row("marked by the people running the meeting", MANAGERS),
    "my_schedule": Row("your own meetings", SIGNED_IN),
    "calendar_token_reset": Row("POST only; rotates your own feed", roles(LOGIN, 302, 302, 302, 302, 302, 302), "POST"),
    "calendar_feed": Row(
        "the secret in the address is the only key (the participant's feed)", EVERYONE, secret="calendar", wrong=404
    ),
    "invitation_accept": Row(
        "the link is the key; a signed-in person is told it was sent to someone else",
        roles(200, 403, 403, 403, 403, 403, 403),
        secret="invitation",
        wrong=404,
    ),
    # --- Between meetings ---------------------------------------------------------------
    "exchange_outbox": Row("who was emailed what", MANAGERS),
    "exchange_checkins": Row("answers that open the next meeting", MANAGERS),
    "meeting_reminders": Row("reminder offsets", MANAGERS),
    "reminders_unsubscribe": Row(
        "one-click opt-out from an email; no sign-in (RFC 8058)", EVERYONE, secret="unsubscribe", wrong=400
    ),
    "checkin_answer": Row("answer a check-in from the emailed link", EVERYONE, secret="checkin", wrong=403),
    "commitment_checkin": Row("only the person who made the commitment, even for facilitators", OWNER),
    # --- The live room pages ----------------------------------------------------------
    "session_room": Row("every member may join the room", MEMBERS),
    "session_console": Row("the controls that run the room", MANAGERS),
    "session_projector": Row("a shared screen: nothing private on it", MEMBERS),
    # --- Archives (nothing before publication but your own words, on the review page) ---
    "archive_transcript": Row(
        "a published session, for those who were in it", WERE_THERE, objects={"session_id": "archived_session_id"}
    ),
    "archive_review": Row(
        "each member reviews their own words in the window", MEMBERS, objects={"session_id": "review_session_id"}
    ),
    "archive_publish": Row(
        "POST only; early publication waits for every release",
        roles(LOGIN, 404, 404, 403, 403, 302, 302),
        "POST",
        objects={"session_id": "review_session_id"},
    ),
    "archive_equity": Row(
        "whose voices were heard: holders (the scribe was not in the session: 404 first)",
        roles(LOGIN, 404, 404, 403, 404, 200, 200),
        objects={"session_id": "archived_session_id"},
    ),
    "archive_export(fmt,session_id)": Row(
        "a session's transcript as a file", WERE_THERE, objects={"session_id": "archived_session_id"}
    ),
    "archive_export(exchange_id,fmt)": Row("the rows this member may read, as a file", MEMBERS),
    "archive_exchange": Row("sessions, search and filters over what the member may read", MEMBERS),
    "archive_themes": Row("themes with quote counts; holders shape them (POST)", MEMBERS),
    "archive_theme": Row("one theme's quotes, per consent", MEMBERS),
    "archive_exchange_equity": Row("equity of voice across the exchange", MANAGERS),
    "archive_followthrough": Row("commitments and check-ins across the exchange", MANAGERS),
    "archive_access_log": Row("who read whose words: conveners only", roles(LOGIN, 404, 404, 403, 403, 403, 200)),
    # --- Your own data ------------------------------------------------------------------
    "my_data": Row("what is held about you; no page takes an id", SIGNED_IN),
    "my_data_export": Row("your own data only", SIGNED_IN),
    "my_account_delete": Row("confirmation form (the POST needs your password)", SIGNED_IN),
}


# --- The live room ---------------------------------------------------------------------
# Connecting: anonymous, outsider and staff are refused with close code 4403
# (staff follow membership here too); members get ``hello``.
CONNECT = {"anonymous": 4403, "outsider": 4403, "staff": 4403}

OK, FORBIDDEN = "ok", "forbidden"


def ws(participant, scribe, facilitator, convener) -> dict:
    return {"participant": participant, "scribe": scribe, "facilitator": facilitator, "convener": convener}


ALL = ws(OK, OK, OK, OK)
CAPTURERS = ws(FORBIDDEN, OK, OK, OK)
RUNNERS = ws(FORBIDDEN, FORBIDDEN, OK, OK)

WS: dict[str, dict] = {
    # Everyone in the room: speak, listen, reflect, ask for a pause.
    "contribute": ALL,
    "contribution_edit": ALL,  # own words
    "contribution_withdraw": ALL,  # own words (facilitators: anyone's)
    "consent_set": ALL,  # own words only
    "acknowledge": ALL,  # someone else's words
    "hand_raise": ALL,
    "hand_lower": ALL,  # own hand
    "turn_done": ALL,  # when holding the talking piece
    "turn_pass": ALL,
    "note_save": ALL,  # private
    "note_share": ALL,
    "pause_request": ALL,  # private, to facilitators
    "commitment_set": ALL,  # closing phase
    "resume": ALL,
    "heartbeat": ALL,
    # Scribes write down what someone said aloud.
    "capture": CAPTURERS,
    # Facilitators and conveners run the room.
    "session_open": RUNNERS,
    "session_close": RUNNERS,
    "phase_advance": RUNNERS,
    "phase_set": RUNNERS,
    "pause": RUNNERS,
    "resume_room": RUNNERS,
    "queue_call_next": RUNNERS,
    "queue_reorder": RUNNERS,
    "queue_clear": RUNNERS,
    "round_start": RUNNERS,
    "turn_skip": RUNNERS,
    "turn_extend": RUNNERS,
    "round_end": RUNNERS,
    "reflection_start": RUNNERS,
    "reflection_end": RUNNERS,
    "theme_create": RUNNERS,
    "theme_tag": RUNNERS,
    "theme_untag": RUNNERS,
    "signal_dismiss": RUNNERS,
}
