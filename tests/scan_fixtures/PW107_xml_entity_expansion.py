# ruff: noqa
"""Fixture for PW107."""
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as DET
from flask import request
from lxml import etree


def parse_upload():
    root = etree.fromstring(request.data)  # expect: PW107@12
    return root.tag


def parse_form():
    doc = ET.fromstring(request.form["xml"])  # expect: PW107@11
    return doc


def parse_safely():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(request.data, parser)  # ok
    tree = DET.fromstring(request.data)  # ok
    return root, tree


def parse_config():
    return ET.parse("config.xml")  # ok
