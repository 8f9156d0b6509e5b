"""The connection-test body; the /api/system answers are the domain's pydantic dataclasses (gateway.system)."""

from __future__ import annotations

from gateway.admin.schemas.common import ApiModel


class ConnectionTest(ApiModel):
    """Test `url` (with `apikey`), or the first URL of a stored provider setting (`settingId`) with its own key."""

    url: str = ""
    apikey: str = ""
    setting_id: str = ""
