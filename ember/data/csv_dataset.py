"""``tf.data.experimental.CsvDataset`` (the records of CSV files, one tuple of scalars per
line) and ``make_csv_dataset`` (batches of them as dicts of columns), as TensorFlow's
"Overfit and underfit" tutorial reads the Higgs data:

    ds = tf.data.experimental.CsvDataset(gz, [float(), ] * 29, compression_type="GZIP")
"""

from __future__ import annotations

import csv
import glob
import itertools

import numpy as np

from ember import dtypes
from ember.data.dataset import UNKNOWN, Dataset
from ember.data.sources import TextLineDataset, _lines
from ember.errors import InvalidArgumentError
from ember.tensor import Tensor
from ember.tensor_spec import TensorSpec

_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)


def _column(default, i):
    """(dtype, default value or None when the column is required) of one record default."""
    if isinstance(default, Tensor):
        default = default.numpy()
        default = default.item() if np.ndim(default) == 0 else default.tolist()
    if isinstance(default, (list, tuple, np.ndarray)):  # [] or [value], as TF allows
        if len(default) > 1:
            raise ValueError(f"CsvDataset: record_defaults[{i}] must be a scalar, a dtype or a "
                             f"list of at most one value; received {default!r}.")
        default = default[0] if len(default) else None
    if default is None:
        raise ValueError(f"CsvDataset: record_defaults[{i}] is empty; give a dtype (required "
                         "column) or a default value.")
    if isinstance(default, (dtypes.DType, type)) or isinstance(default, str) and \
            default in ("float32", "float64", "int32", "int64", "string"):
        dt = dtypes.as_dtype(default)
        value = None
    elif isinstance(default, (bytes, str)):
        dt, value = dtypes.string, default.encode() if isinstance(default, str) else default
    elif isinstance(default, (bool, np.bool_)):
        raise TypeError(f"CsvDataset: record_defaults[{i}] has unsupported type bool.")
    elif isinstance(default, (int, np.integer)):
        dt = dtypes.int64 if isinstance(default, np.int64) else dtypes.int32
        value = default
    else:
        dt = dtypes.float64 if type(default) is np.float64 else dtypes.float32
        value = default
    if dt not in _TYPES:
        raise TypeError(f"CsvDataset: record_defaults[{i}] has unsupported dtype {dt.name}; "
                        "use float32, float64, int32, int64 or string.")
    return dt, value


class CsvDataset(Dataset):
    """Each line of ``filenames`` (after a ``header`` line if True) as a tuple of scalars,
    one per column of ``record_defaults`` (a default value fixes the column's dtype: a
    Python float gives float32, an int int32, a str string; a dtype makes the column
    required). An empty field (or ``na_value``) takes the column's default.

    Args:
        filenames: a path or list of paths. compression_type: None, 'GZIP' or 'ZLIB'.
        header: skip each file's first line. field_delim: the field separator.
        use_quote_delim: double quotes enclose fields. select_cols / exclude_cols: the
            column indices kept (sorted), as TF; ``record_defaults`` lists the kept ones.
    """

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None, exclude_cols=None, name=None):
        self._text = TextLineDataset(filenames, compression_type=compression_type)
        self._columns = [_column(d, i) for i, d in enumerate(record_defaults)]
        if select_cols is not None and exclude_cols is not None:
            raise ValueError("CsvDataset: give `select_cols` or `exclude_cols`, not both.")
        for name_, cols in (("select_cols", select_cols), ("exclude_cols", exclude_cols)):
            if cols is not None and list(cols) != sorted(set(cols)):
                raise ValueError(f"CsvDataset: `{name_}` must be sorted, distinct column "
                                 f"indices; received {cols!r}.")
        if select_cols is not None and len(select_cols) != len(self._columns):
            raise ValueError(f"CsvDataset: {len(select_cols)} select_cols but "
                             f"{len(self._columns)} record_defaults.")
        self._select, self._exclude = select_cols, exclude_cols
        self._header = bool(header)
        self._delim = field_delim
        self._quoting = csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE
        self._na = na_value

    def _compute_spec(self):
        return tuple(TensorSpec((), dt) for dt, _ in self._columns)

    def _cardinality(self):
        return UNKNOWN

    def _kept(self, fields):
        if self._select is not None:
            return [fields[c] if c < len(fields) else "" for c in self._select]
        if self._exclude is not None:
            drop = set(self._exclude)
            return [f for c, f in enumerate(fields) if c not in drop]
        return fields

    def _iterate(self):
        for path in self._text._files:
            first = True
            raw = (line.decode() for line in _lines(self._text._read(path)))
            for line_no, fields in enumerate(csv.reader(raw, delimiter=self._delim,
                                                        quoting=self._quoting), start=1):
                if first and self._header:
                    first = False
                    continue
                first = False
                fields = self._kept(fields)
                if len(fields) != len(self._columns):
                    raise InvalidArgumentError(
                        f"CsvDataset: {path}, line {line_no}: expect {len(self._columns)} "
                        f"fields but have {len(fields)} in record.")
                yield tuple(self._value(f, col, path, line_no)
                            for f, col in zip(fields, self._columns))

    def _value(self, field, column, path, line_no):
        dt, default = column
        if field == "" or field == self._na:
            if default is None:
                raise InvalidArgumentError(f"CsvDataset: {path}, line {line_no}: a field of a "
                                           "required column (no default) is empty.")
            field = default
        if dt is dtypes.string:
            return field if isinstance(field, bytes) else str(field).encode()
        try:
            return dt._np.type(field)
        except ValueError:
            raise InvalidArgumentError(f"CsvDataset: {path}, line {line_no}: field "
                                       f"{field!r} is not a valid {dt.name}.") from None


def _infer_default(values):
    """TF's rule for a column: int32 if every value is an int (int64 if one does not fit),
    else float32 if every value is a number, else string; empty fields do not vote."""
    present = [v for v in values if v != ""]
    try:
        ints = [int(v) for v in present]
        big = any(not -2**31 <= i < 2**31 for i in ints)
        return np.int64(0) if big else 0
    except ValueError:
        pass
    try:
        [float(v) for v in present]
        return 0.0
    except ValueError:
        return ""


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim=True, na_value="", header=True, num_epochs=None,
                     shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8"):
    """Batches of CSV records as ``(features, label)``: ``features`` a dict of column name
    -> (batch,) tensor in column order, ``label`` the ``label_name`` column (without it,
    only the dict). Column names come from the header unless given; column types are
    inferred from the first ``num_rows_for_inference`` rows unless ``column_defaults`` are
    given. ``num_epochs=None`` repeats forever, as in TF; the records are shuffled with a
    buffer of ``shuffle_buffer_size`` before batching."""
    from ember.data.sources import _filenames

    files = sorted({p for pat in _filenames(file_pattern, "file_pattern")
                    for p in (glob.glob(pat) or [pat])})
    first = TextLineDataset(files[:1], compression_type=compression_type)
    rows = list(itertools.islice(csv.reader(
        (line.decode(encoding) for line in _lines(first._read(files[0]))),
        delimiter=field_delim,
        quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE),
        num_rows_for_inference + 1))
    if column_names is None:
        if not header:
            raise ValueError("make_csv_dataset: give `column_names` when the files have no "
                             "header.")
        column_names = rows[0]
    column_names = list(column_names)
    data_rows = rows[1:] if header else rows
    if select_columns is not None:
        idx = [c if isinstance(c, int) else column_names.index(c) for c in select_columns]
        idx = sorted(idx)
    else:
        idx = list(range(len(column_names)))
    names = [column_names[i] for i in idx]
    if label_name is not None and label_name not in names:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not one of the "
                         f"columns {names}.")
    if column_defaults is None:
        column_defaults = [_infer_default([r[i] if i < len(r) else "" for r in data_rows])
                           for i in idx]
    records = CsvDataset(files, column_defaults, compression_type=compression_type,
                         header=header, field_delim=field_delim,
                         use_quote_delim=use_quote_delim, na_value=na_value,
                         select_cols=idx if select_columns is not None else None)
    if shuffle:
        records = records.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    if num_epochs != 1:
        records = records.repeat(num_epochs)
    batches = records.batch(batch_size)

    def to_dict(*columns):
        features = dict(zip(names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    return batches.map(to_dict)
