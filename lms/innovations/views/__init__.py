"""The registry's routes, one file per page group; importing this package registers them on
``lms.innovations.bp`` (and the helper the class pages' promote partial calls)."""

from lms.innovations import bp
from lms.innovations.views import catalogue, dashboard, files, promote, registry, workflow  # noqa: F401

# A distinctive name: a host app's own template globals stay untouched.
bp.add_app_template_global(promote.promotion, "lms_innovation_promotion")
