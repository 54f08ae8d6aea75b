"""Hand-made verdict records covering every verdict, a counterexample, a fix, claims and unread passages."""

from __future__ import annotations

from symrl.check import ClaimResult, FileResult, StepResult, Suggestion, Unread

__all__ = ["sample_files"]

SOURCE = "post.md"

COUNTEREXAMPLE = {
    "states": 2,
    "actions": 2,
    "exact": True,
    "gamma": "1/2",
    "P": [[["1", "0"], ["1/2", "1/2"]], [["0", "1"], ["0", "1"]]],
    "r": [["0", "-1/2"], ["1", "0"]],
    "h": ["0", "1"],
    "policies": {"pi'": [["1", "0"], ["1", "0"]], "pi": [["0", "1"], ["1/2", "1/2"]]},
    "at": {"s": 1, "a": 0},
    "lhs": "-5",
    "rhs": "-41/5",
}


def _source(line: int) -> dict:
    return {"file": SOURCE, "line": line}


def sample_files() -> list[FileResult]:
    """Two files: a chain with every verdict, claims and an unread passage; then an empty file."""
    steps = [
        # Given out of order on purpose: emitters sort by (chain, step).
        StepResult(
            chain=4,
            step=2,
            line=66,
            relation="=",
            source=_source(66),
            lhs=r"\mathbb{E}_{s \sim h}\left[V_{\pi'}(s)\right]",
            rhs=r"\mathbb{E}_{s \sim h}\left[\max_a Q_\pi(s, a)\right]",
            verdict="fails",
            anchored="fails",
            condition=None,
            evidence="exact",
            message="= fails on an exact MDP with 2 states and 2 actions: left side -5, right side -41/5",
            counterexample=dict(COUNTEREXAMPLE),
            suggestion=Suggestion(
                relation="\\geq",
                rhs=r"\mathbb{E}_{s \sim h}\left[\max_{a} Q_{\pi}\left(s, a\right)\right]",
                verdict="holds",
                description="use ≥ instead of =",
                code="relation",
            ),
            code="relation",
            chain_name="policy improvement",
        ),
        StepResult(
            chain=4,
            step=1,
            line=65,
            relation="=",
            source=_source(65),
            lhs=r"\eta(\pi')",
            rhs=r"\mathbb{E}_{s \sim h}\left[V_{\pi'}(s)\right]",
            verdict="holds",
            anchored="holds",
            condition=None,
            evidence="symbolic",
            message="proved on the generic symbolic MDP (2 states, 2 actions)",
            chain_name="policy improvement",
        ),
        StepResult(
            chain=4,
            step=3,
            line=67,
            relation="\\approx",
            source=_source(67),
            lhs=r"\max_a Q_\pi(s, a)",
            rhs=r"r(s, a) + \gamma V_\pi(s')",
            verdict="holds-under",
            anchored="unknown",
            condition="deterministic-transitions",
            evidence="numeric",
            message="unbiased; exact only when every P(·|s,a) puts all its mass on one next state",
            chain_name="policy improvement",
        ),
        StepResult(
            chain=4,
            step=4,
            line=68,
            relation="=",
            source=_source(68),
            lhs=r"r(s, a) + \gamma V_\pi(s')",
            rhs=r"\eta(\pi)",
            verdict="unknown",
            anchored="unknown",
            condition=None,
            evidence=None,
            message="time limit of 60 s reached during exact check",
            code="time-limit",
            chain_name="policy improvement",
        ),
        StepResult(
            chain=5,
            step=1,
            line=81,
            relation="=",
            source=_source(81),
            lhs=r"\mathbb{E}_{a \sim \pi}\left[Q_{\pi}(s, a)\right]",
            rhs=r"\max_{a} Q_{\pi}(s, a)",
            verdict="not-checked",
            anchored=None,
            condition=None,
            evidence=None,
            message="the chain's premise: assumed by the text, not judged",
            chain_name="fixed point",
        ),
        StepResult(
            chain=5,
            step=2,
            line=82,
            relation="\\implies",
            source=_source(82),
            lhs=r"\pi'",
            rhs=r"\pi",
            verdict="fails",
            anchored="fails",
            condition=None,
            evidence="exact",
            message="the conclusion does not follow; converse (this line ⟹ the previous one): holds",
            counterexample={
                "states": 1,
                "actions": 2,
                "exact": False,
                "gamma": "0.99",
                "P": [[["1.0"], ["1.0"]]],
                "r": [["0.25", "-1000.0"]],
                "h": ["1.0"],
                "policies": {},
                "at": {},
                "lhs": "0.5",
                "rhs": "0.75",
                "note": "the premises hold here but the conclusion does not",
            },
            suggestion=Suggestion(
                relation="\\impliedby",
                rhs=r"\pi' = \pi",
                verdict="holds",
                description="reverse the implication",
                code="relation",
                condition="deterministic-policies",
            ),
            code="invalid-implication",
            chain_name="fixed point",
            converse="holds",
        ),
    ]
    claims = [
        ClaimResult(
            name="same-policy-once-optimal",
            line=74,
            source=_source(74),
            statement=r"V_{\pi}(s) = V^{*}(s) \implies \pi' = \pi",
            verdict="fails",
            evidence="exact",
            message="once optimal, improvement returns the same policy: the conclusion does not follow",
            counterexample={"states": 1, "actions": 2, "exact": True, "gamma": "9/10", "lhs": "1", "rhs": "2/5"},
            code="false-claim",
        ),
        ClaimResult(
            name="gradient-ascent-improves",
            line=190,
            source=_source(190),
            statement=r"\eta(\theta') \geq \eta(\theta)",
            verdict="holds-under",
            evidence="numeric",
            message="a gradient step improves η: it holds when the step size is small",
            condition="small-step-size",
            code="false-claim",
            families={
                "tabular": {"verdict": "holds", "condition": None, "message": "no counterexample"},
                "features": {"verdict": "holds-under", "condition": "small-step-size", "message": "fails"},
            },
        ),
        ClaimResult(
            name="eta-as-initial-value",
            line=74,
            source=_source(74),
            statement=r"\eta(\pi) = \mathbb{E}_{s \sim h}\left[V_{\pi}(s)\right]",
            verdict="holds",
            evidence="symbolic",
            message="η is the expected initial value: proved",
        ),
    ]
    unread = [
        Unread(line=40, message=r"unknown command \foo", column=7, excerpt=r"V(s)= \foo(s) + 1"),
        Unread(line=12, message="no relation"),
    ]
    return [
        FileResult(path="derivations/policy_improvement.py", steps=steps, claims=claims, unread=unread),
        FileResult(path="post.md"),
    ]
