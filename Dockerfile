# Slim, non-root image: migrates the database, then runs the bot (polling by default;
# docker-compose.yml runs it as a webhook server behind one URL).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-cache-dir --prefix=/install ".[postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    INTAKE_LOCALES=/app/locales
RUN useradd --system --uid 10001 --home-dir /app intake
WORKDIR /app
COPY --from=build /install /usr/local
COPY locales ./locales
RUN mkdir -p /app/var && chown intake /app/var
USER intake
EXPOSE 8080
# No HEALTHCHECK here: only webhook mode serves /healthz (docker-compose.yml checks it there);
# a polling bot has no port to probe.
# `intake run` applies pending migrations before it starts.
ENTRYPOINT ["intake"]
CMD ["run"]
