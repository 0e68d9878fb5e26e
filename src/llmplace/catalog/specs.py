"""Row types of the bundled catalogs.

One pydantic model per CSV file in ``catalog/data``. Field names carry their units. Blank CSV cells
become ``None``. Every row carries ``as_of`` and ``source``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class CatalogRow(BaseModel):
    """Common part of every catalog row: identity and provenance."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    aliases: tuple[str, ...] = ()
    as_of: str
    source: str
    notes: str | None = None

    @field_validator("aliases", mode="before")
    @classmethod
    def _split_aliases(cls, v: object) -> object:
        if v is None:
            return ()
        if isinstance(v, str):
            return tuple(a.strip() for a in v.split(";") if a.strip())
        return v


class GpuSpec(CatalogRow):
    """An accelerator. Memory in GB as marketed (10^9 bytes), bandwidth in TB/s, compute dense."""

    name: str
    vendor: str
    family: str = Field(description="ampere, ada, hopper, blackwell, cdna3, cdna4, tpu, neuron or gaudi")
    form_factor: str | None = None
    memory_gb: float = Field(gt=0)
    memory_bandwidth_tbps: float = Field(gt=0)
    fp16_dense_tflops: float = Field(gt=0)
    fp8_dense_tflops: float | None = None
    int8_dense_tops: float | None = None
    fp4_dense_tflops: float | None = None
    tdp_w: float | None = None
    interconnect: str = Field(description="nvlink, pcie, xgmi, ici (TPU), neuronlink (AWS) or roce (Gaudi)")
    interconnect_gb_per_s: float | None = Field(default=None, description="per-GPU bidirectional GB/s")
    scale_up_domain_gpus: int | None = Field(
        default=None, gt=0,
        description="accelerators one high-bandwidth domain joins (8 in an HGX board, 72 in an NVL72 rack)")
    engines: tuple[str, ...] = Field(default=(), description="serving engines that run on this accelerator")

    @field_validator("engines", mode="before")
    @classmethod
    def _split_engines(cls, v: object) -> object:
        if v is None:
            return ()
        if isinstance(v, str):
            return tuple(a.strip() for a in v.split(";") if a.strip())
        return v


class ModelSpec(CatalogRow):
    """An open-weight model's architecture (Hugging Face config values)."""

    name: str
    family: str
    total_params_b: float = Field(gt=0)
    active_params_b: float = Field(gt=0)
    layers: int = Field(gt=0)
    hidden_size: int = Field(gt=0)
    attention_heads: int = Field(gt=0)
    kv_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    intermediate_size: int | None = None
    moe_intermediate_size: int | None = None
    vocab_size: int | None = None
    mlp: str = "swiglu"
    experts: int = 1
    experts_per_token: int = 1
    shared_experts: int = 0
    dense_layers: int = 0
    kv_lora_rank: int | None = None
    rope_head_dim: int | None = None
    q_lora_rank: int | None = Field(
        None, gt=0, description="latent attention: rank the query is factored through (empty: a full-rank query)")
    v_head_dim: int | None = Field(
        None, gt=0, description="latent attention: width of a value head where it differs from head_dim")
    tied_embeddings: bool = False
    context_length: int = Field(gt=0)
    kind: Literal["llm", "embedding", "reranker"] = Field(
        "llm", description="llm generates tokens; embedding and reranker models only read them (no decode)")
    sliding_window: int | None = Field(None, gt=0, description="tokens a sliding-window layer attends to")
    sliding_window_layers: int = Field(0, ge=0, description="layers whose attention (and KV cache) is the window")
    linear_attention_layers: int = Field(
        0, ge=0, description="layers with a fixed-size recurrent state instead of a KV cache (linear attention, SSM)")
    mtp_layers: int = Field(0, ge=0, description="multi-token-prediction heads shipped with the weights")

    @model_validator(mode="after")
    def _layer_counts(self) -> ModelSpec:
        if self.sliding_window_layers + self.linear_attention_layers > self.layers:
            raise ValueError(f"sliding_window_layers + linear_attention_layers exceed layers ({self.layers})")
        if self.sliding_window_layers and self.sliding_window is None:
            raise ValueError("sliding_window_layers needs sliding_window")
        return self

    @property
    def is_moe(self) -> bool:
        return self.experts > 1

    @property
    def full_attention_layers(self) -> int:
        """Layers whose KV cache grows with the whole context (neither windowed nor linear)."""
        return self.layers - self.sliding_window_layers - self.linear_attention_layers


class _Sold(CatalogRow):
    """A row that may no longer be sold: ``deprecated_on`` (a date) and why (see ``deprecations.csv``)."""

    deprecated_on: str | None = None
    deprecated_reason: str | None = None


class ServerSpec(_Sold):
    """A purchasable GPU server or workstation."""

    name: str
    gpu: str
    gpu_count: int = Field(gt=0)
    purchase_usd: float = Field(gt=0)
    purchase_usd_low: float | None = None
    purchase_usd_high: float | None = None
    max_power_kw: float = Field(gt=0)
    idle_power_kw: float = Field(ge=0)
    power_basis: str | None = None
    rack_units: int | None = None
    confidence: str | None = None


class CloudSpec(_Sold):
    """A cloud GPU instance in one region. ``id`` is ``provider/instance_type/region``."""

    provider: str
    instance_type: str
    region: str
    default_region: bool = False
    gpu: str
    gpu_count: int = Field(gt=0)
    vcpus: float | None = None
    memory_gib: float | None = None
    on_demand_usd_per_hour: float = Field(gt=0)
    spot_usd_per_hour: float | None = None
    reserved_1y_usd_per_hour: float | None = None
    reserved_3y_usd_per_hour: float | None = None
    reserved_basis: str | None = None


class SiteDefault(BaseModel):
    """One default site or finance assumption."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    key: str
    value: float
    unit: str
    region: str | None = None
    as_of: str
    source: str
    notes: str | None = None


class FxRate(BaseModel):
    """One currency's reference exchange rate: units of the currency per 1 EUR, as the ECB publishes them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    name: str
    symbol: str | None = Field(None, description="written before an amount; blank: the code and a space")
    units_per_eur: float = Field(gt=0)
    as_of: str
    source: str
    notes: str | None = None


class ApiAlias(BaseModel):
    """Maps a canonical model id to one provider's model id in genai-prices.

    ``retired_on`` is the date the provider stopped serving the model (its shutdown date), when
    known; the source is named in ``notes``.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str
    provider: str
    provider_model_id: str
    retired_on: dt.date | None = None
    as_of: str
    source: str
    notes: str | None = None


class ApiOffer(BaseModel):
    """A managed per-token API price for one model at one provider (USD per million tokens)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    model: str
    provider: str
    provider_model_id: str
    input_usd_per_mtok: float = Field(ge=0)
    output_usd_per_mtok: float = Field(ge=0)
    cached_input_usd_per_mtok: float | None = None
    batch_discount_pct: float | None = None
    as_of: str
    source: str
    notes: str | None = None
