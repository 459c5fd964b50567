# syntax=docker/dockerfile:1
#
# posture server image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t posture .
#   docker run -p 8080:8080 -v posture-data:/data \
#     -v $PWD/posture.yaml:/etc/posture/posture.yaml:ro posture
#
# The database (SQLite) lives in the /data volume ($POSTURE_DATA). The
# default command serves with /etc/posture/posture.yaml: mount yours there.
# `docker run ... posture demo` serves the built-in sample data instead.
#
# Health: the image has no curl, so there is no HEALTHCHECK; probe over HTTP
# from the orchestrator instead: GET /healthz (process is up) and
# GET /readyz (database answers, no migration pending) on port 8080.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=1
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o /out/posture ./cmd/posture

# cgo SQLite links against glibc: a Debian base, not distroless/static.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin posture \
 && mkdir -p /data /etc/posture \
 && chown posture:posture /data
COPY --from=build /out/posture /usr/local/bin/posture
ENV POSTURE_DATA=/data
VOLUME /data
EXPOSE 8080
USER posture:posture
ENTRYPOINT ["/usr/local/bin/posture"]
CMD ["serve", "--config", "/etc/posture/posture.yaml"]
