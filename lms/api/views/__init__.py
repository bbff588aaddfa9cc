"""The API's routes: JSON resources of ``/api/v1`` and the token pages; importing this module
registers them, with the JSON routes' hooks and error answers (``errors``)."""

from lms.api.views import (  # noqa: F401
    certificates,
    checkins,
    classes,
    docs,
    errors,
    marks,
    regions,
    tokens,
)
