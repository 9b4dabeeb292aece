"""The test layout lets the real ``keras`` be imported: ``tests/keras`` must not shadow it."""

import importlib.util
import os
import sys

import pytest

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_no_folder_holding_tests_keras_is_on_sys_path():
    on_path = {os.path.abspath(p or os.getcwd()) for p in sys.path}
    assert _TESTS not in on_path, (
        f"{_TESTS} is on sys.path, so 'import keras' could find tests/keras; keep pytest's "
        "--import-mode=importlib and no __init__.py in the test folders")


def test_import_keras_finds_the_installed_package():
    spec = importlib.util.find_spec("keras")
    if spec is None:
        pytest.skip("keras is not installed")
    locations = [spec.origin or "", *(spec.submodule_search_locations or [])]
    assert spec.origin is not None, f"'keras' resolves to a namespace package: {locations}"
    assert not any(os.path.abspath(p).startswith(_TESTS + os.sep) for p in locations if p), (
        f"'keras' resolves to the test folder: {locations}")
