"""The app's download of the eligibility mask: the same COG as `run --mask`."""
import io

import numpy as np
import pytest
import rasterio

from tests.test_app import new_app

pytestmark = [pytest.mark.slow, pytest.mark.full_region]


def test_the_mask_download_is_a_cog_with_crs_and_the_three_values():
    app = new_app()
    app.selectbox(key="mask_resolution").set_value(500).run()
    app.button(key="mask_make").click().run()
    assert not app.exception, app.exception
    wanted, data = app.session_state["mask_download"]
    assert wanted[1:] == (500, False)
    with rasterio.MemoryFile(io.BytesIO(data)) as memfile, memfile.open() as src:
        assert src.crs is not None and src.crs.to_wkt()
        assert src.res == (500.0, 500.0)
        assert src.overviews(1), "a COG carries overviews"
        values = set(np.unique(src.read(1)).tolist())
    assert values <= {0, 1, 255} and {0, 1} <= values
