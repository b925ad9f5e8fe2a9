"""Turn the benchmark's Markdown summaries into reStructuredText (no new deps).

Only the subset of Markdown the benchmark scripts write is understood:
ATX headings, pipe tables, fenced code blocks, bullet lists, images, links,
inline code, and paragraphs. Anything else passes through as plain text.
"""

import os
import re
from pathlib import Path

_ADORN = "=-~^\"'"
_FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)[^)]*\)\s*$")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


_BEFORE_OK = " \t'\"([{<-/:"
_AFTER_OK = " \t-.,:;!?\\/'\")]}>"


def _inline(text):
    """Inline Markdown to rst: code spans, links, trailing underscores."""
    parts = re.split(r"(`[^`]+`)", text)
    out = ""
    for k, part in enumerate(parts):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            # rst inline markup must be delimited by space or punctuation
            if out and out[-1] not in _BEFORE_OK:
                out += "\\ "
            out += "``" + part[1:-1].strip() + "``"
            after = parts[k + 1][:1] if k + 1 < len(parts) else ""
            if after and after not in _AFTER_OK:
                out += "\\ "
            continue
        part = part.replace("\\", "\\\\")
        part = re.sub(r"(\w)_(?=\W|$)", r"\1\\_", part)  # "foo_" is an rst reference
        part = part.replace("|", "\\|")
        part = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"`\1 <\2>`__", part)
        out += part
    return out


def _cells(line):
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def _table(rows):
    header, body = rows[0], rows[2:]
    ncol = len(header)
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + body:
        row = (row + [""] * ncol)[:ncol]
        for j, cell in enumerate(row):
            lead = "   * - " if j == 0 else "     - "
            lines.append(lead + (_inline(cell) or "\\ "))
    return lines + [""]


def _lexer(lang):
    try:
        from pygments.lexers import get_lexer_by_name

        get_lexer_by_name(lang)
        return lang
    except Exception:
        return "text"


def md_to_rst(text, level_offset=0, image_root=""):
    """Convert a Markdown document to reStructuredText lines.

    Parameters
    ----------
    text : str
        The Markdown text.
    level_offset : int, default=0
        Added to every heading level (``#`` becomes level ``1 + level_offset``).
    image_root : str, default=""
        Prefix for relative image and download paths (rst paths are relative
        to the including document).
    """
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line.strip())
        if fence:
            lang = _lexer(fence.group(2) or "text")
            out += ["", f".. code-block:: {lang}", ""]
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                out.append("   " + lines[i])
                i += 1
            out.append("")
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            level = min(len(heading.group(1)) - 1 + level_offset, len(_ADORN) - 1)
            title = _inline(heading.group(2))
            out += ["", title, _ADORN[level] * max(len(title), 3), ""]
            i += 1
            continue
        if line.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out += [""] + _table(rows)
            continue
        image = _IMAGE.match(line.strip())
        if image:
            src = image.group(2)
            if not re.match(r"^[a-z]+://", src):
                src = image_root + src
            out += ["", f".. image:: {src}", f"   :alt: {image.group(1) or 'figure'}", ""]
            i += 1
            continue
        bullet = re.match(r"^(\s*)[-*+]\s+(.*)$", line)
        if bullet:
            if out and out[-1].strip() and not out[-1].lstrip().startswith("- "):
                out.append("")
            indent = "  " * (len(bullet.group(1)) // 2)
            out.append(f"{indent}- {_inline(bullet.group(2))}")
            i += 1
            continue
        if not line.strip():
            out.append("")
        else:
            if out and out[-1].lstrip().startswith("- "):
                # lazy continuation of a bullet item
                out[-1] += " " + _inline(line.strip())
            else:
                out.append(_inline(line.strip()))
        i += 1
    return out


def write_benchmark_page(results_dir, target):
    """Write the rst body of the benchmark results page from ``results_dir``.

    Every ``*.md`` file under ``results_dir`` (sub-folders included, e.g.
    ``speed/speed_cpu.md``) becomes a section, its own headings one level down;
    images it shows are resolved next to it, and the CSV files beside it are
    offered as downloads. Without results the page says how to produce them.
    """
    results_dir = Path(results_dir)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    docs = target.parent.parent
    out = []
    summaries = sorted(results_dir.rglob("*.md"), key=_page_order) if results_dir.is_dir() else []
    if not summaries:
        out += [
            ".. note::",
            "",
            "   No benchmark results are committed yet (``benchmarks/results/`` holds",
            "   no Markdown summary). Run the commands above to produce them.",
            "",
        ]
    for md in summaries:
        rel_md = md.relative_to(results_dir)
        # "/..." in rst paths is relative to the documentation root
        folder = "/" + _relpath(md.parent, docs).replace(os.sep, "/")
        parts = list(rel_md.with_suffix("").parts)
        if len(parts) > 1 and parts[-1].lower() in ("summary", "readme", "index", parts[-2]):
            parts = parts[:-1]  # "uci/table4/summary.md" is "uci / table4"
        title = " / ".join(parts).replace("_", " ")
        out += ["", title, "~" * max(len(title), 3), ""]
        out += [f"Source: ``benchmarks/results/{rel_md.as_posix()}``.", ""]
        text = md.read_text(encoding="utf-8")
        # a leading "# Title" is the section title already
        text = re.sub(r"\A\s*#\s+[^\n]*\n", "", text)
        out += md_to_rst(text, level_offset=2, image_root=folder + "/")
        csvs = [c for c in sorted(md.parent.glob("*.csv")) if _owner(c, md.parent) == md]
        if csvs:
            links = ", ".join(f":download:`{c.name} <{folder}/{c.name}>`" for c in csvs)
            out += ["", f"Raw results: {links}.", ""]
    text = "\n".join(out).rstrip() + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


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
    """Quality (UCI/KEEL) results first, then speed, then the rest by path."""
    path = md.as_posix().lower()
    group = 0 if "uci" in path else 1 if "speed" in path else 2
    # a folder's README comes before the summaries of its sub-folders
    return (group, md.parent.as_posix().lower(), md.stem.lower() != "readme", path)


def _relpath(path, start):
    return os.path.relpath(Path(path).resolve(), Path(start).resolve())
