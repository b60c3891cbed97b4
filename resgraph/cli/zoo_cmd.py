"""`resgraph zoo`: not implemented yet (placeholder until its issue lands)."""


def register(app) -> None:
    pass
