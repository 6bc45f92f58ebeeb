"""The admin API's paths, each path segment quoted."""

from urllib.parse import quote


def _seg(value: object) -> str:
    return quote(str(value), safe="")


def customer(client_id: str) -> str:
    """`/admin/customers/{clientId}`."""
    return f"/admin/customers/{_seg(client_id)}"


def profile(client_id: str, kind: str, pid: int) -> str:
    """`/admin/customers/{clientId}/profiles/{inbound|outbound}/{profileId}`."""
    return f"{customer(client_id)}/profiles/{_seg(kind)}/{pid}"


def command(client_id: str, kind: str, pid: int, command_id: str) -> str:
    """One command of a profile."""
    return f"{profile(client_id, kind, pid)}/commands/{_seg(command_id)}"


def pbx(client_id: str, pbx_id: str) -> str:
    """`/admin/customers/{clientId}/pbxes/{pbxId}`."""
    return f"{customer(client_id)}/pbxes/{_seg(pbx_id)}"


def api_user(client_id: str, pbx_id: str, username: str) -> str:
    """An API user of a PBX."""
    return f"{pbx(client_id, pbx_id)}/api-users/{_seg(username)}"


IMPORT = "/admin/import"
