"""The hub's topic names: what an ingress warms at start is among what is created."""

from schemas.topics import TopicNames


def test_an_ingress_warms_only_topics_the_hub_creates_and_no_changelog() -> None:
    names = TopicNames("t.")
    writes = names.ingress_writes()
    assert set(writes) <= set(names.all())
    assert not set(writes) & set(names.changelogs())
    assert names.heartbeats in writes
