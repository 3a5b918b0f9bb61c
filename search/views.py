from django.db.models import prefetch_related_objects
from django.template.response import TemplateResponse

from blog.models import BlogPostPage
from blog.privacy import public_q
from broadsheet.pagination import paginate


def search(request):
    """Posts matching `q`, most relevant first."""
    query = request.GET.get("q", "").strip()
    posts = BlogPostPage.objects.live().filter(public_q()).defer_streamfields()
    results = posts.search(query) if query else BlogPostPage.objects.none()
    page = paginate(request, results, 10)
    # Cards show each result's authors and tags: two queries for the page, not two per result.
    page.object_list = list(page.object_list)
    prefetch_related_objects(page.object_list, "tags", "authors")
    return TemplateResponse(request, "search/search.html", {"query": query, "results": page})
