"""Builds the page from the apps' ``web`` hooks and serves it: on loopback by default, never shared."""

from __future__ import annotations

import ipaddress
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import click
import gradio as gr

from dldemo.shared.apps import App
from dldemo.shared.errors import UserError
from dldemo.shared.web.inputs import MAX_UPLOAD_BYTES
from dldemo.shared.web.tab import WebContext

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
CACHE_CLEANUP = (300, 600)  # every 5 min delete the page's result files older than 10 min (streams make many)
PAGE_CSS = ".dldemo-timing {opacity: 0.7; font-size: 0.9em}"


def parse_weights(pairs: Iterable[str], apps: dict[str, App]) -> dict[str, str]:
    """``APP=PATH`` pairs from --weights, checked against the apps that have a tab."""
    weights = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not path:
            raise UserError(f"--weights takes APP=PATH (e.g. segment=runs/segment/x), not '{pair}'")
        if name not in apps:
            raise UserError(f"--weights names '{name}', which has no tab: choose one of {', '.join(apps)}")
        weights[name] = path
    return weights


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_page(apps: Sequence[App], weights: dict[str, str], files: Path) -> gr.Blocks:
    """One tab per app, each built (its model loaded once, shared by every visitor) by the app's hook."""
    with gr.Blocks(title="dldemo", analytics_enabled=False, delete_cache=CACHE_CLEANUP) as page:
        gr.Markdown("## dldemo: deep learning, live")
        for app in apps:
            with gr.Tab(app.name, id=app.name):
                gr.Markdown(app.description)
                app.web_tab()(WebContext(app=app.name, weights=weights.get(app.name), files=files / app.name))
    return page


def serve(*, apps: Sequence[App], weights: dict[str, str], host: str, port: int, open_browser: bool) -> None:
    """Serve the page until Ctrl-C."""
    if not is_loopback(host):
        click.echo(
            f"warning: serving on {host}: anyone who can reach this machine can open the page and use it "
            "(there is no login); use the default 127.0.0.1 outside a trusted classroom network",
            err=True,
        )
    with tempfile.TemporaryDirectory(prefix="dldemo-serve-") as scratch:
        files = Path(scratch)
        started = time.perf_counter()
        click.echo(f"loading {', '.join(app.name for app in apps)} ...", err=True)
        page = build_page(apps, weights, files)
        try:
            page.queue(default_concurrency_limit=2).launch(
                server_name=host,
                server_port=port,
                share=False,
                inbrowser=open_browser,
                quiet=True,
                show_error=True,
                prevent_thread_lock=True,
                max_file_size=MAX_UPLOAD_BYTES,
                allowed_paths=[str(files)],
                ssr_mode=False,
                footer_links=[],
                css=PAGE_CSS,
            )
        except OSError as error:
            if "port" not in str(error).lower():
                raise
            raise UserError(f"port {port} on {host} is in use: free it or pick another --port") from None
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        click.echo(f"dldemo serve: {url} ready in {time.perf_counter() - started:.0f} s (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            click.echo("dldemo serve: stopped", err=True)
        finally:
            page.close()
