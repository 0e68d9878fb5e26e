"""Catalog corrections from an expert review of the bundled data, one test per correction.

Each test states the source of the corrected figure (or the reasoning behind the rule) and fails on
the data as it stood before the correction.
"""

from __future__ import annotations

import pytest

from llmplace import catalog
from llmplace.sizing.performance import peak_flops_per_gpu


def test_l40s_int8_rate_comes_from_the_datasheet() -> None:
    """The L40S INT8 tensor rate was blank, so INT8 sizing fell back to the 16-bit rate (362 TFLOPS).

    Source: NVIDIA L40S datasheet 2907810 (2023-09-25) and https://www.nvidia.com/en-us/data-center/l40s/:
    INT8 Tensor 733 | 1,466 TOPS (with sparsity), so 733 dense, the same as the FP8 rate.
    """
    l40s = catalog.get_gpu("l40s")
    assert l40s.int8_dense_tops == pytest.approx(733)
    assert peak_flops_per_gpu(l40s, "int8") == pytest.approx(733e12)
