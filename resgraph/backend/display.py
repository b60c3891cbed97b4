"""How a compiled module shows itself in a notebook."""


class NotebookDisplay:
    """Mixed into `ResgraphModule`."""
