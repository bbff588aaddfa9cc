"""The index's routes, one file per page group; importing this package registers them on
``lms.iid.bp`` (and the helper the innovation page's evidence link calls)."""

from lms.iid import bp
from lms.iid.views import class_documents, evidence, exports, report, score  # noqa: F401
from lms.iid.views.links import evidence_links

# A distinctive name: a host app's own template globals stay untouched.
bp.add_app_template_global(evidence_links, "lms_iid_evidence_links")
