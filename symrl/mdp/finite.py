"""The finite MDP ``(S, A, P, r, h, γ)`` as a batch of instances, validated once at the boundary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from symrl.errors import MDPError
from symrl.mdp.backends import BACKENDS, Backend, infer_backend, to_exact

__all__ = ["FiniteMDP", "as_policy", "batch_axis", "convert_entries"]

# Float rows may carry rounding from their construction; anything beyond this is a real error.
PROBABILITY_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class FiniteMDP:
    """A batch of finite MDPs sharing sizes: ``P (B,S,A,S)``, ``r (B,S,A)``, ``h (B,S)``, ``γ (B,)``.

    Build one with :meth:`create`, which accepts single instances (no batch axis) or batches and
    validates every entry.  Entries are float64 (``numeric``), ``flint.fmpq`` (``exact``) or
    elements of a SymPy rational-function field (``symbolic``).

    >>> mdp = FiniteMDP.create(P=[[[1, 0]], [[0, 1]]], r=[[1], [0]], h=[1, 0], gamma="1/2",
    ...                        backend="exact")
    >>> (mdp.batch_size, mdp.num_states, mdp.num_actions, mdp.backend)
    (1, 2, 1, 'exact')
    """

    P: np.ndarray
    r: np.ndarray
    h: np.ndarray
    gamma: np.ndarray
    backend: Backend

    @classmethod
    def create(
        cls,
        P: Any,
        r: Any,
        h: Any,
        gamma: Any,
        *,
        backend: Backend | None = None,
    ) -> FiniteMDP:
        """Validate and convert ``P``, ``r``, ``h``, ``γ``; add a batch axis to single instances."""
        P_arr = _as_array(P, "P", backend)
        chosen: Backend = backend or infer_backend(P_arr)
        if chosen not in BACKENDS:
            raise MDPError(f"unknown backend {chosen!r}; expected one of {', '.join(BACKENDS)}")
        P_arr = convert_entries(P_arr, chosen)
        if P_arr.ndim == 3:
            P_arr = P_arr[None]
        if P_arr.ndim != 4 or P_arr.shape[1] != P_arr.shape[3]:
            raise MDPError(
                f"P must have shape (S, A, S) or (B, S, A, S) with P[s, a, s'] = P(s'|s,a); "
                f"got {P_arr.shape}"
            )
        batch, S, A, _ = P_arr.shape
        if S == 0 or A == 0:
            raise MDPError(f"an MDP needs at least one state and one action; got P of shape {P_arr.shape}")
        r_arr = batch_axis(convert_entries(_as_array(r, "r", chosen), chosen), "r", (batch, S, A))
        h_arr = batch_axis(convert_entries(_as_array(h, "h", chosen), chosen), "h", (batch, S))
        gamma_arr = batch_axis(convert_entries(_as_array(gamma, "gamma", chosen), chosen), "gamma", (batch,))
        mdp = cls(P=P_arr, r=r_arr, h=h_arr, gamma=gamma_arr, backend=chosen)
        mdp._validate()
        return mdp

    @property
    def batch_size(self) -> int:
        return self.P.shape[0]

    @property
    def num_states(self) -> int:
        return self.P.shape[1]

    @property
    def num_actions(self) -> int:
        return self.P.shape[2]

    def instance(self, index: int) -> FiniteMDP:
        """The single MDP at ``index`` of the batch, still with a batch axis of length 1."""
        if not -self.batch_size <= index < self.batch_size:
            raise MDPError(f"instance {index} is outside the batch of {self.batch_size} MDPs")
        pick = slice(index, index + 1 if index != -1 else None)
        return FiniteMDP(self.P[pick], self.r[pick], self.h[pick], self.gamma[pick], self.backend)

    def _validate(self) -> None:
        _check_distribution(self.P, "P", "a row P(·|s,a) over next states", self.backend)
        _check_distribution(self.h, "h", "the initial distribution h", self.backend)
        if self.backend == "numeric" and not np.all(np.isfinite(self.r)):
            raise MDPError("r contains a non-finite reward (inf or nan)")
        if self.backend == "symbolic":
            return  # γ is a symbol there; 0 < γ < 1 is part of the symbolic world, not checkable
        for index, gamma in enumerate(self.gamma):
            if not 0 < gamma < 1:
                raise MDPError(
                    f"gamma must satisfy 0 < gamma < 1 (discounted MDPs only); "
                    f"instance {index} has gamma = {gamma}"
                )


def as_policy(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """Validate a policy ``π[s, a] = π(a|s)`` for ``mdp`` and return it with shape ``(B, S, A)``.

    A single ``(S, A)`` table is shared by every instance of the batch.
    """
    arr = convert_entries(_as_array(policy, "policy", mdp.backend), mdp.backend)
    arr = batch_axis(arr, "policy", (mdp.batch_size, mdp.num_states, mdp.num_actions))
    _check_distribution(arr, "policy", "a row π(·|s) over actions", mdp.backend)
    return arr


def _as_array(value: Any, name: str, backend: Backend | None) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value, dtype=object if backend in ("exact", "symbolic") else None)
    except ValueError as error:
        raise MDPError(f"{name} is not a rectangular array: {error}") from None


def convert_entries(arr: np.ndarray, backend: Backend) -> np.ndarray:
    """Convert every entry of ``arr`` to ``backend``'s number type (float64 or ``fmpq``)."""
    if backend == "numeric":
        try:
            return np.asarray(arr, dtype=np.float64)
        except (TypeError, ValueError):
            raise MDPError("numeric MDPs need real numbers; got entries that are not floats") from None
    if backend == "exact":
        out = np.empty(arr.shape, dtype=object)
        for index, value in np.ndenumerate(arr):
            out[index] = to_exact(value)
        return out
    return np.asarray(arr, dtype=object)


def batch_axis(arr: np.ndarray, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``arr`` with shape ``shape``, broadcasting an unbatched array over the batch."""
    if arr.shape == shape:
        return arr
    if arr.shape == shape[1:]:
        return np.broadcast_to(arr, shape).copy()
    raise MDPError(
        f"{name} has shape {arr.shape}; expected {shape[1:]} or, batched, {shape} "
        "to match P's (B, S, A, S)"
    )


def _check_distribution(arr: np.ndarray, name: str, what: str, backend: Backend) -> None:
    """Rows along the last axis must be probability vectors."""
    if backend == "numeric":
        totals = _sum_last_axis(arr)
        negative = _argwhere(arr < -PROBABILITY_TOLERANCE)
        bad_sum = _argwhere(np.abs(totals - 1.0) > PROBABILITY_TOLERANCE)
        _report_distribution(arr, totals, negative, bad_sum, name, what)
        return
    totals = arr.sum(axis=-1)
    if backend == "exact":
        negative = np.argwhere(np.vectorize(lambda x: x < 0, otypes=[bool])(arr))
        bad_sum = np.argwhere(np.vectorize(lambda x: x != 1, otypes=[bool])(totals))
    else:
        negative = np.empty((0, arr.ndim), dtype=int)
        bad_sum = np.argwhere(np.vectorize(lambda x: x != 1, otypes=[bool])(totals))
    _report_distribution(arr, totals, negative, bad_sum, name, what)


def _report_distribution(
    arr: np.ndarray, totals: np.ndarray, negative: np.ndarray, bad_sum: np.ndarray, name: str, what: str
) -> None:
    if len(negative):
        where = tuple(int(i) for i in negative[0])
        raise MDPError(f"{name}{list(where)} = {arr[where]} is negative; {what} must be nonnegative")
    if len(bad_sum):
        where = tuple(int(i) for i in bad_sum[0])
        raise MDPError(
            f"{name}{list(where)} sums to {totals[where]}, not 1; {what} must sum to 1"
        )


# Summing a short last axis with ``ndarray.sum`` costs a reduction per row; adding the columns
# is one vectorised pass each (about 10x faster for the 2-4 actions or states of most batches).
_SHORT_AXIS = 8


def _sum_last_axis(arr: np.ndarray) -> np.ndarray:
    if arr.shape[-1] == 0 or arr.shape[-1] > _SHORT_AXIS:
        return arr.sum(axis=-1)
    total = arr[..., 0].copy()
    for i in range(1, arr.shape[-1]):
        total += arr[..., i]
    return total


def _argwhere(mask: np.ndarray) -> np.ndarray:
    """``np.argwhere``, skipping its index search when nothing is set (the usual, valid case)."""
    return np.argwhere(mask) if mask.any() else np.empty((0, mask.ndim), dtype=np.intp)
