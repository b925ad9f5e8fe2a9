"""The limit a fit is compared with: the same MLP and optimizer in a bare torch loop.

:func:`bare_loop_time` trains :class:`skrebalance.MLP` (the classifier's
default module: robust input scaling, two hidden layers of 128 SiLU units,
dropout 0.1) with AdamW and cross-entropy on data that already sit on the
device, batches indexed out of them after a per-epoch ``randperm``: no
skorch, no strategy, no callbacks, no history. ``captured=True`` records
the whole step (gather, forward, loss, backward, optimizer step) once as a
CUDA graph and replays it, the floor of what a training step can cost on a
GPU; ``captured=False`` is the same loop launched eagerly. Both drop the last
partial batch, and the throughput counts the rows trained on.
"""

import time

import torch
import torch.nn.functional as F

from skrebalance import MLP

__all__ = ["bare_loop_time"]


def bare_loop_time(X, y, n_classes, batch_size, epochs, device, captured=False, lr=2e-3,
                   hidden=(128, 128), seed=0):
    """Train the bare loop; return ``(seconds, steps, rows trained on)``.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d), float32
    y : numpy.ndarray of shape (n,), int64
    n_classes : int
    batch_size, epochs : int
    device : str or torch.device
    captured : bool, default=False
        Replay the step as one CUDA graph (CUDA only).
    lr : float, default=2e-3
    hidden : tuple of int, default=(128, 128)
    seed : int, default=0

    Returns
    -------
    seconds : float
        Wall-clock time of the epochs (capture included, data transfer not).
    steps : int
    rows : int
    """
    device = torch.device(device)
    if captured and device.type != "cuda":
        raise ValueError("captured=True needs a CUDA device.")
    torch.manual_seed(seed)
    X = torch.as_tensor(X, device=device)
    y = torch.as_tensor(y, device=device)
    model = MLP(X.shape[1], n_classes, hidden_units=hidden).to(device)
    model.fit_input_statistics(X)
    cuda = device.type == "cuda"
    optimizer = torch.optim.AdamW(model.parameters(), lr=torch.tensor(lr, device=device)
                                  if captured else lr, fused=cuda, capturable=captured)
    n_batches = X.shape[0] // batch_size
    index = torch.zeros(batch_size, dtype=torch.int64, device=device)

    def step():
        logits = model(X.index_select(0, index))
        loss = F.cross_entropy(logits, y.index_select(0, index))
        loss.backward()
        optimizer.step()
        return loss

    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    graph = _capture(step, optimizer, device) if captured else None
    for _ in range(epochs):
        order = torch.randperm(X.shape[0], device=device)
        for b in range(n_batches):
            index.copy_(order[b * batch_size : (b + 1) * batch_size])
            if graph is not None:
                graph.replay()
            else:
                optimizer.zero_grad(set_to_none=True)
                step()
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start, epochs * n_batches, epochs * n_batches * batch_size


def _capture(step, optimizer, device):
    # two warm-up steps on a side stream allocate the optimizer state (they
    # train too: this is a speed measurement, not a fit to reproduce)
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(2):
            optimizer.zero_grad(set_to_none=True)
            step()
    torch.cuda.current_stream(device).wait_stream(side)
    optimizer.zero_grad(set_to_none=True)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph
