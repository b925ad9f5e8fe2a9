"""Result store of the UCI/KEEL benchmark: a finished job is stored whole or not at all.

Everything a run records lives in ``store.sqlite`` in the output folder: SQLite in
WAL mode with ``synchronous=FULL``, one transaction per record, so a process killed
at any moment (SIGKILL, power loss) leaves every record either complete or absent.
Each record is the JSON text of its values next to its SHA-256 checksum; on
opening, every record is read back and checked (checksum, JSON, key fields), and
one that fails is reported, deleted, and so its job is run again. A database
SQLite itself cannot read is moved aside (``store.sqlite.corrupt-N``), reported,
and rebuilt from the ``folds.csv`` export.

Three kinds of records: ``row`` (one job's scores), ``run`` (command, wall time)
and ``config`` (the settings a rerun must match). They are exported, each file
written to a temporary name and then renamed over the old one, as ``folds.csv``
(one row per job, its checksum in the last column), ``runs.jsonl`` and
``config.json``. A folder holding only those files (from an older version of
the benchmark, or after the database was lost) is imported record by record
with the same checks: a row cut short or glued to the next one is reported and
its job redone.
"""

import csv
import hashlib
import io
import json
import math
import os
import sqlite3

import numpy as np
import pandas as pd

DB_NAME = "store.sqlite"
CSV_NAME = "folds.csv"
RUNS_NAME = "runs.jsonl"
CONFIG_NAME = "config.json"
KINDS = ("row", "run", "config")


def _plain(value):
    """A JSON-friendly value: numpy scalars as Python ones, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cells_digest(cells):
    return _digest("\x1f".join(cells))[:16]


def _write_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file renamed over it."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class ResultStore:
    """The records of one output folder (see the module docstring).

    Parameters
    ----------
    folder : str or Path
        Output folder of the run (created by the caller).
    key : tuple of str
        Fields that name a job (``dataset, method, repeat, fold``); the last
        two are integers.
    columns : tuple of str
        Every field of a row, in CSV order (``key`` first).
    text_columns : tuple of str
        Fields that are text; the others (besides the key) are numbers.

    Attributes
    ----------
    problems : list of str
        What was found wrong on opening (each with what was done about it).
    """

    def __init__(self, folder, key, columns, text_columns):
        self.folder = os.fspath(folder)
        self.key, self.columns = tuple(key), tuple(columns)
        self.text_columns = set(text_columns) | set(key[:2])
        self.path = os.path.join(self.folder, DB_NAME)
        self.csv_path = os.path.join(self.folder, CSV_NAME)
        self.problems = []
        fresh = not os.path.exists(self.path)
        self._conn = self._connect()
        if fresh:
            self._import_exports()
        self._check_records()

    # -- database -----------------------------------------------------------

    def _connect(self):
        try:
            conn = self._open()
            status = conn.execute("PRAGMA quick_check").fetchone()[0]
            if status == "ok":
                return conn
            conn.close()
            reason = status
        except sqlite3.DatabaseError as exc:
            reason = str(exc)
        aside = self._move_aside()
        self.problems.append(f"{self.path} could not be read ({reason}): moved to {aside}; "
                             f"rebuilt from {CSV_NAME} where it holds the rows.")
        conn = self._open()
        self._import_exports()
        return conn

    def _open(self):
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY "
                     "AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT, checksum TEXT)")
        return conn

    def _move_aside(self):
        n = 1
        while os.path.exists(f"{self.path}.corrupt-{n}"):
            n += 1
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.replace(self.path + suffix, f"{self.path}.corrupt-{n}{suffix}")
        return f"{self.path}.corrupt-{n}"

    def _insert(self, kind, record):
        payload = json.dumps({k: _plain(v) for k, v in record.items()}, sort_keys=True)
        with self._conn:  # one transaction: the record is stored whole or not at all
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("INSERT INTO records (kind, payload, checksum) VALUES (?, ?, ?)",
                               (kind, payload, _digest(payload)))

    def _records(self, kind):
        rows = self._conn.execute(
            "SELECT payload FROM records WHERE kind = ? ORDER BY id", (kind,))
        return [json.loads(payload) for (payload,) in rows]

    def _check_records(self):
        """Delete (and report) every record that fails its checks."""
        bad = []
        for rid, kind, payload, digest in self._conn.execute(
                "SELECT id, kind, payload, checksum FROM records ORDER BY id"):
            reason, record = self._verify(kind, payload, digest)
            if reason:
                bad.append(rid)
                self.problems.append(f"record {rid} of {self.path} ({self._describe(record)}) "
                                     f"is unreadable ({reason}): deleted, its job is redone.")
        if bad:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("DELETE FROM records WHERE id = ?", [(i,) for i in bad])

    def _verify(self, kind, payload, digest):
        if kind not in KINDS:
            return f"unknown kind {kind!r}", None
        if not isinstance(payload, str) or digest != _digest(payload):
            return "checksum mismatch", _try_json(payload)
        try:
            record = json.loads(payload)
        except ValueError:
            return "not JSON", None
        if not isinstance(record, dict):
            return "not a record", None
        if kind == "row":
            return self._row_problem(record), record
        return "", record

    def _row_problem(self, row):
        for name in self.key[:2]:
            if not isinstance(row.get(name), str) or not row[name]:
                return f"no {name}"
        for name in self.key[2:]:
            if not isinstance(row.get(name), int) or isinstance(row[name], bool):
                return f"{name} is not an integer"
        for name in self.columns:
            value = row.get(name)
            if name in self.key or value is None:
                continue
            wanted = str if name in self.text_columns else (int, float)
            if not isinstance(value, wanted) or isinstance(value, bool):
                return f"{name} is {value!r}"
        return ""

    def _describe(self, record):
        if isinstance(record, dict) and all(k in record for k in self.key):
            return "job " + "/".join(str(record[k]) for k in self.key)
        return "job unknown"

    # -- public API ----------------------------------------------------------

    def append(self, row):
        """Store the row of one finished job (atomically)."""
        self._insert("row", {k: row.get(k) for k in self.columns})

    def add_run(self, run):
        """Store the description of one run (command, wall time, ...)."""
        self._insert("run", run)

    def runs(self):
        return self._records("run")

    def config(self):
        """The stored settings, or None before the first run."""
        configs = self._records("config")
        return configs[-1] if configs else None

    def set_config(self, config):
        self._insert("config", config)

    def read(self):
        """Every stored row, in the order written, as a DataFrame."""
        rows = self._records("row")
        frame = pd.DataFrame(rows, columns=list(self.columns))
        for name in self.columns:
            if name not in self.text_columns and name not in self.key:
                frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
        return frame

    def results(self):
        """Successful rows, the last one per job when a job was rerun."""
        rows = self.read()
        ok = rows[rows["error"].isna() | (rows["error"].astype(str) == "")]
        return ok.drop_duplicates(subset=list(self.key), keep="last").reset_index(drop=True)

    def finished(self):
        """Keys of the jobs with a successful row."""
        res = self.results()
        return {tuple(_key_value(v) for v in values)
                for values in zip(*(res[k] for k in self.key))}

    def export(self):
        """Write ``folds.csv``, ``runs.jsonl`` and ``config.json`` (each atomically)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*self.columns, "checksum"])
        for row in self._records("row"):
            cells = ["" if row.get(k) is None else str(row[k]) for k in self.columns]
            writer.writerow([*cells, _cells_digest(cells)])
        _write_atomic(self.csv_path, out.getvalue())
        runs = "".join(json.dumps(run) + "\n" for run in self.runs())
        _write_atomic(os.path.join(self.folder, RUNS_NAME), runs)
        config = self.config()
        if config is not None:
            _write_atomic(os.path.join(self.folder, CONFIG_NAME),
                          json.dumps(config, indent=2) + "\n")

    def close(self):
        self._conn.close()

    # -- import of the exported files ----------------------------------------

    def _import_exports(self):
        """Rebuild the records from folds.csv, runs.jsonl and config.json, if present."""
        config_path = os.path.join(self.folder, CONFIG_NAME)
        if os.path.exists(config_path):
            try:
                self.set_config(json.loads(_read_text(config_path)))
            except ValueError as exc:
                self.problems.append(f"{config_path} is unreadable ({exc}): ignored.")
        runs_path = os.path.join(self.folder, RUNS_NAME)
        if os.path.exists(runs_path):
            for n, line in enumerate(_read_text(runs_path).splitlines(), 1):
                try:
                    self.add_run(json.loads(line)) if line.strip() else None
                except ValueError:
                    self.problems.append(f"line {n} of {runs_path} is unreadable: ignored.")
        if os.path.exists(self.csv_path):
            self._import_csv(_read_text(self.csv_path))

    def _import_csv(self, text):
        records = list(csv.reader(io.StringIO(text)))
        if not records:
            return
        header, body = records[0], records[1:]
        missing = [k for k in self.key if k not in header]
        if missing:
            self.problems.append(f"{self.csv_path} has no {missing} column: not imported.")
            return
        torn_tail = not text.endswith("\n")  # a row cut short by a crash mid-write
        for n, cells in enumerate(body, 2):
            reason = "cut short (no line end)" if torn_tail and n == len(records) else ""
            row = None
            if not reason:
                row, reason = self._parse_csv_row(header, cells)
            if reason:
                self.problems.append(f"line {n} of {self.csv_path} is unreadable ({reason}): "
                                     "skipped, its job is redone.")
                continue
            self.append(row)

    def _parse_csv_row(self, header, cells):
        if len(cells) != len(header):
            return None, f"{len(cells)} fields, {len(header)} expected"
        fields = dict(zip(header, cells))
        if "checksum" in fields:
            own = [fields[k] for k in header if k != "checksum"]
            if fields["checksum"] != _cells_digest(own):
                return None, "checksum mismatch"
        row = {}
        for name in self.columns:
            cell = fields.get(name, "")
            try:
                row[name] = _parse_cell(name, cell, self.key, self.text_columns)
            except ValueError:
                return None, f"{name} is {cell!r}"
        return row, self._row_problem(row)


def _parse_cell(name, cell, key, text_columns):
    if cell == "":
        return None if name not in text_columns or name in key else ""
    if name in text_columns:
        return cell
    number = float(cell)
    if name in key:
        if not number.is_integer():
            raise ValueError(cell)
        return int(number)
    return number


def _key_value(value):
    return int(value) if isinstance(value, (int, float, np.number)) else str(value)


def _try_json(payload):
    try:
        return json.loads(payload)
    except (TypeError, ValueError):
        return None


def _read_text(path):
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        return fh.read()
