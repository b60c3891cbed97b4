"""The rules for what a layer, scope or model may be named, written once for every stage.

Two rules, because a name must survive two trips. It must be writable in .rg (`writable`, used
by the builder and by `to_rg`): a dotted path of identifiers whose first segment is not one of the
language's words. And it must be holdable by torch (`name_problem`, used by the checker and the fx
back end): every path segment becomes an attribute of a torch module (`layer1.0.conv1` is
`model.layer1[0].conv1`), and every node becomes a Python name in the generated `forward`. So a
segment must not be an attribute torch modules already have (`type`, `forward`, `training`), nor,
at the top level, one that `fx.GraphModule` has (`graph`, `code`), nor a Python keyword (`class`).
The names are data rather than `dir()` calls so that `check` needs no torch import; they were taken
from torch 2.13 and tests/ir/test_naming.py fails when the installed torch has a name they lack.
"""

from __future__ import annotations

import keyword
import re

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # the grammar's NAME
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")

# The .rg language's own words (grammar/resgraph.lark): a spec cannot use them as a layer's first
# segment or as a model's name.
RESERVED_WORDS = frozenset({"model", "block", "import", "input", "option", "let", "for", "in", "if", "else",
                            "and", "or", "not", "true", "false", "none"})

NAME_HINT = ("names are dotted paths of letters, digits and _ that start with a letter and not with a "
             "reserved word: layer1.0.conv1")


def writable(path: str) -> bool:
    """Whether .rg can name a layer `path` (the builder refuses other names up front)."""
    first = path.split(".")[0]
    return bool(_PATH.fullmatch(path)) and first not in RESERVED_WORDS and first != "_"


def writable_model_name(name: str) -> bool:
    """Whether `model NAME { ... }` can carry this name."""
    return bool(IDENTIFIER.fullmatch(name)) and name not in RESERVED_WORDS

# dir(nn.Module())
MODULE_ATTRIBUTES = frozenset({
    "T_destination", "__annotations__", "__call__", "__class__", "__delattr__", "__dict__",
    "__dir__", "__doc__", "__eq__", "__format__", "__ge__", "__getattr__", "__getattribute__",
    "__getstate__", "__gt__", "__hash__", "__init__", "__init_subclass__", "__le__", "__lt__",
    "__module__", "__ne__", "__new__", "__reduce__", "__reduce_ex__", "__repr__", "__setattr__",
    "__setstate__", "__sizeof__", "__str__", "__subclasshook__", "__weakref__", "_apply",
    "_backward_hooks", "_backward_pre_hooks", "_buffers", "_call_impl", "_compiled_call_impl",
    "_forward_hooks", "_forward_hooks_always_called", "_forward_hooks_with_kwargs",
    "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_get_backward_hooks",
    "_get_backward_pre_hooks", "_get_name", "_is_full_backward_hook", "_load_from_state_dict",
    "_load_state_dict_post_hooks", "_load_state_dict_pre_hooks",
    "_maybe_warn_non_full_backward_hook", "_modules", "_named_members",
    "_non_persistent_buffers_set", "_parameters", "_register_load_state_dict_pre_hook",
    "_register_state_dict_hook", "_replicate_for_data_parallel", "_save_to_state_dict",
    "_slow_forward", "_state_dict_hooks", "_state_dict_pre_hooks", "_version", "_wrapped_call_impl",
    "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile", "cpu",
    "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict",
    "modules", "mtia", "named_buffers", "named_children", "named_modules", "named_parameters",
    "parameters", "register_backward_hook", "register_buffer", "register_forward_hook",
    "register_forward_pre_hook", "register_full_backward_hook", "register_full_backward_pre_hook",
    "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook", "register_module",
    "register_parameter", "register_state_dict_post_hook", "register_state_dict_pre_hook",
    "requires_grad_", "set_extra_state", "set_submodule", "share_memory", "state_dict", "to",
    "to_empty", "train", "training", "type", "xpu", "zero_grad"
})

# dir(fx.GraphModule(nn.Module(), fx.Graph())): nn.Module's names and these
GRAPH_MODULE_ATTRIBUTES = MODULE_ATTRIBUTES | frozenset({
    "__copy__", "__deepcopy__", "__jit_unused_properties__", "__reduce_package__", "_boxed_call",
    "_code", "_create_node_hooks", "_deepcopy_hooks", "_deepcopy_init", "_erase_node_hooks",
    "_graph", "_lineno_map", "_prologue_start", "_recompile_submodules",
    "_register_create_node_hook", "_register_deepcopy_hook", "_register_erase_node_hook",
    "_register_replace_node_hook", "_replace_hooks", "_set_replace_hook", "_tracer_cls",
    "_tracer_extras", "_unregister_create_node_hook", "_unregister_deepcopy_hook",
    "_unregister_erase_node_hook", "_unregister_replace_node_hook", "_wrapped_call",
    "add_submodule", "code", "delete_all_unused_submodules", "delete_submodule", "graph", "meta",
    "print_readable", "recompile", "shape_env", "to_folder"
})

KEYWORDS = frozenset(keyword.kwlist)


def name_problem(path: str) -> tuple[str, str, str] | None:
    """The first segment of `path` that cannot name a module: (the path up to it, message, hint).

    The top-level segment becomes an attribute of the GraphModule itself, deeper ones of plain
    submodules, hence the two sets.
    """
    parts = path.split(".")
    for depth, atom in enumerate(parts):
        prefix = ".".join(parts[: depth + 1])
        if not atom:
            return prefix, f"the name '{path}' has an empty segment", "name every segment: layer1.0.conv1"
        if atom in KEYWORDS:
            why = "a Python keyword"
        elif atom in (GRAPH_MODULE_ATTRIBUTES if depth == 0 else MODULE_ATTRIBUTES):
            why = "a reserved attribute of torch modules"
        else:
            continue
        where = "" if path == atom else f" in '{path}'"
        return prefix, f"the name '{atom}'{where} is {why}", f"rename '{atom}' (e.g. '{atom}_')"
    return None


__all__ = ["GRAPH_MODULE_ATTRIBUTES", "IDENTIFIER", "KEYWORDS", "MODULE_ATTRIBUTES", "NAME_HINT", "RESERVED_WORDS",
           "name_problem", "writable", "writable_model_name"]
