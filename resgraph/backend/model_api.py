"""timm's model API on a compiled module (forward_features, forward_head, reset_classifier, ...)."""


class ModelApi:
    """Mixed into `ResgraphModule`."""
