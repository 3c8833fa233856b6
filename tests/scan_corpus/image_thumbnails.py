import os
import subprocess
import tempfile

from django.http import HttpResponse

MEDIA = "/srv/media"


def thumbnail(request):
    name = request.GET["image"]
    size = request.GET.get("size", "128x128")
    src = os.path.join(MEDIA, name)
    out = tempfile.NamedTemporaryFile(suffix=".png", delete=False)  # expect: PW201, PW204
    cmd = "convert %s -resize %s %s" % (src, size, out.name)
    subprocess.check_call(cmd, shell=True)  # expect: PW103
    data = open(out.name, "rb").read()  # expect: PW201
    return HttpResponse(data, content_type="image/png")


def original(request):
    path = os.path.join(MEDIA, request.GET["image"])
    with open(path, "rb") as f:  # expect: PW105
        return HttpResponse(f.read())
