"""The scenario: a typed, validated description of one simulated society and its scoring system.

A scenario is data (TOML), never code. It says *what* is simulated (MODEL.md); the
`Simulation` executes it. Every field is validated by pydantic, and every error names the
field, the value and what was expected. Presets ship in `socialcredit/presets/*.toml`; a
file may start from another with `extends = "preset-or-path"` and override what differs.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=40)]


class ScenarioError(ValueError):
    """Bad scenario input: the message names the field, the value and what was expected."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --- distributions of traits -------------------------------------------------------------


class Beta(_Model):
    kind: Literal["beta"] = "beta"
    a: Positive
    b: Positive


class Uniform(_Model):
    kind: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self


class Normal(_Model):
    kind: Literal["normal"] = "normal"
    mean: float
    sd: NonNegative


class LogNormal(_Model):
    """Log-normal given by its median and the sd of the log (heavy right tail: incomes)."""

    kind: Literal["lognormal"] = "lognormal"
    median: Positive
    sigma: NonNegative


class Gamma(_Model):
    kind: Literal["gamma"] = "gamma"
    shape: Positive
    scale: Positive


class Constant(_Model):
    kind: Literal["constant"] = "constant"
    value: float


Distribution = Annotated[Union[Beta, Uniform, Normal, LogNormal, Gamma, Constant], Field(discriminator="kind")]

# Each trait's domain: draws (plus group shifts) are clipped into it.
TRAIT_DOMAINS: dict[str, tuple[float, float]] = {
    "dissent": (0.0, 1.0),
    "boldness": (1e-6, float("inf")),
    "reliability": (0.0, 1.0),
    "conformity": (0.0, 1.0),
    "informant": (0.0, 1.0),
    "privacy_cost": (0.0, float("inf")),
    "posting_rate": (0.0, float("inf")),
    "income": (0.0, float("inf")),
}
TraitName = Literal["dissent", "boldness", "reliability", "conformity", "informant", "privacy_cost", "posting_rate", "income"]


class Traits(_Model):
    """Distributions of the traits drawn once per agent (MODEL.md, 'Entities and state')."""

    dissent: Distribution = Beta(a=2, b=5)  # desired dissent δ in [0, 1] (Daymude et al. 2025)
    boldness: Distribution = LogNormal(median=1.0, sigma=0.5)  # β > 0, utility per unit of dissent
    reliability: Distribution = Beta(a=60, b=1.2)  # chance of paying each loan instalment
    conformity: Distribution = Beta(a=2, b=2)  # responsiveness to incentives, in [0, 1]
    informant: Distribution = Beta(a=1, b=9)  # propensity to report a friend's critical post
    privacy_cost: Distribution = LogNormal(median=1.0, sigma=0.8)  # cost of enrolling, in perk units
    posting_rate: Distribution = Gamma(shape=2.0, scale=1.5)  # posts per step (Poisson mean)
    income: Distribution = LogNormal(median=1000.0, sigma=0.6)  # base income per step (currency units)


class Group(_Model):
    """A group attribute (region, minority status, income class) that can shift traits."""

    name: Name
    share: Annotated[float, Field(gt=0.0, le=1.0)]
    shifts: dict[TraitName, float] = {}


class Population(_Model):
    agents: Annotated[int, Field(gt=0, le=100_000_000)] = 10_000
    groups: list[Group] = Field(
        default_factory=lambda: [
            Group(name="urban", share=0.6),
            Group(name="rural", share=0.4, shifts={"income": -300.0, "dissent": 0.05}),
        ],
        min_length=1,
        max_length=64,
    )
    traits: Traits = Traits()

    @field_validator("groups")
    @classmethod
    def _groups_valid(cls, groups: list[Group]) -> list[Group]:
        total = sum(g.share for g in groups)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"group shares must sum to 1, got {total:g}")
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            raise ValueError(f"group names must be unique, got {names}")
        return groups


# --- network -------------------------------------------------------------------------------


class BarabasiAlbert(_Model):
    kind: Literal["barabasi_albert"] = "barabasi_albert"
    m: Annotated[int, Field(ge=1, le=1000)] = 5


class WattsStrogatz(_Model):
    kind: Literal["watts_strogatz"] = "watts_strogatz"
    k: Annotated[int, Field(ge=2, le=1000, multiple_of=2)] = 10
    rewire: Probability = 0.1


class ErdosRenyi(_Model):
    kind: Literal["erdos_renyi"] = "erdos_renyi"
    mean_degree: Positive = 10.0


class StochasticBlock(_Model):
    """Blocks are the population's groups: ties mostly inside one's own group."""

    kind: Literal["stochastic_block"] = "stochastic_block"
    degree_within: NonNegative = 8.0
    degree_between: NonNegative = 2.0


class EdgeList(_Model):
    """A real anonymous topology (SNAP whitespace pairs or CSV); the population size follows it."""

    kind: Literal["edge_list"] = "edge_list"
    path: str


Network = Annotated[Union[BarabasiAlbert, WattsStrogatz, ErdosRenyi, StochasticBlock, EdgeList], Field(discriminator="kind")]


# --- behaviour -------------------------------------------------------------------------------


class Expression(_Model):
    """How agents perceive the speech policy and learn fear (Daymude, Axelrod & Forrest 2025)."""

    initial_perception: NonNegative = 1.0  # perceived ν and ψ start at this multiple of the actual policy
    learning_rate: Probability = 0.2  # step toward what one sees happen to oneself and one's friends
    nudge_fear: NonNegative = 0.02  # perceived severity added per nudge received (ψ units)
    loyalty_base: Probability = 0.2  # share of non-critical posts that are pro-state with no reward
    loyalty_response: NonNegative = 0.05  # added share per point of reward for a pro-state post, times conformity


class Category(_Model):
    name: Name
    taste: Distribution  # purchases per step (Poisson base rate)
    price: NonNegative = 20.0


class Consumption(_Model):
    categories: list[Category] = Field(
        default_factory=lambda: [
            Category(name="domestic_goods", taste=Gamma(shape=2.0, scale=1.0), price=30.0),
            Category(name="work_shoes", taste=Gamma(shape=1.0, scale=0.1), price=60.0),
            Category(name="imported_comics", taste=Gamma(shape=0.8, scale=0.4), price=15.0),
            Category(name="video_games", taste=Gamma(shape=0.8, scale=0.5), price=40.0),
        ],
        max_length=32,
    )
    incentive_response: NonNegative = 0.1  # log-rate change per point of reward, times conformity

    @field_validator("categories")
    @classmethod
    def _unique(cls, cats: list[Category]) -> list[Category]:
        names = [c.name for c in cats]
        if len(set(names)) != len(names):
            raise ValueError(f"category names must be unique, got {names}")
        return cats


class Finance(_Model):
    loan_demand: Probability = 0.02  # chance per step that an agent without a loan applies
    loan_size: Positive = 12.0  # in steps of base income
    loan_term: Annotated[int, Field(ge=1, le=10_000)] = 52  # steps
    instalment_every: Annotated[int, Field(ge=1, le=520)] = 4  # steps between instalments
    interest: NonNegative = 0.08  # base rate over the whole term; tiers multiply it
    living_cost: Probability = 0.7  # share of income spent on essentials each step
    income_job_sensitivity: Probability = 0.5  # income lost when no jobs are open to the agent
    shock_probability: Probability = 0.005  # chance per step of a wealth shock
    shock_size: NonNegative = 8.0  # in steps of base income
    initial_wealth: NonNegative = 10.0  # in steps of base income
    arrears_to_court: Annotated[int, Field(ge=1, le=1000)] = 3  # missed instalments before a court judgment
    repay_arrears_probability: Probability = 0.05  # chance per step that a debtor with means clears arrears


class Social(_Model):
    unfriend_probability: Probability = 0.02  # per step per tie to a visible low scorer, times conformity
    non_drag_factor: Probability = 0.25  # scales it when the friend does not drag one's own score
    nudge_probability: Probability = 0.05  # per step per low-scoring friend
    share_probability: Probability = 0.05  # per step for a high scorer (bragging)
    travel_demand: Probability = 0.05  # chance per step of wanting to travel
    good_deed_rate: NonNegative = 0.05  # good deeds per step (Poisson mean)


class Behaviour(_Model):
    expression: Expression = Expression()
    consumption: Consumption = Consumption()
    finance: Finance = Finance()
    social: Social = Social()


# --- policy ------------------------------------------------------------------------------------


class Baseline(_Model):
    """The baseline score s0 from the financial/identity profile at the start."""

    mean: float = 600.0
    sd: NonNegative = 50.0
    reliability_weight: NonNegative = 0.6
    income_weight: NonNegative = 0.4


class Points(_Model):
    """Points per event (MODEL.md, step 6: B_i = Σ_e points_e · n_{i,e})."""

    post_critical: float = 0.0
    post_pro_state: float = 0.0
    purchase: dict[str, float] = {}  # category name -> points per purchase
    repayment: float = 0.0
    default: float = 0.0  # per missed instalment
    court_judgment: float = 0.0  # when arrears reach finance.arrears_to_court
    report_made: float = 0.0
    report_received: float = 0.0
    good_deed: float = 0.0


class Friends(_Model):
    """The friend term of the score update (MODEL.md step 6)."""

    mode: Literal["average", "drag", "off"] = "off"
    weight: Probability = 0.1  # w in `average`
    drag_penalty: NonNegative = 2.0  # p in `drag` (Wei et al. 2016): points per low-scoring friend
    drag_threshold: float = 550.0  # θ in `drag`


class Enrolment(_Model):
    mode: Literal["none", "voluntary", "mandatory"] = "none"
    mandatory_step: Annotated[int, Field(ge=0)] | None = None  # voluntary before, everyone from this step on
    peer_weight: NonNegative = 0.5  # perk value added per unit share of enrolled friends


class Speech(_Model):
    """The authority's speech policy (Daymude, Axelrod & Forrest 2025): ν, τ, ψ."""

    surveillance: Probability = 0.0  # ν
    tolerance: Probability = 1.0  # τ
    severity: NonNegative = 0.0  # ψ, in utility units
    punishment: Literal["uniform", "proportional"] = "uniform"
    points_per_severity: NonNegative = 50.0  # score points deducted per unit of ψ


class Informants(_Model):
    sensitivity: NonNegative = 0.0  # report probability per critical post = propensity × reward × sensitivity
    false_report_ratio: NonNegative = 0.0  # false reports per true-report chance, against friends with no critical post


class Consequences(_Model):
    travel: bool = True  # travel permits granted
    loans: bool = True  # loan access
    loan_rate: NonNegative = 1.0  # multiplies the base interest
    internet_speed: Annotated[float, Field(gt=0.0, le=10.0)] = 1.0  # speed factor (<1 = throttled)
    job_access: Probability = 1.0  # share of jobs open
    service_wait: NonNegative = 0.0  # extra days waited for government services
    dating_prominence: NonNegative = 1.0  # relative prominence on a dating site
    perk_value: float = 0.0  # what the tier is worth to an agent (compared with privacy cost)


class Tier(Consequences):
    name: Name
    min_score: float


class Blacklist(_Model):
    """The court list of judgment defaulters: binary status, own entry and exit, hard sanctions."""

    enabled: bool = False
    entry_probability: Probability = 0.5  # chance a court judgment lists the debtor
    travel_ban: bool = True
    loan_ban: bool = True
    job_access: Probability = 0.7  # share of jobs left (executive posts barred)


class Visibility(_Model):
    public: bool = True  # scores visible to friends (else only when shared)
    unfriend_threshold: float = 500.0
    nudge_threshold: float = 550.0
    share_threshold: float = 700.0


class Policy(_Model):
    score_min: float = 350.0
    score_max: float = 950.0
    baseline: Baseline = Baseline()
    reversion: Probability = 0.05  # λ
    points: Points = Points()
    friends: Friends = Friends()
    enrolment: Enrolment = Enrolment()
    speech: Speech = Speech()
    informants: Informants = Informants()
    tiers: list[Tier] = Field(default_factory=lambda: [Tier(name="all", min_score=350.0)], min_length=1, max_length=32)
    unenrolled: Consequences = Consequences()
    blacklist: Blacklist = Blacklist()
    visibility: Visibility = Visibility()

    @model_validator(mode="after")
    def _consistent(self):
        if self.score_max <= self.score_min:
            raise ValueError(f"score_max ({self.score_max}) must be > score_min ({self.score_min})")
        mins = [t.min_score for t in self.tiers]
        if any(b <= a for a, b in zip(mins, mins[1:])):
            raise ValueError(f"tiers must be in increasing order of min_score, got {mins}")
        if mins[0] > self.score_min:
            raise ValueError(f"the first tier must start at or below score_min ({self.score_min}), got {mins[0]}")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names must be unique, got {names}")
        if self.enrolment.mode != "voluntary" and self.enrolment.mandatory_step is not None:
            raise ValueError("enrolment.mandatory_step applies only to enrolment.mode = 'voluntary'")
        return self


class Scenario(_Model):
    """One society and its scoring system (MODEL.md), plus run length and seed."""

    name: str = "custom"
    description: str = ""
    sources: list[str] = []
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    steps: Annotated[int, Field(ge=0, le=1_000_000)] = 156  # one step is one week
    population: Population = Population()
    network: Network = BarabasiAlbert()
    behaviour: Behaviour = Behaviour()
    policy: Policy = Policy()

    @model_validator(mode="after")
    def _categories_known(self):
        known = {c.name for c in self.behaviour.consumption.categories}
        unknown = sorted(set(self.policy.points.purchase) - known)
        if unknown:
            raise ValueError(
                f"policy.points.purchase names unknown categories {unknown}; "
                f"expected names from behaviour.consumption.categories {sorted(known)}"
            )
        return self

    # -- convenience -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def hash(self) -> str:
        """Stable hash of the resolved scenario (name and description excluded)."""
        d = self.to_dict()
        for k in ("name", "description", "sources"):
            d.pop(k, None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(self, overrides: dict[str, Any] | list[str] | None) -> "Scenario":
        if not overrides:
            return self
        data = self.to_dict()
        apply_overrides(data, overrides)
        return validate(data)

    @classmethod
    def load(cls, source: str | Path) -> "Scenario":
        return load_scenario(source)


# --- loading, presets, overrides ---------------------------------------------------------------

PRESET_PACKAGE = "socialcredit.presets"


def preset_names() -> list[str]:
    files = resources.files(PRESET_PACKAGE).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".toml") and not f.name.startswith("_"))


def _preset_text(name: str) -> str:
    return resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "kind" not in value:
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _raw(source: str | Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Raw dict of a preset name or a TOML file, with `extends` resolved (relative paths made absolute)."""
    key = str(source)
    if key in seen:
        raise ScenarioError(f"extends: cycle {' -> '.join(seen + (key,))}")
    path = Path(key)
    if key in preset_names():
        data = _parse_toml(_preset_text(key), f"preset {key!r}")
        base_dir = None
    elif path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(f"scenario file {key!r} does not exist; expected a preset name ({', '.join(preset_names())}) or a TOML file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"scenario file {key!r} cannot be read: {exc}") from None
        data = _parse_toml(text, key)
        base_dir = path.resolve().parent
    else:
        raise ScenarioError(f"unknown preset {key!r}; expected one of: {', '.join(preset_names())} (or a path to a .toml file)")
    net = data.get("network")
    if base_dir is not None and isinstance(net, dict) and isinstance(net.get("path"), str):
        p = Path(net["path"])
        if not p.is_absolute():
            net["path"] = str((base_dir / p).resolve())
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{key}: extends = {parent!r}: expected a preset name or a path")
        if base_dir is not None and parent not in preset_names():
            parent = str((base_dir / parent).resolve())
        data = _deep_merge(_raw(parent, seen + (key,)), data)
    return data


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and p in _DISCRIMINATOR_TAGS))
        value = err.get("input")
        shown = repr(value) if not isinstance(value, dict) else "{...}"
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        lines.append(f"{loc or '(scenario)'} = {shown}: {msg}")
    return "invalid scenario:\n  " + "\n  ".join(lines)


def _kind_tags(*unions) -> set[str]:
    """The `kind` tags of the members of discriminated unions (dropped from error paths)."""
    members = (m for u in unions for m in get_args(get_args(u)[0]))
    return {m.model_fields["kind"].default for m in members}


_DISCRIMINATOR_TAGS = _kind_tags(Distribution, Network)


def validate(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc)) from None


def load_scenario(source: str | Path | Scenario | dict) -> Scenario:
    """A preset name, a path to a TOML file, a dict or a Scenario, resolved and validated."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return validate(source)
    data = _raw(source)
    data.setdefault("name", Path(str(source)).stem)
    return validate(data)


def parse_override(text: str) -> tuple[str, Any]:
    """`path.to.field=value`, value read as a TOML value (number, bool, string, array, table) or a bare string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected path.to.field=value")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ScenarioError(f"--set {text!r}: empty field path")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any] | list[str]) -> None:
    items = [parse_override(o) for o in overrides] if isinstance(overrides, list) else list(overrides.items())
    for key, value in items:
        parts = key.split(".")
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            where = ".".join(parts[: i + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(f"--set {key}: {where!r} is not an index of a list of {len(node)}")
                node = node[int(part)]
            elif isinstance(node, dict):
                if part not in node:
                    node[part] = {}
                node = node[part]
            else:
                raise ScenarioError(f"--set {key}: {where!r} is a value, not a table")
        last = parts[-1]
        if isinstance(node, list):
            if not last.isdigit() or int(last) >= len(node):
                raise ScenarioError(f"--set {key}: {last!r} is not an index of a list of {len(node)}")
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError(f"--set {key}: cannot set a field inside a value")


def resolve(source: str | Path | Scenario | dict, *, agents: int | None = None, steps: int | None = None,
            seed: int | None = None, overrides: dict[str, Any] | list[str] | None = None) -> Scenario:
    """The scenario with the run's shortcuts and overrides applied, validated once at the end."""
    scenario = load_scenario(source)
    data = scenario.to_dict()
    shortcuts: dict[str, Any] = {}
    if agents is not None:
        shortcuts["population.agents"] = agents
    if steps is not None:
        shortcuts["steps"] = steps
    if seed is not None:
        shortcuts["seed"] = seed
    apply_overrides(data, shortcuts)
    if overrides:
        apply_overrides(data, overrides)
    return validate(data)


def preset_summary(name: str) -> str:
    """First line of a preset's description, for `socialcredit presets`."""
    data = _parse_toml(_preset_text(name), name)
    return str(data.get("description", "")).strip().splitlines()[0] if data.get("description") else ""
