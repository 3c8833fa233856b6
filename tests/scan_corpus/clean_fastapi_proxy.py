from urllib.parse import urlparse

import httpx
import yaml
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse

app = FastAPI()
ALLOWED_HOSTS = {"api.github.com", "index.invalid"}


@app.get("/fetch")
def fetch(url: str):
    host = urlparse(url).hostname
    if host not in ALLOWED_HOSTS:
        raise HTTPException(status_code=400, detail="host not allowed")
    with httpx.Client(timeout=10) as client:
        resp = client.get(url)
    return {"status": resp.status_code}


@app.post("/config")
async def load_config(request: Request):
    body = await request.body()
    return yaml.safe_load(body)


@app.get("/out")
def out(page: str):
    if page not in {"home", "docs", "pricing"}:
        page = "home"
    return RedirectResponse(f"/{page}")


@app.get("/user/{user_id}")
async def user(user_id: int):
    async with httpx.AsyncClient(base_url="https://users.internal") as client:
        r = await client.get(f"/users/{user_id}")
    return r.json()
