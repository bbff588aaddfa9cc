"""The regional innovation index (IID): yearly rules as data, evidence, scores and exports."""

from flask import Blueprint

bp = Blueprint("iid", __name__)
