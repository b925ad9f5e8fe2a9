"""Process-wide torch settings a fit changes and restores: threads, RNG, device.

torch's intra-op thread count and its global RNG are process-wide. A fit sets
them for its own duration and puts the caller's values back, under a lock
where two fits in threads (Dask workers, ``n_jobs`` with threads) could
interleave.
"""

import contextlib
import threading

import torch

#: guards torch's global RNG state while a fit seeds and restores it
_GLOBAL_RNG_LOCK = threading.Lock()
#: guards torch's thread count while fits in threads set and restore it
_THREADS_LOCK = threading.Lock()
_THREADS_USERS = [0, None]  # fits inside torch_threads, the count to restore


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` intra-op threads, then restore the count.

    ``None`` leaves torch's setting alone. Nested or concurrent blocks (fits in
    threads) share the setting; the first one in saves the caller's count and
    the last one out restores it.
    """
    if n_threads is None:
        yield
        return
    with _THREADS_LOCK:
        if _THREADS_USERS[0] == 0:
            _THREADS_USERS[1] = torch.get_num_threads()
        _THREADS_USERS[0] += 1
        if torch.get_num_threads() != n_threads:
            torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS_USERS[0] -= 1
            if _THREADS_USERS[0] == 0 and torch.get_num_threads() != _THREADS_USERS[1]:
                torch.set_num_threads(_THREADS_USERS[1])


@contextlib.contextmanager
def seeded_global_rng(seed, device, hold_lock):
    """Seed torch's global RNG for the block, then restore the caller's state.

    With ``hold_lock`` the whole block runs under a process-wide lock (weight
    initialisation: short, and it must not interleave with another thread's
    seeding); otherwise only the seeding and the restoring do.
    """
    if seed is None:
        yield
        return
    cuda = device.type == "cuda"
    _GLOBAL_RNG_LOCK.acquire()
    try:
        saved = torch.get_rng_state(), torch.cuda.get_rng_state(device) if cuda else None
        torch.manual_seed(seed)
        if not hold_lock:
            _GLOBAL_RNG_LOCK.release()
        try:
            yield
        finally:
            if not hold_lock:
                _GLOBAL_RNG_LOCK.acquire()
            torch.set_rng_state(saved[0])
            if cuda:
                torch.cuda.set_rng_state(saved[1], device)
    finally:
        _GLOBAL_RNG_LOCK.release()


def resolve_device(device):
    """Return the ``torch.device`` for the ``device`` parameter, or raise clearly.

    ``"auto"`` (or ``None``) is CUDA when available, else the CPU. A device
    that this machine lacks raises a ``ValueError`` that lists what is there.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto' or a torch device, got {device!r}; "
            f"available here: {available_devices()}."
        ) from exc
    if resolved.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (resolved.index is not None and resolved.index >= count):
            raise ValueError(
                f"device={device!r} is not available on this machine; available "
                f"here: {available_devices()} (device='auto' picks CUDA when present)."
            )
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} is not available on this machine; available here: "
            f"{available_devices()}."
        )
    return resolved


def available_devices():
    """The device names usable here, e.g. ``['cpu', 'cuda:0']``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    return names
