"""Documentation pages for the committed benchmark summaries.

The benchmark scripts write Markdown summaries under ``benchmarks/results/``.
:func:`write_benchmark_pages` gives each one a page of the documentation: a
small MyST stub that includes the summary as it is (myst-parser renders the
Markdown; its images are resolved next to it) and offers the CSV files beside
it as downloads. A folder's ``README.md`` is the parent page of the folder's
other summaries. The stubs are rewritten at every build, so a new summary
appears without editing the documentation.
"""

import os
import re
from pathlib import Path

README = "readme.md"


def write_benchmark_pages(results_dir, pages_dir, toctree_file, srcdir):
    """Write one page per Markdown summary and the toctree that lists them.

    Parameters
    ----------
    results_dir : path-like
        Folder of the committed results (``benchmarks/results``); every
        ``*.md`` below it becomes a page.
    pages_dir : path-like
        Folder of the generated pages (inside the documentation source).
        Pages of summaries that no longer exist are removed.
    toctree_file : path-like
        rst snippet written with the toctree of the top-level pages (or a
        note when no summary is committed); the benchmark page includes it.
    srcdir : path-like
        The documentation source folder (the toctree names pages from it).

    Returns
    -------
    list of str
        The names of the pages written.
    """
    results_dir, pages_dir, toctree_file = Path(results_dir), Path(pages_dir), Path(toctree_file)
    pages_dir.mkdir(parents=True, exist_ok=True)
    summaries = sorted(results_dir.rglob("*.md")) if results_dir.is_dir() else []
    written = []

    def folder_pages(folder):
        """Top-level page names of ``folder``, writing its pages on the way."""
        mds = [m for m in summaries if m.parent == folder]
        readme = next((m for m in mds if m.name.lower() == README), None)
        subfolders = {folder / m.relative_to(folder).parts[0]
                      for m in summaries if m.parent != folder and folder in m.parents}
        # (order, pages) of each summary and sub-folder of the folder
        items = [(_page_order(m), [_write(pages_dir, m, results_dir, (), written)])
                 for m in mds if m is not readme]
        items += [(_page_order(sub / README), folder_pages(sub)) for sub in subfolders]
        children = [name for _, names in sorted(items) for name in names]
        if readme is None:
            return children
        return [_write(pages_dir, readme, results_dir, children, written)]

    top = folder_pages(results_dir)
    for stale in set(pages_dir.glob("*.md")) - {pages_dir / f"{name}.md" for name in written}:
        stale.unlink()
    rel = _relpath(pages_dir, srcdir).replace(os.sep, "/")
    if top:
        lines = [".. toctree::", "   :maxdepth: 2", "   :titlesonly:", ""] + [f"   /{rel}/{name}" for name in top]
    else:
        lines = [
            ".. note::",
            "",
            "   No benchmark results are committed yet (``benchmarks/results/`` holds",
            "   no Markdown summary). Run the commands above to produce them.",
        ]
    _write_if_changed(toctree_file, "\n".join(lines) + "\n")
    return written


def benchmark_page(md, results_dir, pages_dir, children=()):
    """The MyST text of the page of summary ``md``.

    Parameters
    ----------
    md : Path
        The summary.
    results_dir : Path
        The results folder (names the summary in the page).
    pages_dir : Path
        The folder the page is written to (paths are relative to it).
    children : sequence of str, default=()
        Page names listed in a toctree below the summary.

    Returns
    -------
    str

    Examples
    --------
    >>> from pathlib import Path
    >>> print(benchmark_page(Path("/r/uci/t4/summary.md"), Path("/r"), Path("/d/gen")))
    ... # doctest: +NORMALIZE_WHITESPACE
    # Uci / t4
    <BLANKLINE>
    ```{include} ../../r/uci/t4/summary.md
    :relative-images:
    ```
    <BLANKLINE>
    Source: `benchmarks/results/uci/t4/summary.md`.
    <BLANKLINE>
    """
    path = _relpath(md, pages_dir).replace(os.sep, "/")
    text = md.read_text(encoding="utf-8") if md.exists() else ""
    # the summary's own "# Title" is the page title; without one, its path is
    has_title = re.match(r"\A\s*#\s+\S", text) is not None
    lines = []
    if not has_title:
        lines += [f"# {_title(md, results_dir)}", ""]
    lines += ["```{include} " + path, ":relative-images:", "```", "", f"Source: `benchmarks/results/{md.relative_to(results_dir).as_posix()}`."]
    csvs = [c for c in sorted(md.parent.glob("*.csv")) if _owner(c, md.parent) == md]
    if csvs:
        folder = _relpath(md.parent, pages_dir).replace(os.sep, "/")
        links = ", ".join(f"{{download}}`{c.name} <{folder}/{c.name}>`" for c in csvs)
        lines[-1] += f" Raw results: {links}."
    if children:
        lines += ["", "```{toctree}", ":maxdepth: 1", ""] + list(children) + ["```"]
    return "\n".join(lines) + "\n"


def _write(pages_dir, md, results_dir, children, written):
    name = _page_name(md, results_dir)
    _write_if_changed(pages_dir / f"{name}.md", benchmark_page(md, results_dir, pages_dir, children))
    written.append(name)
    return name


def _write_if_changed(path, text):
    # an unchanged page keeps its mtime, so Sphinx does not re-read it
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _page_name(md, results_dir):
    """``uci/table4/summary.md`` -> ``uci-table4``, ``speed/README.md`` -> ``speed``,
    ``speed/speed_cpu.md`` -> ``speed_cpu``, ``ghm_ablation/ghm_ablation.md`` ->
    ``ghm_ablation``."""
    parts = list(md.relative_to(results_dir).with_suffix("").parts)
    if len(parts) > 1 and parts[-1].lower() in ("summary", "readme", "index"):
        parts = parts[:-1]
    elif len(parts) > 1 and parts[-1].startswith(parts[-2]):
        parts = parts[:-2] + parts[-1:]
    elif len(parts) > 1 and parts[-2].startswith(parts[-1]):
        parts = parts[:-1]  # "subclass_simulation_paper_profile/subclass_simulation.md"
    name = "-".join(parts)
    folder = "-".join(md.parent.relative_to(results_dir).parts)
    has_readme = any(m.name.lower() == README for m in md.parent.glob("*.md"))
    if md.name.lower() != README and name == folder and has_readme:
        # the folder's README has that name: the summary keeps its full path
        name = "-".join(md.relative_to(results_dir).with_suffix("").parts)
    return name


def _title(md, results_dir):
    title = _page_name(md, results_dir).replace("-", " / ").replace("_", " ")
    return title[:1].upper() + title[1:]


def _owner(csv, folder):
    """The summary a CSV file belongs to: the ``.md`` beside it whose name is
    the longest prefix of the CSV's (``speed_cpu_raw.csv`` -> ``speed_cpu.md``,
    ``speed_cpu_1e6_b1024.csv`` -> ``speed_cpu_1e6_b1024.md``); the only
    summary of the folder when no name matches (``folds.csv`` -> ``summary.md``).
    """
    mds = sorted(folder.glob("*.md"))
    prefixed = [
        m for m in mds if csv.stem == m.stem or csv.stem.startswith(m.stem + "_")
    ]
    if prefixed:
        return max(prefixed, key=lambda m: len(m.stem))
    return mds[0] if len(mds) == 1 else None


def _page_order(md):
    """Quality (UCI/KEEL) results first, then speed, then the rest by path;
    a folder's README before the folder's other summaries."""
    path = md.as_posix().lower()
    group = 0 if "uci" in path else 1 if "speed" in path else 2
    return (group, md.name.lower() != README, path)


def _relpath(path, start):
    return os.path.relpath(Path(path).resolve(), Path(start).resolve())
