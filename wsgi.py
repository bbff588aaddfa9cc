"""Entry point for gunicorn and ``flask --app wsgi``."""

import gc

from lms import create_app

app = create_app()

# Everything loaded so far (modules, the app, its templates and URL map) lives as long as the
# process: move it out of the garbage collector's view, so that a collection during a request
# only walks what requests allocate. gunicorn imports this module in each worker after the
# fork (gunicorn.conf.py: preload_app = False), so each worker freezes its own objects.
gc.collect()
gc.freeze()
