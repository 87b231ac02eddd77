"""/search/: stories and comments readers may see, by words, newest or most relevant first, in a region or all."""

from __future__ import annotations

from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Region
from rantboard.addresses import number_from

from . import queries


@require_safe
def search(request):
    typed = request.GET.get("q", "")
    query, cut = queries.clean_query(typed)
    regions = Region.objects.nav()
    region = None  # every region
    if typed_region := request.GET.get("region"):
        region = number_from(typed_region, digits=18)
        if region is None and slug_re.fullmatch(typed_region):  # as its address spells it (/region/europe/)
            region = Region.objects.filter(slug=typed_region).values_list("pk", flat=True).first()
        if region not in {r.pk for r in regions}:
            raise Http404("No such region.")
    order = "relevant" if request.GET.get("order") == "relevant" else "new"
    page = number_from(request.GET.get("page", "1"), digits=18)
    if page is None or not 1 <= page <= queries.MAX_PAGES:
        raise Http404("No such page.")  # as on the lists of stories (articles.views.StoryListView)
    too_broad = False
    try:
        hits, has_next = queries.search(query, region=region, order=order, page=page) if query else ([], False)
    except queries.TooBroad:
        hits, has_next, too_broad = [], False, True
    context = {
        "query": query,
        "cut": cut,
        "region": region,
        "regions": regions,
        "order": order,
        "page": page,
        "hits": hits,
        "has_next": has_next and page < queries.MAX_PAGES,
        "max_query_chars": queries.MAX_QUERY_CHARS,
        "too_broad": too_broad,
    }
    response = render(request, "search/results.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
