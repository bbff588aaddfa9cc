"""The OpenAPI 3.1 document of the API."""

from __future__ import annotations

from flask import jsonify

from lms.api import v1
from lms.api.access import api_public
from lms.api.openapi import document


@v1.get("/openapi.json")
@api_public
def openapi():
    response = jsonify(document())
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
