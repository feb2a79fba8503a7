"""The simulation state: one NumPy array per variable, one row per agent (structure of arrays)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..population import Population


@dataclass
class State:
    # dynamic state (MODEL.md, 'Dynamic')
    score: np.ndarray  # s, float64
    baseline: np.ndarray  # s0, float64
    enrolled: np.ndarray  # bool
    blacklisted: np.ndarray  # bool
    perceived_surveillance: np.ndarray  # float32, learned ν
    perceived_severity: np.ndarray  # float32, learned ψ (fear)
    expressed_dissent: np.ndarray  # float32, a
    wealth: np.ndarray  # float64
    tier: np.ndarray  # int8
    previous_tier: np.ndarray  # int8, for mobility
    loan_remaining: np.ndarray  # float64, 0 = no loan
    loan_instalment: np.ndarray  # float64
    loan_start: np.ndarray  # int32, step the loan was granted
    arrears: np.ndarray  # int16, missed instalments not yet repaid
    judged: np.ndarray  # bool, a court judgment stands on the current arrears
    shared: np.ndarray  # bool, has shared (bragged about) its score
    # cumulative counters of sanctions received
    times_travel_denied: np.ndarray  # int32
    times_loan_denied: np.ndarray  # int32
    times_punished: np.ndarray  # int32
    times_reported: np.ndarray  # int32
    # this step's events (overwritten every step)
    critical_posts: np.ndarray  # int16
    pro_state_posts: np.ndarray  # int16
    observed: np.ndarray  # bool: seen by the authority (surveillance or a true report)
    purchases: np.ndarray  # (N, C) int16
    spending: np.ndarray  # float64
    repaid: np.ndarray  # int8
    missed: np.ndarray  # int8
    judgment: np.ndarray  # bool: court judgment this step
    blacklist_entry: np.ndarray  # bool
    blacklist_exit: np.ndarray  # bool
    loan_denied: np.ndarray  # bool
    reports_made: np.ndarray  # int16
    reports_true: np.ndarray  # int16: true reports received
    reports_false: np.ndarray  # int16: false reports received
    good_deeds: np.ndarray  # int16
    punished: np.ndarray  # bool: observed punishable dissent sanctioned this step
    travel_denied: np.ndarray  # bool
    nudges: np.ndarray  # int16 nudges received
    income_now: np.ndarray  # float64 income this step
    welfare: np.ndarray  # float32 welfare index this step

    @property
    def size(self) -> int:
        return len(self.score)

    @classmethod
    def initial(cls, pop: Population, n_categories: int, initial_wealth: float,
                perceived_surveillance: float, perceived_severity: float) -> "State":
        n = pop.size
        z = np.zeros

        def i16():
            return z(n, np.int16)

        return cls(
            score=pop.baseline.copy(),
            baseline=pop.baseline.copy(),
            enrolled=z(n, np.bool_),
            blacklisted=z(n, np.bool_),
            perceived_surveillance=np.full(n, perceived_surveillance, np.float32),
            perceived_severity=np.full(n, perceived_severity, np.float32),
            expressed_dissent=pop.dissent.copy(),
            wealth=initial_wealth * pop.income,
            tier=z(n, np.int8),
            previous_tier=z(n, np.int8),
            loan_remaining=z(n, np.float64),
            loan_instalment=z(n, np.float64),
            loan_start=z(n, np.int32),
            arrears=i16(),
            judged=z(n, np.bool_),
            shared=z(n, np.bool_),
            times_travel_denied=z(n, np.int32),
            times_loan_denied=z(n, np.int32),
            times_punished=z(n, np.int32),
            times_reported=z(n, np.int32),
            critical_posts=i16(),
            pro_state_posts=i16(),
            observed=z(n, np.bool_),
            purchases=z((n, n_categories), np.int16),
            spending=z(n, np.float64),
            repaid=z(n, np.int8),
            missed=z(n, np.int8),
            judgment=z(n, np.bool_),
            blacklist_entry=z(n, np.bool_),
            blacklist_exit=z(n, np.bool_),
            loan_denied=z(n, np.bool_),
            reports_made=i16(),
            reports_true=i16(),
            reports_false=i16(),
            good_deeds=i16(),
            punished=z(n, np.bool_),
            travel_denied=z(n, np.bool_),
            nudges=i16(),
            income_now=pop.income.astype(np.float64),
            welfare=z(n, np.float32),
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
