"""Every ```python block in docs/*.md runs, page by page, top to bottom, in one namespace.

So the pages never drift from the code. docs/architecture.md is left out: its blocks are
excerpts of the source, not a program.
"""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
SKIP = {"architecture.md"}
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = sorted(f for f in os.listdir(DOCS) if f.endswith(".md") and f not in SKIP)


def blocks(page):
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        return BLOCK.findall(f.read())


def test_the_pages_have_code_and_link_each_other():
    assert {"getting_started.md", "tensors_and_tapes.md", "keras_models.md", "data.md",
            "files.md", "pictures.md", "speed.md"} <= set(PAGES)
    with open(os.path.join(DOCS, "README.md"), encoding="utf-8") as f:
        index = f.read()
    for page in PAGES:
        if page != "README.md":
            assert f"({page})" in index, page
            assert blocks(page), f"{page} has no python block"


def test_the_block_finder_finds_blocks():
    text = "a\n```python\nx = 1\n```\nb\n```sh\nls\n```\n```python\ny = 2\n```\n"
    assert BLOCK.findall(text) == ["x = 1\n", "y = 2\n"]


@pytest.mark.parametrize("page", [p for p in PAGES if p != "README.md"])
def test_page_code_runs(page, tmp_path, monkeypatch, capsys):
    code = blocks(page)
    if any("fashion_mnist" in c for c in code) and not os.path.exists(
            "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    if "pictures" in page:
        pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page[:-3]}"}
    for k, block in enumerate(code, start=1):
        try:
            exec(compile(block, f"docs/{page} block {k}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"docs/{page}, python block {k} failed: {e!r}\n{block}") from e
    assert capsys.readouterr().out  # each page prints what it shows
