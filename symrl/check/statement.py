"""A statement ``L rel R`` over free variables, optionally restricted to a sampled support."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import sympy
from sympy import Expr

from symrl.check.relations import Relation, compare
from symrl.expr import (
    PARAMETER_AXIS,
    EvaluationError,
    Instance,
    Sample,
    Tensor,
    evaluate,
    policy_names,
    support_mask,
)

__all__ = ["Statement", "StatementValue"]


@dataclass(frozen=True)
class StatementValue:
    """A statement evaluated on a batch: its truth per instance and both sides' tensors."""

    truth: np.ndarray
    lhs: Tensor
    rhs: Tensor
    holds_entrywise: np.ndarray
    axes: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """``lhs relation rhs``, quantified over its free variables.

    ``domain`` restricts variables to the support of a distribution (``∀ (s,a) ∼ P_π``); the
    remaining free variables range over all states/actions.  ``quantifier`` says whether the
    statement claims the relation for every value (``forall``) or for some (``exists``).
    """

    lhs: Expr
    relation: Relation
    rhs: Expr
    domain: tuple[Sample, ...] = ()
    quantifier: Literal["forall", "exists"] = "forall"

    def policies(self) -> set[str]:
        names = policy_names(self.lhs) | policy_names(self.rhs)
        for sample in self.domain:
            names |= policy_names(sample.distribution)
        return names

    def evaluate(self, instance: Instance) -> StatementValue:
        kinds: dict[str, str] = {}
        lhs = evaluate(self.lhs, instance, kinds)
        rhs = evaluate(self.rhs, instance, kinds)
        if (PARAMETER_AXIS in lhs.axes) != (PARAMETER_AXIS in rhs.axes) and 0 not in (self.lhs, self.rhs):
            # a gradient is a vector over θ: equal to the vector 0, never to a scalar quantity
            raise EvaluationError("one side is a gradient ∇_θ (a vector over θ) and the other a scalar")
        axes = lhs.axes + tuple(a for a in rhs.axes if a not in lhs.axes)
        left, right = np.broadcast_arrays(lhs.aligned(axes), rhs.aligned(axes))
        holds = compare(left, right, self.relation)
        mask = np.ones_like(holds, dtype=bool)
        for sample in self.domain:
            support = support_mask(sample, instance, kinds)
            extra = tuple(a for a in support.axes if a not in axes)
            if extra:  # a domain variable the statement does not use: it only restricts the others
                support = Tensor(
                    support.data.any(axis=tuple(1 + support.axes.index(a) for a in extra)),
                    tuple(a for a in support.axes if a not in extra),
                )
            mask = mask & np.broadcast_to(support.aligned(axes), mask.shape)
        flat_holds = holds.reshape(holds.shape[0], -1)
        flat_mask = mask.reshape(mask.shape[0], -1)
        if self.quantifier == "forall":
            truth = np.all(flat_holds | ~flat_mask, axis=1)
        else:
            truth = np.any(flat_holds & flat_mask, axis=1)
        return StatementValue(truth, lhs, rhs, holds | ~mask, axes)

    def latex(self) -> str:
        return f"{sympy.latex(self.lhs)} {self.relation.value} {sympy.latex(self.rhs)}"
