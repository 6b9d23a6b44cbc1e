"""Posting an alert: a JSON ``{"text": ...}`` to the webhook, with a timeout, never raising.

A receiver that is down, slow or refusing costs a run at most the timeout and a logged warning: an alert is worth
less than the run it reports on.
"""

import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

WEBHOOK_URL_ENV = "LAKEHOUSE_ALERT_WEBHOOK_URL"
UI_URL_ENV = "LAKEHOUSE_UI_URL"
TIMEOUT_ENV = "LAKEHOUSE_ALERT_TIMEOUT_SECONDS"
DEFAULT_UI_URL = "http://127.0.0.1:3000"  # where `make dev` and the local stack serve the UI
DEFAULT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str
    ui_url: str = DEFAULT_UI_URL
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls) -> "AlertSettings | None":
        """The settings of this process's environment; None when no webhook is configured (alerts are off)."""
        url = os.environ.get(WEBHOOK_URL_ENV, "").strip()
        if not url:
            return None
        timeout = os.environ.get(TIMEOUT_ENV, "").strip() or str(DEFAULT_TIMEOUT_SECONDS)
        try:
            timeout_seconds = float(timeout)
        except ValueError:
            raise ValueError(f"{TIMEOUT_ENV}={timeout!r} is not a number of seconds") from None
        return cls(
            webhook_url=url,
            ui_url=os.environ.get(UI_URL_ENV, "").strip() or DEFAULT_UI_URL,
            timeout_seconds=timeout_seconds,
        )


def post_alert(settings: AlertSettings, text: str, log: logging.Logger | logging.LoggerAdapter) -> bool:
    """Post ``text``; True when the receiver answered 2xx. Failures are logged without the URL (it is a secret)."""
    request = urllib.request.Request(
        settings.webhook_url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            response.read()
        log.info("alert posted to the webhook")
        return True
    except ValueError:
        # urllib's message would quote the URL.
        log.warning(f"alert not delivered: {WEBHOOK_URL_ENV} is not an http(s) URL; the run is not affected")
        return False
    except OSError as error:
        # An HTTPError (a 4xx/5xx answer) and an unreachable host are URLErrors, a timeout a TimeoutError: all
        # OSErrors, whose reasons name the failure, not the URL.
        if isinstance(error, urllib.error.HTTPError):
            reason = f"HTTP {error.code} {error.reason}"
        else:
            reason = getattr(error, "reason", None) or error
        log.warning(f"alert not delivered ({type(error).__name__}: {reason}); the run is not affected")
        return False
