"""Certificates: a cohort's rules and layout, issuing with official numbers, public verification."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
