"""The one input check of :mod:`skrebalance.functional` (torch and numpy only).

The estimators and strategies check their parameters with scikit-learn's
``_parameter_constraints`` (``Interval``, ``StrOptions``). The functional layer
imports torch only, so it has this small counterpart with the same semantics:
:func:`check_scalar` is ``Interval(Real or Integral, low, high, closed=...)``,
:func:`check_options` is ``StrOptions``, and both raise
:class:`InvalidParameterError`, a subclass of ``ValueError`` and ``TypeError``
as scikit-learn's error of the same name, with the parameter's name in the
message. Every public function checks its inputs through them, once, unless
called with ``check_input=False`` by a caller that has already checked (a
strategy whose parameters went through ``_parameter_constraints``, a loss
module in its batch loop). The checks that several functions share (counts,
a per-class vector beside the logits, two tensors of one shape) are here
too, once.
"""

import math
from numbers import Integral, Real

import torch


class InvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or out of range (as scikit-learn's)."""


_CLOSED = {"both": ("[", "]"), "left": ("[", ")"), "right": ("(", "]"), "neither": ("(", ")")}


def _prefix(name, caller):
    return f"{caller}: {name}" if caller else name


def check_scalar(value, name, low=None, high=None, closed="both", integral=False,
                 caller=None):
    """Raise unless ``value`` is a real (or integral) number in an interval.

    Parameters
    ----------
    value : object
        The value to check; a 0-d floating tensor counts as a real number.
    name : str
        Parameter name, quoted in the message.
    low, high : float or None, default=None
        Bounds; ``None`` is unbounded.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval (as ``sklearn``'s ``Interval``).
    integral : bool, default=False
        Require an integer (``bool`` is refused either way).
    caller : str or None, default=None
        Function name for the message.

    Returns
    -------
    value
        Unchanged.

    Raises
    ------
    InvalidParameterError
        Not a number (or not an integer with ``integral=True``), outside the
        interval, or NaN.

    Examples
    --------
    >>> check_scalar(0.5, "alpha", 0, 1)
    0.5
    >>> check_scalar(2.0, "alpha", 0, 1, caller="f")
    Traceback (most recent call last):
    ...
    skrebalance.functional._validation.InvalidParameterError: f: alpha must be a float in the range [0, 1], got 2.0.
    """
    kind = "an int" if integral else "a float"
    number = value
    if torch.is_tensor(value) and value.ndim == 0 and not integral:
        number = float(value)
    if isinstance(number, bool) or not isinstance(number, Integral if integral else Real):
        raise InvalidParameterError(f"{_prefix(name, caller)} must be {kind}, got {value!r}.")
    left, right = _CLOSED[closed]
    too_low = low is not None and (number < low if left == "[" else number <= low)
    too_high = high is not None and (number > high if right == "]" else number >= high)
    if too_low or too_high or math.isnan(number):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        left = "(" if low is None else left
        right = ")" if high is None else right
        raise InvalidParameterError(
            f"{_prefix(name, caller)} must be {kind} in the range {left}{lo}, {hi}{right}, "
            f"got {value!r}."
        )
    return value


def check_options(value, name, options, caller=None):
    """Raise unless ``value`` is one of the strings ``options`` (``StrOptions``).

    Examples
    --------
    >>> check_options("mean", "reduction", ("none", "mean", "sum"))
    'mean'
    """
    if not isinstance(value, str) or value not in options:
        choices = ", ".join(repr(o) for o in sorted(options))
        raise InvalidParameterError(
            f"{_prefix(name, caller)} must be a str among {{{choices}}}, got {value!r}."
        )
    return value


def as_vector(values, name, caller=None):
    """``values`` as a non-empty 1-d floating tensor (float64 for non-tensors).

    Examples
    --------
    >>> as_vector([1, 2], "class_counts")
    tensor([1., 2.], dtype=torch.float64)
    """
    if not torch.is_tensor(values):
        try:
            values = torch.as_tensor(values, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise InvalidParameterError(
                f"{_prefix(name, caller)} must be a 1-d array of numbers, got {values!r}."
            ) from exc
    elif not values.is_floating_point():
        values = values.to(torch.float64 if values.device.type == "cpu" else torch.float32)
    if values.ndim != 1 or values.shape[0] == 0:
        raise InvalidParameterError(
            f"{_prefix(name, caller)} must be a non-empty 1-d array, "
            f"got shape {tuple(values.shape)}."
        )
    return values


def check_counts(counts, name, caller=None):
    """Raise unless the tensor ``counts`` holds finite, non-negative numbers.

    One host synchronisation.

    Examples
    --------
    >>> import torch
    >>> check_counts(torch.tensor([3.0, -1.0]), "class_counts", "f")
    Traceback (most recent call last):
    ...
    skrebalance.functional._validation.InvalidParameterError: f: class_counts must hold finite, non-negative counts.
    """
    if not bool(torch.isfinite(counts).all()) or bool((counts < 0).any()):
        raise InvalidParameterError(
            f"{_prefix(name, caller)} must hold finite, non-negative counts."
        )
    return counts


def check_class_vector(logits, vector, name, caller=None):
    """Raise unless ``logits`` has shape (n, C) and the per-class ``vector`` shape (C,).

    Examples
    --------
    >>> import torch
    >>> check_class_vector(torch.zeros(4, 3), torch.zeros(2), "margins", "f")
    Traceback (most recent call last):
    ...
    skrebalance.functional._validation.InvalidParameterError: f: margins must have shape (3,) for logits of shape (4, 3), got (2,).
    """
    if logits.ndim != 2 or vector.shape != (logits.shape[1],):
        raise InvalidParameterError(
            f"{_prefix(name, caller)} must have shape ({logits.shape[-1]},) for logits of "
            f"shape {tuple(logits.shape)}, got {tuple(vector.shape)}."
        )
    return vector


def check_same_shape(a, b, names, caller=None):
    """Raise unless the tensors ``a`` and ``b``, named ``names``, have the same shape.

    Examples
    --------
    >>> import torch
    >>> check_same_shape(torch.zeros(2), torch.zeros(3), ("hits", "rows"), "f")
    Traceback (most recent call last):
    ...
    skrebalance.functional._validation.InvalidParameterError: f: hits and rows must have the same shape, got (2,) and (3,).
    """
    if a.shape != b.shape:
        raise InvalidParameterError(
            f"{_prefix(' and '.join(names), caller)} must have the same shape, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}."
        )
