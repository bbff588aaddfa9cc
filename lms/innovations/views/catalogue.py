"""The public catalogue: published innovations, searchable without login and without JS.

Only what a copier needs is shown: name, office, stage, summary, benefits, results, the video,
the replication texts, the contact office and the innovators' names the coordinator chose.
Never an email, a NIP or a phone number (the profile's ``kontak`` is not shown).
"""

from __future__ import annotations

from flask import abort, render_template, request
from markupsafe import Markup

from lms import storage
from lms.innovations import bp, queries
from lms.innovations.views._common import labels
from lms.paging import requested
from lms.security import public


@bp.get("/inovasi")
@public
def catalogue():
    q = (request.args.get("q") or "").strip()[:100]
    entries, page = queries.catalogue(q, requested(request.args.get("page")))
    return render_template(
        "innovations/catalogue.html", entries=entries, page=page, q=q, **labels()
    )


@bp.get("/inovasi/<slug>")
@public
def public_page(slug: str):
    innovation = queries.published_by_slug(slug)
    values = innovation.profile or {}
    return render_template(
        "innovations/public.html",
        innovation=innovation,
        values=values,
        # Rendered through lms.markdown (sanitised) when the texts were saved.
        html={key: Markup(text) for key, text in (innovation.html or {}).items()},
        shown=[i for i in innovation.innovators if i.show_in_catalogue],
        video=queries.public_video(innovation),
        confirmed=queries.last_confirmation(innovation),
        replicated_by=queries.published_replications(innovation),
        source=innovation.replicated_from if innovation.replicated_from_id else None,
        **labels(),
    )


@bp.get("/inovasi/<slug>/video")
@public
def public_video(slug: str):
    """The stored video, inline for the page's player, only while the page is published."""
    innovation = queries.published_by_slug(slug)
    video = queries.public_video(innovation)
    if video is None:
        abort(404)
    # Public but revocable: unpublishing must take effect at once.
    return storage.send_stored(video.key, video.name, inline=True, public=True)
