"""Sphinx configuration of the skrebalance documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery (``examples/plot_*.py``) runs during the build. The benchmark
results page is generated at configuration time from the Markdown summaries
in ``benchmarks/results/`` (see :func:`write_benchmark_page`).
"""

import os
import re
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import skrebalance  # noqa: E402
import torch  # noqa: E402

# The gallery trains tiny nets: on a loaded machine torch's intra-op threads
# make them 10-25x slower (0.4 s vs 10 s for one 20-epoch fit on yeast4 with
# 2 busy cores). The examples run in this process, so this applies to them.
torch.set_num_threads(1)

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))  # for the helpers module below

# -- Project information -----------------------------------------------------

project = "skrebalance"
author = "skrebalance developers"
copyright = "skrebalance developers"
release = skrebalance.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "_offline",  # docs/_offline.py: warns for any resource loaded from the network
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/benchmark_results.rst"]
default_role = "literal"
root_doc = "index"

# autodoc / autosummary
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    # scikit-learn's generated metadata-routing setters: their docstrings refer
    # to scikit-learn's own glossary, and they are not part of our API
    "exclude-members": ",".join(
        f"set_{method}_request"
        for method in ("fit", "partial_fit", "predict", "predict_proba", "score")
    ),
}
autodoc_typehints = "none"

# numpydoc: methods are documented by the class template (":members:"), not by
# numpydoc's member tables, which would also list every inherited skorch and
# torch method.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# MathJax is served from the site, not from a CDN, so that formulas render
# offline: MathJax 3.2.2's combined component with all TeX extensions and SVG
# output (docs/_static/mathjax/, from the npm package ``mathjax@3.2.2``,
# ``es5/tex-svg-full.js``, Apache-2.0). SVG output draws the glyphs itself: no
# web fonts to fetch, which browsers restrict on ``file://`` pages.
mathjax_path = "mathjax/tex-svg-full.js"
mathjax3_config = {"svg": {"fontCache": "global"}}


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape attribute names inside "of shape (...)" in docstring types.

    scikit-learn style types such as ``ndarray of shape (n_features_in_,)``
    (RebalancedNetClassifier's ``feature_names_in_``) are plain text for
    numpydoc, and docutils reads ``n_features_in_,`` as a reference to a
    target "n_features_in" (an error). Only the trailing underscore of names
    inside the parentheses after "of shape" is escaped.
    """
    shape = re.compile(r"(of shape \()([^)]*)(\))")
    escape = lambda m: m.group(1) + re.sub(r"(\w)_(?=[,\s)]|$)", r"\1\\_", m.group(2)) + m.group(3)  # noqa: E731
    lines[:] = [shape.sub(escape, line) for line in lines]


def setup(app):
    # priority < 500: runs before numpydoc turns the sections into rst
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=400)


# -- sphinx-gallery -------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    # the execution-times page loads jQuery and DataTables from CDNs
    "write_computation_times": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # "Examples using X" on the API pages (included by the autosummary templates)
    "backreferences_dir": "generated",
    "doc_module": ("skrebalance",),
    "reference_url": {"skrebalance": None},
}

# the examples print skorch/torch warnings that are not ours to fix
warnings.filterwarnings("ignore", category=UserWarning, message=".*non-interactive.*")

# -- HTML -----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skrebalance {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# pages without sub-pages: no (empty) left navigation column
html_sidebars = {"index": [], "getting_started": [], "benchmarks": []}
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False

# -- Benchmark results page -------------------------------------------------------

from _md_to_rst import write_benchmark_page  # noqa: E402

write_benchmark_page(ROOT / "benchmarks" / "results", DOCS / "generated" / "benchmark_results.rst")
