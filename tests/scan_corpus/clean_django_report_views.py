import shlex
import subprocess

from django.db import connection
from django.http import FileResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme

TABLES = ("orders", "customers", "invoices")


def export_csv(request):
    table = request.GET.get("table", "orders")
    if table not in TABLES:
        return JsonResponse({"error": "bad table"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM %s" % table)
        rows = cursor.fetchall()
    return JsonResponse({"rows": rows})


def render_pdf(request):
    title = request.POST["title"]
    subprocess.run(
        ["wkhtmltopdf", "--title", title, "report.html", "out.pdf"], check=True
    )
    quoted = shlex.quote(title)
    subprocess.run(f"echo {quoted} >> titles.log", shell=True, check=True)
    return FileResponse(open("out.pdf", "rb"))


def go(request):
    target = request.GET.get("to", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM items WHERE name LIKE %s", ["%" + term + "%"])
        return JsonResponse({"ids": [r[0] for r in cursor.fetchall()]})
