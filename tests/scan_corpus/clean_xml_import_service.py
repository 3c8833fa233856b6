import defusedxml.ElementTree as SafeET
from defusedxml.minidom import parseString
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@app.route("/import", methods=["POST"])
def import_orders():
    root = SafeET.fromstring(request.data)
    return {"orders": len(root.findall("order"))}


@app.route("/feed", methods=["POST"])
def feed():
    doc = etree.fromstring(request.get_data(), parser=SAFE_PARSER)
    return {"title": doc.findtext("title")}


@app.route("/svg", methods=["POST"])
def svg():
    dom = parseString(request.files["image"].read())
    return {"width": dom.documentElement.getAttribute("width")}
