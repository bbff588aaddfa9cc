"""Attendance: meetings, check-in, marks, excuse requests, reports (the blueprint)."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
