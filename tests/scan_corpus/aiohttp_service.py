import pickle

import aiohttp
from aiohttp import web


async def proxy(request):
    target = request.query["url"]
    async with aiohttp.ClientSession() as session:
        async with session.get(target) as resp:  # expect: PW108
            return web.Response(body=await resp.read())


async def restore(request):
    data = await request.read()
    state = pickle.loads(data)  # expect: PW102
    return web.json_response({"keys": list(state)})


async def report(request):
    name = request.match_info["name"]
    with open(f"/srv/reports/{name}.txt") as f:  # expect: PW105
        return web.Response(text=f.read())


app = web.Application()
app.add_routes([web.get("/proxy", proxy), web.post("/restore", restore)])
