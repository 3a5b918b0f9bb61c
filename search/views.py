from django.template.response import TemplateResponse

from blog.models import BlogPostPage
from broadsheet.pagination import paginate


def search(request):
    """Posts matching `q`, most relevant first."""
    query = request.GET.get("q", "").strip()
    results = BlogPostPage.objects.live().public().search(query) if query else BlogPostPage.objects.none()
    page = paginate(request, results, 10)
    return TemplateResponse(request, "search/search.html", {"query": query, "results": page})
