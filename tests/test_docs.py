"""The documentation covers the public API, every registered strategy, the
committed benchmark summaries, and renders offline.

These checks are fast (no Sphinx build): they read the rst sources and the
helper modules of ``docs/``. The full build is
``python -m sphinx -W --keep-going -b html docs docs/_build/html``; it also
fails on any page resource loaded from the network (``docs/_offline.py``).
"""

import ast
import doctest
import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import skrebalance

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API_PAGES = [DOCS / "api.rst"] + sorted((DOCS / "api").glob("*.rst"))


@pytest.fixture(scope="module")
def docs_helpers():
    """Import the helper modules ``docs/_*.py`` (``conf.py`` does the same)."""
    sys.path.insert(0, str(DOCS))
    try:
        yield {
            name: importlib.import_module(name)
            for name in ("_api_surface", "_benchmark_pages", "_offline")
        }
    finally:
        sys.path.remove(str(DOCS))


# -- API reference -------------------------------------------------------------


def _autosummary_entries(text):
    """``[(module, name, options)]`` of the autosummary blocks of ``text``."""
    entries, module = [], None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\.\. currentmodule:: (\S+)", line)
        if m:
            module = m.group(1)
        if line.startswith(".. autosummary::"):
            options = {}
            for item in lines[i + 1 :]:
                if item.strip() and not item.startswith("   "):
                    break
                opt = re.match(r"^\s+:(\S+):\s*(.*)$", item)
                if opt:
                    options[opt.group(1)] = opt.group(2)
                elif item.strip():
                    entries.append((module, item.strip(), options))
    return entries


API_ENTRIES = [entry for page in API_PAGES for entry in _autosummary_entries(page.read_text(encoding="utf-8"))]


def _public_modules():
    """``skrebalance`` and every sub-module or sub-package not starting with ``_``."""
    names = ["skrebalance"] + [
        info.name
        for info in pkgutil.walk_packages(skrebalance.__path__, "skrebalance.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    return [importlib.import_module(name) for name in names]


def _public_objects(module):
    """The classes and functions a module offers: its ``__all__``, or without
    one the classes and functions it defines whose names do not start with ``_``."""
    if hasattr(module, "__all__"):
        names = module.__all__
    else:
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module.__name__
        ]
    objects = {name: getattr(module, name) for name in names}
    return {name: obj for name, obj in objects.items() if inspect.isclass(obj) or inspect.isfunction(obj)}


def _documented_objects():
    """``{id(obj)}`` of every object that has an API page (an autosummary entry
    with ``:toctree:``), whatever the module path it is listed under."""
    return {
        id(getattr(importlib.import_module(module), name))
        for module, name, options in API_ENTRIES
        if "toctree" in options
    }


@pytest.mark.parametrize("module", _public_modules(), ids=lambda m: m.__name__)
def test_api_reference_documents_every_public_name(module):
    documented = _documented_objects()
    missing = sorted(name for name, obj in _public_objects(module).items() if id(obj) not in documented)
    assert not missing, f"the API pages (docs/api/*.rst) lack {missing} of {module.__name__}"


def test_public_modules_are_found():
    # the parametrization above must not silently run over nothing
    names = {m.__name__ for m in _public_modules()}
    assert {"skrebalance.strategies", "skrebalance.losses", "skrebalance.functional"} <= names
    assert {"skrebalance.datasets", "skrebalance.samplers", "skrebalance.modules"} <= names


def test_api_reference_names_exist():
    for module, name, _ in API_ENTRIES:
        assert hasattr(importlib.import_module(module), name), f"the API pages list {module}.{name}"


def test_api_reference_lists_canonical_names():
    # an alias (GHMCWAP = GHMCWAPStrategy) would get a page saying only "alias
    # of ...": list the class under its own name
    for module, name, _ in API_ENTRIES:
        obj = getattr(importlib.import_module(module), name)
        assert getattr(obj, "__name__", name) == name, f"list {module}.{obj.__name__}, not its alias {name}"


def test_api_reference_lists_each_object_once():
    listed = [(module, name) for module, name, options in API_ENTRIES if "toctree" in options]
    ids = [id(getattr(importlib.import_module(module), name)) for module, name in listed]
    doubles = sorted({f"{m}.{n}" for (m, n), i in zip(listed, ids) if ids.count(i) > 1})
    assert not doubles, f"listed twice (an alias?): {doubles}"


def test_api_reference_groups_names_by_module():
    # one page per module: no flat list of every name on one page
    per_page = {
        page.stem: {module for module, _, _ in _autosummary_entries(page.read_text(encoding="utf-8"))}
        for page in API_PAGES
    }
    assert not per_page["api"], "docs/api.rst is the overview; names belong on docs/api/<module>.rst"
    for page, modules in per_page.items():
        assert len(modules) <= 1, f"docs/api/{page}.rst mixes modules {sorted(modules)}"
    toctree = (DOCS / "api.rst").read_text(encoding="utf-8")
    for page in API_PAGES[1:]:
        assert re.search(rf"^   api/{page.stem}$", toctree, re.M), f"api/{page.stem} not in api.rst's toctree"


def test_classifier_page_shows_the_estimator_surface_not_skorch_internals(docs_helpers):
    surface = docs_helpers["_api_surface"]
    classifier = skrebalance.RebalancedNetClassifier
    shown = [name for name in surface.ESTIMATOR_METHODS if hasattr(classifier, name)]
    for name in ("fit", "predict", "predict_proba", "score", "get_params", "set_params"):
        assert name in shown
    assert not set(shown) & set(surface.INTERNAL_METHODS)
    # every public method the classifier itself defines is either shown or a
    # named internal method: a new public method has to be placed
    own = {
        name
        for name, value in vars(classifier).items()
        if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, property))
        and not name.endswith("_")  # fitted attributes (properties) are in the docstring
    }
    unplaced = own - set(surface.ESTIMATOR_METHODS) - set(surface.INTERNAL_METHODS)
    assert not unplaced, f"place {sorted(unplaced)} in docs/_api_surface.py"
    entries = [(m, n, o) for m, n, o in API_ENTRIES if n == "RebalancedNetClassifier"]
    assert [o.get("template") for _, _, o in entries] == ["estimator.rst"]
    template = (DOCS / "_templates" / "estimator.rst").read_text(encoding="utf-8")
    assert "estimator_methods" in template and ":inherited-members:" not in template


def test_strategy_pages_show_parameters_not_hooks():
    from skrebalance.strategies import RebalancingStrategy

    for module, name, options in API_ENTRIES:
        obj = getattr(importlib.import_module(module), name)
        if inspect.isclass(obj) and issubclass(obj, RebalancingStrategy) and obj is not RebalancingStrategy:
            assert options.get("template") == "strategy.rst", f"{name} uses {options.get('template')}"
    template = (DOCS / "_templates" / "strategy.rst").read_text(encoding="utf-8")
    assert ":no-members:" in template


# -- user guide ------------------------------------------------------------------


def test_every_strategy_has_a_user_guide_page():
    from skrebalance.strategies import available

    index = (DOCS / "user_guide" / "index.rst").read_text(encoding="utf-8")
    toctree = index[index.index(".. toctree::") :]
    for name in available():
        if name.startswith("_"):  # test-only registrations
            continue
        page = DOCS / "user_guide" / f"{name}.rst"
        assert page.exists(), f"strategy {name!r} has no docs/user_guide/{name}.rst"
        assert re.search(rf"^   {name}$", toctree, re.M), f"{name} not in the toctree"
        text = page.read_text(encoding="utf-8")
        if name != "none":
            for section in ("Parameters", "Logged in ``net.history``", "Reference"):
                assert section in text, f"user_guide/{name}.rst has no {section!r} section"
            assert ".. math::" in text, f"user_guide/{name}.rst has no formula"


def _documented_parameters(text):
    """``{name: default}`` of the ``Parameters`` section of a strategy page."""
    section = text[text.index("\nParameters\n") :]
    params = {}
    for m in re.finditer(r"^``(\w+)`` : .*?default=(.+)$", section, re.M):
        if m.group(1) not in params:
            params[m.group(1)] = ast.literal_eval(m.group(2).strip())
    return params


def test_strategy_pages_list_the_parameters_and_defaults():
    from skrebalance.strategies import available, get_strategy_class

    for name in available():
        if name.startswith("_") or name == "none":
            continue
        text = (DOCS / "user_guide" / f"{name}.rst").read_text(encoding="utf-8")
        documented = _documented_parameters(text)
        signature = inspect.signature(get_strategy_class(name).__init__)
        actual = {p.name: p.default for p in list(signature.parameters.values())[1:]}
        assert set(documented) == set(actual), f"user_guide/{name}.rst lists {sorted(documented)}, not {sorted(actual)}"
        for param, default in actual.items():
            assert documented[param] == default, f"user_guide/{name}.rst: {param} default={documented[param]!r}, code {default!r}"


def test_strategy_pages_name_what_the_strategy_logs():
    from skrebalance.strategies import available, get_strategy_class

    checked = 0
    for name in available():
        if name.startswith("_"):
            continue
        source = inspect.getsource(inspect.getmodule(get_strategy_class(name)))
        text = (DOCS / "user_guide" / f"{name}.rst").read_text(encoding="utf-8")
        logged = text[text.index("Logged in ``net.history``") :]
        for key in re.findall(r"history\.record\(\s*[\"'](\w+)[\"']", source):
            checked += 1
            assert f"``{key}``" in logged, f"user_guide/{name}.rst does not say it logs {key!r}"
    assert checked  # the pattern finds the keys of the strategies that log


USER_GUIDE = DOCS / "user_guide"
DOCTESTED_PAGES = sorted(p for p in USER_GUIDE.glob("*.rst") if ">>> " in p.read_text(encoding="utf-8"))


def _toctree(page, caption_section):
    """The entries of the toctree that follows the heading ``caption_section``."""
    text = page.read_text(encoding="utf-8")
    section = text[text.index(f"\n{caption_section}\n") :]
    block = section[section.index(".. toctree::") :].split("\n\n", 2)[1]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_usage_pages_have_a_runnable_example():
    # each page on using the classifier runs: a gallery example the build
    # executes, or doctests run below
    pages = _toctree(USER_GUIDE / "index.rst", "Using the classifier")
    assert pages
    for name in pages:
        text = (USER_GUIDE / f"{name}.rst").read_text(encoding="utf-8")
        examples = re.findall(r"sphx_glr_auto_examples_(plot_\w+)\.py", text)
        for example in examples:
            assert (ROOT / "examples" / f"{example}.py").is_file(), f"{name}.rst refers to {example}.py"
        assert examples or ">>> " in text, f"user_guide/{name}.rst has no runnable example"


@pytest.mark.parametrize("page", DOCTESTED_PAGES, ids=lambda p: p.name)
def test_user_guide_doctests(page, tmp_path, monkeypatch):
    import torch
    monkeypatch.chdir(tmp_path)  # files the examples write land here
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = doctest.testfile(
            str(page), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
    finally:
        torch.set_num_threads(threads)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests of {page.name} failed"


# -- offline rendering -------------------------------------------------------------


def test_mathjax_is_served_from_the_site():
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    path = re.search(r'^mathjax_path = "([^"]+)"', conf, re.M).group(1)
    assert "//" not in path
    script = DOCS / "_static" / path
    assert script.is_file() and script.stat().st_size > 100_000, script
    assert '"write_computation_times": False' in conf  # that page loads jQuery/DataTables from CDNs
    assert '"_offline"' in conf


def test_remote_resources_are_found(docs_helpers):
    remote = docs_helpers["_offline"].remote_resources
    page = "\n".join([
        '<script defer="defer" src="https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js"></script>',
        '<script src="../_static/mathjax/tex-svg-full.js"></script>',
        '<link href="//cdn.example/b.css" rel="stylesheet" />',
        '<link rel="canonical" href="https://example.org/page.html" />',
        '<a href="https://skorch.readthedocs.io">skorch</a>',
        '<img alt="x" src="../_images/cd.png" />',
        "<style>.a { background: url('https://cdn.example/bg.png') }</style>",
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    ])
    assert remote(page) == [
        "https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js",
        "//cdn.example/b.css",
        "https://cdn.example/bg.png",
    ]


# -- benchmark pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    sorted((ROOT / "benchmarks" / "results").rglob("*.md")),
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_committed_summaries_show_existing_images(summary):
    # myst-parser renders the summaries during the docs build (where any
    # Markdown warning fails the build, -W); here, only what it cannot see
    # before the build: every image a summary shows is committed beside it
    text = summary.read_text(encoding="utf-8")
    for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text):
        assert (summary.parent / image).is_file(), f"{summary.name} shows a missing {image}"


def test_benchmark_pages_include_each_summary(docs_helpers, tmp_path):
    pages = docs_helpers["_benchmark_pages"]
    results = tmp_path / "results"
    (results / "uci" / "t4").mkdir(parents=True)
    (results / "uci" / "README.md").write_text("# UCI results\n\nRead me.\n")
    (results / "uci" / "t4" / "summary.md").write_text("# Table 4\n\n![cd](cd.png)\n")
    (results / "uci" / "t4" / "folds.csv").write_text("a,b\n")
    (results / "class_level.md").write_text("No title, one line.\n")
    (results / "uci" / "uci.md").write_text("# Named as its folder\n")
    docs = tmp_path / "docs"
    stale = docs / "generated" / "benchmarks" / "old.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("# a summary removed since\n")

    written = pages.write_benchmark_pages(
        results, docs / "generated" / "benchmarks", docs / "generated" / "toc.rst", docs
    )

    # unique names: the folder's README is "uci", the summary named like the
    # folder keeps its full path
    assert sorted(written) == ["class_level", "uci", "uci-t4", "uci-uci"]
    assert not stale.exists()
    toc = (docs / "generated" / "toc.rst").read_text()
    # quality results first, a folder's README is the parent of its summaries
    assert toc.split("\n\n")[1].split() == ["/generated/benchmarks/uci", "/generated/benchmarks/class_level"]
    uci = (docs / "generated" / "benchmarks" / "uci.md").read_text()
    assert "```{include} ../../../results/uci/README.md\n:relative-images:\n```" in uci
    assert "```{toctree}\n:maxdepth: 1\n\nuci-t4\nuci-uci\n```" in uci
    t4 = (docs / "generated" / "benchmarks" / "uci-t4.md").read_text()
    assert "{download}`folds.csv <../../../results/uci/t4/folds.csv>`" in t4
    assert not t4.startswith("# ")  # the summary's own title is the page title
    untitled = (docs / "generated" / "benchmarks" / "class_level.md").read_text()
    assert untitled.startswith("# Class level\n")


def test_benchmark_page_says_when_nothing_is_committed(docs_helpers, tmp_path):
    pages = docs_helpers["_benchmark_pages"]
    toc = tmp_path / "toc.rst"
    assert pages.write_benchmark_pages(tmp_path / "none", tmp_path / "pages", toc, tmp_path) == []
    assert toc.read_text().startswith(".. note::")


# ----------------------------------------------------------------------
# what the pages cite lives in the repository (issue 22)

#: the sources a reader or a contributor reads: README, docs, examples
_CITING = [ROOT / "README.md", *sorted(DOCS.glob("*.rst")), *sorted(DOCS.glob("*/*.rst")),
           *sorted((ROOT / "examples").glob("*.py"))]


@pytest.mark.parametrize("page", _CITING, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_point_inside_the_repository(page):
    text = page.read_text()
    assert "../shared" not in text and "/work/" not in text and "scratch" not in text.lower()


@pytest.mark.parametrize("page", _CITING, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_benchmark_files_exist(page):
    # every benchmarks/... path a page names (a script, a results file or folder)
    # is committed; placeholders such as <suite> are not paths
    cited = re.findall(r"(?<![\w/])benchmarks/[\w./-]*\w", page.read_text())
    missing = [path for path in cited if not (ROOT / path).exists()]
    assert not missing
