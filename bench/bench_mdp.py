"""Benchmark of symrl's finite-MDP core: batched numeric policy evaluation and a symbolic proof.

Run from the repository root::

    python bench/bench_mdp.py            # full run (large batches, simplify on the 2x2 MDP)
    python bench/bench_mdp.py --quick    # smoke run in a few seconds

Numeric part: ``evaluate_policy`` (V, Q, A, η and the discounted occupancy together) on a
batch of random float64 MDPs with 2-4 states and 2-3 actions, in instances per second, against
two baselines measured in the same run:

(a) a per-instance Python loop that solves each MDP with ``numpy.linalg.solve`` and computes
    the same V, Q, A, η and occupancy (timed on a subset of the batch and scaled);
(b) one bare batched ``numpy.linalg.solve`` of V alone over the whole batch, with the system
    ``I - γ P_π`` and ``r_π`` built beforehand, outside the timing.

Symbolic part: proving ``Σ_a π(a|s) Q_π(s,a) = V_π(s)`` on the generic 2x2 symbolic MDP with
symrl (``symbolic_mdp`` + ``evaluate_policy`` + the difference is exactly zero in the field)
against ``sympy.simplify`` of the same difference written as a SymPy expression.

Every timing is the best of several runs of ``time.perf_counter``; all data come from fixed
seeds.  The results are checked against each other before anything is reported.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from symrl.mdp import (
    FiniteMDP,
    evaluate_policy,
    policy_reward,
    policy_transition_matrix,
    random_mdp,
    random_policy,
    symbolic_mdp,
)

SIZES: tuple[tuple[int, int], ...] = ((2, 2), (2, 3), (3, 2), (3, 3), (4, 2), (4, 3))
TARGET_SIZE = (3, 2)
TARGET_RATE = 1e6  # instances per second
TARGET_VS_LOOP = 15.0
TARGET_VS_SOLVE = 0.5
TARGET_SYMBOLIC = 50.0
MDP_SEED = 20240611
POLICY_SEED = 7


@dataclass(frozen=True)
class Settings:
    batch: int  # instances per numeric batch
    loop_batch: int  # instances timed in the per-instance loop (a)
    repeats: int  # best of this many runs
    symbolic_states: int  # states of the generic symbolic MDP (2 actions)
    symbolic_repeats: int


FULL = Settings(batch=500_000, loop_batch=5_000, repeats=5, symbolic_states=2, symbolic_repeats=5)
QUICK = Settings(batch=20_000, loop_batch=300, repeats=2, symbolic_states=1, symbolic_repeats=2)


def best_time(run: Callable[[], object], repeats: int) -> float:
    """Fastest of ``repeats`` wall-clock runs of ``run``, in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


# --------------------------------------------------------------------------- numeric


def loop_evaluate(mdp: FiniteMDP, policy: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
    """Baseline (a): one ``numpy.linalg.solve`` per MDP for V (and one for the occupancy)."""
    S = mdp.num_states
    identity = np.eye(S)
    V_all = np.empty((count, S))
    Q_all = np.empty((count, S, mdp.num_actions))
    A_all = np.empty_like(Q_all)
    eta_all = np.empty(count)
    occupancy_all = np.empty((count, S))
    for b in range(count):
        P, r, h, gamma, pi = mdp.P[b], mdp.r[b], mdp.h[b], mdp.gamma[b], policy[b]
        M = identity - gamma * (pi[:, :, None] * P).sum(axis=1)
        V = np.linalg.solve(M, (pi * r).sum(axis=1))
        Q = r + gamma * (P @ V)
        V_all[b], Q_all[b], A_all[b] = V, Q, Q - V[:, None]
        occupancy_all[b] = np.linalg.solve(M.T, h)
        eta_all[b] = h @ V
    return V_all, Q_all, A_all, eta_all, occupancy_all


def bench_numeric(states: int, actions: int, settings: Settings) -> dict[str, float]:
    mdp = random_mdp(states, actions, batch=settings.batch, seed=MDP_SEED + 10 * states + actions)
    policy = random_policy(mdp, seed=POLICY_SEED)
    system = np.eye(states) - mdp.gamma[:, None, None] * policy_transition_matrix(mdp, policy)
    rhs = policy_reward(mdp, policy)[:, :, None]
    loop_count = min(settings.loop_batch, settings.batch)

    # The three computations must agree before their speeds mean anything.
    result = evaluate_policy(mdp, policy)
    reference = loop_evaluate(mdp, policy, loop_count)
    batched = (result.V, result.Q, result.A, result.eta, result.occupancy)
    for name, ours, theirs in zip(("V", "Q", "A", "eta", "occupancy"), batched, reference, strict=True):
        if not np.allclose(ours[:loop_count], theirs, rtol=1e-9, atol=1e-9):
            raise AssertionError(f"{states}x{actions}: evaluate_policy's {name} disagrees with the loop")
    if not np.allclose(np.linalg.solve(system, rhs)[:, :, 0], result.V, rtol=1e-9, atol=1e-9):
        raise AssertionError(f"{states}x{actions}: evaluate_policy's V disagrees with numpy.linalg.solve")
    del result, reference, batched

    ours = best_time(lambda: evaluate_policy(mdp, policy), settings.repeats)
    loop = best_time(lambda: loop_evaluate(mdp, policy, loop_count), min(settings.repeats, 3))
    solve = best_time(lambda: np.linalg.solve(system, rhs), settings.repeats)
    batched_rate = settings.batch / ours
    loop_rate = loop_count / loop
    solve_rate = settings.batch / solve
    return {
        "batched_per_s": batched_rate,
        "loop_per_s": loop_rate,
        "solve_per_s": solve_rate,
        "vs_loop": batched_rate / loop_rate,
        "vs_solve": batched_rate / solve_rate,
    }


# --------------------------------------------------------------------------- symbolic


def symrl_proof(states: int) -> bool:
    """Build the generic MDP, evaluate π exactly and check Σ_a π Q - V is zero in the field."""
    generic = symbolic_mdp(states, 2)
    pi = generic.policies["pi"]
    result = evaluate_policy(generic.mdp, pi)
    difference = (pi * result.Q).sum(axis=-1) - result.V
    return all(entry == 0 for entry in difference.flat)


def simplify_inputs(states: int) -> list[sympy.Expr]:
    """``Σ_a π(a|s) Q(s,a) - V(s)`` per state as SymPy expressions, each piece converted apart."""
    generic = symbolic_mdp(states, 2)
    pi = generic.policies["pi"]
    result = evaluate_policy(generic.mdp, pi)
    return [
        sympy.Add(*(pi[0, s, a].as_expr() * result.Q[0, s, a].as_expr() for a in range(2))) - result.V[0, s].as_expr()
        for s in range(states)
    ]


def bench_symbolic(settings: Settings) -> dict[str, float]:
    states = settings.symbolic_states
    if not symrl_proof(states):
        raise AssertionError("symrl did not prove Σ_a π Q = V on the generic MDP")
    ours = best_time(lambda: symrl_proof(states), settings.symbolic_repeats)
    generic = symbolic_mdp(states, 2)
    evaluate_only = best_time(lambda: evaluate_policy(generic.mdp, generic.policies["pi"]), settings.symbolic_repeats)
    expressions = simplify_inputs(states)
    start = time.perf_counter()
    simplified = [sympy.simplify(expression) for expression in expressions]  # once: it is slow
    simplify_seconds = time.perf_counter() - start
    if any(expression != 0 for expression in simplified):
        raise AssertionError(f"sympy.simplify did not reduce the difference to 0: {simplified}")
    return {
        "states": float(states),
        "symrl_seconds": ours,
        "symrl_evaluate_seconds": evaluate_only,
        "simplify_seconds": simplify_seconds,
        "speedup": simplify_seconds / ours,
        "expression_ops": float(sum(sympy.count_ops(expression) for expression in expressions)),
    }


# --------------------------------------------------------------------------- report


def rate(value: float) -> str:
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:8.2f} {suffix}/s"
    return f"{value:8.1f}  /s"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_numeric(numbers: dict[str, dict[str, float]], settings: Settings) -> None:
    print(
        f"Policy evaluation, numeric float64: V, Q, A, η and occupancy together "
        f"(batch {settings.batch:,}, best of {settings.repeats})"
    )
    print(
        "  (a) per-instance loop of numpy.linalg.solve computing the same quantities "
        f"(timed on {settings.loop_batch:,} instances)"
    )
    print("  (b) one bare batched numpy.linalg.solve of V alone (system built outside the timing)")
    header = f"  {'S×A':>4} | {'symrl':>12} | {'(a) loop':>12} | {'(b) solve':>12} | {'vs (a)':>8} | {'vs (b)':>7}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for key, row in numbers.items():
        print(
            f"  {key:>4} | {rate(row['batched_per_s'])} | {rate(row['loop_per_s'])} | "
            f"{rate(row['solve_per_s'])} | {row['vs_loop']:7.1f}× | {row['vs_solve']:6.2f}×"
        )
    target = numbers[f"{TARGET_SIZE[0]}×{TARGET_SIZE[1]}"]
    print(f"  Targets for {TARGET_SIZE[0]}×{TARGET_SIZE[1]}:")
    print(
        f"    ≥ {TARGET_RATE:.0e} instances/s: {target['batched_per_s']:.3g}/s "
        f"{verdict(target['batched_per_s'] >= TARGET_RATE)}"
    )
    print(f"    ≥ {TARGET_VS_LOOP:g}× (a): {target['vs_loop']:.1f}× {verdict(target['vs_loop'] >= TARGET_VS_LOOP)}")
    print(f"    ≥ {TARGET_VS_SOLVE:g}× (b): {target['vs_solve']:.2f}× {verdict(target['vs_solve'] >= TARGET_VS_SOLVE)}")


def print_symbolic(numbers: dict[str, float], settings: Settings) -> None:
    states = int(numbers["states"])
    print(f"Symbolic proof of Σ_a π(a|s) Q_π(s,a) = V_π(s) on the generic {states}×2 MDP")
    print(
        f"  symrl (symbolic_mdp + evaluate_policy + difference == 0 in the field): "
        f"{numbers['symrl_seconds'] * 1e3:9.1f} ms (best of {settings.symbolic_repeats})"
    )
    print(f"    of which evaluate_policy alone: {numbers['symrl_evaluate_seconds'] * 1e3:.1f} ms")
    print(
        f"  sympy.simplify of the same difference ({states} state(s), "
        f"{int(numbers['expression_ops'])} operations):   {numbers['simplify_seconds'] * 1e3:9.1f} ms (once)"
    )
    judged = verdict(numbers["speedup"] >= TARGET_SYMBOLIC) if states == 2 else "not judged (set for 2×2)"
    print(f"  speedup {numbers['speedup']:.1f}×; target ≥ {TARGET_SYMBOLIC:g}× on the 2×2 MDP: {judged}")


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the table and return every measured number by name."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small batches and the 1-state symbolic MDP")
    parser.add_argument("--batch", type=int, help="instances per numeric batch")
    parser.add_argument("--no-symbolic", action="store_true", help="skip the symbolic benchmark")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.batch:
        settings = Settings(
            args.batch,
            min(settings.loop_batch, args.batch),
            settings.repeats,
            settings.symbolic_states,
            settings.symbolic_repeats,
        )

    print(
        f"symrl MDP benchmark{' (quick)' if args.quick else ''}: Python {platform.python_version()}, "
        f"NumPy {np.__version__}, SymPy {sympy.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print()
    numeric = {f"{S}×{A}": bench_numeric(S, A, settings) for S, A in SIZES}
    print_numeric(numeric, settings)
    flat = {f"numeric/{size}/{name}": value for size, row in numeric.items() for name, value in row.items()}
    if not args.no_symbolic:
        print()
        symbolic = bench_symbolic(settings)
        print_symbolic(symbolic, settings)
        flat.update({f"symbolic/{name}": value for name, value in symbolic.items()})
    sys.stdout.flush()
    return flat


if __name__ == "__main__":
    main()
