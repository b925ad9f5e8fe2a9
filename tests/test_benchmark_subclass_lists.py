"""benchmarks/subclass_simulation.py runs strategy lists written a+b (Yu et al.'s TDE + Ours)."""

import subclass.runs


def test_a_plus_b_is_a_strategy_list_and_c_goes_to_instance_difficulty():
    assert subclass.runs.strategy_members("instance_difficulty+tde") == [
        "instance_difficulty", "tde"]
    assert subclass.runs.strategy_members("none") == "none"
    clf = subclass.runs.make_classifier("instance_difficulty+tde", seed=0, epochs=1, c=0.5)
    assert clf.strategy == ["instance_difficulty", "tde"]
    assert clf.get_params()["strategy__instance_difficulty__c"] == 0.5
    assert not any(k.endswith("__c") for k in
                   subclass.runs.make_classifier("tde", 0, 1, c=0.5).get_params())
    assert subclass.runs.available_strategies(["none", "instance_difficulty+tde", "nope+tde"]) == [
        "none", "instance_difficulty+tde"]
