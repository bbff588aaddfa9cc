"""Parsing uploaded attendance files: a meeting's marks (``marks``), a schedule (``schedule``).

Parsing and checks only; nothing here writes."""
