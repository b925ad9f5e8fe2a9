import numpy as np
import pytest
from sklearn.datasets import make_classification


@pytest.fixture
def imbalanced_binary():
    """600 rows, 10 features, about 9:1."""
    X, y = make_classification(
        n_samples=600, n_features=10, n_informative=5, weights=[0.9, 0.1],
        class_sep=1.0, random_state=0,
    )
    return X, y


@pytest.fixture
def three_class():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3,
        weights=[0.6, 0.3, 0.1], random_state=1,
    )
    return X, y
