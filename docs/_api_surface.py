"""What the API reference shows of the classes.

Read by ``conf.py`` (the autosummary templates get these lists) and by
``tests/test_docs.py`` (every public method of the classifier is either shown
or named here as internal).
"""

#: The classifier's page documents these methods (those the class has), its
#: own and the ones inherited from skorch / scikit-learn: the estimator's
#: public surface, in the order a user meets them.
ESTIMATOR_METHODS = (
    "fit",
    "partial_fit",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
    "save_params",
    "load_params",
    "get_params",
    "set_params",
    # for strategy authors: how a strategy scores the training rows during fit
    "infer_logits",
    "infer_proba",
)

#: Public methods the classifier overrides only to plug strategies and
#: device-resident batches into skorch's training loop (skorch calls them, a
#: user does not), and the plumbing between the classifier and its strategies:
#: the API pages leave them out.
INTERNAL_METHODS = (
    "adjusted_logits",
    "check_data",
    "evaluation_step",
    "fit_loop",
    "get_dataset",
    "get_iterator",
    "get_loss",
    "get_params_for_optimizer",
    "get_split_datasets",
    "get_train_step_accumulator",
    "infer",
    "initialize",
    "initialize_callbacks",
    "initialize_criterion",
    "initialize_history",
    "initialize_module",
    "initialize_optimizer",
    "initialize_virtual_params",
    "notify",
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_begin",
    "on_train_end",
    "run_single_epoch",
    "train_step",
    "train_step_single",
    "validation_step",
)

#: Members that torch and scikit-learn define for their own machinery; no
#: class page shows them.
EXCLUDED_MEMBERS = ("extra_repr",) + tuple(
    f"set_{method}_request"
    for method in ("fit", "partial_fit", "predict", "predict_proba", "score")
)
