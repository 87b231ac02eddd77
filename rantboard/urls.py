from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles import sitemaps as article_sitemaps
from articles.views import favicon, robots_txt
from rantboard import health
from rantboard.admin_login import throttled_login

admin.site.site_header = f"{settings.SITE_NAME} editors"
admin.site.site_title = f"{settings.SITE_NAME} editors"
admin.site.index_title = "The newsroom"
# The navigation sidebar takes a third of a 1280-wide laptop screen from every list and form; the front page lists
# the same links, and the breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path(f"{settings.ADMIN_URL}login/", throttled_login, name="admin_login"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("livez", health.livez, name="livez"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", favicon, name="favicon"),
    path("sitemap.xml", article_sitemaps.index, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        article_sitemaps.section,
        {"sitemaps": article_sitemaps.sitemaps},
        name="sitemap_section",
    ),
    path("", include("search.urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]

handler403 = "rantboard.errors.permission_denied"
handler404 = "rantboard.errors.page_not_found"
handler500 = "rantboard.errors.server_error"
