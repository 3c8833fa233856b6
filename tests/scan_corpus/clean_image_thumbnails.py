import os
import re
import subprocess
import tempfile

from django.http import Http404, HttpResponse

MEDIA = os.path.realpath("/srv/media")
SIZE = re.compile(r"^\d{1,4}x\d{1,4}$")


def resolve(name):
    path = os.path.realpath(os.path.join(MEDIA, name))
    if not path.startswith(MEDIA + os.sep):
        raise Http404("no such image")
    return path


def thumbnail(request):
    src = resolve(request.GET["image"])
    size = request.GET.get("size", "128x128")
    if not SIZE.match(size):
        size = "128x128"
    with tempfile.NamedTemporaryFile(suffix=".png") as out:
        subprocess.check_call(["convert", src, "-resize", size, out.name])
        with open(out.name, "rb") as f:
            data = f.read()
    return HttpResponse(data, content_type="image/png")


def original(request):
    with open(resolve(request.GET["image"]), "rb") as f:
        return HttpResponse(f.read())
