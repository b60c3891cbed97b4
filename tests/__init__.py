"""Test folders are packages, so modules in different folders may share a name and helpers import as
`tests.<folder>.<module>`, in pytest and in the subprocesses some tests start."""
