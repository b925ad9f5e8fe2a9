"""What every benchmark script shares: the net, strategy specs, threads, signals, Markdown.

The benchmarks of this folder (the packages ``uci``, ``speed``, ``subclass`` and the
scripts ``class_level.py``, ``long_tail_recall.py``, ``decision_rule.py``) import it by its
name: Python puts a script's own folder first on ``sys.path``, and the tests
add the folder through pytest's ``pythonpath`` setting.

- :func:`make_net`: the one net factory (an option left at ``None`` keeps the
  classifier's own default, so ``make_net()`` is the package's default as shipped).
- :func:`parse_strategy`: ``"label=name:param=value,..."`` strategy specs.
- :func:`torch_threads`: torch's intra-op threads (and the BLAS pools) limited
  inside a block; a small net on a busy machine runs many times slower with the
  default thread count.
- :func:`stop_signals`, :func:`interruption_guard`, :class:`Interrupted`:
  SIGINT/SIGTERM as a clean stop, and a fit cut short told from a finished one,
  although skorch's ``fit`` swallows the ``KeyboardInterrupt`` and returns.
- :func:`markdown_table`, :func:`mean_std`, :func:`run_header`: the reports.
"""

import argparse
import ast
import os
import platform
import shlex
import signal
import threading
from contextlib import contextmanager

import numpy as np
import torch

# ---------------------------------------------------------------------------
# The net


def make_net(strategy=None, params=None, *, hidden_units=None, epochs=None, lr=None,
             batch_size=None, device=None, random_state=None, net_class=None, **kwargs):
    """A :class:`~skrebalance.RebalancedNetClassifier` for a benchmark.

    Every option left at ``None`` is not passed, so the classifier's own
    default applies; ``params`` are the strategy's own parameters (passed as
    ``strategy__<name>``) and ``kwargs`` go to the classifier unchanged.
    """
    if net_class is None:
        from skrebalance import RebalancedNetClassifier as net_class
    given = dict(strategy=strategy, module__hidden_units=hidden_units, max_epochs=epochs,
                 lr=lr, batch_size=batch_size, device=device, random_state=random_state)
    options = {k: (tuple(v) if k == "module__hidden_units" else v)
               for k, v in given.items() if v is not None}
    options.update({f"strategy__{k}": v for k, v in (params or {}).items()})
    options.update(strategy_module_params(strategy))
    options.update(kwargs)
    return net_class(**options)


def strategy_module_params(strategy):
    """``module__*`` parameters a strategy needs (its ``module_params()``), e.g. TDE's head.

    ``strategy`` is a registered name, a list of names, or anything else
    (``None``, an instance), which needs none here.
    """
    from skrebalance.strategies import available, get_strategy_class

    names = strategy if isinstance(strategy, (list, tuple)) else [strategy]
    params = {}
    for name in names:
        if isinstance(name, str) and name in available():
            params.update(get_strategy_class(name)().module_params())
    return {f"module__{key}": value for key, value in params.items()}


# ---------------------------------------------------------------------------
# Strategy specs


def parse_strategy(spec):
    """``"label=name:a=1,b='x'"`` -> ``("label", "name", {"a": 1, "b": "x"})``.

    The label is optional (``"name:a=1"`` is labelled ``name``); values are
    Python literals, or strings when they are not.
    """
    head = spec.partition(":")[0]  # a label, if any, stands before the name's colon
    label, sep, rest = spec.partition("=") if "=" in head else ("", "", spec)
    if not sep:
        label = rest.partition(":")[0]
    name, _, params_text = rest.partition(":")
    params = {}
    for item in filter(None, params_text.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected param=value in {spec!r}, got {item!r}")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[key.strip()] = value.strip()
    return label.strip(), name.strip(), params


def strategy_text(name, params):
    """``name:param=value,...`` (the spec without its label)."""
    return name + (":" + ",".join(f"{k}={v!r}" for k, v in params.items()) if params else "")


# ---------------------------------------------------------------------------
# Threads


@contextmanager
def torch_threads(threads=1, blas=False):
    """Limit torch's intra-op threads (and, with ``blas``, the BLAS/OpenMP pools).

    ``threads`` 0 or None keeps the libraries' defaults. The previous torch
    setting is restored on exit.
    """
    if not threads:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        if blas:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=threads):
                yield
        else:
            yield
    finally:
        torch.set_num_threads(previous)


# ---------------------------------------------------------------------------
# Signals


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived during a fit: its result must not be recorded."""


@contextmanager
def stop_signals():
    """Within the block, SIGINT and SIGTERM raise ``KeyboardInterrupt`` and are noted.

    Yields the list of the names of the signals received. The previous handlers
    are restored on exit. Outside the main thread (where Python delivers no
    signal) nothing is installed.
    """
    received = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum, frame):
        received.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def interruption_guard():
    """Raise :class:`Interrupted` on leaving the block if a signal arrived in it.

    Works for any estimator: the signal is noted by the handler, whether the
    ``KeyboardInterrupt`` it raised propagated (scikit-learn) or was swallowed
    (skorch returns a half-trained net). A ``KeyboardInterrupt`` raised without
    a signal, such as skorch's ``EarlyStopping`` ends training with, is not an
    interruption.
    """
    with stop_signals() as received:
        try:
            yield
        except KeyboardInterrupt:
            if not received:
                raise
        if received:
            raise Interrupted(received[0])


# ---------------------------------------------------------------------------
# Reports


def markdown_table(header, rows):
    """A Markdown table (cells formatted by ``str``)."""
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def mean_std(mean, std, digits=3, bold=False):
    """``"mean ± std"`` (``–`` for a missing mean, std 0 when undefined)."""
    if mean is None or not np.isfinite(mean):
        return "–"
    std = 0.0 if std is None or not np.isfinite(std) else std
    text = f"{mean:.{digits}f} ± {std:.{digits}f}"
    return f"**{text}**" if bold else text


def command_line(script, argv):
    """The command that ran ``benchmarks/<script>`` with ``argv``."""
    return " ".join(["python", f"benchmarks/{script}", shlex.join(argv)]).rstrip()


def machine_description(device="cpu"):
    """CPU model, cores and memory (GPU name on CUDA) and the library versions."""
    import sklearn
    import skorch

    import skrebalance

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    parts = [f"{cpu}, {os.cpu_count()} logical cores"]
    try:
        import psutil

        parts[0] += f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        pass
    if torch.device(device).type == "cuda":
        parts.append(f"GPU {torch.cuda.get_device_name()}")
    parts.append(f"python {platform.python_version()}, torch {torch.__version__}, skorch "
                 f"{skorch.__version__}, scikit-learn {sklearn.__version__}, numpy "
                 f"{np.__version__}, skrebalance {skrebalance.__version__}")
    return "; ".join(parts)


def run_header(script, argv, device="cpu"):
    """The Markdown lines every result file starts with: command and machine."""
    return [f"Command: `{command_line(script, argv)}`", "",
            f"Machine: {machine_description(device)}.", ""]
