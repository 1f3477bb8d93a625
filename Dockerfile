# One image for every Seamline service and the sandboxes; the compose command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group seamline

WORKDIR /app

# Dependencies first, so a source change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# The Python sources plus the data files the code reads from the source tree: tenant policies and contract
# baselines (infra/tenants), prompt files (services/reasoning/pipelines/*/prompts). Kafka jars and .run/ stay out.
COPY contracts ./contracts
COPY shared ./shared
COPY services ./services
COPY infra/__init__.py infra/ready.py ./infra/
COPY infra/sandboxes ./infra/sandboxes
COPY infra/tenants ./infra/tenants

# Editable, so the code runs from /app and finds those files where the settings expect them.
RUN pip install --no-deps -e . && chown -R seamline:seamline /app

USER seamline

EXPOSE 8801 8802 8803 8804 8805 8806
CMD ["seamline", "--help"]
