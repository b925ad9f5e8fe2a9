"""Parsers of the raw KEEL and UCI files shipped by the data packages.

A reader takes the absolute paths of a data set's files and its feature names
and returns ``(frame, labels, categories, descr)``: ``frame`` a DataFrame of
float columns (numeric attributes) and string columns (nominal ones, with
missing cells as NaN), ``labels`` a Series of strings, ``categories`` maps each
nominal column to its declared categories (None: sorted observed ones) and
``descr`` an extra description (empty for files).
"""

from __future__ import annotations

import io
import re

import pandas as pd

_MISSING_TOKENS = ("?", "<null>", "")

_ATTR_RE = re.compile(
    r"^@attribute\s+(?P<name>'[^']*'|\"[^\"]*\"|[^\s{\[]+)\s*(?P<spec>.*)$", re.I
)


def strip_frame(frame):
    """Strip whitespace of every (string) cell and turn missing tokens into NaN."""
    out = {}
    for col in frame.columns:
        s = frame[col].astype(str).str.strip()
        out[col] = s.mask(s.isin(_MISSING_TOKENS))
    return pd.DataFrame(out, index=frame.index)


def _parse_header(lines, source):
    """``(attributes, inputs, outputs, first data line)`` of a KEEL header."""
    attrs = []  # (name, kind, declared categories or None)
    inputs = outputs = None
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        low = line.lower()
        if low.startswith("@data"):
            if not attrs:
                break
            return attrs, inputs, outputs, i + 1
        if low.startswith("@attribute"):
            m = _ATTR_RE.match(line)
            if m is None:
                raise ValueError(f"{source}: cannot parse line {i + 1}: {raw!r}")
            name = m.group("name").strip("'\"")
            spec = m.group("spec").strip()
            if spec.startswith("{"):
                body = spec[1:].rsplit("}", 1)[0]
                cats = [c.strip().strip("'\"") for c in body.split(",")]
                attrs.append((name, "nominal", [c for c in cats if c]))
            elif spec.split("[")[0].strip().lower() in ("real", "integer", "numeric"):
                attrs.append((name, "numeric", None))
            else:  # e.g. "string": treated as nominal with observed categories
                attrs.append((name, "nominal", None))
        elif low.startswith("@input") or low.startswith("@output"):
            parts = line.split(None, 1)
            names = [p.strip() for p in parts[1].split(",")] if len(parts) > 1 else []
            if low.startswith("@input"):
                inputs = names
            else:
                outputs = names
    raise ValueError(f"{source}: not a KEEL .dat file (no @attribute/@data).")


def parse_keel_text(text, source):
    """Parse the text of a KEEL ``.dat`` file.

    Returns ``(inputs, labels, categories)`` where ``inputs`` is a DataFrame of
    float columns (numeric attributes) and string columns (nominal ones),
    ``labels`` a Series of strings and ``categories`` maps each nominal input
    attribute to its declared categories.
    """
    lines = text.splitlines()
    attrs, inputs, outputs, data_start = _parse_header(lines, source)
    names = [a[0] for a in attrs]
    table = pd.read_csv(
        io.StringIO("\n".join(lines[data_start:])),
        header=None,
        dtype=str,
        na_filter=False,
        skip_blank_lines=True,
        comment="%",
    )
    if table.shape[1] != len(names):
        raise ValueError(
            f"{source}: {table.shape[1]} fields per data row but "
            f"{len(names)} attributes declared."
        )
    table.columns = names
    table = strip_frame(table)

    lower = {n.lower(): n for n in names}

    def _find(n):
        if n in names:
            return n
        if n.lower() in lower:
            return lower[n.lower()]
        raise ValueError(f"{source}: unknown attribute {n!r} in @inputs/@outputs.")

    output = _find(outputs[0]) if outputs else names[-1]
    if outputs and len(outputs) > 1:
        raise ValueError(f"{source}: multi-output KEEL files are not supported.")
    input_names = [_find(n) for n in inputs] if inputs else [n for n in names if n != output]

    kinds = {a[0]: (a[1], a[2]) for a in attrs}
    columns = {}
    categories = {}
    for n in input_names:
        kind, cats = kinds[n]
        if kind == "numeric":
            try:
                columns[n] = pd.to_numeric(table[n]).astype("float64")
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{source}: non-numeric value in attribute {n!r}: {exc}")
        else:
            columns[n] = table[n]
            categories[n] = cats
    frame = pd.DataFrame(columns, index=table.index)
    return frame, table[output], categories


def read_text(path):
    """File contents as text (UTF-8, else Latin-1)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_keel_dat(paths, feature_names=None):
    """Reader of a KEEL ``.dat`` file with its ``@attribute`` header."""
    frame, labels, categories = parse_keel_text(read_text(paths[0]), paths[0])
    return frame, labels, categories, ""


def read_headerless(
    paths, feature_names=None, *, sep=",", drop_first=False, categories=None
):
    """Reader of raw CSV-like files without header; the last column is the class.

    The rows of several files are concatenated. ``drop_first`` drops a leading
    identifier column. Columns named in ``categories`` are nominal with those
    categories first; any other column that does not parse as numbers is
    nominal with its sorted observed categories. Columns are named
    ``feature_names`` when their number matches, else ``A1, A2, ...``.
    """
    declared = dict(categories or {})
    frames = [
        pd.read_csv(
            path, header=None, sep=sep, dtype=str, na_filter=False, skipinitialspace=True
        )
        for path in paths
    ]
    table = strip_frame(pd.concat(frames, ignore_index=True))
    if drop_first:
        table = table.iloc[:, 1:]
    labels = table.iloc[:, -1]
    raw_inputs = table.iloc[:, :-1]
    n_in = raw_inputs.shape[1]
    names = list(feature_names) if feature_names is not None else None
    if names is None or len(names) != n_in:
        names = [f"A{i + 1}" for i in range(n_in)]
    columns = {}
    cats = {}
    for j, n in enumerate(names):
        col = raw_inputs.iloc[:, j]
        numeric = None
        if n not in declared:
            try:
                numeric = pd.to_numeric(col).astype("float64")
            except (ValueError, TypeError):
                numeric = None
        if numeric is None:
            columns[n] = col
            cats[n] = list(declared[n]) if n in declared else None
        else:
            columns[n] = numeric
    frame = pd.DataFrame(columns, index=table.index)
    return frame, labels, cats, ""
