"""/search/: stories and comments readers may see, by words, newest or most relevant first, in a region or all."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Region

from . import queries


@require_safe
def search(request):
    typed = request.GET.get("q", "")
    query, cut = queries.clean_query(typed)
    regions = Region.objects.nav()
    region = request.GET.get("region", "")
    region = int(region) if region.isdigit() and int(region) in {r.pk for r in regions} else None
    order = "relevant" if request.GET.get("order") == "relevant" else "new"
    page = request.GET.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= queries.MAX_PAGES else 1
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
