# ruff: noqa
"""Fixture for PW109."""
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from flask import redirect, request, url_for


def login_done():
    return redirect(request.args.get("next", "/"))  # expect: PW109@12


def django_done(request):
    target = request.GET.get("next", "/")
    return HttpResponseRedirect(target)  # expect: PW109@12


def django_safe(request):
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)  # ok


def fixed():
    return redirect(url_for("index"))  # ok
