import pandas as pd
from django.http import JsonResponse
from sqlalchemy import create_engine, text

from shop.models import Order

engine = create_engine("postgresql:///shop")


def orders_by_status(request):
    status = request.GET["status"]
    orders = Order.objects.raw("SELECT * FROM shop_order WHERE status = '%s'" % status)  # expect: PW104
    return JsonResponse({"ids": [o.id for o in orders]})


def orders_extra(request):
    region = request.GET["region"]
    qs = Order.objects.extra(where=[f"region = '{region}'"])  # expect: PW104
    return JsonResponse({"count": qs.count()})


def revenue(request):
    year = request.GET["year"]
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT sum(total) FROM orders WHERE year = {year}"))  # expect: PW104
        return JsonResponse({"revenue": rows.scalar()})


def frame(request):
    col = request.GET.get("col", "total")
    df = pd.read_sql("SELECT " + col + " FROM orders", engine)  # expect: PW104
    return JsonResponse(df.to_dict())


def safe_revenue(request):
    year = request.GET["year"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sum(total) FROM orders WHERE year = :y"), {"y": year})
        return JsonResponse({"revenue": rows.scalar()})
