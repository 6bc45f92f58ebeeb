# One image for every deployable of the hub; the Helm chart picks the command:
#   python -m ingest | python -m processors | python -m processors.create_topics
#   python -m sinks.sql | python -m sinks.email
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# A fixed numeric id, so Kubernetes' runAsNonRoot can check it without /etc/passwd.
RUN groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid hub --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin hub

WORKDIR /src
# .dockerignore lets in only pyproject.toml, constraints.txt and the packages.
COPY . .
# The runtime dependencies only (no [dev] extra), at the versions CI tested.
RUN pip install --no-cache-dir -c constraints.txt . \
    && rm -rf /src

WORKDIR /
USER 10001:10001
EXPOSE 8080 6066
CMD ["python", "-m", "ingest"]
