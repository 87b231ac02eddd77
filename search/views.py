"""/search/: stories and comments readers may see, by words, newest or most relevant first, in a region or all."""

from __future__ import annotations

from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Region

from . import queries


@require_safe
def search(request):
    typed = request.GET.get("q", "")
    query, cut = queries.clean_query(typed)
    regions = Region.objects.nav()
    region = None  # every region
    if typed_region := request.GET.get("region"):
        region = _number(typed_region)
        if region is None and slug_re.fullmatch(typed_region):  # as its address spells it (/region/europe/)
            region = Region.objects.filter(slug=typed_region).values_list("pk", flat=True).first()
        if region not in {r.pk for r in regions}:
            raise Http404("No such region.")
    order = "relevant" if request.GET.get("order") == "relevant" else "new"
    page = _number(request.GET.get("page", "1"))
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


def _number(text: str) -> int | None:
    """A parameter's whole number in ASCII digits, or None: int() takes "٣" and " 3" but fails on "²" and on a
    number of thousands of digits, which no page or region has."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
