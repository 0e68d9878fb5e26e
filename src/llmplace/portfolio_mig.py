"""MIG-style slices in shared portfolio plans: which profile a workload's replicas run on, if any.

An in-house or cloud option with ``mig_partitions: true`` lets a workload whose replica takes one GPU run its
replicas on slices of that GPU instead (the GPU's profiles in ``catalog/data/mig.csv``) in the option's shared
plans. The replica is sized on each profile as a smaller GPU (:mod:`llmplace.sizing.partition`); a profile is a
candidate when the replica fits it and meets the workload's latency targets, and a GPU full of such slices serves
at least what one whole-GPU replica serves (so slices never need more GPUs than whole replicas, at any load).
Of the candidates, the one whose slices take the least GPU share at the workload's busiest month is chosen
(ties: the smaller slice). One profile per workload for the whole horizon: a GPU's partitioning is set once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .catalog.mig import MigProfile, mig_profiles
from .conventions import whole_units_int
from .demand import Load
from .options import Deployment, latency_targets, resolve_model
from .packing import SliceShape
from .scenario import Scenario
from .sizing import DEFAULT_ENGINE, SizingResult
from .sizing.partition import SLICE_ASSUMPTION, estimate_on_slice

__all__ = ["SLICE_ASSUMPTION", "SliceChoice", "on_slices", "slice_choice", "slice_notes"]


@dataclass(frozen=True)
class SliceChoice:
    """The MIG profile a workload's replicas run on in a shared plan, and one replica's rate on it."""

    profile: MigProfile
    output_tokens_per_s: float
    sizing: SizingResult

    @property
    def shape(self) -> SliceShape:
        p = self.profile
        return SliceShape(p.memory_eighths, p.compute_sevenths, p.max_instances)

    def note(self, workload: str) -> str:
        return (f"{workload}: replicas on MIG {self.profile.profile} slices of {self.profile.gpu} "
                f"({self.output_tokens_per_s:,.1f} output tokens/s each, {self.shape.per_gpu} per GPU)")


@dataclass(frozen=True)
class SharedMember:
    """One workload on a shared option (in-house servers or cloud instances): its scenario, deployment (its own
    sizing on the unit) and load, and the MIG profile its replicas run on (None: whole GPUs)."""

    id: str
    s: Scenario
    d: Deployment
    load: Load
    slices: SliceChoice | None = None

    @property
    def replica_gpus(self) -> int:
        """GPUs one replica takes on a unit of the option (its own sizing's packing)."""
        unit = self.d.server or self.d.cloud
        assert self.d.capacity is not None and unit is not None
        return unit.gpu_count // self.d.capacity.replicas_per_unit

    @property
    def gpu_share(self) -> float:
        """GPUs one placed replica takes: its whole GPUs, or its slice's share of one GPU."""
        return self.slices.profile.gpu_share if self.slices is not None else float(self.replica_gpus)


def _sized(s: Scenario, d: Deployment, profile: MigProfile) -> SizingResult:
    assert d.gpu is not None
    w = s.workload
    ttft_ms, tpot_ms = latency_targets(s)
    return estimate_on_slice(resolve_model(s), d.gpu, profile, s.model.precision, s.model.engine or DEFAULT_ENGINE,
                             input_tokens=int(w.input_tokens_per_request),
                             output_tokens=int(w.output_tokens_per_request), kv_precision=s.model.kv_precision,
                             ttft_ms=ttft_ms, tpot_ms=tpot_ms)


def slice_choice(s: Scenario, d: Deployment, peak_tokens_per_s: float, utilisation: float,
                 goodput: float = 1.0) -> SliceChoice | None:
    """The profile ``d``'s replicas run on in a shared plan, or None (whole GPUs): the option does not allow
    partitions, the replica takes more than one GPU, its rate was measured (not sized), or no profile is a
    candidate (see the module). ``peak_tokens_per_s``: the workload's busiest hour over the horizon."""
    cap = d.capacity
    if not getattr(d.option, "mig_partitions", False) or d.gpu is None or cap is None or cap.sizing is None \
            or cap.gpus_per_replica != 1:
        return None
    best: tuple[tuple[float, int, int], SliceChoice] | None = None
    for p in mig_profiles(d.gpu.id):
        if p.gpu_share >= 1.0:
            continue
        info = _sized(s, d, p)
        rate = float(info.output_tokens_per_s or 0.0)
        if not info.fits or rate <= 0 or info.meets_targets is False:
            continue
        choice = SliceChoice(p, rate, info)
        if rate * choice.shape.per_gpu < cap.output_tokens_per_s:
            continue  # a GPU of these slices would serve less than one whole-GPU replica
        need = whole_units_int(peak_tokens_per_s / (rate * goodput * utilisation))
        key = (need / choice.shape.per_gpu, p.memory_eighths, p.compute_sevenths)
        if best is None or key < best[0]:
            best = (key, choice)
    return best[1] if best is not None else None


def slice_notes(members: Sequence[Any]) -> list[str]:
    """The plan notes of members on slices (each member's profile, then the sizing assumption once)."""
    chosen = [m.slices.note(m.id) for m in members if getattr(m, "slices", None) is not None]
    gpu = members[0].d.gpu if members else None
    if members and getattr(members[0].d.option, "mig_partitions", False) and gpu is not None \
            and not mig_profiles(gpu.id):
        return [f"mig_partitions: {gpu.id} has no MIG profiles in the catalog (mig.csv): whole GPUs"]
    return [*chosen, SLICE_ASSUMPTION] if chosen else []


def on_slices(member: Any) -> str:
    """`` (on MIG <profile> slices)`` for a showback basis, or nothing for whole GPUs."""
    chosen = getattr(member, "slices", None)
    return f" (on MIG {chosen.profile.profile} slices)" if chosen is not None else ""
