"""gunicorn settings shared by `make run` (Procfile), the image and Compose:
``gunicorn portal.wsgi --config python:portal.gunicorn_conf ...``.

The pool (workers, threads) is given on each command line, sized to the connection budget in
README.md ("Configuring production"). What is here holds everywhere:

* the access and error logs pass through portal.logscrub, so no consent, join or reset token
  reaches them (gunicorn logs every request line);
* gunicorn itself believes no X-Forwarded-* header: which proxies to trust is Django's
  TRUSTED_PROXIES alone (portal/proxies.py), in one place;
* no control socket (gunicorn >= 25 opens one at a fixed path per user, which several servers
  on one machine, a test run's among them, would share).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.logscrub import TokenScrubFilter


class ScrubbingLogger(Logger):
    """gunicorn's logger, with the token scrubber on every handler it sets up."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, TokenScrubFilter) for f in handler.filters):
                    handler.addFilter(TokenScrubFilter())


logger_class = "portal.gunicorn_conf.ScrubbingLogger"
forwarded_allow_ips = ""
control_socket_disable = True
