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
# 8080: the webhook (`intake run --webhook --port 8080`); 8081: the console's listener, with
# the console, /metrics and /healthz, in polling and webhook mode (INTAKE_CONSOLE_LISTEN;
# inside the container it defaults to 127.0.0.1:8081, so set 0.0.0.0:8081 to reach it).
EXPOSE 8080 8081
# /healthz of the console's listener answers 503 while the database is unreachable. This
# checks its default address; with INTAKE_CONSOLE_LISTEN elsewhere or off, override it (as
# docker-compose.yml does, on the webhook's /healthz).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8081/healthz', timeout=4).status == 200 else 1)"]
# `intake run` applies pending migrations before it starts.
ENTRYPOINT ["intake"]
CMD ["run"]
