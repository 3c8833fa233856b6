import subprocess

from django.db import connection
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views import View


def export_csv(request):
    table = request.GET.get("table", "orders")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM %s" % table)  # expect: PW104
        rows = cursor.fetchall()
    return JsonResponse({"rows": rows})


def customer(request, pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM customers WHERE id = %s", [pk])
        row = cursor.fetchone()
    return JsonResponse({"name": row[0]})


def render_pdf(request):
    title = request.POST["title"]
    cmd = "wkhtmltopdf --title '{}' report.html out.pdf".format(title)
    subprocess.run(cmd, shell=True, check=True)  # expect: PW103
    return FileResponse(open("out.pdf", "rb"))


class ReportDownload(View):
    def get(self, request):
        name = request.GET["name"]
        fh = open("/var/reports/" + name, "rb")  # expect: PW105
        return FileResponse(fh)


def go(request):
    return HttpResponseRedirect(request.GET.get("to", "/"))  # expect: PW109


def stats(request):
    days = int(request.GET.get("days", 7))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM visits WHERE age < {days}")
        (count,) = cursor.fetchone()
    return HttpResponse(str(count))
