"""The TF surface against real TensorFlow 2.21, side by side (``pytest -m tensorflow``).

Each check runs the same code with ``ember`` and with ``tensorflow`` and compares what
comes out: tf.print's text, tf.strings' results, tf.Module's variable walk, tf.function's
retracing count.
"""

import numpy as np
import pytest

import ember

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("tensorflow")


def _both(real, fn):
    return fn(ember), fn(real)


def test_print_text(real, tmp_path):
    def run(tf):
        path = tmp_path / f"{tf.__name__}.txt"
        out = f"file://{path}"
        tf.print(tf.constant([1, 2, 3]), output_stream=out)
        tf.print("loss:", tf.constant(0.123456789), tf.constant(2.0), output_stream=out)
        tf.print(tf.reshape(tf.range(100), (10, 10)), output_stream=out)
        tf.print(tf.constant([[0.1, 1e-5], [123456.7, 2]]), tf.constant(["ab", "c"]),
                 output_stream=out)
        tf.print({"a": tf.constant([1, 2])}, [tf.constant(1.0), 3], output_stream=out)
        return path.read_text()

    ours, theirs = _both(real, run)
    assert ours == theirs


def test_strings_results(real):
    def run(tf):
        s = tf.constant(["Hello World", " \u00c9t\u00c9  ", "a,b,,c"])
        return [
            tf.strings.lower(s).numpy().tolist(),
            tf.strings.upper(s, encoding="utf-8").numpy().tolist(),
            tf.strings.regex_replace(s, r"(l+)", r"<\1>").numpy().tolist(),
            tf.strings.split(s).to_list(),
            tf.strings.split("a,b,,c", ",").numpy().tolist(),
            tf.strings.join([s, "!"], separator="-").numpy().tolist(),
            tf.strings.length(s, unit="UTF8_CHAR").numpy().tolist(),
            tf.strings.strip(s).numpy().tolist(),
            tf.strings.unicode_split("h\u00e9l", "UTF-8").numpy().tolist(),
            tf.strings.as_string(tf.constant([3.5, 1e-8])).numpy().tolist(),
            tf.strings.to_number(["1.5", " 2", "3e2"]).numpy().tolist(),
            tf.ragged.constant([[1, 2], [3]]).to_tensor().numpy().tolist(),
        ]

    ours, theirs = _both(real, run)
    assert ours == theirs


def test_module_variable_walk(real):
    def run(tf):
        class Inner(tf.Module):
            def __init__(self, name=None):
                super().__init__(name=name)
                self.v = tf.Variable(1.0, name="v")
                self.lst = [tf.Variable(2.0, name="a", trainable=False),
                            {"k": tf.Variable(3.0, name="k")}]
                with self.name_scope:
                    self.w = tf.Variable(4.0, name="w")

        class Outer(tf.Module):
            def __init__(self):
                super().__init__()
                self.m = Inner(name="inner_m")
                self.ms = [Inner()]

        o = Outer()
        return ([v.name for v in o.variables], [v.name for v in o.trainable_variables],
                [m.name for m in o.submodules], o.name_scope.name)

    ours, theirs = _both(real, run)
    assert ours == theirs


def test_function_tracing_counts_and_signature_conversion(real):
    def run(tf):
        @tf.function
        def f(x):
            return x

        for arg in (1, 1, 2, tf.constant(1.0), tf.constant(2.0), tf.zeros([2])):
            f(arg)

        @tf.function(reduce_retracing=True)
        def g(x):
            return x

        for shape in [(2,), (3,), (4,), (2, 2), (3, 3)]:
            g(tf.zeros(shape))

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def h(x):
            return x * 2

        out = h([1, 2])
        return (f.experimental_get_tracing_count(), g.experimental_get_tracing_count(),
                out.dtype.name, np.asarray(out).tolist())

    ours, theirs = _both(real, run)
    assert ours == theirs
