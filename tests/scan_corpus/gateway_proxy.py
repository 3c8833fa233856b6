import urllib.request

from django.http import HttpResponse, HttpResponseRedirect


def forward(request):
    upstream = request.GET["upstream"]
    req = urllib.request.Request(upstream, headers={"User-Agent": "gateway"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # expect: PW108
        return HttpResponse(resp.read())


def fetch_status(request):
    resp = urllib.request.urlopen("https://status.internal/health")  # expect: PW201
    return HttpResponse(resp.read())


def bounce(request):
    dest = request.META.get("HTTP_REFERER", "/")
    return HttpResponseRedirect(dest)  # expect: PW109


def page(request):
    page = request.GET.get("page", "1")
    return HttpResponseRedirect("/catalog/?page=" + page)
