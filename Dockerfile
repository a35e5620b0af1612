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
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; \
sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz').status == 200 else 1)" \
    || exit 1
# `intake run` applies pending migrations before it starts.
ENTRYPOINT ["intake"]
CMD ["run"]
