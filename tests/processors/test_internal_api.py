"""schemas.internal_api: the workers' internal paths, declared once for both sides, and
mounted by the workers on those templates."""

import pytest

from processors.pbx.views import ROUTES
from processors.relay.responder import READS
from schemas import internal_api as api


def test_each_parameter_is_percent_encoded_whole() -> None:
    path = api.path(api.PBX, client_id="acme/eu", pbx_id="hq 1")
    assert path == "/hub/pbx/acme%2Feu/hq%201"


def test_a_template_with_a_parameter_left_out_is_refused() -> None:
    with pytest.raises(KeyError, match="pbx_id"):
        api.path(api.PBX, client_id="acme")


def test_the_worker_mounts_its_views_on_the_declared_templates() -> None:
    declared = {v for k, v in vars(api).items() if k.isupper() and isinstance(v, str)}
    mounted = {r.path for r in ROUTES} | {path for path, _, _ in READS}
    assert mounted <= declared
    assert {api.PBX_EVENT, api.PBX_OPEN, api.CUSTOMER, api.ADMIN_TOKEN} <= mounted
