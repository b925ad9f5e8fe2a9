"""
=================================================
Early stopping on a stratified validation split
=================================================

How many epochs to train is a hyper-parameter, and on imbalanced data the
validation loss is a poor guide to it: it is dominated by the frequent
classes. skorch's callbacks work with
:class:`~skrebalance.RebalancedNetClassifier` as with any skorch net:
``train_split`` holds out a stratified validation set,
:class:`~skorch.callbacks.EpochScoring` scores it after every epoch with a
metric that weighs the classes equally, and
:class:`~skorch.callbacks.EarlyStopping` stops when that score has not
improved for a while and restores the weights of the best epoch.

The data are UCI ``yeast`` (1484 proteins in 10 localisation sites, from 463
down to 5 rows per class).
"""

# %%
# The net, its validation split and its callbacks
# -----------------------------------------------
# ``ValidSplit(0.25, stratified=True)`` holds out a quarter of the rows with
# the class proportions of the training data (a random split could leave the
# rarest class out of the validation set or out of training). The score is
# named ``valid_bacc`` in ``net.history``; ``EarlyStopping`` monitors it.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EarlyStopping, EpochScoring
from skorch.dataset import ValidSplit

from skrebalance import RebalancedNetClassifier
from skrebalance.datasets import load_dataset

X, y = load_dataset("yeast")
print("class sizes:", np.unique(y, return_counts=True)[1].tolist())
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

net = RebalancedNetClassifier(
    strategy="class_balanced",
    module__hidden_units=(32,),
    max_epochs=300,
    train_split=ValidSplit(0.25, stratified=True, random_state=0),
    callbacks=[
        EpochScoring("balanced_accuracy", lower_is_better=False, name="valid_bacc"),
        EarlyStopping(monitor="valid_bacc", lower_is_better=False, patience=20, load_best=True),
    ],
    random_state=0,
)
model = make_pipeline(StandardScaler(), net).fit(X_train, y_train)

history = net.history
best = int(np.argmax(history[:, "valid_bacc"]))
print(f"stopped after {len(history)} of {net.max_epochs} epochs; best epoch {best + 1} "
      f"(validation balanced accuracy {history[best, 'valid_bacc']:.3f})")
print(f"test balanced accuracy: {balanced_accuracy_score(y_test, model.predict(X_test)):.3f}")

# %%
# What was logged
# ---------------
# ``train_loss`` and ``valid_loss`` (the re-balanced loss on the training and
# validation rows) and ``valid_bacc`` have one value per epoch. The weights
# after ``fit`` are those of the best epoch (``load_best=True``), not of the
# last one.
epochs = np.arange(1, len(history) + 1)
fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(9, 3.6))
ax_loss.plot(epochs, history[:, "train_loss"], label="train_loss")
ax_loss.plot(epochs, history[:, "valid_loss"], label="valid_loss")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("loss")
ax_loss.legend()
ax_score.plot(epochs, history[:, "valid_bacc"], color="C2", label="valid_bacc")
ax_score.axvline(best + 1, color="grey", linestyle="--", label=f"best epoch ({best + 1})")
ax_score.set_xlabel("epoch")
ax_score.set_ylabel("validation balanced accuracy")
ax_score.legend(loc="lower right")
fig.suptitle("yeast: early stopping on the validation balanced accuracy")
fig.tight_layout()
plt.show()
