import xml.dom.minidom
import xml.etree.ElementTree as ET

from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/import", methods=["POST"])
def import_orders():
    root = ET.fromstring(request.data)  # expect: PW107
    return {"orders": len(root.findall("order"))}


@app.route("/feed", methods=["POST"])
def feed():
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(request.get_data(), parser)  # expect: PW107
    return {"title": doc.findtext("title")}


@app.route("/svg", methods=["POST"])
def svg():
    upload = request.files["image"].read()
    dom = xml.dom.minidom.parseString(upload)  # expect: PW107
    return {"width": dom.documentElement.getAttribute("width")}


def load_settings(path):
    return ET.parse(path).getroot()
