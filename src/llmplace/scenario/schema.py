"""The scenario schema: one business's question, as validated pydantic v2 models.

A scenario file (YAML or JSON) names the model, the workload, the latency the users need, the
options to compare (in-house server builds, cloud instances with a pricing plan, managed APIs),
and the site and finance assumptions. Every field that is left out falls back on a dated catalog
default, and every catalog value can be overridden in the file (``overrides`` on an option,
``model.overrides`` for the architecture).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..errors import InputError
from .base import StrictModel
from .criteria_settings import Constraints, CriteriaSettings
from .distributions import Uncertainty

__all__ = [
    "DEPRECATED_SITE_FIELDS",
    "ApiOption",
    "Burst",
    "CloudOption",
    "Finance",
    "HybridOption",
    "InHouseOption",
    "Latency",
    "ModelChoice",
    "Option",
    "Scenario",
    "Site",
    "Speculative",
    "Workload",
]

Precision = Literal["fp16", "bf16", "fp8", "int8", "int4", "mxfp4", "nvfp4", "fp4"]
Engine = Literal["trt-llm", "vllm", "sglang", "tgi"]
Plan = Literal["on_demand", "reserved_1y", "reserved_3y", "spot"]
Billing = Literal["always_on", "active_hours", "autoscaled"]


class Speculative(StrictModel):
    """Speculative decoding: a drafter proposes tokens that the model verifies in one pass (off if absent)."""

    method: Literal["draft", "eagle", "mtp", "ngram"] = Field(
        description="draft: a separate draft model; eagle: an EAGLE head; mtp: the model's own multi-token-"
        "prediction layers; ngram: prompt lookup")
    draft_tokens: int | None = Field(None, ge=1, le=16, description="tokens drafted per step k; default per method")
    acceptance_rate: float | None = Field(
        None, ge=0, le=1, description="per-token acceptance a (expected tokens per verify pass = (1 - a^(k+1)) / "
        "(1 - a)); default: a published typical value per method, stated as an assumption")
    draft_model: str | None = Field(None, description="catalog id of the draft model (method draft only)")


class ModelChoice(StrictModel):
    """The open-weight model to serve."""

    name: str = Field(description="catalog model id or alias, e.g. llama-3.3-70b; with hf_config, the new model's id")
    hf_config: str | None = Field(
        None, description="path to the Hugging Face config.json of a model not in the catalog (relative to the "
        "scenario file); its architecture is read from it")
    hf_config_ignore: list[str] = Field(
        default_factory=list, description="config.json fields to accept although llmplace does not model them")
    precision: Precision = Field("fp8", description="weight precision")
    kv_precision: Precision | None = Field(None, description="KV-cache precision; default fp16, fp8 for fp8")
    engine: Engine | None = Field(None, description="serving engine; default vllm")
    speculative: Speculative | None = Field(None, description="speculative decoding; off when absent")
    overrides: dict[str, Any] = Field(default_factory=dict, description="catalog architecture values to replace")


class Burst(StrictModel):
    """A one-off surge of demand in one month of the horizon."""

    month: int = Field(ge=1, description="month of the horizon (1 = first)")
    multiplier: float = Field(gt=0, description="demand in that month relative to the trend")


class Workload(StrictModel):
    """What the users ask of the model, per month."""

    requests_per_month: float | None = Field(None, ge=0, description="requests per month [1/month]")
    tokens_per_month: float | None = Field(
        None, ge=0, description="input plus output tokens per month; alternative to requests_per_month"
    )
    input_tokens_per_request: float = Field(1000, ge=1, description="prompt tokens per request")
    output_tokens_per_request: float = Field(300, ge=1, description="generated tokens per request")
    cached_input_share: float = Field(0.0, ge=0, le=1, description="share of input tokens served from cache")
    active_hours_per_month: float | None = Field(
        None, ge=1, description="hours a month with traffic [h], at least one; default: every hour of the month"
    )
    peak_to_average: float = Field(
        1.5, ge=1, le=50, description="busiest-hour rate over the active-hours average (flat shape only)"
    )
    growth_pct_per_month: float = Field(0.0, ge=-50, le=100, description="demand growth [% per month]")
    shape: Literal["flat", "business_hours", "always_on_consumer", "nightly_batch"] = Field(
        "flat", description="daily/weekly load shape preset; flat = active hours with peak_to_average"
    )
    hourly_weights: list[float] | None = Field(
        None, description="custom load shape: 24 hour-of-day or 168 hour-of-week weights (Monday 00:00 first)"
    )
    trace_csv: str | None = Field(None, description="hourly trace CSV (columns timestamp,tokens) giving the shape")
    monthly_multipliers: list[float] | None = Field(
        None, min_length=12, max_length=12, description="seasonality: 12 multipliers, January first"
    )
    start_month: int = Field(1, ge=1, le=12, description="calendar month of the horizon's first month")
    bursts: list[Burst] = Field(default_factory=list, description="one-off surges: month and multiplier")

    @model_validator(mode="after")
    def _volume(self) -> Workload:
        if self.requests_per_month is None and self.tokens_per_month is None and self.trace_csv is None:
            raise ValueError("give requests_per_month or tokens_per_month (or a trace_csv)")
        if self.requests_per_month is not None and self.tokens_per_month is not None:
            raise ValueError("give requests_per_month or tokens_per_month, not both")
        shaped = self.shape != "flat" or self.hourly_weights is not None or self.trace_csv is not None
        if shaped and ("peak_to_average" in self.model_fields_set or "active_hours_per_month" in self.model_fields_set):
            raise ValueError("peak_to_average and active_hours_per_month describe the flat shape; a shape preset, "
                             "hourly_weights or trace_csv sets the peak itself")
        if self.monthly_multipliers is not None and any(m < 0 for m in self.monthly_multipliers):
            raise ValueError("monthly_multipliers must be >= 0")
        return self

    @property
    def output_share(self) -> float:
        return self.output_tokens_per_request / (self.input_tokens_per_request + self.output_tokens_per_request)

    def tokens_per_month_total(self) -> float:
        if self.tokens_per_month is not None:
            return self.tokens_per_month
        if self.requests_per_month is None:
            return 0.0
        return self.requests_per_month * (self.input_tokens_per_request + self.output_tokens_per_request)


class Latency(StrictModel):
    """Latency the users need (targets the sizing must meet).

    An ``interactive`` workload (the default) that leaves a target out gets the documented interactive
    default for it (``interactive_ttft_ms`` / ``interactive_tpot_ms`` in site.csv); a ``batch`` workload
    (offline jobs nobody watches) has no default targets and is sized at the largest batch that fits.
    """

    workload: Literal["interactive", "batch"] = Field(
        "interactive", description="interactive: users wait for the answer (default targets apply); batch: "
                                   "offline jobs, sized for throughput only")
    ttft_ms: float | None = Field(None, gt=0, description="time to first token target [ms]")
    tpot_ms: float | None = Field(None, gt=0, description="time per output token target [ms]")


class _OptionBase(StrictModel):
    id: str | None = Field(None, description="short id used in results; default derived from the option")
    label: str | None = Field(None, description="human-readable name")
    overrides: dict[str, Any] = Field(default_factory=dict, description="catalog values to replace for this option")
    throughput_tokens_per_s: float | None = Field(
        None, gt=0, description="measured throughput of one replica [tokens/s]; default: the sizing estimate"
    )
    throughput_counts: Literal["output", "total"] = Field(
        "output", description="whether throughput_tokens_per_s counts output tokens only or input plus output"
    )
    gpus_per_replica: int | None = Field(None, gt=0, description="GPUs per model replica; default: the fewest that fit")
    target_utilisation: float = Field(0.8, gt=0, le=1, description="planned load at peak as a share of capacity")
    staff_fte: float | None = Field(
        None, ge=0, description="staff FTE of this option, in place of the site's rule (the fixed team of its kind "
                                "plus the variable part for its GPUs)")


class _GpuOptionBase(_OptionBase):
    """Fields of the options that run the model on GPUs of their own (bought or rented): the layout of a replica
    and MIG partitions in a portfolio's shared plans."""

    fabric: str | None = Field(
        None, max_length=40, description="network between servers when one replica needs several: infiniband-ndr, "
        "roce-400g, roce-200g or ethernet-100g; default: the catalog's for the unit, else ethernet-100g (the slowest)")
    expert_parallel: bool = Field(
        False, description="mixture-of-experts models: the experts spread whole over the replica's GPUs (an "
        "all-to-all dispatch and combine per MoE layer) instead of sliced by tensor parallelism")
    dp_attention: bool = Field(
        False, description="data-parallel attention: each GPU holds the attention weights and its own sequences' "
        "KV cache (no copy of a latent KV cache on every GPU); the replica is then the whole unit by default")
    mig_partitions: bool = Field(
        False, description="in a portfolio's shared plans, a workload whose replica takes one GPU may run its "
                           "replicas on MIG slices of the GPU (profiles: catalog mig.csv); a GPU in MIG mode holds "
                           "only slices")


class InHouseOption(_GpuOptionBase):
    """Buy servers and run them on site or in colocation."""

    kind: Literal["in_house"] = "in_house"
    server: str | None = Field(None, description="catalog server build id; or give gpu, gpu_count and prices")
    gpu: str | None = None
    gpu_count: int | None = Field(None, gt=0)
    purchase_usd: float | None = Field(None, gt=0, description="price of one server [USD]")
    max_power_kw: float | None = Field(None, gt=0, description="draw of one server at full load [kW]")
    idle_power_kw: float | None = Field(None, ge=0, description="draw of one idle server [kW]")
    opex_usd_per_hour: float = Field(0.0, ge=0, description="other running cost per server-hour, as quoted [USD/h]")
    hosting: Literal["on_site", "colocation"] = Field("on_site", description="where the servers stand")
    servers: int | None = Field(None, gt=0, description="fixed number of servers; default: as many as demand needs")
    power_off_when_idle: bool = Field(False, description="servers are switched off in the hours without load")
    warmup_minutes_per_start: float | None = Field(
        None, ge=0, le=1440, description="with power_off_when_idle: minutes a server runs at idle power after each "
                                         "start before it serves (boot, model load); default site.csv")
    lead_time_weeks: float | None = Field(
        None, ge=0, le=104, description="procurement lead time; default site.csv. The first servers are ordered "
                                        "and paid at the start and serve from the first whole month after it")
    bridge: str | None = Field(
        None, description="who serves the demand before the first servers arrive: the id of an api option or of an "
                          "on-demand or spot cloud option, or none (unserved). Default: the cheapest api option "
                          "the constraints allow, else none")
    headroom_pct: float = Field(20.0, ge=0, le=200, description="capacity kept above the known peak when ordering")
    planning: Literal["forecast", "reactive"] = Field(
        "forecast",
        description="forecast: order so servers arrive when the forecast needs them; reactive: order only when "
                    "the current peak (plus headroom) exceeds capacity",
    )
    n_plus_one: bool = Field(False, description="keep one spare server beyond what the load needs")
    second_site: bool = Field(False, description="mirror the fleet at a second site for disaster recovery")
    acquisition: Literal["buy", "lease"] = Field("buy", description="buy the servers or lease them")
    lease_rate_pct_per_year: float = Field(8.0, ge=0, le=50, description="interest rate implied by a lease [%/year]")

    @model_validator(mode="after")
    def _source(self) -> InHouseOption:
        if self.server is None and (self.gpu is None or self.gpu_count is None or self.purchase_usd is None):
            raise ValueError("give server (a catalog build) or gpu, gpu_count and purchase_usd")
        return self


class CloudOption(_GpuOptionBase):
    """Rent GPU instances by the hour."""

    kind: Literal["cloud"] = "cloud"
    instance: str | None = Field(None, description="catalog instance: provider/instance_type[/region]")
    gpu: str | None = None
    gpu_count: int | None = Field(None, gt=0)
    usd_per_hour: float | None = Field(None, gt=0, description="price of one instance for the chosen plan [USD/h]")
    plan: Plan = Field("on_demand", description="pricing plan")
    billing: Billing = Field(
        "always_on", description="always_on: peak fleet every hour; active_hours: peak fleet in hours with load, "
                                 "started after each idle period; autoscaled: whole instances following the hourly "
                                 "load. Both pay warmup_minutes_per_start for each instance started"
    )
    min_instances: int = Field(1, ge=0, description="instances kept running in every hour with load, from the first "
                                                    "month with load to the end of the horizon (quiet months "
                                                    "included)")
    warmup_minutes_per_start: float | None = Field(
        None, ge=0, le=1440, description="billed minutes a started instance runs before it serves (boot, model "
                                         "load); default site.csv"
    )
    scale_step_instances: int = Field(1, ge=1, description="autoscaling adds or removes this many instances at a time")
    reserved_instances: int | None = Field(
        None, ge=0, description="reserved plans: committed instances (billed every hour); on-demand above them. "
                                "Default: always_on reserves the whole fleet every month; autoscaled commits "
                                "the fleet its first month with load needs at its peak"
    )
    storage_gb: float = Field(0.0, ge=0, description="block storage kept per instance [GB]")
    egress_gb_per_month: float = Field(0.0, ge=0, description="data leaving the cloud per month [GB]")
    zones: int = Field(default=1, ge=1, le=6,
                       description="availability zones the instances are spread over (availability)")
    regions: int = Field(default=1, ge=1, le=4,
                         description="regions the instances are spread over (availability)")

    @model_validator(mode="after")
    def _source(self) -> CloudOption:
        if self.instance is None and (self.gpu is None or self.gpu_count is None or self.usd_per_hour is None):
            raise ValueError("give instance (a catalog instance) or gpu, gpu_count and usd_per_hour")
        if self.plan.startswith("reserved") and self.billing == "active_hours":
            raise ValueError("reserved instances are billed every hour: billing must be always_on or autoscaled")
        return self


class ApiOption(_OptionBase):
    """Pay a managed API per token."""

    kind: Literal["api"] = "api"
    provider: str | None = Field(None, description="provider id, e.g. together; or give the prices")
    model: str | None = Field(None, description="model at the provider; default: the scenario's model")
    input_usd_per_mtok: float | None = Field(None, ge=0)
    output_usd_per_mtok: float | None = Field(None, ge=0)
    cached_input_usd_per_mtok: float | None = Field(None, ge=0)
    batch_share: float = Field(0.0, ge=0, le=1, description="share of tokens sent through the batch API")
    batch_discount_pct: float | None = Field(None, ge=0, le=100, description="batch discount; default 50 %")

    @model_validator(mode="after")
    def _source(self) -> ApiOption:
        if self.provider is None and (self.input_usd_per_mtok is None or self.output_usd_per_mtok is None):
            raise ValueError("give provider (a catalog API offer) or input_usd_per_mtok and output_usd_per_mtok")
        return self


class HybridOption(StrictModel):
    """A base of owned servers or reserved instances, with overflow to on-demand cloud or an API."""

    kind: Literal["hybrid"] = "hybrid"
    id: str | None = None
    label: str | None = None
    base: str = Field(description="id of an in_house option, or of a cloud option with a reserved plan")
    overflow: str = Field(description="id of a cloud (on-demand or spot) or api option")
    base_units: int | None = Field(None, ge=0, description="fixed base size; default: the optimiser chooses")
    objective: Literal["tco", "npv"] = Field("tco", description="what the optimiser minimises")
    standby: Literal["tested", "none"] = Field(
        "tested", description="tested: the overflow is kept ready to carry the base's load while the base is "
                              "down (a warm image, quarterly drills, SRE time, priced as standby); none: no "
                              "standby is paid for, and the hybrid earns no availability credit from its overflow")


Option = Annotated[InHouseOption | CloudOption | ApiOption | HybridOption, Field(discriminator="kind")]


def _team_field(kind: str, role: str, work: str) -> Any:
    return Field(None, ge=0, le=1000, description=f"fixed {role} FTE of every {kind} option ({work})")


#: deprecated site fields, still read: old name -> the fields to write instead
DEPRECATED_SITE_FIELDS: dict[str, tuple[str, ...]] = {
    "staff_loaded_usd_per_year": ("sysadmin_loaded_usd_per_year", "ml_engineer_loaded_usd_per_year"),
    "staff_fte_per_server": ("staff_variable_fte_at_8_gpus",),
}


class Site(StrictModel):
    """Site assumptions and staffing; blanks take the catalog defaults (site.csv).

    Staff per option = the fixed team of its kind (per role) + a variable sysadmin part
    ``staff_variable_fte_at_8_gpus x (GPUs / 8) ^ staff_variable_gpu_exponent`` (rented GPUs:
    ``cloud_staff_variable_share`` of it); each role at its own loaded wage.
    """

    electricity_usd_per_kwh: float | None = Field(None, ge=0)
    pue: float | None = Field(None, ge=1, le=3)
    colocation_usd_per_kw_month: float | None = Field(None, ge=0)
    facility_usd_per_month: float = Field(0.0, ge=0, description="other facility cost per month [USD]")
    maintenance_pct_of_capex_per_year: float | None = Field(None, ge=0, le=100)
    sysadmin_loaded_usd_per_year: float | None = Field(
        None, ge=0, description="loaded cost of a sysadmin/SRE (hardware and fleet work) [USD/year]")
    ml_engineer_loaded_usd_per_year: float | None = Field(
        None, ge=0, description="loaded cost of an ML engineer (serving and model work) [USD/year]")
    in_house_team_sysadmin_fte: float | None = _team_field("in-house", "sysadmin", "platform, network, security, "
                                                                                 "vendors, on-call")
    in_house_team_ml_engineer_fte: float | None = _team_field("in-house", "ML engineer", "serving and model work")
    cloud_team_sysadmin_fte: float | None = _team_field("cloud", "sysadmin", "accounts, images, monitoring, on-call")
    cloud_team_ml_engineer_fte: float | None = _team_field("cloud", "ML engineer", "serving and model work")
    api_team_sysadmin_fte: float | None = _team_field("API", "sysadmin", "none by default")
    api_team_ml_engineer_fte: float | None = _team_field("API", "ML engineer", "integration, evaluation, vendor")
    staff_variable_fte_at_8_gpus: float | None = Field(
        None, ge=0, le=1000, description="variable sysadmin FTE for 8 owned GPUs; it grows as (GPUs / 8) ^ exponent")
    staff_variable_gpu_exponent: float | None = Field(
        None, ge=0, le=1, description="economies of scale of the variable staff: 1 = linear in GPUs, 0.5 = square root")
    cloud_staff_variable_share: float | None = Field(
        None, ge=0, le=10, description="variable staff of a rented GPU as a share of an owned one")
    setup_usd_per_server: float | None = Field(
        None, ge=0, description="flat installation cost per server [USD]; default setup_usd_per_kw x max power")
    setup_usd_per_kw: float | None = Field(None, ge=0, description="installation per kW of server max power [USD/kW]")
    hardware_warranty_years: float | None = Field(
        None, ge=0, le=20, description="warranty included in the server price: no maintenance, GPUs replaced free")
    gpu_share_of_server_price_pct: float | None = Field(None, ge=0, le=100, description="GPUs' share of a server price")
    gpu_annual_failure_rate: float | None = Field(None, ge=0, le=1, description="GPUs failing per year [fraction]")
    software_licence_usd_per_gpu_year: float | None = Field(
        None, ge=0, description="software subscription per owned GPU [USD/year]; 0 for an unsupported open stack")
    network_storage_pct_of_server_price: float | None = Field(
        None, ge=0, le=100, description="in-house network, load balancer and storage, paid with each server [%]")
    cloud_support_min_usd_per_month: float | None = Field(None, ge=0, description="cloud support plan minimum")
    cloud_support_pct: float | None = Field(
        None, ge=0, le=100, description="flat cloud support plan share of spend in place of the tiers; 0 = none")
    standby_failover_tests_per_year: float | None = Field(None, ge=0, le=365, description="standby drills a year")
    standby_failover_test_hours: float | None = Field(None, ge=0, le=744, description="hours of each standby drill")
    standby_sysadmin_fte: float | None = Field(None, ge=0, le=100, description="SRE FTE to keep a standby ready")
    migration_engineering_fte_months: float | None = Field(
        None, ge=0, le=1200, description="ML-engineer months a strategy's switch to owned servers costs")
    cutover_parallel_months: int | None = Field(
        None, ge=0, le=24, description="months a strategy's first phase keeps running after the switch")
    switch_data_gb: float | None = Field(
        None, ge=0, le=1e9, description="GB of data moved out of a strategy's first phase at the switch (charged "
                                        "once at the catalog's internet egress rate) [GB]")
    staff_loaded_usd_per_year: float | None = Field(
        None, ge=0, description="deprecated: sets sysadmin_loaded_usd_per_year and ml_engineer_loaded_usd_per_year",
        json_schema_extra={"deprecated": True})
    staff_fte_per_server: float | None = Field(
        None, ge=0, description="deprecated: read as staff_variable_fte_at_8_gpus",
        json_schema_extra={"deprecated": True})

    @model_validator(mode="after")
    def _not_both(self) -> Site:
        for old, new in DEPRECATED_SITE_FIELDS.items():
            given = [n for n in new if getattr(self, n) is not None]
            if getattr(self, old) is not None and given:
                raise InputError(f"site.{old}", getattr(self, old), f"either site.{given[0]} or the deprecated "
                                 f"site.{old}, not both")
        return self


def _currency_choices(schema: dict[str, Any]) -> None:
    """The JSON Schema (and so the web form's select) offers the currencies of the bundled rate table."""
    from ..catalog.fx import supported_currencies

    schema["enum"] = supported_currencies()


class Finance(StrictModel):
    """Money conventions."""

    horizon_months: int = Field(36, ge=1, le=240)
    hours_per_month: float = Field(730.0, gt=0, le=744, description="hours in a month [h]; 8,760 / 12 = 730")
    discount_rate_pct_per_year: float | None = Field(None, ge=0, le=100)
    useful_life_years: float | None = Field(None, gt=0, le=20)
    residual_value_pct: float | None = Field(
        None, ge=0, le=100, description="salvage value at the end of the useful life, for straight-line "
                                        "depreciation (amortised view) and terminal_value: book [% of price]"
    )
    terminal_value: Literal["none", "resale", "book"] = Field(
        "none",
        description="what owned servers bring back in the cash view when they are retired at the end of their "
                    "useful life or the horizon ends: none (kept or scrapped, no credit); resale (sold at the "
                    "catalog's market resale curve by age, a resale_proceeds item); book (a non-cash convention "
                    "some published TCO tables use: straight-line book value at the horizon, residual_value_pct "
                    "at refresh)",
    )
    api_price_change_pct_per_year: float | None = Field(
        None, ge=-90, le=100, description="API price trend [%/year]; default site.csv (dated, sourced central trend)")
    cloud_price_change_pct_per_year: float | None = Field(
        None, ge=-90, le=100, description="cloud GPU-hour price trend [%/year]; default site.csv (dated, sourced)")
    hardware_price_change_pct_per_year: float | None = Field(
        None, ge=-90, le=100, description="server price trend [%/year]; default site.csv (dated, sourced)")
    electricity_price_change_pct_per_year: float = Field(0.0, ge=-90, le=100, description="electricity trend")
    salary_growth_pct_per_year: float = Field(0.0, ge=-50, le=100, description="staff cost trend")
    tax_shield: bool = Field(False, description="deduct each month's expenses as booked (depreciation for owned "
                                                "servers) at tax_rate_pct: a tax_shield line that lowers cash tax")
    tax_rate_pct: float | None = Field(None, ge=0, le=100, description="marginal tax rate; default site.csv")
    currency: str = Field(
        "USD", description="ISO code every money figure is counted and shown in (USD, EUR, GBP, JPY, CHF, CAD, AUD, "
        "INR, CNY, SEK: the bundled reference rates); catalog prices, in USD, are converted at the dated rate, "
        "plain numbers in the scenario are in this currency; a money field (usd in its name) may also be written "
        "'AMOUNT CODE' ('12000 GBP'), converted at the same rates", json_schema_extra=_currency_choices)

    @field_validator("currency", mode="before")
    @classmethod
    def _known_currency(cls, v: Any) -> str:
        from ..catalog.fx import currency_row  # the supported list is the bundled rate table

        return currency_row(v, "finance.currency").currency


class Phase(StrictModel):
    """One phase of a phased plan: the option serving and the month it starts."""

    option: str = Field(description="id of the option serving in this phase")
    start_month: int = Field(1, ge=1, le=600, description="first month it serves (1-based; the first phase: 1)")


class PhasedPlan(StrictModel):
    """A strategy written out: an API or cloud option (on demand, spot or reserved) from month 1, then an option
    owning servers (in-house, or a hybrid on an owned base) from a later month."""

    id: str = Field(min_length=1, max_length=200)
    phases: list[Phase] = Field(min_length=2, max_length=2, description="two phases: paid as used, then owned")


class Scenario(StrictModel):
    """A complete question: model, workload, options, site and finance."""

    name: str = "scenario"
    description: str | None = None
    model: ModelChoice
    workload: Workload
    latency: Latency = Field(default_factory=Latency)
    options: list[Option] = Field(min_length=1)
    site: Site = Field(default_factory=Site)
    finance: Finance = Field(default_factory=Finance)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    constraints: Constraints = Field(default_factory=lambda: Constraints(), description="hard constraints")
    criteria: CriteriaSettings = Field(default_factory=lambda: CriteriaSettings(),
                                       description="weights and answers for the criteria beyond cost")
    phased: list[PhasedPlan] = Field(default_factory=list, max_length=10,
                                     description="strategies over time to cost as written (the cheapest one is "
                                                 "searched for anyway)")
    #: money inputs written in another currency ('12000 EUR') and what they were converted to, in words
    _money_conversions: list[str] = PrivateAttr(default_factory=list)

    @property
    def money_conversions(self) -> list[str]:
        return list(self._money_conversions)

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        ids = [o.id for o in self.options if o.id]
        for i, o in enumerate(self.options):
            if o.id and ids.count(o.id) > 1:  # an InputError passes through pydantic with its own field
                raise InputError(f"options[{i}].id", o.id, "an id no other option uses")
        from .references import check_references  # it reads the option classes defined here

        check_references(self.options, self.phased, self.finance.horizon_months)
        return self

