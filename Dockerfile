# appealmod: the website and both bot runners in one image, started by run.sh.
#
#   docker build -t appealmod .
#   docker run --rm -p 8080:8080 -v "$PWD/certs:/app/certs:ro" \
#     -e APPEALMOD__WEB__BIND=0.0.0.0:8080 appealmod
#
# The configuration is mounted at /app/certs/config.yaml (see certs.example/). Inside the
# container the site must listen on all interfaces: web.bind 0.0.0.0:8080, or the
# environment override APPEALMOD__WEB__BIND=0.0.0.0:8080 (set below as the default).
# docker-compose.yml adds PostgreSQL (and, optionally, MongoDB).

FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# Cache mounts keep the registry and the target directory between builds; the binaries
# are copied out of the cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p appealmod-bot -p appealmod-web \
    && mkdir -p /out \
    && cp target/release/appealmod target/release/appealmod-web /out/

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl bash \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/appealmod --shell /usr/sbin/nologin appealmod
COPY --from=builder /out/appealmod /out/appealmod-web /usr/local/bin/
WORKDIR /app
COPY templates/ templates/
COPY static/ static/
COPY migrations/ migrations/
COPY certs.example/ certs.example/
COPY run.sh run.sh
# data/ holds the SQLite file when no PostgreSQL is configured; logs/ the log files.
RUN mkdir -p certs data logs && chown -R appealmod:appealmod data logs certs
USER appealmod
# run.sh uses the prebuilt binaries (no cargo in this image).
ENV APPEALMOD_BIN_DIR=/usr/local/bin \
    APPEALMOD_CONFIG=/app/certs/config.yaml \
    APPEALMOD__WEB__BIND=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# run.sh forwards SIGTERM (docker stop) to the three processes and waits for them.
STOPSIGNAL SIGTERM
ENTRYPOINT ["./run.sh"]
CMD ["run"]
