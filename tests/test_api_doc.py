"""docs/python-api.md stays true: its Python code blocks run, in order, in one namespace."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def test_python_api_doc_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 4
    namespace: dict = {"__name__": "python_api_doc"}
    for k, code in enumerate(blocks):
        exec(compile(code, f"{DOC}:block{k + 1}", "exec"), namespace)
    assert namespace["graph"].name == "hybrid"
