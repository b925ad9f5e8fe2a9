"""skorch's training-step extension points, on device-resident batches.

``train_step_single`` / ``validation_step`` pass each batch's
``sample_weight`` (a :class:`~skrebalance.samplers.DeviceBatch` attribute) to
the loss; ``run_single_epoch`` keeps the batch losses on the device until the
epoch ends (skorch calls ``loss.item()`` per batch, a host synchronisation)
and stops a diverged fit.
"""

import math

import torch
from skorch.utils import to_tensor

from .losses._weighted import weighted_criterion_loss


class TrainingStepsMixin:
    """``train_step``, ``train_step_single``, ``validation_step``, ``get_loss``, ``infer``, ``run_single_epoch``."""

    def train_step(self, batch, **fit_params):
        """skorch's training step, replayed as a CUDA graph when the fit captured it.

        A fit that captures its step (``cuda_graph``, see
        :mod:`skrebalance._cuda_graph`) runs gather, forward, loss, backward
        and optimizer step as one graph; otherwise skorch's eager step runs.
        """
        captured = self.__dict__.get("_captured_step_")
        if captured is not None and not fit_params:
            step = captured.step(batch)
            if step is not None:
                return step
        return super().train_step(batch, **fit_params)

    def train_step_single(self, batch, **fit_params):
        """skorch's training step; the batch's ``sample_weight`` reaches the loss."""
        self._set_training(True)
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True,
                             sample_weight=getattr(batch, "sample_weight", None))
        loss.backward()
        return {"loss": loss.detach(), "y_pred": _detach(y_pred)}

    def validation_step(self, batch, **fit_params):
        """skorch's validation step, with the batch's ``sample_weight``."""
        self._set_training(False)
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False,
                                 sample_weight=getattr(batch, "sample_weight", None))
        return {"loss": loss, "y_pred": y_pred}

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        """Loss of a batch: the criterion on the logits (first output).

        ``sample_weight`` (float tensor (n,) or ``None``) multiplies the
        per-row losses (``weighted_criterion_loss``).
        """
        if isinstance(y_pred, (tuple, list)):
            y_pred = y_pred[0]
        return weighted_criterion_loss(self.criterion_, y_pred, y_true.to(self.device_),
                                       sample_weight)

    def infer(self, x, **fit_params):
        """Forward ``x`` (already on the device) through the module."""
        x = to_tensor(x, device=self.device_)
        if isinstance(x, dict):
            return self.module_(**self._merge_x_and_fit_params(x, fit_params))
        return self.module_(x, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator``; batch losses reach the host once per epoch.

        skorch calls ``loss.item()`` after every batch, a device synchronisation
        per step. Here the losses stay on the device until the epoch ends. A
        non-finite training loss stops the fit with a ``ValueError``.
        """
        if iterator is None:
            return
        losses = []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            self.history.record_batch(prefix + "_batch_size", batch[0].shape[0])
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            values = torch.stack(losses).float().cpu().tolist()
            for row, value in zip(self.history[-1]["batches"][-len(values) :], values):
                row[prefix + "_loss"] = value
            if training and not all(math.isfinite(v) for v in values):
                raise ValueError(
                    f"the training loss became non-finite in epoch {len(self.history)} "
                    f"(lr={self.lr!r}): the fit diverged; use a smaller lr."
                )
        self.history.record(prefix + "_batch_count", len(losses))

    def _set_training(self, training=True):
        # skorch calls this before every batch; module.train() walks every
        # submodule through nn.Module.__setattr__, a measurable share of a
        # small net's step. Skip it when the modules are already in that mode.
        modules = [getattr(self, name + "_", None) for name in self._modules + self._criteria]
        if all(getattr(m, "training", training) == training for m in modules):
            return
        super()._set_training(training)


def _detach(y_pred):
    if isinstance(y_pred, (tuple, list)):
        return type(y_pred)(p.detach() for p in y_pred)
    return y_pred.detach()
