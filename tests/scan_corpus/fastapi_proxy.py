import httpx
import requests
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/fetch")
def fetch(url: str):
    resp = requests.get(url, timeout=10)  # expect: PW108
    return {"status": resp.status_code}


@app.get("/item/{item_id}")
async def item(item_id: int):
    async with httpx.AsyncClient() as client:
        r = await client.get(f"https://inventory.internal/items/{item_id}")
    return r.json()


@app.post("/config")
async def load_config(request: Request):
    body = await request.body()
    return yaml.load(body, Loader=yaml.FullLoader)  # expect: PW102


@app.get("/out")
def out(target: str):
    return RedirectResponse(target)  # expect: PW109


@app.post("/webhook")
async def webhook(request: Request):
    data = await request.json()
    callback = data["callback_url"]
    async with httpx.AsyncClient() as client:
        await client.post(callback, json={"ok": True})  # expect: PW108
    return {"ok": True}
