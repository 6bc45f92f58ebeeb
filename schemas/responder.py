"""The internal contract between the ingress and the responder in each worker."""

from datetime import datetime

from pydantic import BaseModel, Field

from schemas.relay import ProfileHeartbeatData, ProfileListResponseData

FORWARDED_HEADER = "X-Hub-Forwarded"


class AnswerRequest(BaseModel):
    """A heartbeat the ingress has decoded and wants an answer for."""

    received_at: datetime
    profiles: list[ProfileHeartbeatData]


class AnswerReply(BaseModel):
    """The answer, and the ids of the commands it carries (recorded as delivered)."""

    answer: ProfileListResponseData
    delivered_commands: list[str] = Field(default_factory=list)
