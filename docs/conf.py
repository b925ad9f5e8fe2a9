"""Sphinx configuration of the skrebalance documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery (``examples/plot_*.py``) runs during the build. The benchmark
results pages are generated at configuration time: one page per Markdown
summary in ``benchmarks/results/``, which myst-parser renders as it is (see
``docs/_benchmark_pages.py``).
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
sys.path.insert(0, str(DOCS))  # the helper modules docs/_*.py

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
    "myst_parser",  # the benchmark summaries are Markdown
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "_offline",  # docs/_offline.py: warns for any resource loaded from the network
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/benchmark_results.rst"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
default_role = "literal"
root_doc = "index"

# autodoc / autosummary
autosummary_generate = True
from _api_surface import ESTIMATOR_METHODS, EXCLUDED_MEMBERS  # noqa: E402

# Each template (docs/_templates/) says which members it shows; no default
# "members" here: Sphinx 9 lets a boolean default override a directive's own
# ":members: a, b" list.
autodoc_default_options = {
    # torch's and scikit-learn's own machinery (extra_repr, the generated
    # metadata-routing setters): not part of our API
    "exclude-members": ",".join(EXCLUDED_MEMBERS),
}
# the classifier's page (docs/_templates/estimator.rst) shows these methods
autosummary_context = {"estimator_methods": list(ESTIMATOR_METHODS)}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# the page contents of a class list "fit()", not "RebalancedNetClassifier.fit()"
toc_object_entries_show_parents = "hide"

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


def _unlink_foreign_refs(app, what, name, obj, options, lines):
    """Plain text for the cross-references of inherited skorch/scikit-learn docstrings.

    The classifier's page shows methods it inherits (``score``, ``save_params``);
    their docstrings refer to labels of scikit-learn's and skorch's own
    documentation (``:ref:`accuracy <accuracy_score>```), which this offline
    build cannot resolve. Only the text of those references is kept.
    """
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] == "skrebalance":
        return
    role = re.compile(r":(?:ref|term|doc):`([^`<]*?)\s*(?:<[^`>]*>)?`")
    lines[:] = [role.sub(lambda m: m.group(1), line) for line in lines]


def setup(app):
    # priority < 500: runs before numpydoc turns the sections into rst
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=400)
    app.connect("autodoc-process-docstring", _unlink_foreign_refs, priority=400)


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
html_sidebars = {"index": [], "getting_started": []}
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False

# -- Benchmark results pages ------------------------------------------------------

from _benchmark_pages import write_benchmark_pages  # noqa: E402

write_benchmark_pages(
    ROOT / "benchmarks" / "results",
    DOCS / "generated" / "benchmarks",
    DOCS / "generated" / "benchmark_results.rst",
    DOCS,
)
