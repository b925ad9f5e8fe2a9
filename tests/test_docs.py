"""The documentation covers the public API and every registered strategy.

These checks are fast (no Sphinx build): they read the rst sources. The full
build is ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import importlib
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
API = (DOCS / "api.rst").read_text(encoding="utf-8")
PUBLIC_MODULES = [
    "skrebalance.strategies",
    "skrebalance.functional",
    "skrebalance.losses",
    "skrebalance.datasets",
]


def _autosummary_entries(text):
    """``{module: {names}}`` listed in the autosummary blocks of ``text``."""
    entries, module = {}, None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\.\. currentmodule:: (\S+)", line)
        if m:
            module = m.group(1)
        if line.startswith(".. autosummary::"):
            for item in lines[i + 1 :]:
                if item.strip() and not item.startswith("   "):
                    break
                name = item.strip()
                if name and not name.startswith(":"):
                    entries.setdefault(module, set()).add(name)
    return entries


API_ENTRIES = _autosummary_entries(API)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_api_reference_lists_every_public_name(module_name):
    module = importlib.import_module(module_name)
    missing = set(module.__all__) - API_ENTRIES.get(module_name, set())
    assert not missing, f"docs/api.rst lacks {sorted(missing)} of {module_name}.__all__"


def test_api_reference_lists_classifier_module_and_samplers():
    assert {"RebalancedNetClassifier", "MLP"} <= API_ENTRIES["skrebalance"]
    assert {"DeviceBatchIterator", "weighted_draw"} <= API_ENTRIES["skrebalance.samplers"]


def test_api_reference_names_exist():
    for module_name, names in API_ENTRIES.items():
        module = importlib.import_module(module_name)
        for name in names:
            assert hasattr(module, name), f"docs/api.rst lists {module_name}.{name}"


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


@pytest.fixture
def md_to_rst():
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("_md_to_rst").md_to_rst
    finally:
        sys.path.remove(str(DOCS))


def test_markdown_summary_becomes_valid_rst(md_to_rst):
    docutils_core = pytest.importorskip("docutils.core")
    markdown = "\n".join([
        "Produced by `python benchmarks/uci.py --quick` on `cpu`.",
        "",
        "## Balanced accuracy",
        "",
        "| method | ecoli1 | rank |",
        "|:-------|-------:|-----:|",
        "| `class_balanced` | 0.81 ± 0.02 | 1.5 |",
        "| none_ | 0.7\\|0.8 | 2 |",
        "",
        "- first item with `code`,",
        "- second item",
        "",
        "```bash",
        "python benchmarks/uci.py --quick",
        "```",
    ])
    rst = "\n".join(["Title", "=====", ""] + md_to_rst(markdown, level_offset=1))
    # the hand-written expectation of the table's first body row
    assert "   * - ``class_balanced``\n     - 0.81 ± 0.02\n     - 1.5" in rst
    assert ".. code-block:: bash" in rst
    messages = []
    doctree = docutils_core.publish_doctree(
        rst, settings_overrides={"report_level": 5, "warning_stream": False}
    )
    for node in doctree.findall():
        if node.tagname == "system_message":
            messages.append(node.astext())
    assert not messages, messages
    tables = [n for n in doctree.findall() if n.tagname == "table"]
    assert len(tables) == 1
    rows = [r for r in tables[0].findall() if r.tagname == "row"]
    assert len(rows) == 3
    assert rows[2].astext().split("\n\n")[:2] == ["none_", "0.7|0.8"]
