from django.http import Http404
from django.shortcuts import render

from apps.chat.models import ChatMessage
from apps.teams.decorators import team_permission_required
from apps.trace.models import Trace
from apps.trace.writer import is_reserved

PAGE_SIZE = 50
WAIT_FOR_WRITE_SECONDS = 10


@team_permission_required("trace.view_trace")
def trace_list(request, team_slug: str):
    traces = Trace.objects.filter(team=request.team).select_related("pipeline")[:PAGE_SIZE]
    return render(request, "trace/trace_list.html", {"traces": traces})


@team_permission_required("trace.view_trace")
def trace_detail(request, team_slug: str, pk: int):
    trace = Trace.objects.select_related("pipeline").filter(team=request.team, pk=pk).first()
    if trace is None:
        # A chat reply's trace is written moments after the reply (apps.trace.writer): a trace link
        # followed at once finds nothing yet. Wait for it a little, page refreshing, before a 404,
        # when one of this team's replies names it: nothing is told of other teams' traces.
        waited = _whole_number(request.GET.get("waited"))
        if waited < WAIT_FOR_WRITE_SECONDS and is_reserved(pk) and _named_by_a_reply(request.team, pk):
            return render(request, "trace/trace_pending.html", {"trace_id": pk, "waited": waited + 1})
        raise Http404("No such trace")
    return render(request, "trace/trace_detail.html", {"trace": trace, "spans": trace.spans.all()})


def _named_by_a_reply(team, trace_id: int) -> bool:
    return ChatMessage.objects.filter(team=team, metadata__trace_id=trace_id).exists()


def _whole_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 4 else 0
