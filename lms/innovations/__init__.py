from flask import Blueprint

bp = Blueprint("innovations", __name__)
