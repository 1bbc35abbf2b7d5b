"""The semantics of the model, one module per Coq notion:

* ``pre`` (Step.v's ``pre_error``): first failing error code, or None;
* ``error_msg`` (ErrorMsg.v): every admissible error code;
* ``post`` (Post.v): the postcondition as a checker that explains failures;
* ``step``, ``effect``, ``trace`` (Step.v): the executable specification;
* ``valid_state``, ``first_invalid`` (Valid.v, ValidDec.v): invariants with witnesses;
* ``os_view``, ``os_equivalent``, ``os_action`` and the isolation checks (MODEL.md 6).
"""

from pyspec.semantics.error_msg import error_msg
from pyspec.semantics.isolation import (
    CheckResult, OsView, locally_respects, os_action, os_equivalent, os_view,
    read_isolation, step_consistency, view_determined, write_isolation,
)
from pyspec.semantics.post import PostResult, post
from pyspec.semantics.pre import pre
from pyspec.semantics.step import StepResult, effect, step, trace
from pyspec.semantics.valid import (
    InvalidState, Violation, first_invalid, is_valid, require_valid, valid_state,
)

__all__ = [
    "CheckResult", "InvalidState", "OsView", "PostResult", "StepResult", "Violation", "effect",
    "error_msg", "first_invalid", "is_valid", "locally_respects", "os_action",
    "os_equivalent", "os_view", "post", "pre", "read_isolation", "require_valid", "step",
    "step_consistency", "trace", "valid_state", "view_determined", "write_isolation",
]
