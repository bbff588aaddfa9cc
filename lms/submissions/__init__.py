"""Participants' work on a cohort's assignments: drafts, files, numbered versions, receipts."""

from flask import Blueprint

bp = Blueprint("submissions", __name__)
