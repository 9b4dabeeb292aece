"""keras.losses and keras.metrics serialise, deserialise and look up through one helper
(ember.keras.saving.named_objects): the same layout, lookups and errors for both."""

import pytest

import ember  # noqa: F401
from ember import keras

losses, metrics = keras.losses, keras.metrics


@pytest.mark.parametrize("mod, obj, fn, kind", [
    (losses, losses.BinaryCrossentropy(from_logits=True), losses.mean_squared_error, "loss"),
    (metrics, metrics.AUC(num_thresholds=50), metrics.sparse_categorical_accuracy, "metric")])
def test_serialize_deserialize_get_share_one_layout(mod, obj, fn, kind):
    config = mod.serialize(obj)
    assert config == {"module": f"keras.{kind}es" if kind == "loss" else "keras.metrics",
                      "class_name": type(obj).__name__, "config": obj.get_config(),
                      "registered_name": None}
    back = mod.deserialize(config)
    assert type(back) is type(obj) and back.get_config() == obj.get_config()
    assert mod.get(config).get_config() == obj.get_config()
    assert mod.serialize(fn)["class_name"] == "function"
    assert mod.deserialize(mod.serialize(fn)) is fn
    assert mod.serialize("mse") == "mse" and mod.get(None) is None
    assert isinstance(mod.get(type(obj)), type(obj))  # a class gives an instance
    with pytest.raises(ValueError, match=f"Could not interpret {kind} identifier.*Did you mean"):
        mod.get(type(obj).__name__ + "x")
    with pytest.raises(ValueError, match=f"Could not interpret {kind} identifier: 42"):
        mod.get(42)
    with pytest.raises(ValueError, match=f"Cannot serialize {kind} 3"):
        mod.serialize(3)
    with pytest.raises(ValueError, match=f"{kind} function identifier"):
        mod.deserialize({"class_name": "function", "config": "no_such_fn"})
    with pytest.raises(ValueError, match=f"Could not interpret serialized {kind}"):
        mod.deserialize(7)


@pytest.mark.parametrize("mod, base", [(losses, losses.Loss), (metrics, metrics.Mean)])
def test_custom_objects_win_for_names_and_classes(mod, base):
    class Mine(base):
        pass

    assert isinstance(mod.deserialize("Mine", custom_objects={"Mine": Mine}), Mine)
    got = mod.deserialize({"class_name": "Mine", "config": {"name": "m"}},
                          custom_objects={"Mine": Mine})
    assert isinstance(got, Mine) and got.name == "m"
