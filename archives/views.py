"""Archive pages and exports: thin views that find the reader's place, call a
selector or service, log the access and render.

Anyone outside the exchange, or a participant asking for a session they were
not in, gets 404; a member whose role does not reach a page (equity,
follow-through, the access log, publishing, shaping themes) gets 403. Every
reading and export is written to the access log.
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import ChoiceField, Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.selectors import member_get_or_404
from participants.models import Member
from sessions import limits
from sessions.models import DialogueSession

from . import charts, exports, permissions, selectors, services
from .forms import (
    ArchiveFilterForm,
    ConsentForm,
    FollowThroughForm,
    ThemeCreateForm,
    ThemeMergeForm,
    ThemeRenameForm,
    WindowForm,
)
from .models import ArchiveAccess

What = ArchiveAccess.What


def _log(
    request: HttpRequest, member: Member, *, what: str, session: DialogueSession | None = None, query: str = ""
) -> None:
    assert request.user.is_authenticated  # every archive page is login_required
    services.archive_access_record(
        user=request.user,
        member=member,
        exchange_id=member.exchange_id,
        session_id=session.pk if session is not None else None,
        what=what,
        query=query,
    )


def _require_holder(member: Member) -> None:
    if not permissions.holds_archive(member):
        raise PermissionDenied(_("Only the exchange's conveners and facilitators read this."))


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- A session's transcript -----------------------------------------------------------


@login_required
def archive_transcript(request: HttpRequest, session_id: int) -> HttpResponse:
    """A published session's words in order, grouped by phase and round, attributed per consent.

    Before publication its future readers get a page saying so and when it may
    be (a 404 all the same: there is no transcript yet); anyone else is refused
    as before.
    """
    try:
        transcript = selectors.transcript_get(
            session_id=session_id, user=request.user, page_number=request.GET.get("page")
        )
    except Http404:
        pending = selectors.pending_archive_get_for_user(session_id=session_id, user=request.user)
        return render(
            request,
            "archives/not_published.html",
            {
                "pending": pending,
                "session": pending.session,
                "exchange": pending.session.meeting.exchange,
                "member": pending.member,
            },
            status=404,
        )
    _log(request, transcript.member, what=What.TRANSCRIPT, session=transcript.session)
    return render(
        request,
        "archives/transcript.html",
        {
            "transcript": transcript,
            "session": transcript.session,
            "exchange": transcript.session.meeting.exchange,
            "member": transcript.member,
            "holds_archive": permissions.holds_archive(transcript.member),
            "formats": list(exports.FORMATS),
        },
    )


# --- Review and publication ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def archive_review(request: HttpRequest, session_id: int) -> HttpResponse:
    """Each member's own words of a closed session, to re-attribute, redact and release;
    facilitators also see who has released and may publish."""
    session, member = selectors.archived_session_get_for_user(session_id=session_id, user=request.user, published=False)
    review = services.archive_review_open(session=session)
    if request.method == "POST":
        return _review_action(request, session=session, member=member)
    holder = permissions.holds_archive(member)
    state = selectors.review_state(review=review) if review is not None else None
    own = selectors.own_reviewable(session=session, member=member) if review is not None else []
    released = review is not None and review.releases.filter(member=member).exists()
    if holder:
        # A member reviewing their own words reads nobody's; logging it would
        # tell the log's readers who has words in the session.
        _log(request, member, what=What.REVIEW, session=session)
    return render(
        request,
        "archives/review.html",
        {
            "session": session,
            "exchange": session.meeting.exchange,
            "member": member,
            "review": review,
            "state": state if holder else None,
            "own": [(c, ConsentForm(initial={"consent": c.consent}, prefix=f"c{c.pk}")) for c in own],
            "released": released,
            "window_open": review is not None
            and not review.is_published
            and state is not None
            and not state.window_over,
            "holder": holder,
            "window_form": WindowForm(initial={"days": (review.closes_at - review.opens_at).days}) if review else None,
        },
    )


def _review_action(request: HttpRequest, *, session: DialogueSession, member: Member) -> HttpResponse:
    action = request.POST.get("action", "")
    here = reverse("archive_review", args=[session.pk])
    try:
        if action == "consent":
            contribution_id = int(request.POST.get("contribution_id", "0"))
            form: Form = ConsentForm(request.POST, prefix=f"c{contribution_id}")
            if not form.is_valid():
                raise ValidationError(_("Choose how these words may be attributed."))
            seq = services.review_consent_change(
                contribution_id=contribution_id, member=member, consent=form.cleaned_data["consent"]
            )
            messages.success(request, _("Attribution changed.") if seq else _("Attribution unchanged."))
        elif action == "redact":
            # Redaction is for good: only the second, confirming step does it.
            if request.POST.get("confirm") != "1":
                raise ValidationError(_("Confirm the redaction first: it removes these words for good."))
            services.review_redact(contribution_id=int(request.POST.get("contribution_id", "0")), member=member)
            messages.success(request, _("Those words are redacted: removed from the archive for good."))
        elif action == "release":
            services.review_release(session_id=session.pk, member=member)
            messages.success(request, _("Thank you: your words are released for publication."))
        elif action == "window":
            form = WindowForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("A review window lasts from 1 to 60 days."))
            services.archive_review_set_window(session_id=session.pk, member=member, days=form.cleaned_data["days"])
            messages.success(request, _("Review window changed."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValueError:
        messages.error(request, _("That request was not understood."))
    except ValidationError as error:
        _errors(request, error)
    return redirect(here)


@login_required
@require_POST
def archive_publish(request: HttpRequest, session_id: int) -> HttpResponse:
    """Publish a session's archive: early once everyone has released, or after the window."""
    session, member = selectors.archived_session_get_for_user(session_id=session_id, user=request.user, published=False)
    if not permissions.can_publish(member):
        raise PermissionDenied(_("Only facilitators and conveners publish an archive."))
    try:
        services.archive_publish(session_id=session.pk, member=member)
    except ValidationError as error:
        _errors(request, error)
        return redirect("archive_review", session.pk)
    messages.success(request, _("The archive is published."))
    return redirect("archive_transcript", session.pk)


# --- The exchange's archive, search and filters -----------------------------------------------


@login_required
def archive_exchange(request: HttpRequest, exchange_id: int) -> HttpResponse:
    """Every meeting and session with its archive state; search and filters over the words."""
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    form = ArchiveFilterForm(request.GET or None, exchange_id=exchange_id)
    filters = form.filters()
    page, rows = selectors.search_page(member=member, filters=filters, page_number=request.GET.get("page"))
    _log(request, member, what=What.SEARCH if filters.active else What.EXCHANGE, query=filters.as_query())
    return render(
        request,
        "archives/exchange.html",
        {
            "exchange": member.exchange,
            "member": member,
            "holder": permissions.holds_archive(member),
            "convener": permissions.can_read_access_log(member),
            "sessions": selectors.session_list_for_member(member=member),
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": filters.as_query(),
            "formats": list(exports.FORMATS),
        },
    )


# --- Exports ----------------------------------------------------------------------------------------


def _export_response(
    rows: list[selectors.ArchiveRow], *, fmt: str, title: str, scope: dict[str, Any], filename: str
) -> HttpResponse:
    if fmt == "csv":
        body = exports.to_csv(rows)
    elif fmt == "json":
        body = exports.to_json(rows, title=title, scope=scope)
    else:
        body = exports.to_markdown(rows, title=title)
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
def archive_export(
    request: HttpRequest, fmt: str, session_id: int | None = None, exchange_id: int | None = None
) -> HttpResponse:
    """A session's transcript, or the exchange's filtered archive, as CSV, JSON or Markdown."""
    if fmt not in exports.FORMATS:
        raise Http404("No such format.")
    if session_id is not None:
        session, member = selectors.archived_session_get_for_user(session_id=session_id, user=request.user)
        contributions = selectors.archived_contributions(
            member=member, sessions=DialogueSession.objects.filter(pk=session.pk)
        )
        rows = selectors.export_rows(member=member, contributions=contributions)
        _log(request, member, what=What.EXPORT, session=session, query=f"format={fmt}")
        title = _("Meeting %(number)s: %(title)s") % {"number": session.meeting.number, "title": session.title}
        return _export_response(
            rows,
            fmt=fmt,
            title=title,
            scope={"session_id": session.pk, "question": session.question},
            filename=f"session-{session.pk}-{slugify(session.title)[:40]}",
        )
    assert exchange_id is not None  # the URL gives a session or an exchange
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    form = ArchiveFilterForm(request.GET or None, exchange_id=exchange_id)
    filters = form.filters()
    rows = selectors.search_export_rows(member=member, filters=filters)
    query = filters.as_query()
    _log(request, member, what=What.EXPORT, query=f"format={fmt}" + (f"&{query}" if query else ""))
    return _export_response(
        rows,
        fmt=fmt,
        title=member.exchange.title,
        scope={"exchange_id": member.exchange_id, "filters": query},
        filename=f"exchange-{member.exchange_id}-archive",
    )


# --- Themes ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def archive_themes(request: HttpRequest, exchange_id: int) -> HttpResponse:
    """The exchange's themes with how many quotes each has; conveners and
    facilitators add, rename and merge them."""
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    manager = permissions.can_manage_themes(member)
    if request.method == "POST":
        if not manager:
            raise PermissionDenied(_("Only conveners and facilitators shape the exchange's themes."))
        return _theme_action(request, member=member, exchange_id=exchange_id)
    themes = selectors.themes_list(member=member)
    _log(request, member, what=What.THEMES)
    return render(
        request,
        "archives/themes.html",
        {
            "exchange": member.exchange,
            "member": member,
            "themes": themes,
            "manager": manager,
            "create_form": ThemeCreateForm(),
            "merge_form": ThemeMergeForm(exchange_id=exchange_id) if manager else None,
        },
    )


def _theme_action(request: HttpRequest, *, member: Member, exchange_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "create":
            form: Form = ThemeCreateForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("A theme name has 1 to %(max)s characters.") % {"max": limits.THEME_NAME_MAX})
            theme = services.exchange_theme_create(
                exchange_id=exchange_id, member=member, name=form.cleaned_data["name"]
            )
            messages.success(request, _("Theme “%(name)s” is ready.") % {"name": theme.name})
        elif action == "rename":
            form = ThemeRenameForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("A theme name has 1 to %(max)s characters.") % {"max": limits.THEME_NAME_MAX})
            theme = services.theme_rename(
                theme_id=int(request.POST.get("theme_id", "0")), member=member, name=form.cleaned_data["name"]
            )
            messages.success(request, _("Theme renamed to “%(name)s”.") % {"name": theme.name})
        elif action == "merge":
            form = ThemeMergeForm(request.POST, exchange_id=exchange_id)
            if not form.is_valid():
                raise ValidationError(_("Choose two themes to merge."))
            theme = services.theme_merge(
                source_id=form.cleaned_data["source"].pk, target_id=form.cleaned_data["target"].pk, member=member
            )
            messages.success(request, _("Merged into “%(name)s”.") % {"name": theme.name})
        else:
            raise ValidationError(_("Unknown action."))
    except ValueError:
        messages.error(request, _("That request was not understood."))
    except ValidationError as error:
        _errors(request, error)
    return redirect("archive_themes", exchange_id)


@login_required
def archive_theme(request: HttpRequest, theme_id: int) -> HttpResponse:
    """One theme's quotes across meetings and sessions, attributed per consent."""
    theme, member = selectors.theme_get_for_user(theme_id=theme_id, user=request.user)
    page, rows = selectors.theme_quotes(theme=theme, member=member, page_number=request.GET.get("page"))
    _log(request, member, what=What.THEME, query=f"theme={theme.pk}")
    return render(
        request,
        "archives/theme.html",
        {
            "exchange": theme.exchange,
            "member": member,
            "theme": theme,
            "page": page,
            "rows": rows,
            "manager": permissions.can_manage_themes(member),
            "rename_form": ThemeRenameForm(initial={"name": theme.name}),
        },
    )


# --- Equity of voice ----------------------------------------------------------------------------------


def _equity_context(equity: selectors.Equity) -> dict[str, Any]:
    return {
        "equity": equity,
        "role_chart": charts.bar_chart(equity.by_role),
        "team_chart": charts.bar_chart(equity.by_team),
        "small_cell": selectors.SMALL_CELL,
    }


@login_required
def archive_equity(request: HttpRequest, session_id: int) -> HttpResponse:
    """Whose voices were heard in one session, by stakeholder role and by team."""
    session, member = selectors.archived_session_get_for_user(session_id=session_id, user=request.user)
    _require_holder(member)
    equity = selectors.equity_get(member=member, sessions=DialogueSession.objects.filter(pk=session.pk))
    _log(request, member, what=What.EQUITY, session=session)
    context = {
        "exchange": session.meeting.exchange,
        "session": session,
        "member": member,
        "drill_base": f"session={session.pk}",
        **_equity_context(equity),
    }
    return render(request, "archives/equity.html", context)


@login_required
def archive_exchange_equity(request: HttpRequest, exchange_id: int) -> HttpResponse:
    """Whose voices were heard across every published session of the exchange."""
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    _require_holder(member)
    equity = selectors.equity_get(member=member, sessions=selectors.visible_sessions(member=member))
    _log(request, member, what=What.EQUITY)
    context = {
        "exchange": member.exchange,
        "session": None,
        "member": member,
        "drill_base": "",
        **_equity_context(equity),
    }
    return render(request, "archives/equity.html", context)


# --- Across meetings -----------------------------------------------------------------------------------


@login_required
def archive_followthrough(request: HttpRequest, exchange_id: int) -> HttpResponse:
    """A theme or question from meeting 1 to N by team; commitments and their check-ins."""
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    _require_holder(member)
    questions = selectors.followthrough_get(member=member).questions if request.GET else None
    form = FollowThroughForm(
        request.GET or None,
        exchange_id=exchange_id,
        questions=questions if questions is not None else [],
    )
    theme, question = None, ""
    if request.GET and form.is_valid():
        theme = form.cleaned_data.get("theme")
        question = form.cleaned_data.get("question") or ""
    data = selectors.followthrough_get(member=member, theme=theme, question=question)
    if questions is None:
        question_field = cast(ChoiceField, form.fields["question"])
        question_field.choices = [("", _("Every question")), *[(q, q) for q in data.questions]]
    _log(request, member, what=What.FOLLOWTHROUGH, query=request.GET.urlencode()[:500])
    rows = []
    for team in data.teams:
        counts = data.words.get(str(team.pk), {})
        rows.append({"label": str(team), "counts": [counts.get(m.number, 0) for m in data.meetings]})
    if "" in data.words:
        rows.append({"label": _("No team"), "counts": [data.words[""].get(m.number, 0) for m in data.meetings]})
    anonymous = [data.anonymous_words.get(m.number, 0) for m in data.meetings]
    return render(
        request,
        "archives/followthrough.html",
        {
            "exchange": member.exchange,
            "member": member,
            "form": form,
            "data": data,
            "rows": rows,
            "anonymous": anonymous if any(anonymous) else None,
            "theme": theme,
            "question": question,
        },
    )


# --- The access log --------------------------------------------------------------------------------------


@login_required
def archive_access_log(request: HttpRequest, exchange_id: int) -> HttpResponse:
    """Who read or exported what, newest first: for conveners."""
    member = member_get_or_404(user=request.user, exchange_id=exchange_id)
    if not permissions.can_read_access_log(member):
        raise PermissionDenied(_("Only the exchange's conveners read the access log."))
    _log(request, member, what=What.ACCESS_LOG)
    page = selectors.access_log_page(exchange=member.exchange, page_number=request.GET.get("page"))
    return render(request, "archives/access_log.html", {"exchange": member.exchange, "member": member, "page": page})
