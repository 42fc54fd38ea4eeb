"""composerlab.models.runtime.one_blas_thread: numpy's BLAS on one thread inside, as it was after."""
import numpy as np
from threadpoolctl import threadpool_info

from composerlab.models.runtime import one_blas_thread


def _blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_one_blas_thread_inside_and_restored_after():
    np.ones((4, 4)) @ np.ones((4, 4))  # BLAS loaded
    before = _blas_threads()
    assert before
    with one_blas_thread():
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before
