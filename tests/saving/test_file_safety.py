"""Loading never trusts the file: no code, nothing read from outside it, sizes checked
before allocating, one ``ModelFileError`` naming the file for every kind of damage, and
a failed load leaves the model as it was. Ends with a fuzz run over every loader."""

import io
import os
import zipfile

import numpy as np
import pytest

import ember  # noqa: F401
from ember import keras
from ember.keras.saving import ModelFileError

h5py = pytest.importorskip("h5py")
L = keras.layers
X = np.random.default_rng(0).random((4, 3)).astype("float32")


def small():
    m = keras.Sequential([keras.Input((3,)), L.Dense(2, activation="relu"), L.Dense(2)])
    m.compile(optimizer="adam", loss="mse")
    return m


def weights_of(m):
    return [w.copy() for w in m.get_weights()]


def assert_unchanged(m, before):
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def _h5_with(path, build):
    m = small()
    m(X)
    m.save_weights(path)
    with h5py.File(path, "a") as f:
        build(f)
    return m


def test_external_storage_is_refused_not_followed(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(6, dtype="float32").tobytes())
    path = str(tmp_path / "w.weights.h5")

    def build(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars"].create_dataset("0", shape=(3, 2), dtype="float32",
                                              external=[(str(secret), 0, 24)])
    _h5_with(path, build)
    m = small()
    m(X)
    before = weights_of(m)
    with pytest.raises(ModelFileError, match="external"):
        m.load_weights(path)
    assert_unchanged(m, before)


def test_virtual_dataset_external_and_soft_links_are_refused(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.ones((3, 2), "float32")

    def virtual(f):
        del f["layers/dense/vars/0"]
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="float32")
        layout[:] = h5py.VirtualSource(str(other), "data", shape=(3, 2))
        f["layers/dense/vars"].create_virtual_dataset("0", layout)

    def external_link(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(other), "data")

    def soft_link(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")

    for name, build, expected in (("v", virtual, "virtual"), ("e", external_link, "ExternalLink"),
                                  ("s", soft_link, "SoftLink")):
        path = str(tmp_path / f"{name}.weights.h5")
        _h5_with(path, build)
        m = small()
        m(X)
        with pytest.raises(ModelFileError, match=f"{name}.weights.h5.*{expected}"):
            m.load_weights(path)


def _npz_with(path, arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def test_complex_datetime_and_object_arrays_are_refused(tmp_path):
    m = small()
    m(X)
    m.save_weights(tmp_path / "ok.weights.npz")
    with np.load(tmp_path / "ok.weights.npz") as z:
        good = {k: z[k] for k in z.files}
    for label, value in (("complex", np.ones((3, 2), "complex64")),
                         ("datetime", np.zeros((3, 2), "datetime64[s]"))):
        path = tmp_path / f"{label}.weights.npz"
        _npz_with(path, {**good, "layers/dense/vars/0": value})
        with pytest.raises(ModelFileError, match=f"{label}.weights.npz.*(complex|datetime)"):
            m.load_weights(path)
    path = tmp_path / "obj.weights.npz"
    with zipfile.ZipFile(path, "w") as z:
        raw = io.BytesIO()
        np.lib.format.write_array(raw, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        z.writestr("layers/dense/vars/0.npy", raw.getvalue())
    with pytest.raises(ModelFileError, match="obj.weights.npz"):
        m.load_weights(path)


def test_single_npy_named_npz_and_lying_headers(tmp_path):
    m = small()
    m(X)
    single = tmp_path / "single.weights.npz"
    np.save(single.with_suffix(".tmp"), np.ones(3))
    os.replace(single.with_suffix(".tmp.npy"), single)
    with pytest.raises(ModelFileError, match="single .npy"):
        m.load_weights(single)
    # An .npy header claiming 64 GiB over a few bytes of data: refused before allocating.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (1 << 17, 1 << 17)})
    lying = tmp_path / "lying.weights.npz"
    with zipfile.ZipFile(lying, "w") as z:
        z.writestr("layers/dense/vars/0.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(ModelFileError, match="lying.weights.npz.*declares"):
        m.load_weights(lying)
    # An HDF5 dataset declaring terabytes with nothing stored.
    bomb = str(tmp_path / "bomb.weights.h5")
    with h5py.File(bomb, "w") as f:
        f.create_dataset("layers/dense/vars/0", shape=(1 << 20, 1 << 20), dtype="float32",
                         chunks=(1024, 1024), compression="gzip")
    with pytest.raises(ModelFileError, match="bomb.weights.h5.*declares"):
        m.load_weights(bomb)


def test_unsupported_compression_and_bad_crc_name_the_file(tmp_path):
    m = small()
    m(X)
    m.save_weights(tmp_path / "ok.weights.npz")
    data = bytearray((tmp_path / "ok.weights.npz").read_bytes())
    # Compression method field of the first local header (offset 8) -> 99 (AES), and of the
    # central directory entries, so zipfile sees an unsupported method.
    lzma = bytearray(data)
    pos = 0
    while (pos := lzma.find(b"PK\x01\x02", pos)) != -1:
        lzma[pos + 10:pos + 12] = (14).to_bytes(2, "little")
        pos += 4
    (tmp_path / "method.weights.npz").write_bytes(bytes(lzma))
    with pytest.raises(ModelFileError, match="method.weights.npz.*(compression|damaged)"):
        m.load_weights(tmp_path / "method.weights.npz")
    crc = bytearray(data)
    crc[data.find(b"PK\x03\x04", 4) - 2] ^= 0xFF  # the first member's last data byte
    (tmp_path / "crc.weights.npz").write_bytes(bytes(crc))
    with pytest.raises(ModelFileError, match="crc.weights.npz"):
        m.load_weights(tmp_path / "crc.weights.npz")


# -- fuzz -----------------------------------------------------------------------------------
def _mutants(data, rng, n_flip=40, n_cut=15):
    """Truncations, bit flips and byte overwrites of ``data``, deterministic for a seed."""
    out = []
    for cut in np.linspace(0, len(data) - 1, n_cut).astype(int):
        out.append(("cut", data[:cut]))
    for _ in range(n_flip):
        b = bytearray(data)
        i = int(rng.integers(len(b)))
        b[i] ^= 1 << int(rng.integers(8))
        out.append(("flip", bytes(b)))
    for _ in range(n_flip // 4):
        b = bytearray(data)
        i = int(rng.integers(len(b) - 8))
        b[i:i + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        out.append(("smash", bytes(b)))
    out.append(("random", rng.integers(0, 256, len(data), dtype=np.uint8).tobytes()))
    out.append(("empty", b""))
    return out


def _rezip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_fuzz_every_loader(tmp_path):
    """A few hundred damaged files: each loads correctly or raises ModelFileError naming
    the file; a failed load never changes the model."""
    rng = np.random.default_rng(11)
    m = small()
    m.fit(X, X[:, :2], epochs=1, verbose=0)
    for name in ("base.weights.h5", "base.weights.npz"):
        m.save_weights(tmp_path / name)
    m.save(tmp_path / "base.keras")
    cases = []
    for name in ("base.weights.h5", "base.weights.npz", "base.keras"):
        data = (tmp_path / name).read_bytes()
        cases += [(name, kind, d) for kind, d in _mutants(data, rng)]
    # Damage inside the .keras members, re-zipped with valid checksums, so the JSON and
    # HDF5 parsers (not only the zip CRC) meet it.
    with zipfile.ZipFile(tmp_path / "base.keras") as z:
        members = {n: z.read(n) for n in z.namelist()}
    for member in ("config.json", "model.weights.h5"):
        for kind, d in _mutants(members[member], rng, n_flip=30, n_cut=8):
            cases.append(("base.keras", f"{member}:{kind}", _rezip({**members, member: d})))
    assert len(cases) > 250
    target = small()
    target(X)
    outcomes = {"loaded": 0, "refused": 0}
    for i, (name, kind, data) in enumerate(cases):
        path = tmp_path / f"case{i}.{name.split('.', 1)[1]}"
        path.write_bytes(data)
        before = weights_of(target)
        try:
            if name.endswith(".keras"):
                loaded = keras.models.load_model(path)
                assert [w.shape for w in loaded.get_weights()] == [w.shape for w in before]
            else:
                target.load_weights(path)
                assert [w.shape for w in target.get_weights()] == [w.shape for w in before]
            outcomes["loaded"] += 1
        except ModelFileError as e:
            assert str(path) in str(e), (kind, str(e))
            assert_unchanged(target, before)
            outcomes["refused"] += 1
        os.remove(path)
    assert outcomes["refused"] > 100
