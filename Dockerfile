# One image for every Seamline service and the sandboxes; the compose command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group seamline

WORKDIR /app

# Only the Python sources: the Kafka jars under infra/kafka/lib and .run/ stay out of the image.
COPY pyproject.toml ./
COPY contracts ./contracts
COPY shared ./shared
COPY services ./services
COPY infra/__init__.py infra/ready.py ./infra/
COPY infra/sandboxes ./infra/sandboxes

RUN pip install . && chown -R seamline:seamline /app

USER seamline

CMD ["seamline", "--help"]
