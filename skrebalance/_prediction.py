"""The prediction surface of the classifier: probabilities, labels, scores.

Every path goes through the strategies' prediction hooks
(``adjust_logits_with_output``, by default ``adjust_logits``, in order) and then
the softmax (``predict_nonlinearity="auto"``). Arrays and DataFrames are
validated as scikit-learn does and predicted in large chunks on the device;
skorch data sets (what callbacks such as ``EpochScoring`` pass) are iterated
with ``forward_iter`` so skorch's prediction caching applies, and give
encoded labels from ``predict``, as their targets are.
"""

import numpy as np
import torch
from imblearn.utils import Substitution
from sklearn.utils.validation import check_is_fitted

from ._validation import validate_X

#: rows per forward pass when predicting or when a strategy scores the training set
EVAL_BATCH_SIZE = 8192
#: the last forward pass is padded to a multiple of this many rows: float32
#: matrix kernels for a handful of rows round differently, and a row's
#: prediction must not depend on how many rows are predicted with it
PAD_ROWS = 64


#: the parameters and returns of ``infer_logits`` and ``infer_proba``
_INFER_SECTIONS = f"""Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)
            Inputs on ``device_``.
        batch_size : int, default={EVAL_BATCH_SIZE}
            Rows per forward pass.

        Returns
        -------
        torch.Tensor of shape (n, n_classes)"""

#: the ``X`` parameter of every prediction method, written once
_X_DOC = """X : array-like of shape (n_samples, n_features)
            Numeric features (a skorch data set, as callbacks pass, is
            predicted as it is)."""
#: the parameters and returns of ``predict_proba`` and ``predict_log_proba``
_PROBA_SECTIONS = f"""Parameters
        ----------
        {_X_DOC}

        Returns
        -------
        ndarray of shape (n_samples, n_classes)"""


def _first(output):
    return output[0] if isinstance(output, (tuple, list)) else output


def _concat(parts):
    """Concatenate the outputs of row chunks: tensors, or tuples of tensors."""
    if isinstance(parts[0], (tuple, list)):
        return tuple(torch.cat(column) for column in zip(*parts))
    return torch.cat(parts)


def _check_finite(values):
    if not np.isfinite(values).all():
        raise ValueError(
            "the model's outputs are not finite: its weights diverged (e.g. lr too "
            "large); fit again with a smaller lr."
        )
    return values


class PredictionMixin:
    """``predict_proba``, ``predict``, ``predict_log_proba``, ``decision_function``."""

    @torch.no_grad()
    def _infer_output(self, X, batch_size=EVAL_BATCH_SIZE):
        """The module's whole output for a device tensor (eval mode, no autograd).

        A tensor, or a tuple of tensors (logits first) for a module that
        returns more, e.g. ``MLP(head="causal_norm")``'s features.
        """
        self._set_training(False)
        if X.shape[0] == 0:
            return torch.empty(0, self.n_classes_, device=self.device_)
        parts = []
        for start in range(0, X.shape[0], batch_size):
            chunk = X[start : start + batch_size]
            n, pad = chunk.shape[0], -chunk.shape[0] % PAD_ROWS
            if pad:
                chunk = torch.cat([chunk, chunk[-1:].expand(pad, *chunk.shape[1:])])
            output = self.module_(chunk)
            if isinstance(output, (tuple, list)):
                parts.append(tuple(part[:n] for part in output))
            else:
                parts.append(output[:n])
        return _concat(parts)

    @Substitution(sections=_INFER_SECTIONS)
    def infer_logits(self, X, batch_size=EVAL_BATCH_SIZE):
        """Raw logits of a device tensor, in eval mode, without autograd.

        {sections}
        """
        return _first(self._infer_output(X, batch_size))

    @Substitution(sections=_INFER_SECTIONS)
    def infer_proba(self, X, batch_size=EVAL_BATCH_SIZE):
        """Raw class probabilities of a device tensor (no ``adjust_logits``).

        Strategies call this to score the training set after an epoch; the
        result stays on the device.

        {sections}
        """
        return self._get_predict_nonlinearity()(self.infer_logits(X, batch_size))

    @torch.no_grad()
    def adjusted_logits(self, logits, output=None):
        """Apply every strategy's prediction hook, in order: the prediction logits.

        ``output`` is the module's whole output for the same rows (``None``:
        the module returned only ``logits``); see
        :meth:`~skrebalance.strategies.RebalancingStrategy.adjust_logits_with_output`.
        """
        output = logits if output is None else output
        for strategy in getattr(self, "strategies_", []):
            logits = strategy.adjust_logits_with_output(self, logits, output)
        return logits

    def _prediction_logits(self, X):
        check_is_fitted(self)
        if isinstance(X, torch.utils.data.Dataset):  # from skorch callbacks
            parts = list(self.forward_iter(X, training=False, device=self.device_))
            output = (_concat(parts) if parts
                      else torch.empty(0, self.n_classes_, device=self.device_))
        else:
            X = validate_X(self, X, reset=False)
            output = self._infer_output(torch.as_tensor(X, device=self.device_))
        return self.adjusted_logits(_first(output), output)

    def _get_predict_nonlinearity(self):
        if self.predict_nonlinearity == "auto":
            return _softmax  # every strategy trains on logits
        return super()._get_predict_nonlinearity()

    @Substitution(sections=_PROBA_SECTIONS)
    def predict_proba(self, X):
        """Return class probabilities (rows sum to 1) in the order of ``classes_``.

        {sections}
        """
        logits = self._prediction_logits(X)
        if self.predict_nonlinearity == "auto":  # in float64: log(proba) stays finite
            proba = torch.softmax(logits.to(torch.float64), dim=1)
        else:
            proba = self._get_predict_nonlinearity()(logits).to(torch.float64)
        proba /= proba.sum(dim=1, keepdim=True)
        return _check_finite(proba.cpu().numpy())

    @Substitution(sections=_PROBA_SECTIONS)
    def predict_log_proba(self, X):
        """Return the logarithm of :meth:`predict_proba`, computed stably.

        {sections}
        """
        if self.predict_nonlinearity != "auto":
            with np.errstate(divide="ignore"):
                return np.log(self.predict_proba(X))
        logits = self._prediction_logits(X).to(torch.float64)
        return _check_finite(torch.log_softmax(logits, dim=1).cpu().numpy())

    def predict(self, X):
        """Return the predicted class labels (of the same type as ``y``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features. (A skorch data set, as callbacks pass, gives the
            encoded labels ``0 .. n_classes_ - 1`` its targets are in.)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        index = self.predict_proba(X).argmax(axis=1)
        return index if isinstance(X, torch.utils.data.Dataset) else self.classes_[index]

    @Substitution(X=_X_DOC)
    def decision_function(self, X):
        """Return the prediction logits; for two classes, their difference.

        The scores of ``predict``: with two classes ``z_1 - z_0``
        (positive means ``classes_[1]``), otherwise the logits after every
        strategy's ``adjust_logits``, whose argmax is the prediction. With a
        custom ``predict_nonlinearity`` the log-probabilities take the
        logits' place.

        Parameters
        ----------
        {X}

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        if self.predict_nonlinearity == "auto":
            scores = _check_finite(self._prediction_logits(X).to(torch.float64).cpu().numpy())
        else:
            scores = self.predict_log_proba(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores


def _softmax(logits):
    return torch.softmax(logits, dim=-1)
