import json
import re

import aiohttp
from aiohttp import web

NAME = re.compile(r"[a-z0-9_-]{1,64}")


async def proxy(request):
    async with aiohttp.ClientSession(base_url="https://api.partner.example") as session:
        async with session.get("/v1/status", params={"q": request.query.get("q", "")}) as resp:
            return web.Response(body=await resp.read())


async def restore(request):
    state = json.loads(await request.read())
    return web.json_response({"keys": list(state)})


async def report(request):
    name = request.match_info["name"]
    if not NAME.fullmatch(name):
        raise web.HTTPBadRequest()
    with open(f"/srv/reports/{name}.txt") as f:
        return web.Response(text=f.read())
