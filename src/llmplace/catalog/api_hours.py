"""API prices that change with the hour of the day, averaged into one deterministic rate.

Some providers bill by the clock: DeepSeek's V4 models cost twice as much in two daily peak windows
(01:00-04:00 and 06:00-10:00 UTC, 7 of 24 hours) as off-peak, and genai-prices encodes those windows.
Asked without a time, the package prices a request at the current wall-clock time, so an offer
(and every result that uses it) changed with the hour the tool ran. Here every price is taken at
fixed times of one reference day instead: noon UTC when the price does not depend on the hour, else
the mean over its 24 hours, the rate a load spread evenly over the day pays. A load concentrated in
the peak windows pays more (up to the peak rate); weekends, off-peak all day at DeepSeek, pay less.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["HourAveraged", "hour_averaged"]

#: the probe for "does this price depend on the hour": noon and a time inside DeepSeek's first peak window
_PROBE_HOURS = (12, 2)


class HourAveraged(BaseModel):
    """A price at fixed times of ``day``: the result at noon (for its model and provider facts) and the rates."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    noon: Any
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    by_hour: bool  # True when the rate changes with the hour and is the 24-hour mean
    low_high_input: tuple[float, float]
    low_high_output: tuple[float, float]

    def note(self) -> str | None:
        """One sentence for the offer's notes when the rate is a 24-hour mean, else None."""
        if not self.by_hour:
            return None
        return (f"billed by the hour of day: {self.low_high_input[0]:g}-{self.low_high_input[1]:g} USD/Mtok in, "
                f"{self.low_high_output[0]:g}-{self.low_high_output[1]:g} out (off-peak-peak); "
                "the catalog uses the 24-hour mean, what a load spread evenly over the day pays")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 30, tzinfo=dt.UTC)


def hour_averaged(calc: Callable[[dt.datetime], Any], day: dt.date) -> HourAveraged:
    """``calc(timestamp)`` (a genai-prices price calculation) at fixed times of ``day`` (see the module doc).

    LookupError from ``calc`` propagates (the model is unknown to the price data).
    """
    noon, probe = (calc(_at(day, h)) for h in _PROBE_HOURS)
    if (noon.input_price, noon.output_price) == (probe.input_price, probe.output_price):
        i, o = float(noon.input_price), float(noon.output_price)
        return HourAveraged(noon=noon, input_usd_per_mtok=i, output_usd_per_mtok=o, by_hour=False,
                            low_high_input=(i, i), low_high_output=(o, o))
    results = [calc(_at(day, h)) for h in range(24)]
    ins = [Decimal(r.input_price) for r in results]
    outs = [Decimal(r.output_price) for r in results]
    return HourAveraged(noon=noon, input_usd_per_mtok=float(sum(ins) / 24), output_usd_per_mtok=float(sum(outs) / 24),
                        by_hour=True, low_high_input=(float(min(ins)), float(max(ins))),
                        low_high_output=(float(min(outs)), float(max(outs))))
