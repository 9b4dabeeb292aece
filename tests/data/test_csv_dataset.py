"""tf.data.experimental.CsvDataset: dtypes from record_defaults, defaults for empty fields,
required columns, header, quoted fields, select_cols and GZIP (values as TF 2.21 gives)."""

import gzip

import numpy as np
import pytest

import ember as tf


def rows(ds):
    return [tuple(v.tolist() if isinstance(v, np.generic) else v for v in e)
            for e in ds.as_numpy_iterator()]


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('x,y,name,k\n1.5,2,"a,b",7\n,3,c,\n4.25,,d,9\n')
    return str(path)


def test_defaults_types_header_and_quotes(csv_file):
    ds = tf.data.experimental.CsvDataset(csv_file, [0.0, -1, "zz", 5], header=True)
    assert [s.dtype for s in ds.element_spec] == [tf.float32, tf.int32, tf.string, tf.int32]
    assert rows(ds) == [(1.5, 2, b'a,b', 7), (0.0, 3, b'c', 5), (4.25, -1, b'd', 9)]


def test_a_required_column_with_an_empty_field_is_an_error(csv_file):
    ds = tf.data.experimental.CsvDataset(csv_file, [0.0, tf.int32, "zz", 5], header=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="required"):
        rows(ds)


def test_select_cols_and_gzip(csv_file, tmp_path):
    ds = tf.data.experimental.CsvDataset(csv_file, [tf.float64, "q"], header=True,
                                         select_cols=[0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError):
        rows(ds)  # row 2's x is empty and required
    gz = tmp_path / "b.csv.gz"
    with gzip.open(gz, "wt") as f:
        f.write("1,2\n3,4\n")
    ds = tf.data.experimental.CsvDataset(str(gz), [0.0, 0.0], compression_type="GZIP")
    assert [tuple(float(v) for v in e) for e in ds] == [(1.0, 2.0), (3.0, 4.0)]
    with pytest.raises(tf.errors.InvalidArgumentError, match="expect 3 fields"):
        rows(tf.data.experimental.CsvDataset(str(gz), [0.0] * 3, compression_type="GZIP"))


def test_make_csv_dataset_infers_types_and_splits_the_label(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,label\n1,2.5,x,0\n3,,y,1\n5,6.5,z,1\n7,8,w,0\n9,1,v,1\n")
    ds = tf.data.experimental.make_csv_dataset(str(path), 2, label_name="label",
                                               num_epochs=1, shuffle=False)
    got = [({k: (v.dtype.name, v.numpy().tolist()) for k, v in f.items()}, l.numpy().tolist())
           for f, l in ds]
    # As TF 2.21 gives them.
    assert got[0] == ({'a': ('int32', [1, 3]), 'b': ('float32', [2.5, 0.0]),
                       'c': ('string', [b'x', b'y'])}, [0, 1])
    assert got[2] == ({'a': ('int32', [9]), 'b': ('float32', [1.0]), 'c': ('string', [b'v'])},
                      [1])
    picked = tf.data.experimental.make_csv_dataset(str(path), 3, select_columns=["a", "label"],
                                                   num_epochs=1, shuffle=False)
    assert [sorted(e) for e in picked] == [['a', 'label'], ['a', 'label']]
    named = tf.data.experimental.make_csv_dataset(str(path), 2, column_names=list("pqrs"),
                                                  num_epochs=1, shuffle=False)
    assert [e["p"].numpy().tolist() for e in named] == [[1, 3], [5, 7], [9]]
    forever = tf.data.experimental.make_csv_dataset(str(path), 2, label_name="label")
    assert len(list(forever.take(7))) == 7  # num_epochs=None repeats
