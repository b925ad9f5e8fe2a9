"""skorch's data extension points on device-resident tensors.

:class:`DeviceDataset` is a skorch ``Dataset`` whose ``X``, ``y`` and
``sample_weight`` are tensors on the net's device. :class:`DeviceDataMixin`
overrides skorch's ``get_dataset``, ``get_split_datasets`` and
``get_iterator`` (as ``skorch.hf.AccelerateMixin`` overrides skorch's
points), so that skorch's own ``fit_loop`` runs unchanged and every callback
(``EpochScoring``, ``ProgressBar``, ...) receives real data sets, while
batches are indexed out of the device tensors (no per-item ``__getitem__``,
no collation, no host copy).
"""

from numbers import Real

import numpy as np
import torch
from skorch.dataset import Dataset, ValidSplit
from torch.utils.data import DataLoader, Subset

from ._budget import resolve_budget
from .samplers import DeviceBatchIterator, DeviceWeightedSampler, IndexSampler

#: the iterator parameters honoured on device data; any other raises
ITERATOR_PARAMS = {
    "iterator_train": {"batch_size", "shuffle", "drop_last", "sampler"},
    "iterator_valid": {"batch_size", "shuffle", "drop_last"},
}


class DeviceDataset(Dataset):
    """A skorch ``Dataset`` of tensors that already sit on the device.

    ``X``, ``y`` and ``sample_weight`` are attributes, as skorch's callbacks
    expect (``skorch.utils.data_from_dataset``); indexing one row works for
    generic consumers, but the net's iterators index whole batches.

    Parameters
    ----------
    X : torch.Tensor of shape (n, n_features)
        Inputs.
    y : torch.Tensor of shape (n,) or None, default=None
        Encoded labels (int64 in ``[0, n_classes)``).
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Per-row loss weights.
    """

    def __init__(self, X, y=None, sample_weight=None):  # pylint: disable=super-init-not-called
        # skorch's __init__ inspects host data; these are device tensors
        self.X = X
        self.y = y
        self.sample_weight = sample_weight

    def __len__(self):
        return int(self.X.shape[0])

    def __getitem__(self, i):
        return self.X[i], (torch.zeros(()) if self.y is None else self.y[i])

    def subset(self, index):
        """Return the rows ``index`` (int64 tensor on the device) as a new data set."""
        pick = lambda t: None if t is None else t[index]  # noqa: E731
        return DeviceDataset(self.X[index], pick(self.y), pick(self.sample_weight))


def as_device_dataset(dataset):
    """``dataset`` as a :class:`DeviceDataset` (a ``Subset`` of one is materialised)."""
    if dataset is None or isinstance(dataset, DeviceDataset):
        return dataset
    if isinstance(dataset, Subset) and isinstance(dataset.dataset, DeviceDataset):
        parent = dataset.dataset
        index = torch.as_tensor(np.asarray(dataset.indices), dtype=torch.int64)
        return parent.subset(index.to(parent.X.device))
    raise TypeError(
        "train_split must return subsets of the data set it is given (as skorch's "
        f"ValidSplit does), got {type(dataset).__name__}."
    )


def classification_split(train_split, seed):
    """The splitter a fit uses: stratified, seeded ``ValidSplit`` when possible.

    A float ``train_split`` means ``ValidSplit(train_split)``. A
    ``ValidSplit`` with a numeric ``cv`` is made stratified (classes keep
    their proportions in both parts; with rare classes an unstratified split
    can leave one part without them) and, with a float ``cv`` and no
    ``random_state`` of its own, seeded with the fit's ``seed``, so that two
    fits with the same ``random_state`` split alike. Other callables are
    used as they are.
    """
    if train_split is None or train_split is False:
        return None
    if isinstance(train_split, Real) and not isinstance(train_split, bool):
        train_split = ValidSplit(float(train_split))
    if isinstance(train_split, ValidSplit) and isinstance(train_split.cv, Real):
        is_float = not float(train_split.cv).is_integer()
        random_state = train_split.random_state
        if is_float and random_state is None:
            random_state = seed
        return ValidSplit(train_split.cv, stratified=True,
                          random_state=random_state if is_float else None)
    return train_split


class DeviceDataMixin:
    """``get_dataset`` / ``get_split_datasets`` / ``get_iterator`` on device data.

    The training sampler comes from the strategies (:meth:`get_sampler` of
    :class:`~skrebalance.strategies.RebalancingStrategy`); without one, from
    ``iterator_train__sampler`` (a host sampler, its indices copied to the
    device once per epoch), else a device shuffle.
    """

    def get_dataset(self, X, y=None):
        """Return ``X`` as a :class:`DeviceDataset` (data sets pass through)."""
        if isinstance(X, torch.utils.data.Dataset):
            return X
        if not torch.is_tensor(X):
            X = torch.as_tensor(self._validate_X(X, reset=False))
        if y is not None and not torch.is_tensor(y):
            y = torch.as_tensor(np.asarray(y))
        device = self.device_
        return DeviceDataset(X.to(device), None if y is None else y.to(device))

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split into training and validation :class:`DeviceDataset`\\ s.

        The split of a fit is made once, before ``on_train_begin`` (strategies
        read the training rows there); skorch's ``fit_loop`` asks again and
        gets the same pair. The splitter is :func:`classification_split` of
        ``train_split``.
        """
        cached = self.__dict__.get("_fit_split_")
        if cached is not None and cached[0] is X:
            return cached[1]
        dataset = self.get_dataset(X, y)
        splitter = classification_split(self.train_split, self.__dict__.get("_fit_seed_"))
        if splitter is None:
            return dataset, None
        labels = y if y is not None else dataset.y.cpu().numpy()
        train, valid = splitter(dataset, labels, **fit_params)
        return as_device_dataset(train), as_device_dataset(valid)

    def get_iterator(self, dataset, training=False):
        """A :class:`~skrebalance.samplers.DeviceBatchIterator` over ``dataset``.

        ``iterator_train__*`` / ``iterator_valid__*`` parameters are honoured
        (``batch_size``, ``-1`` meaning the whole data set; ``shuffle``;
        ``drop_last``; ``iterator_train__sampler``) or refused by name in
        :meth:`_check_iterator_params`.
        """
        if not isinstance(dataset, DeviceDataset):
            dataset = as_device_dataset(dataset)
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        batch_size = resolve_budget(kwargs.get("batch_size", self.batch_size), 1, len(dataset))[0]
        if batch_size == -1:
            batch_size = max(len(dataset), 1)
        sampler = self._train_sampler(dataset, kwargs) if training else None
        if not training and kwargs.get("shuffle"):
            sampler = DeviceWeightedSampler(len(dataset))
        return DeviceBatchIterator(
            dataset.X, dataset.y, batch_size, sampler=sampler,
            sample_weight=dataset.sample_weight, drop_last=kwargs.get("drop_last", False),
            generator=self.__dict__.get("train_generator_") if training else None,
        )

    def _train_sampler(self, dataset, kwargs):
        owned = [(s, s.get_sampler(self)) for s in getattr(self, "strategies_", [])]
        owned = [(s, sampler) for s, sampler in owned if sampler is not None]
        if len(owned) > 1:
            names = [type(s).__name__ for s, _ in owned]
            raise ValueError(
                f"strategies {names} each provide a sampler of the training rows; "
                "combine at most one of them (e.g. CDB with difficulty_set='valid' "
                "or 'train' holds no rows out)."
            )
        if owned:
            for key in ("sampler", "shuffle"):
                if key in kwargs:
                    raise ValueError(
                        f"iterator_train__{key} cannot be combined with the strategy "
                        f"{type(owned[0][0]).__name__}, whose sampler draws the training rows."
                    )
            return owned[0][1]
        if kwargs.get("sampler") is not None:
            return IndexSampler(kwargs["sampler"])
        return DeviceWeightedSampler(len(dataset), shuffle=kwargs.get("shuffle", True))

    def _check_iterator_params(self):
        """Raise a ``ValueError`` naming each iterator parameter not honoured."""
        for prefix, allowed in ITERATOR_PARAMS.items():
            if getattr(self, prefix) is not DataLoader:
                raise ValueError(
                    f"{prefix}={getattr(self, prefix)!r} is not supported: batches are "
                    "indexed out of device tensors; keep torch's DataLoader (the default)."
                )
            for key in self.get_params_for(prefix):
                if key not in allowed:
                    raise ValueError(
                        f"{prefix}__{key} is not supported: batches are indexed out of "
                        f"device tensors; supported: {sorted(allowed)}."
                    )
        if self.dataset is not Dataset or self.get_params_for("dataset"):
            raise ValueError(
                "dataset / dataset__* are not supported: the classifier converts X "
                "and y to device tensors itself; pass arrays or DataFrames to fit."
            )
