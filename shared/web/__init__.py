"""`dldemo serve`: every app live in one browser page (Gradio), one tab per app that has a ``web`` hook.

`server` builds and launches the page, `photos` is the shared photo tab (webcam stream, upload, bundled
samples) that the image apps fill with their own panels, `inputs` checks what a browser sends, `tab` is what
an app's hook receives. Gradio is an optional extra (`pip install -e ".[web]"`): only `require_web_extra`
is imported before it is known to be there.
"""

from __future__ import annotations

import importlib.util
import os

from dldemo.shared.errors import UserError

WEB_EXTRA_HINT = 'pip install -e ".[web]" (or pip install "dldemo[web]")'


def require_web_extra() -> None:
    """Fail in one line when Gradio is not installed; otherwise turn off everything that calls home."""
    if importlib.util.find_spec("gradio") is None:
        raise UserError(f"the browser page needs the 'web' extra: {WEB_EXTRA_HINT}")
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
