# Slim, non-root image: migrates the database, then runs the bot (polling by default;
# docker-compose.yml runs it as a webhook server behind a reverse proxy).

# The project as a wheel (its flows, directory, migrations and translations inside).
FROM python:3.11-slim AS wheel
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY storage ./storage
COPY locales ./locales
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    INTAKE_DATA_DIR=/var/lib/intake \
    PTB_TIMEDELTA=true
# Dependencies first, exactly as locked (hashes checked): this layer is rebuilt only when
# requirements/runtime.txt changes, not at every change of the code.
COPY requirements/runtime.txt /tmp/runtime.txt
RUN pip install --no-cache-dir --require-hashes -r /tmp/runtime.txt && rm /tmp/runtime.txt
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-deps /tmp/wheels/*.whl && rm -r /tmp/wheels
RUN groupadd --system --gid 10001 intake \
 && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /var/lib/intake intake \
 && mkdir -p /var/lib/intake && chown 10001:10001 /var/lib/intake
WORKDIR /var/lib/intake
# Numeric, so that a cluster can check that the image does not run as root.
USER 10001:10001
EXPOSE 8080
# No HEALTHCHECK here: only webhook mode serves /healthz (docker-compose.yml checks it there);
# a polling bot has no port to probe.
# `intake run` applies pending migrations before it starts.
ENTRYPOINT ["intake"]
CMD ["run"]
