# syntax=docker/dockerfile:1
# Upkeep in a container: `docker build -t upkeep .`, or `docker compose up` with compose.yaml (PostgreSQL).
# See docs/install.md.

# --- build: compile the server and the dashboard, pack them as npm would publish them, install that package
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dependencies first (a layer that survives source edits); their native modules build here, where the compilers are.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild --no-audit --no-fund
COPY . .
# The package installed is the tarball just packed (its dependencies pinned in package.json), not a registry name.
# hadolint ignore=DL3016
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp \
  && npm install --global --prefix /opt/upkeep --omit=dev --no-audit --no-fund /tmp/upkeep-*.tgz

# --- run: the installed package on Debian, with Debian's Chromium for audits, as an unprivileged account
FROM node:20-bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-dejavu-core ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system upkeep \
  && useradd --system --gid upkeep --home-dir /var/lib/upkeep --create-home --shell /usr/sbin/nologin upkeep \
  && mkdir -p /etc/upkeep /var/lib/upkeep/data \
  && chown upkeep:upkeep /var/lib/upkeep/data
COPY --from=build /opt/upkeep /opt/upkeep
ENV PATH=/opt/upkeep/bin:$PATH \
    NODE_ENV=production \
    UPKEEP_LOG_FORMAT=json
# The config file, if any, is mounted read-only as /etc/upkeep/upkeep.yaml (`upkeep start` reads ./upkeep.yaml).
WORKDIR /etc/upkeep
USER upkeep
VOLUME ["/var/lib/upkeep/data"]
EXPOSE 3000
# Ready means the database answers and the results writer can write (docs/install.md, "Health endpoints").
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["tini", "--", "upkeep"]
CMD ["start", "--host", "0.0.0.0", "--port", "3000", "--data-dir", "/var/lib/upkeep/data"]
