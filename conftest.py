"""pytest configuration shared by the tests and the doctests: the device they run on.

Tests assume the CPU unless they say otherwise, so that a machine with a GPU
gets the same results as one without:

- unmarked tests and the doctests run as on a CPU-only machine
  (``torch.cuda.is_available()`` is ``False`` for them, so ``device="auto"``
  resolves to the CPU);
- tests marked ``cuda`` need a CUDA device and are skipped without one;
- tests that take the ``device`` fixture are device-agnostic: they run on
  the device given by ``--device`` (``cpu`` by default; ``pytest --device
  cuda`` runs them, the behavioural tests of every strategy among them, on
  the GPU).
"""

import pytest
import torch


def pytest_addoption(parser):
    parser.addoption(
        "--device", default="cpu", choices=("cpu", "cuda"),
        help="device of the device-agnostic tests (those taking the `device` fixture); "
             "default: cpu",
    )


def pytest_collection_modifyitems(config, items):
    on_cuda = config.getoption("--device") == "cuda"
    has_cuda = torch.cuda.is_available()
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        wants_cuda = "cuda" in item.keywords or (
            on_cuda and "device" in getattr(item, "fixturenames", ())
        )
        if wants_cuda and not has_cuda:
            item.add_marker(skip)


@pytest.fixture
def device(request):
    """The device of a device-agnostic test: ``--device`` (``"cpu"`` by default)."""
    return request.config.getoption("--device")


@pytest.fixture(autouse=True)
def _pin_to_the_cpu(request, monkeypatch):
    # a test that neither is marked cuda nor runs on --device cuda assumes the
    # CPU: make device="auto" (and the test's own checks) see no GPU
    if "cuda" in request.keywords:
        return
    if "device" in request.fixturenames and request.config.getoption("--device") == "cuda":
        return
    if torch.cuda.is_available():
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
