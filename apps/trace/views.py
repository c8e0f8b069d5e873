from django.shortcuts import render

from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404
from apps.trace.models import Trace

PAGE_SIZE = 50


@team_permission_required("trace.view_trace")
def trace_list(request, team_slug: str):
    traces = Trace.objects.filter(team=request.team).select_related("pipeline")[:PAGE_SIZE]
    return render(request, "trace/trace_list.html", {"traces": traces})


@team_permission_required("trace.view_trace")
def trace_detail(request, team_slug: str, pk: int):
    trace = get_team_object_or_404(Trace.objects.select_related("pipeline"), request.team, pk=pk)
    return render(request, "trace/trace_detail.html", {"trace": trace, "spans": trace.spans.all()})
