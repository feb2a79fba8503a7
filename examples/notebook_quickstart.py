"""Quick start from Python: does friend drag fragment the network? (run: python examples/notebook_quickstart.py)"""

from socialcredit import simulate

common = {"agents": 20_000, "steps": 104, "seed": 1}
drag = simulate("sesame-as-reported", **common)
average = simulate("sesame-as-reported", **common, overrides={"policy.friends.mode": "average"})

for label, result in [("drag", drag), ("average", average)]:
    last = result.metrics.iloc[-1]
    print(f"{label:8s} ties left {last.ties:9.0f}  assortativity {last.score_assortativity:+.3f}  "
          f"chilling effect {last.chilling_effect:.3f}  Gini of scores {last.gini_score:.3f}")

# per-group breakdown (urban / rural) of the last step
print(drag.group_metrics.query("step == step.max()")[["group_name", "score_mean", "self_censoring_share", "isolated_share"]])
