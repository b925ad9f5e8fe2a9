"""Sphinx extension: the built site must not load anything from the network.

Every page must render from the built folder alone (``file://`` or an
intranet copy): scripts, style sheets, fonts, images and frames come from
``_static/``, never from a CDN. After an HTML build, :func:`check_offline`
scans the written pages and warns (an error under ``-W``) for every element
that would fetch a remote resource. Plain hyperlinks (``<a href="https://...">``)
and XML namespaces are fine: they load nothing.
"""

import re
from pathlib import Path

#: tags that make the browser fetch their ``src``/``href`` when the page loads
_FETCHING_TAG = re.compile(
    r"<(?P<tag>script|img|iframe|source|video|audio|embed|object|link)\b(?P<attrs>[^>]*)>",
    re.IGNORECASE,
)
_URL_ATTR = re.compile(r"\b(?:src|href|data)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE)
_LINK_REL = re.compile(r"\brel\s*=\s*[\"']?([^\"'>]+)", re.IGNORECASE)
#: ``<link rel=...>`` kinds that load something (a "canonical" link does not)
_FETCHING_REL = {"stylesheet", "preload", "prefetch", "modulepreload", "icon", "manifest"}
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])((?:https?:)?//[^\"')\s]+)", re.IGNORECASE)


def remote_resources(html):
    """The remote URLs that loading ``html`` would fetch.

    Parameters
    ----------
    html : str
        An HTML page.

    Returns
    -------
    list of str
        URLs of scripts, style sheets, fonts, images and frames that are not
        served from the site itself, in the order they appear.

    Examples
    --------
    >>> remote_resources('<script src="https://cdn.example/x.js"></script>'
    ...                  '<a href="https://example.org">a link</a>'
    ...                  '<link rel="canonical" href="https://example.org/p.html">'
    ...                  '<style>@import "//cdn.example/y.css";</style>')
    ['https://cdn.example/x.js', '//cdn.example/y.css']
    """
    found = []
    for m in _FETCHING_TAG.finditer(html):
        attrs = m.group("attrs")
        if m.group("tag").lower() == "link":
            rel = _LINK_REL.search(attrs)
            if not rel or not _FETCHING_REL & set(rel.group(1).lower().split()):
                continue
        found += [(m.start(), url) for url in _URL_ATTR.findall(attrs)]
    found += [(m.start(), m.group(1)) for m in _CSS_URL.finditer(html)]
    return [url for _, url in sorted(found)]


def check_offline(app, exception):
    """Warn for every remote resource of the HTML pages just built."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging  # here: the tests import this module without Sphinx

    logger = logging.getLogger(__name__)
    outdir = Path(app.outdir)
    pages = sorted(outdir.rglob("*.html")) + sorted((outdir / "_static").rglob("*.css"))
    for page in pages:
        for url in remote_resources(page.read_text(encoding="utf-8", errors="replace")):
            logger.warning(
                "%s loads %s from the network; serve it from _static/ so the page "
                "renders offline",
                page.relative_to(outdir).as_posix(),
                url,
                type="offline",
            )


def setup(app):
    app.connect("build-finished", check_offline)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
